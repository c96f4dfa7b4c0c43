"""load_image: every accepted input kind, every bad-input class, paths, limits, budget."""

from __future__ import annotations

import base64
import hashlib
import io
import os
import sys
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageFile, ImageOps

from langchain_gemini_vision import images as images_module
from langchain_gemini_vision._url_safety import UrlPolicy
from langchain_gemini_vision.errors import ConfigurationError, ImageInputError
from langchain_gemini_vision.images import (
    MAX_IMAGES_PER_REQUEST,
    PreparedImage,
    aload_image,
    aload_images,
    fit_inline_budget,
    load_image,
    load_images,
)

LOCAL = UrlPolicy(allowed_addresses=frozenset({"127.0.0.1"}))


def encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **params)
    return buffer.getvalue()


def quadrants(width: int = 40, height: int = 30) -> Image.Image:
    """An image whose orientation can be read back: four coloured quadrants."""
    img = Image.new("RGB", (width, height))
    half_w, half_h = width // 2, height // 2
    img.paste((255, 0, 0), (0, 0, half_w, half_h))
    img.paste((0, 255, 0), (half_w, 0, width, half_h))
    img.paste((0, 0, 255), (0, half_h, half_w, height))
    img.paste((255, 255, 0), (half_w, half_h, width, height))
    return img


PNG = encode(quadrants(), "PNG")
JPEG = encode(quadrants(), "JPEG", quality=90)
WEBP = encode(quadrants(), "WEBP")
GIF = encode(quadrants().convert("P"), "GIF")
PNG_B64 = base64.b64encode(PNG).decode()


def decoded(prepared: PreparedImage) -> Image.Image:
    assert prepared.data is not None
    img = Image.open(io.BytesIO(prepared.data))
    img.load()
    return img


# --------------------------------------------------------------------------- accepted kinds

Factory = Callable[[Path], Any]


def _write(tmp: Path, name: str, data: bytes) -> Path:
    path = tmp / name
    path.write_bytes(data)
    return path


