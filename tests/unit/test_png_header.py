"""PNGs that need no change skip Pillow: the header check must say what Pillow would.

``image_formats.trim_to_image`` walks the chunks and verifies the checksums of those
before the first IDAT, and ``image_formats.png_size`` checks IHDR's fields: together,
what ``PIL.Image.open`` checks for a PNG.
"""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, PngImagePlugin, UnidentifiedImageError

from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.image_formats import png_size
from langchain_gemini_vision.images import load_image


def _png(mode: str, size: tuple[int, int] = (13, 7), **save: object) -> bytes:
    rng = np.random.default_rng(0)
    if mode == "I;16":
        image = Image.fromarray(rng.integers(0, 65535, size[::-1], dtype=np.uint16))
    else:
        image = Image.fromarray(rng.integers(0, 255, (*size[::-1], 3), dtype=np.uint8))
        image = image.convert(mode)
    out = io.BytesIO()
    image.save(out, "PNG", **save)
    return out.getvalue()


def _with_text(data: bytes) -> bytes:
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "made for a test")
    image = Image.open(io.BytesIO(data))
    out = io.BytesIO()
    image.save(out, "PNG", pnginfo=info)
    return out.getvalue()


VALID = {
    "rgb": _png("RGB"),
    "rgba": _png("RGBA"),
    "grey": _png("L"),
    "grey-alpha": _png("LA"),
    "one-bit": _png("1"),
    "palette": _png("P"),
    "sixteen-bit": _png("I;16"),
    "optimized": _png("RGB", optimize=True),
    "with-text": _with_text(_png("RGB")),
    "wide": _png("RGB", (2000, 3)),
}


@pytest.mark.parametrize("name", sorted(VALID))
def test_size_and_bytes_agree_with_pillow(name: str) -> None:
    data = VALID[name]
    assert png_size(data, name) == Image.open(io.BytesIO(data)).size
    prepared = load_image(data)
    assert (prepared.width, prepared.height) == Image.open(io.BytesIO(data)).size
    assert prepared.data == data  # nothing to change: passed through


def _corrupt_text_checksum(data: bytes) -> bytes:
    at = data.index(b"tEXt") - 4
    length = struct.unpack(">I", data[at : at + 4])[0]
    crc_at = at + 8 + length
    return data[:crc_at] + bytes(b ^ 0xFF for b in data[crc_at : crc_at + 4]) + data[crc_at + 4 :]


def test_a_bad_checksum_before_the_pixels_is_refused_as_pillow_refuses_it() -> None:
    data = _corrupt_text_checksum(VALID["with-text"])
    with pytest.raises(UnidentifiedImageError):
        Image.open(io.BytesIO(data))
    with pytest.raises(ImageInputError) as info:
        load_image(data)
    assert info.value.reason == "corrupted"
    assert "tEXt chunk's checksum" in info.value.detail


def _with_ihdr(data: bytes, ihdr: bytes) -> bytes:
    chunk = b"IHDR" + ihdr
    return (
        data[:8] + struct.pack(">I", 13) + chunk + struct.pack(">I", zlib.crc32(chunk)) + data[33:]
    )


@pytest.mark.parametrize(
    ("ihdr", "word"),
    [
        (struct.pack(">IIBBBBB", 13, 7, 8, 5, 0, 0, 0), "colour type 5"),
        (struct.pack(">IIBBBBB", 13, 7, 4, 2, 0, 0, 0), "bit depth 4"),
        (struct.pack(">IIBBBBB", 0, 7, 8, 2, 0, 0, 0), "0x7"),
    ],
    ids=["no-such-colour-type", "depth-not-allowed", "zero-width"],
)
def test_an_invalid_header_is_refused_with_its_reason(ihdr: bytes, word: str) -> None:
    data = _with_ihdr(VALID["rgb"], ihdr)
    with pytest.raises(Exception):
        Image.open(io.BytesIO(data)).load()
    with pytest.raises(ImageInputError) as info:
        load_image(data)
    assert info.value.reason == "corrupted"
    assert word in info.value.detail


def test_an_unknown_compression_method_is_refused() -> None:
    """Pillow ignores the field; the PNG specification defines only method 0, and libpng
    (what a server decoding the upload is likely to use) rejects any other."""
    data = _with_ihdr(VALID["rgb"], struct.pack(">IIBBBBB", 13, 7, 8, 2, 1, 0, 0))
    with pytest.raises(ImageInputError) as info:
        load_image(data)
    assert "compression" in info.value.detail
