"""Hostile and odd files: each gets a clear ImageInputError or a correct conversion."""

from __future__ import annotations

import contextlib
import io
import struct
import zipfile
import zlib
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from PIL import Image

from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.images import PreparedImage, load_image


def encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_chunk(kind: bytes, payload: bytes) -> bytes:
    return (
        struct.pack(">I", len(payload))
        + kind
        + payload
        + struct.pack(">I", zlib.crc32(kind + payload) & 0xFFFFFFFF)
    )


def png_claiming(width: int, height: int) -> bytes:
    """A tiny, well-formed PNG whose header claims ``width`` x ``height``."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + png_chunk(b"IHDR", ihdr)
        + png_chunk(b"IDAT", zlib.compress(b"\0" * 64))
        + png_chunk(b"IEND", b"")
    )


def sent(prepared: PreparedImage) -> Image.Image:
    assert prepared.data is not None
    img = Image.open(io.BytesIO(prepared.data))
    img.load()
    return img


PNG = encode(Image.new("RGB", (20, 10), (10, 200, 30)), "PNG")
JPEG = encode(Image.new("RGB", (20, 10), (10, 200, 30)), "JPEG")
WEBP = encode(Image.new("RGB", (20, 10), (10, 200, 30)), "WEBP")


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("secret.txt", "do not send me")
    return buffer.getvalue()


def _gif_js_polyglot() -> bytes:
    # "GIF89a/*" is both a GIF header and the start of a JS comment; the JS rides in
    # a GIF comment extension so the file stays a valid GIF.
    gif = encode(Image.new("P", (4, 4), 1), "GIF", comment=b"*/=1;alert(1);/*")
    return b"GIF89a/*" + gif[8:]


def _animated_gif() -> bytes:
    frames = [Image.new("RGB", (16, 12), color) for color in ((255, 0, 0), (0, 0, 255))]
    return encode(frames[0], "GIF", save_all=True, append_images=frames[1:], duration=50, loop=0)


def _png16() -> bytes:
    return encode(Image.fromarray(np.full((12, 16), 50000, np.uint16)), "PNG")


def _cmyk_jpeg() -> bytes:
    return encode(Image.new("CMYK", (16, 12), (0, 255, 255, 0)), "JPEG")  # red in CMYK


def _palette_png_alpha() -> bytes:
    img = Image.new("P", (8, 8), 0)
    img.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    img.putpixel((0, 0), 1)
    return encode(img, "PNG", transparency=0)


def _palette_gif_alpha() -> bytes:
    img = Image.new("P", (8, 8), 0)
    img.putpalette([255, 0, 0, 0, 255, 0] + [0] * 762)
    img.putpixel((0, 0), 1)
    return encode(img, "GIF", transparency=0)


def _tiff16() -> bytes:
    return encode(Image.fromarray(np.full((6, 9), 65535, np.uint16)), "TIFF")


# --------------------------------------------------------------------------- refused

REFUSED: list[tuple[str, bytes, str, str]] = [
    # (id, data, reason, a word the detail must contain)
    ("zero-bytes", b"", "not_an_image", "empty"),
    ("truncated-png", PNG[:-12], "corrupted", "truncated"),
    ("png-signature-only", PNG[:8], "corrupted", "truncated"),
    ("png-header-only", PNG[:33], "corrupted", "truncated"),
    ("truncated-jpeg", JPEG[:-2], "corrupted", "truncated"),
    ("jpeg-soi-only", b"\xff\xd8\xff", "corrupted", "truncated"),
    ("truncated-webp", WEBP[:-10], "corrupted", "truncated"),
    ("decompression-bomb-png", png_claiming(100_000, 100_000), "too_large", "bomb"),
    ("over-pixel-limit-png", png_claiming(12_000, 8_000), "too_large", "pixels"),
    (
        "svg",
        b'<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>',
        "unsupported",
        "SVG",
    ),
    ("pdf", b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<<>>\n%%EOF", "unsupported", "PDF"),
    (
        "mp4",
        b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64,
        "unsupported",
        "video",
    ),
    ("html", b"<!doctype html><title>Sign in</title>", "not_an_image", "HTML"),
    ("zip", _zip(), "not_an_image", "not a recognised image"),
    ("png-bad-chunk-chain", PNG[:33] + b"\x7f\xff\xff\x00" + PNG[37:], "corrupted", "chunk"),
    ("png-bad-ihdr", PNG[:16] + b"\x00\x00\x00\x00" + PNG[20:], "corrupted", "image/png"),
    ("gif-header-garbage", b"GIF89a" + b"\xff" * 20, "corrupted", "GIF"),
    ("bmp-garbage", b"BM" + b"\x00" * 40, "corrupted", "image/bmp"),
]


@pytest.mark.filterwarnings("ignore::PIL.Image.DecompressionBombWarning")
@pytest.mark.parametrize(
    ("data", "reason", "word"), [r[1:] for r in REFUSED], ids=[r[0] for r in REFUSED]
)
def test_refused_with_a_clear_reason(data: bytes, reason: str, word: str) -> None:
    with pytest.raises(ImageInputError) as info:
        load_image(data)
    assert info.value.reason == reason
    assert word.lower() in str(info.value).lower()


def test_unsupported_message_lists_accepted_formats() -> None:
    with pytest.raises(ImageInputError) as info:
        load_image(b"%PDF-1.7\n")
    for name in ("PNG", "JPEG", "WEBP", "HEIC", "HEIF"):
        assert name in info.value.detail


# --------------------------------------------------------------------------- accepted


# (id, data, mime sent, size sent, converted_from)
HANDLED: list[tuple[str, bytes, str, tuple[int, int], str | None]] = [
    ("one-pixel", encode(Image.new("RGB", (1, 1)), "PNG"), "image/png", (1, 1), None),
    ("10000x10", encode(Image.new("L", (10_000, 10)), "PNG"), "image/png", (10_000, 10), None),
    (
        "10x10000-jpeg",
        encode(Image.new("RGB", (10, 10_000)), "JPEG"),
        "image/jpeg",
        (10, 10_000),
        None,
    ),
    ("png-16-bit-kept", _png16(), "image/png", (16, 12), None),
    ("palette-png-alpha-kept", _palette_png_alpha(), "image/png", (8, 8), None),
    ("palette-gif-alpha", _palette_gif_alpha(), "image/png", (8, 8), "image/gif"),
    ("animated-gif", _animated_gif(), "image/png", (16, 12), "image/gif"),
    ("cmyk-jpeg", _cmyk_jpeg(), "image/png", (16, 12), "image/jpeg"),
    # "/*" doubles as the GIF's width field: 0x2A2F = 10799 px wide, as any decoder sees it
    ("gif-js-polyglot", _gif_js_polyglot(), "image/png", (10799, 4), "image/gif"),
    ("tiff-16-bit", _tiff16(), "image/png", (9, 6), "image/tiff"),
    (
        "ico",
        encode(Image.new("RGBA", (32, 32)), "ICO", sizes=[(32, 32)]),
        "image/png",
        (32, 32),
        "image/x-icon",
    ),
]


@pytest.mark.parametrize(
    ("data", "mime", "size", "converted_from"),
    [h[1:] for h in HANDLED],
    ids=[h[0] for h in HANDLED],
)
def test_handled_correctly(
    data: bytes, mime: str, size: tuple[int, int], converted_from: str | None
) -> None:
    prepared = load_image(data)
    assert prepared.mime_type == mime
    assert (prepared.width, prepared.height) == size
    assert prepared.converted_from == converted_from
    image = sent(prepared)
    assert image.size == size
    if converted_from is not None:
        assert image.format == "PNG"
        assert image.mode in ("RGB", "RGBA")  # 8-bit
    else:
        assert prepared.data == data  # passed through byte for byte


def test_16_bit_png_reports_its_mode_and_size_without_conversion() -> None:
    data = _png16()
    assert Image.open(io.BytesIO(data)).mode == "I;16"
    prepared = load_image(data)
    assert prepared.data == data


def test_16_bit_tiff_is_scaled_not_clipped() -> None:
    prepared = load_image(encode(Image.fromarray(np.full((4, 4), 0x8000, np.uint16)), "TIFF"))
    assert sent(prepared).convert("L").getpixel((0, 0)) == 0x80


def test_cmyk_jpeg_becomes_rgb_red() -> None:
    red = sent(load_image(_cmyk_jpeg())).convert("RGB").getpixel((5, 5))
    assert isinstance(red, tuple)
    assert red[0] > 200
    assert red[1] < 60
    assert red[2] < 60


def test_animated_gif_sends_the_first_frame() -> None:
    first = sent(load_image(_animated_gif())).convert("RGB").getpixel((3, 3))
    assert first == (255, 0, 0)


def test_gif_transparency_becomes_alpha() -> None:
    image = sent(load_image(_palette_gif_alpha()))
    assert image.mode == "RGBA"
    assert image.getpixel((3, 3))[3] == 0  # type: ignore[index]
    assert image.getpixel((0, 0)) == (0, 255, 0, 255)


def test_polyglot_script_is_not_sent() -> None:
    prepared = load_image(_gif_js_polyglot())
    assert prepared.data is not None
    assert b"alert" not in prepared.data


def test_wrong_extension_is_ignored(tmp_path: Path) -> None:
    path = tmp_path / "really-a-png.jpg"
    path.write_bytes(PNG)
    prepared = load_image(path)
    assert prepared.mime_type == "image/png"
    assert prepared.data == PNG


@pytest.mark.parametrize(
    ("image", "trailer"),
    [(JPEG, _zip()), (PNG, _zip()), (WEBP, _zip()), (JPEG, b"\x00" * 100)],
    ids=["jpeg+zip", "png+zip", "webp+zip", "jpeg+padding"],
)
def test_trailing_data_is_dropped(image: bytes, trailer: bytes) -> None:
    prepared = load_image(image + trailer)
    assert prepared.data == image  # the archive is not sent to anyone
    assert prepared.converted_from is None


def test_jpeg_with_exif_thumbnail_is_not_cut_at_the_thumbnail() -> None:
    thumb = encode(Image.new("RGB", (8, 8)), "JPEG")  # contains its own FFD9
    exif = Image.Exif()
    exif[0x010E] = "x"
    app1_payload = b"Exif\x00\x00" + exif.tobytes()[6:] + thumb
    app1 = b"\xff\xe1" + struct.pack(">H", len(app1_payload) + 2) + app1_payload
    data = JPEG[:2] + app1 + JPEG[2:]
    assert load_image(data).data == data
    with pytest.raises(ImageInputError) as info:
        load_image(data[:-2])
    assert info.value.reason == "corrupted"


def test_progressive_jpeg_passes_through() -> None:
    data = encode(Image.new("RGB", (64, 48), (1, 2, 3)), "JPEG", progressive=True)
    assert load_image(data).data == data


def test_mpo_keeps_only_the_primary_image() -> None:
    frames = [Image.new("RGB", (16, 8), c) for c in ((255, 0, 0), (0, 0, 255))]
    data = encode(frames[0], "MPO", save_all=True, append_images=frames[1:])
    prepared = load_image(data)
    assert prepared.mime_type == "image/jpeg"
    assert prepared.data is not None
    assert len(prepared.data) < len(data)
    assert sent(prepared).size == (16, 8)


# --------------------------------------------------------------------------- fuzzing

_PREFIXES = [
    b"",
    b"\x89PNG\r\n\x1a\n",
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    b"\xff\xd8\xff",
    b"\xff\xd8\xff\xe0\x00\x10JFIF\x00",
    b"RIFF\x00\x01\x00\x00WEBPVP8 ",
    b"GIF89a",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
    b"\x00\x00\x01\x00",
    b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic",
    b"\x00\x00\x00\x1cftypavif\x00\x00\x00\x00avifmif1miaf",
    b"<svg",
    b"%PDF-",
    b"P6\n",
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.binary(max_size=2048))
def test_random_bytes_raise_only_image_input_error(data: bytes) -> None:
    with contextlib.suppress(ImageInputError):
        load_image(data)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(prefix=st.sampled_from(_PREFIXES), tail=st.binary(max_size=1024))
def test_magic_prefixed_garbage_raises_only_image_input_error(prefix: bytes, tail: bytes) -> None:
    try:
        prepared = load_image(prefix + tail)
    except ImageInputError:
        return
    assert prepared.mime_type in {
        "image/png",
        "image/jpeg",
        "image/webp",
        "image/heic",
        "image/heif",
    }


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(PNG) - 1))
def test_every_png_truncation_is_caught(cut: int) -> None:
    with pytest.raises(ImageInputError):
        load_image(PNG[:cut])


@settings(max_examples=150, deadline=None)
@given(cut=st.integers(min_value=0, max_value=len(JPEG) - 1))
def test_every_jpeg_truncation_is_caught(cut: int) -> None:
    with pytest.raises(ImageInputError):
        load_image(JPEG[:cut])


@settings(max_examples=200, deadline=None)
@given(data=st.text(max_size=300))
def test_random_strings_raise_only_image_input_error(data: str) -> None:
    with contextlib.suppress(ImageInputError):
        load_image(data)