# (id, factory, placement, mime, size, converted_from)
ACCEPTED: list[tuple[str, Factory, str, str | None, tuple[int, int] | None, str | None]] = [
    ("str-path", lambda t: str(_write(t, "a.png", PNG)), "inline", "image/png", (40, 30), None),
    ("pathlib-path", lambda t: _write(t, "a.jpg", JPEG), "inline", "image/jpeg", (40, 30), None),
    ("bytes-png", lambda t: PNG, "inline", "image/png", (40, 30), None),
    ("bytes-webp", lambda t: WEBP, "inline", "image/webp", (40, 30), None),
    ("bytearray", lambda t: bytearray(JPEG), "inline", "image/jpeg", (40, 30), None),
    ("memoryview", lambda t: memoryview(PNG), "inline", "image/png", (40, 30), None),
    ("binary-file-object", lambda t: io.BytesIO(PNG), "inline", "image/png", (40, 30), None),
    (
        "open-file",
        lambda t: _write(t, "f.png", PNG).open("rb"),
        "inline",
        "image/png",
        (40, 30),
        None,
    ),
    ("base64-string", lambda t: PNG_B64, "inline", "image/png", (40, 30), None),
    (
        "base64-with-newlines",
        lambda t: "\n".join(PNG_B64[i : i + 76] for i in range(0, len(PNG_B64), 76)),
        "inline",
        "image/png",
        (40, 30),
        None,
    ),
    (
        "base64-urlsafe-unpadded",
        lambda t: base64.urlsafe_b64encode(JPEG).decode().rstrip("="),
        "inline",
        "image/jpeg",
        (40, 30),
        None,
    ),
    (
        "data-uri",
        lambda t: f"data:image/png;base64,{PNG_B64}",
        "inline",
        "image/png",
        (40, 30),
        None,
    ),
    (
        "data-uri-lying-mime",
        lambda t: f"data:image/jpeg;base64,{PNG_B64}",
        "inline",
        "image/png",
        (40, 30),
        None,
    ),
    ("gif-converted", lambda t: GIF, "inline", "image/png", (40, 30), "image/gif"),
    ("pil-image", lambda t: quadrants(), "inline", "image/png", (40, 30), None),
    (
        "pil-image-I16",
        lambda t: Image.fromarray(np.full((5, 7), 40000, np.uint16)),
        "inline",
        "image/png",
        (7, 5),
        None,
    ),
    ("numpy-gray", lambda t: np.zeros((30, 40), np.uint8), "inline", "image/png", (40, 30), None),
    ("numpy-rgb", lambda t: np.zeros((30, 40, 3), np.uint8), "inline", "image/png", (40, 30), None),
    (
        "numpy-rgba",
        lambda t: np.zeros((30, 40, 4), np.uint8),
        "inline",
        "image/png",
        (40, 30),
        None,
    ),
    ("http-url", lambda t: "https://example.com/cat.png", "uri", None, None, None),
    ("http-url-no-extension", lambda t: "http://example.com/image?id=3", "uri", None, None, None),
    ("gs-uri", lambda t: "gs://bucket/dir/cat.jpg", "uri", None, None, None),
    (
        "files-api-uri",
        lambda t: "https://generativelanguage.googleapis.com/v1beta/files/abc123",
        "files_api",
        None,
        None,
        None,
    ),
    (
        "files-api-uri-other-host-v1",
        lambda t: "http://127.0.0.1:8080/v1/files/xyz-9",
        "files_api",
        None,
        None,
        None,
    ),
    ("files-api-name", lambda t: "files/abc123", "files_api", None, None, None),
    (
        "block-url",
        lambda t: {"type": "image", "url": "https://example.com/a.png"},
        "uri",
        None,
        None,
        None,
    ),
    (
        "block-url-data",
        lambda t: {"type": "image", "url": f"data:image/png;base64,{PNG_B64}"},
        "inline",
        "image/png",
        (40, 30),
        None,
    ),
    (
        "block-base64-mime-ignored",
        lambda t: {"type": "image", "base64": PNG_B64, "mime_type": "image/jpeg"},
        "inline",
        "image/png",
        (40, 30),
        None,
    ),
    (
        "block-file-id",
        lambda t: {"type": "image", "file_id": "files/abc123"},
        "files_api",
        None,
        None,
        None,
    ),
    (
        "block-v0-base64",
        lambda t: {
            "type": "image",
            "source_type": "base64",
            "data": PNG_B64,
            "mime_type": "image/png",
        },
        "inline",
        "image/png",
        (40, 30),
        None,
    ),
    (
        "block-image-url-data",
        lambda t: {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{PNG_B64}"}},
        "inline",
        "image/png",
        (40, 30),
        None,
    ),
    (
        "block-image-url-http",
        lambda t: {"type": "image_url", "image_url": {"url": "https://example.com/a.webp"}},
        "uri",
        None,
        None,
        None,
    ),
    (
        "block-image-url-string",
        lambda t: {"type": "image_url", "image_url": "gs://bucket/o.png"},
        "uri",
        None,
        None,
        None,
    ),
]


@pytest.mark.parametrize(
    ("factory", "placement", "mime", "size", "converted_from"),
    [a[1:] for a in ACCEPTED],
    ids=[a[0] for a in ACCEPTED],
)
def test_accepted_inputs(
    tmp_path: Path,
    factory: Factory,
    placement: str,
    mime: str | None,
    size: tuple[int, int] | None,
    converted_from: str | None,
) -> None:
    source = factory(tmp_path)
    prepared = load_image(source)
    if hasattr(source, "close"):
        source.close()
    assert prepared.placement == placement
    assert prepared.mime_type == mime
    assert prepared.converted_from == converted_from
    if size is None:
        assert prepared.width is None
        assert prepared.data is None
    else:
        assert (prepared.width, prepared.height) == size
        assert (prepared.original_width, prepared.original_height) == size
        assert prepared.data is not None
        assert prepared.sha256 == hashlib.sha256(prepared.data).hexdigest()
        assert decoded(prepared).size == size  # what is sent really has that size
    if placement == "files_api":
        assert prepared.file_name is not None
        assert prepared.file_name.startswith("files/")
    if placement == "uri":
        assert prepared.uri == (source if isinstance(source, str) else prepared.uri)
    assert PNG_B64[:40] not in prepared.source_label
    assert len(prepared.source_label) <= 130


def test_pass_through_bytes_are_identical() -> None:
    for data in (PNG, JPEG, WEBP):
        prepared = load_image(data)
        assert prepared.data == data
        assert prepared.converted_from is None
        assert not prepared.downscaled


def test_prepared_image_passes_through_unchanged() -> None:
    prepared = load_image(PNG)
    assert load_image(prepared) is prepared


def test_pixels_survive_conversion() -> None:
    prepared = load_image(encode(quadrants(), "BMP"))
    assert prepared.converted_from == "image/bmp"
    assert decoded(prepared).convert("RGB").tobytes() == quadrants().tobytes()


# --------------------------------------------------------------------------- bad inputs


def _fifo(tmp: Path) -> str:
    path = tmp / "pipe.png"
    os.mkfifo(path)
    return str(path)


# (id, factory, reason)
BAD: list[tuple[str, Factory, str]] = [
    ("missing-path", lambda t: str(t / "nope.png"), "not_found"),
    ("missing-pathlib", lambda t: t / "nope", "not_found"),
    ("missing-relative-looking", lambda t: "photos/cat.jpg", "not_found"),
    ("unknown-word", lambda t: "cat", "invalid_reference"),
    ("empty-string", lambda t: "", "invalid_reference"),
    ("directory", lambda t: t, "not_an_image"),
    ("text-file", lambda t: _write(t, "notes.png", b"hello, world\n" * 10), "not_an_image"),
    ("empty-file", lambda t: _write(t, "empty.png", b""), "not_an_image"),
    ("empty-bytes", lambda t: b"", "not_an_image"),
    ("html-bytes", lambda t: b"<!DOCTYPE html><html><body>login</body></html>", "not_an_image"),
    ("pdf", lambda t: b"%PDF-1.7\n%\xe2\xe3\n1 0 obj<<>>endobj\n", "unsupported"),
    (
        "svg",
        lambda t: b'<?xml version="1.0"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
        "unsupported",
    ),
    ("truncated-png", lambda t: PNG[: len(PNG) // 2], "corrupted"),
    ("truncated-jpeg", lambda t: JPEG[: len(JPEG) // 2], "corrupted"),
    ("truncated-gif", lambda t: GIF[:40], "corrupted"),
    ("ftp-url", lambda t: "ftp://example.com/a.png", "blocked_url"),
    ("file-url", lambda t: "file:///etc/passwd", "blocked_url"),
    ("gs-without-object", lambda t: "gs://bucket", "invalid_reference"),
    ("http-without-host", lambda t: "http:///a.png", "invalid_reference"),
    ("bad-data-uri", lambda t: "data:image/png;base64,@@@@", "invalid_reference"),
    (
        "block-local-path-url",
        lambda t: {"type": "image", "url": str(_write(t, "x.png", PNG))},
        "invalid_reference",
    ),
    ("block-file-url", lambda t: {"type": "image", "url": "file:///etc/hosts"}, "blocked_url"),
    (
        "block-two-sources",
        lambda t: {"type": "image", "url": "https://e.com/a.png", "base64": PNG_B64},
        "invalid_reference",
    ),
    ("block-no-source", lambda t: {"type": "image", "mime_type": "image/png"}, "invalid_reference"),
    (
        "block-bad-base64",
        lambda t: {"type": "image", "base64": "not base64!!", "mime_type": "image/png"},
        "invalid_reference",
    ),
    (
        "block-foreign-file-id",
        lambda t: {"type": "image", "file_id": "file-abc123"},
        "invalid_reference",
    ),
    ("block-text", lambda t: {"type": "text", "text": "hi"}, "invalid_reference"),
    (
        "block-image-url-missing",
        lambda t: {"type": "image_url", "image_url": {}},
        "invalid_reference",
    ),
    ("numpy-float", lambda t: np.zeros((4, 4, 3), np.float32), "unsupported"),
    ("numpy-1d", lambda t: np.zeros(10, np.uint8), "not_an_image"),
    ("numpy-5-channels", lambda t: np.zeros((4, 4, 5), np.uint8), "not_an_image"),
    ("numpy-empty", lambda t: np.zeros((0, 4, 3), np.uint8), "not_an_image"),
    (
        "text-mode-file",
        lambda t: _write(t, "t.png", PNG).open("r", encoding="latin-1"),
        "invalid_reference",
    ),
    ("unknown-type", lambda t: object(), "invalid_reference"),
    ("integer", lambda t: 42, "invalid_reference"),
    ("random-base64", lambda t: base64.b64encode(os.urandom(300)).decode(), "not_an_image"),
]


@pytest.mark.parametrize(("factory", "reason"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_inputs(tmp_path: Path, factory: Factory, reason: str) -> None:
    source = factory(tmp_path)
    try:
        with pytest.raises(ImageInputError) as info:
            load_image(source)
    finally:
        if hasattr(source, "close"):
            source.close()
    assert info.value.reason == reason
    assert info.value.source  # names what was given
    assert str(info.value).startswith(info.value.source)
    assert PNG_B64[:40] not in str(info.value)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_hanging(tmp_path: Path) -> None:
    # Opening a FIFO for reading would block until a writer appears.
    with pytest.raises(ImageInputError) as info:
        load_image(_fifo(tmp_path))
    assert info.value.reason == "not_an_image"
    assert "regular file" in info.value.detail


@pytest.mark.skipif(not Path("/proc/self/status").exists(), reason="needs /proc")
def test_proc_pseudo_file_reads_then_fails_as_not_an_image() -> None:
    with pytest.raises(ImageInputError) as info:
        load_image(Path("/proc/self/status"))
    assert info.value.reason == "not_an_image"


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_device_is_refused() -> None:
    with pytest.raises(ImageInputError) as info:
        load_image("/dev/zero")
    assert info.value.reason == "not_an_image"


def test_file_size_cap(tmp_path: Path) -> None:
    path = _write(tmp_path, "big.png", PNG)
    for source in (path, PNG, io.BytesIO(PNG), PNG_B64):
        with pytest.raises(ImageInputError) as info:
            load_image(source, max_file_bytes=100)
        assert info.value.reason == "too_large"


def test_error_names_the_source(tmp_path: Path) -> None:
    with pytest.raises(ImageInputError) as info:
        load_image(str(tmp_path / "missing-cat.png"))
    assert "missing-cat.png" in info.value.source
    assert "missing-cat.png" in str(info.value)


@pytest.mark.parametrize(
    "options",
    [{"max_side": 0}, {"max_pixels": -1}, {"max_side": 1.5}, {"inline_limit_bytes": 0}],
    ids=["max-side-zero", "max-pixels-negative", "max-side-float", "inline-limit-zero"],
)
def test_bad_options_are_configuration_errors(options: dict[str, Any]) -> None:
    with pytest.raises(ConfigurationError):
        load_image(PNG, **options)


# --------------------------------------------------------------------------- strings


def test_existing_relative_path_wins(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    _write(tmp_path, "cat", PNG)  # no extension, could be mistaken for a word
    prepared = load_image("cat")
    assert prepared.mime_type == "image/png"
    assert prepared.source_label == "cat"


def test_files_name_is_always_the_files_api(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "files").mkdir()
    _write(tmp_path / "files", "abc123", PNG)
    assert load_image("files/abc123").placement == "files_api"
    # a Path always means the local file
    assert load_image(Path("files/abc123")).placement == "inline"


def test_tilde_is_expanded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    _write(tmp_path, "me.png", PNG)
    assert load_image("~/me.png").mime_type == "image/png"


def test_url_labels_drop_signatures() -> None:
    prepared = load_image("https://bucket.example/a.png?X-Goog-Signature=deadbeef")
    assert "deadbeef" not in prepared.source_label
    assert prepared.uri is not None
    assert "deadbeef" in prepared.uri


# --------------------------------------------------------------------------- allowed dirs


def test_allowed_dirs(tmp_path: Path) -> None:
    inside = tmp_path / "inside"
    inside.mkdir()
    sibling = tmp_path / "inside-not"  # shares a prefix with "inside"
    sibling.mkdir()
    ok = _write(inside, "ok.png", PNG)
    out = _write(sibling, "out.png", PNG)
    link = inside / "link.png"
    link.symlink_to(out)
    assert load_image(ok, allowed_dirs=[inside]).mime_type == "image/png"
    cases = [out, link, inside / ".." / "inside-not" / "out.png", str(sibling / "missing.png")]
    for source in cases:
        with pytest.raises(ImageInputError) as info:
            load_image(source, allowed_dirs=[str(inside)])
        assert info.value.reason == "outside_allowed_dirs", source


def test_allowed_dir_reached_through_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real"
    real.mkdir()
    _write(real, "a.png", PNG)
    alias = tmp_path / "alias"
    alias.symlink_to(real, target_is_directory=True)
    assert load_image(alias / "a.png", allowed_dirs=[real]).mime_type == "image/png"
    assert load_image(real / "a.png", allowed_dirs=[alias]).mime_type == "image/png"


# --------------------------------------------------------------------------- pixels: no decode


def test_plain_12mp_jpeg_is_prepared_without_decoding(monkeypatch: pytest.MonkeyPatch) -> None:
    photo = encode(Image.new("RGB", (4000, 3000), (120, 80, 40)), "JPEG", quality=80)
    calls: list[str] = []

    def no_load(self: ImageFile.ImageFile) -> Any:
        calls.append("load")
        raise AssertionError("pixels were decoded")

    def no_decoder(*args: Any, **kwargs: Any) -> Any:
        calls.append("decoder")
        raise AssertionError("a decoder was created")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_load)
    monkeypatch.setattr(Image, "_getdecoder", no_decoder)
    prepared = load_image(photo)
    assert calls == []
    assert prepared.data == photo
    assert (prepared.width, prepared.height) == (4000, 3000)
    assert prepared.mime_type == "image/jpeg"
    assert prepared.exif_orientation is None


def test_plain_png_and_webp_are_not_decoded(monkeypatch: pytest.MonkeyPatch) -> None:
    exif = Image.Exif()
    exif[0x0112] = 1
    sources = [PNG, WEBP, encode(quadrants(), "PNG", exif=exif.tobytes())]

    def no_decoder(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("a decoder was created")

    monkeypatch.setattr(Image, "_getdecoder", no_decoder)
    monkeypatch.setattr(ImageFile.ImageFile, "load", no_decoder)
    for data in sources:
        assert load_image(data).data == data


# --------------------------------------------------------------------------- orientation


def _with_orientation(fmt: str, orientation: int) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(quadrants(), fmt, exif=exif.tobytes())


@pytest.mark.parametrize("orientation", range(2, 9), ids=lambda o: f"orientation-{o}")
def test_exif_orientation_is_applied_to_png(orientation: int) -> None:
    data = _with_orientation("PNG", orientation)
    expected = ImageOps.exif_transpose(Image.open(io.BytesIO(data)))
    assert expected is not None
    prepared = load_image(data)
    assert prepared.exif_orientation == orientation
    assert prepared.mime_type == "image/png"
    assert (prepared.width, prepared.height) == expected.size
    assert (prepared.original_width, prepared.original_height) == expected.size
    sent = decoded(prepared)
    assert sent.convert("RGB").tobytes() == expected.convert("RGB").tobytes()
    assert sent.getexif().get(0x0112) in (None, 1)  # no double rotation downstream


@pytest.mark.parametrize(("orientation", "size"), [(3, (40, 30)), (6, (30, 40)), (8, (30, 40))])
def test_exif_orientation_keeps_jpeg_as_jpeg(orientation: int, size: tuple[int, int]) -> None:
    prepared = load_image(_with_orientation("JPEG", orientation))
    assert prepared.mime_type == "image/jpeg"
    assert prepared.converted_from is None
    assert prepared.exif_orientation == orientation
    assert (prepared.width, prepared.height) == size
    sent = decoded(prepared)
    assert sent.size == size
    assert sent.getexif().get(0x0112) in (None, 1)
    # orientation 6 turns the image clockwise: the red top-left corner goes top-right
    red = np.asarray(sent.convert("RGB"))[2, -3] if orientation == 6 else None
    if red is not None:
        assert red[0] > 200
        assert red[1] < 60
        assert red[2] < 60


def test_exif_orientation_applied_to_webp_gives_png() -> None:
    prepared = load_image(_with_orientation("WEBP", 6))
    assert prepared.mime_type == "image/png"
    assert prepared.converted_from == "image/webp"
    assert (prepared.width, prepared.height) == (30, 40)


# --------------------------------------------------------------------------- downscale


DOWNSCALE = [
    ("max-side-jpeg", JPEG, {"max_side": 20}, "image/jpeg", (20, 15)),
    ("max-side-png", PNG, {"max_side": 20}, "image/png", (20, 15)),
    ("max-pixels", PNG, {"max_pixels": 300}, "image/png", (20, 15)),
    ("both-limits", PNG, {"max_side": 30, "max_pixels": 100}, "image/png", None),
    ("gif-downscaled", GIF, {"max_side": 10}, "image/png", (10, 8)),
]


@pytest.mark.parametrize(
    ("data", "options", "mime", "size"), [d[1:] for d in DOWNSCALE], ids=[d[0] for d in DOWNSCALE]
)
def test_downscale(
    data: bytes, options: dict[str, int], mime: str, size: tuple[int, int] | None
) -> None:
    prepared = load_image(
        data, max_side=options.get("max_side"), max_pixels=options.get("max_pixels")
    )
    assert prepared.downscaled
    assert prepared.mime_type == mime
    assert (prepared.original_width, prepared.original_height) == (40, 30)
    assert prepared.width is not None
    assert prepared.height is not None
    if size is not None:
        assert (prepared.width, prepared.height) == size
    assert decoded(prepared).size == (prepared.width, prepared.height)
    if "max_side" in options:
        assert max(prepared.width, prepared.height) <= options["max_side"]
    if "max_pixels" in options:
        assert prepared.width * prepared.height <= options["max_pixels"]
    assert prepared.scale_x == prepared.width / 40
    assert prepared.scale_y == prepared.height / 30


def test_no_downscale_under_the_limits_keeps_bytes() -> None:
    prepared = load_image(JPEG, max_side=40, max_pixels=1200)
    assert prepared.data == JPEG
    assert not prepared.downscaled
    assert prepared.scale_x == 1.0


def test_orientation_then_downscale_uses_upright_sides() -> None:
    prepared = load_image(_with_orientation("JPEG", 6), max_side=20)
    assert (prepared.original_width, prepared.original_height) == (30, 40)
    assert (prepared.width, prepared.height) == (15, 20)
    assert prepared.exif_orientation == 6
    assert prepared.downscaled


# --------------------------------------------------------------------------- HEIC


def _heic() -> bytes:
    pillow_heif = pytest.importorskip("pillow_heif")
    pillow_heif.register_heif_opener()
    return encode(quadrants(64, 48), "HEIF", quality=80)


def test_heic_travels_as_is_with_size() -> None:
    data = _heic()
    prepared = load_image(data)
    assert prepared.mime_type == "image/heic"
    assert prepared.data == data
    assert (prepared.width, prepared.height) == (64, 48)


def test_heic_downscale_gives_png() -> None:
    prepared = load_image(_heic(), max_side=32)
    assert prepared.mime_type == "image/png"
    assert prepared.converted_from == "image/heic"
    assert (prepared.width, prepared.height) == (32, 24)
    assert (prepared.original_width, prepared.original_height) == (64, 48)


def test_heic_without_pillow_heif(monkeypatch: pytest.MonkeyPatch) -> None:
    data = _heic()
    monkeypatch.setitem(sys.modules, "pillow_heif", None)
    prepared = load_image(data)  # no decoding needed: passes, size unknown
    assert prepared.mime_type == "image/heic"
    assert prepared.width is None
    with pytest.raises(ImageInputError) as info:
        load_image(data, max_side=16)
    assert info.value.reason == "heic_support_missing"
    assert "langchain-gemini-vision[heic]" in info.value.detail


# --------------------------------------------------------------------------- fetch


class _Images(BaseHTTPRequestHandler):
    def log_message(self, format: str, *args: object) -> None:
        return

    def do_GET(self) -> None:
        body = {"/a.gif": GIF, "/a.jpg": JPEG}.get(self.path, b"<html>nope</html>")
        self.send_response(200)
        self.send_header("Content-Type", "image/png")  # lies for the GIF: ignored
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture(scope="module")
def image_server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Images)
    httpd.daemon_threads = True
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def test_urls_are_not_downloaded_by_default(image_server: str) -> None:
    prepared = load_image(f"{image_server}/a.gif")
    assert prepared.placement == "uri"
    assert prepared.mime_type is None
    assert prepared.width is None


def test_fetch_downloads_and_converts(image_server: str) -> None:
    prepared = load_image(f"{image_server}/a.gif", fetch=True, url_policy=LOCAL)
    assert prepared.placement == "inline"
    assert prepared.mime_type == "image/png"
    assert prepared.converted_from == "image/gif"
    assert prepared.source_label.endswith("/a.gif")


def test_fetch_downscales_block_urls(image_server: str) -> None:
    block = {"type": "image", "url": f"{image_server}/a.jpg"}
    prepared = load_image(block, fetch=True, url_policy=LOCAL, max_side=20)
    assert (prepared.width, prepared.height) == (20, 15)


def test_fetch_uses_the_safe_default_policy(image_server: str) -> None:
    with pytest.raises(ImageInputError) as info:
        load_image(f"{image_server}/a.jpg", fetch=True)
    assert info.value.reason == "blocked_url"


def test_fetched_html_is_not_an_image(image_server: str) -> None:
    with pytest.raises(ImageInputError) as info:
        load_image(f"{image_server}/login", fetch=True, url_policy=LOCAL)
    assert info.value.reason == "not_an_image"
    assert "HTML" in info.value.detail


def test_fetch_leaves_gs_and_files_api_alone() -> None:
    assert load_image("gs://bucket/o.png", fetch=True).placement == "uri"
    assert load_image("files/abc", fetch=True).placement == "files_api"


async def test_aload_image(image_server: str, tmp_path: Path) -> None:
    prepared = await aload_image(f"{image_server}/a.gif", fetch=True, url_policy=LOCAL)
    assert prepared.converted_from == "image/gif"
    from_disk = await aload_image(_write(tmp_path, "x.jpg", JPEG))
    assert from_disk.data == JPEG
    with pytest.raises(ImageInputError) as info:
        await aload_image(f"{image_server}/a.gif", fetch=True)
    assert info.value.reason == "blocked_url"


async def test_aload_images_keeps_order() -> None:
    result = await aload_images([PNG, JPEG, "files/abc"], concurrency=2)
    assert [p.mime_type for p in result] == ["image/png", "image/jpeg", None]


# --------------------------------------------------------------------------- many images


def test_load_images_keeps_order_and_options() -> None:
    result = load_images([PNG, JPEG, GIF], max_side=20)
    assert [p.mime_type for p in result] == ["image/png", "image/jpeg", "image/png"]
    assert all(max(p.width or 0, p.height or 0) == 20 for p in result)


def test_load_images_limit() -> None:
    ref = load_image("files/abc")
    assert len(load_images([ref] * MAX_IMAGES_PER_REQUEST)) == MAX_IMAGES_PER_REQUEST
    with pytest.raises(ImageInputError) as info:
        load_images([ref] * (MAX_IMAGES_PER_REQUEST + 1))
    assert info.value.reason == "too_many_images"


def test_load_images_refuses_a_single_source() -> None:
    with pytest.raises(ImageInputError) as info:
        load_images("files/abc")
    assert info.value.reason == "invalid_reference"


# --------------------------------------------------------------------------- inline budget


def _inline(size: int, name: str) -> PreparedImage:
    return PreparedImage(
        placement="inline", data=b"\0" * size, mime_type="image/png", source_label=name
    )


BUDGETS = [
    # (id, sizes in bytes, limit in base64 bytes, expected marked indexes)
    ("all-fit", [300, 300], 800, set()),
    ("largest-goes-first", [300, 900, 600], 1300, {1}),
    ("two-must-go", [300, 900, 600], 500, {1, 2}),
    ("alone-over-budget", [3000, 30], 1000, {0}),
    ("tie-keeps-order", [600, 600, 600], 1700, {0}),
    ("exact-fit", [300, 300], 800, set()),
]


@pytest.mark.parametrize(
    ("sizes", "limit", "marked"), [b[1:] for b in BUDGETS], ids=[b[0] for b in BUDGETS]
)
def test_fit_inline_budget(sizes: list[int], limit: int, marked: set[int]) -> None:
    images = [_inline(size, f"img{i}") for i, size in enumerate(sizes)]
    result = fit_inline_budget(images, limit)
    assert [p.source_label for p in result] == [p.source_label for p in images]
    assert {i for i, p in enumerate(result) if p.needs_upload} == marked
    remaining = sum(len(p.base64_data) for p in result if not p.needs_upload)
    assert remaining <= limit
    assert not any(p.needs_upload for p in images)  # inputs untouched


def test_fit_inline_budget_ignores_references() -> None:
    ref = load_image("gs://bucket/o.png")
    result = fit_inline_budget([ref, _inline(3000, "big")], 100)
    assert result[0] is ref
    assert result[1].needs_upload


def test_needs_upload_when_over_the_inline_limit_alone() -> None:
    assert load_image(PNG, inline_limit_bytes=len(PNG)).needs_upload  # base64 is 4/3 larger
    assert not load_image(PNG, inline_limit_bytes=len(PNG) * 2).needs_upload


# --------------------------------------------------------------------------- the model


def test_prepared_image_model() -> None:
    prepared = load_image(PNG)
    text = repr(prepared)
    assert "image/png" in text
    assert "40x30" in text
    assert PNG_B64[:20] not in text
    assert "\\x89PNG" not in text
    assert str(prepared) == text
    assert prepared.size_bytes == len(PNG)
    assert prepared.base64_data == PNG_B64
    assert prepared.base64_data is prepared.base64_data  # cached
    with pytest.raises(Exception):  # frozen
        prepared.width = 3  # type: ignore[misc]
    other = prepared.model_copy(update={"data": JPEG, "mime_type": "image/jpeg"})
    assert other.base64_data == base64.b64encode(JPEG).decode()


def test_prepared_image_validation() -> None:
    with pytest.raises(ValueError):
        PreparedImage(placement="inline")
    with pytest.raises(ValueError):
        PreparedImage(placement="uri")
    built = PreparedImage(placement="inline", data=b"abc", mime_type="image/png")
    assert built.sha256 == hashlib.sha256(b"abc").hexdigest()
    ref = PreparedImage(placement="uri", uri="gs://bucket/o")
    assert ref.size_bytes == 0
    assert ref.scale_x is None
    with pytest.raises(ImageInputError):
        _ = ref.base64_data


def test_module_exports_match() -> None:
    for name in images_module.__all__:
        assert hasattr(images_module, name), name
