"""Memory and time bounds on untrusted images and answers (issue 16, items 1-5).

Each test builds the hostile input of its item (``langchain_gemini_vision.testing.hostile``)
and asserts the bound: a typed refusal before the costly step, or a result reached
without it (tracemalloc for what numpy and Python allocate; a recorder on the Pillow
step that must not run). Nothing here times itself: the figures are in
``benchmarks/fig11_input_bombs.py``.
"""

from __future__ import annotations

import io
import struct
import tracemalloc
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import numpy as np
import pytest
from PIL import GifImagePlugin, Image, ImageFile, JpegImagePlugin

from langchain_gemini_vision import image_formats, images, masks, parsing
from langchain_gemini_vision.errors import ConfigurationError, ImageInputError
from langchain_gemini_vision.images import load_image
from langchain_gemini_vision.parsing import parse_detections
from langchain_gemini_vision.testing.hostile import (
    detection_answer_with_masks,
    exif_bomb_png,
    exif_orientation_ifd,
    gif_frame_flood,
    ico_bomb,
    jpeg_segment_flood,
    png16_bomb,
    webp_bomb,
)


def encode(img: Image.Image, fmt: str, **params: Any) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt, **params)
    return buffer.getvalue()


def jpeg_with_orientation(size: tuple[int, int], orientation: int = 6) -> bytes:
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encode(Image.new("RGB", size, (90, 140, 200)), "JPEG", exif=exif.tobytes())


def traced_peak(fn: Callable[[], Any]) -> tuple[Any, int]:
    """``fn()`` and the peak bytes Python and numpy allocated while it ran."""
    tracemalloc.start()
    try:
        result = fn()
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return result, peak


@pytest.fixture
def decoded_sizes(monkeypatch: pytest.MonkeyPatch) -> list[tuple[int, int]]:
    """The size of every image whose pixels Pillow decodes."""
    sizes: list[tuple[int, int]] = []
    real_load = ImageFile.ImageFile.load

    def load(self: ImageFile.ImageFile) -> Any:
        if self.tile:  # not decoded yet
            sizes.append(self.size)
        return real_load(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", load)
    return sizes


@pytest.fixture
def no_decode(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """Fail the test if any pixel is decoded (the refusal must come from the header)."""
    calls: list[str] = []

    def no_load(self: ImageFile.ImageFile) -> Any:
        calls.append("load")
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_load)
    yield calls
    assert calls == []


# --------------------------------------------------------------------------- 1. EXIF bomb


def test_item1_exif_bomb_reads_only_the_orientation_tag() -> None:
    bomb = exif_bomb_png(long_values=2_000_000)  # 8 MB of tag values
    prepared, peak = traced_peak(lambda: load_image(bomb))
    assert prepared.exif_orientation == 6
    assert (prepared.width, prepared.height) == (40, 50)  # 50x40 turned upright
    # Reading the 2 million values would build a tuple of Python ints (> 60 MB).
    assert peak < 3 * len(bomb), peak


def test_item1_orientation_parser_reads_ifd0_only() -> None:
    ifd = exif_orientation_ifd(8, long_values=1000)
    assert image_formats.exif_orientation(ifd) == 8
    assert image_formats.exif_orientation(b"Exif\x00\x00" + ifd) == 8  # the JPEG APP1 form
    big_endian = b"MM\x00*" + struct.pack(">IH", 8, 1) + struct.pack(">HHIHH", 0x0112, 3, 1, 3, 0)
    assert image_formats.exif_orientation(big_endian + b"\x00" * 4) == 3
    as_long = b"II*\x00" + struct.pack("<IH", 8, 1) + struct.pack("<HHII", 0x0112, 4, 1, 5)
    assert image_formats.exif_orientation(as_long + b"\x00" * 4) == 5
    for bad in (b"", b"II*\x00", ifd[:12], b"II*\x00\xff\xff\xff\x7f", b"\x00" * 40):
        assert image_formats.exif_orientation(bad) is None
    assert image_formats.exif_orientation(exif_orientation_ifd(1)) is None  # 1 means upright
    assert image_formats.exif_orientation(exif_orientation_ifd(9)) is None  # not an orientation


def test_item1_exif_orientation_still_applied_to_jpeg_and_webp() -> None:
    jpeg = load_image(jpeg_with_orientation((40, 30), 6))
    assert (jpeg.width, jpeg.height, jpeg.exif_orientation) == (30, 40, 6)
    webp = load_image(webp_bomb(24, orientation=8))
    assert (webp.width, webp.height, webp.exif_orientation) == (24, 24, 8)


# --------------------------------------------------------------------------- 2. JPEG segments


def test_item2_jpeg_segment_flood_is_refused_before_pillow_walks_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    opened: list[str] = []
    real_open = JpegImagePlugin.JpegImageFile._open

    def record(self: JpegImagePlugin.JpegImageFile) -> None:
        opened.append("open")
        real_open(self)

    monkeypatch.setattr(JpegImagePlugin.JpegImageFile, "_open", record)
    flood = jpeg_segment_flood(segments=300_000)
    for data in (flood, flood[:-2] + b"\x00\x00"):  # with and without the final EOI
        with pytest.raises(ImageInputError) as info:
            load_image(data)
        assert info.value.reason == "too_large"
        assert f"{image_formats.MAX_JPEG_SEGMENTS}" in info.value.detail
        assert "segments" in info.value.detail
    assert opened == []


def test_item2_jpeg_with_many_ordinary_segments_is_accepted() -> None:
    jpg = encode(Image.new("RGB", (16, 16), (40, 90, 160)), "JPEG")
    data = jpg[:2] + b"\xff\xfe\x00\x05abc" * 200 + jpg[2:]
    prepared = load_image(data)
    assert prepared.data == data
    assert (prepared.width, prepared.height) == (16, 16)


# --------------------------------------------------------------------------- 3. GIF frames


def test_item3_gif_frames_after_the_first_are_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    seeks: list[int] = []
    real_seek = GifImagePlugin.GifImageFile._seek

    def record(self: GifImagePlugin.GifImageFile, frame: int, update_image: bool = True) -> None:
        seeks.append(frame)
        real_seek(self, frame, update_image)

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "_seek", record)
    prepared = load_image(gif_frame_flood(frames=2000))
    assert (prepared.width, prepared.height) == (1, 1)
    assert prepared.converted_from == "image/gif"
    assert set(seeks) == {0}


# --------------------------------------------------------------------------- 4. decode budget


@pytest.mark.parametrize(
    ("bomb", "what"),
    [
        (png16_bomb(9000), "16-bit grey PNG, orientation 6"),
        (webp_bomb(9000), "lossless WEBP, orientation 6"),
    ],
    ids=["png16-9000", "webp-9000"],
)
def test_item4_decode_bombs_are_refused_from_the_header(
    bomb: bytes, what: str, no_decode: list[str]
) -> None:
    with pytest.raises(ImageInputError) as info:
        load_image(bomb)
    assert info.value.reason == "too_large", what
    assert "max_decode_bytes" in info.value.detail
    assert f"{images.DEFAULT_MAX_DECODE_BYTES}" in info.value.detail


def test_item4_budget_is_a_setting_and_refusal_says_so() -> None:
    data = png16_bomb(64)
    with pytest.raises(ImageInputError) as info:
        load_image(data, max_decode_bytes=10_000)
    assert info.value.reason == "too_large"
    assert "max_decode_bytes=10000" in info.value.detail
    assert load_image(data, max_decode_bytes=10_000_000).exif_orientation == 6


def test_item4_16bit_conversion_makes_no_wide_copy() -> None:
    side = 2000
    prepared, peak = traced_peak(lambda: load_image(png16_bomb(side)))
    assert prepared.exif_orientation == 6
    assert prepared.mime_type == "image/png"
    # The old conversion held an int64 copy: 8 bytes a pixel (32 MB here).
    assert peak < side * side, peak


def test_item4_16bit_values_are_scaled_to_8_bits() -> None:
    exif = Image.Exif()
    exif[0x0112] = 3
    array = np.array([[0x8000, 0xFFFF], [0x0100, 0x0000]], dtype=np.uint16)
    data = encode(Image.fromarray(array), "PNG", exif=exif.tobytes())
    sent = Image.open(io.BytesIO(load_image(data).data or b"")).convert("L")
    # Rotated 180 degrees, each value's high byte.
    assert np.asarray(sent).tolist() == [[0x00, 0x01], [0xFF, 0x80]]


def test_item4_jpeg_over_the_budget_is_decoded_at_reduced_size(
    decoded_sizes: list[tuple[int, int]],
) -> None:
    data = jpeg_with_orientation((2000, 1500), 6)
    prepared = load_image(data, max_decode_bytes=8_000_000)  # full size needs ~27 MB
    assert decoded_sizes and max(w * h for w, h in decoded_sizes) <= 1000 * 750
    assert prepared.downscaled
    assert (prepared.original_width, prepared.original_height) == (1500, 2000)
    assert prepared.width is not None and prepared.height is not None
    assert prepared.width * 4 == prepared.height * 3
    assert prepared.width <= 750


def test_item4_jpeg_downscale_decodes_in_draft_mode(
    decoded_sizes: list[tuple[int, int]],
) -> None:
    data = encode(Image.new("RGB", (4000, 3000), (10, 20, 30)), "JPEG")
    prepared = load_image(data, max_side=500)
    assert (prepared.width, prepared.height) == (500, 375)
    assert (prepared.original_width, prepared.original_height) == (4000, 3000)
    assert decoded_sizes == [(500, 375)]  # 1/8 scale straight from the DCT


def test_item4_concurrent_decodes_share_one_budget() -> None:
    data = jpeg_with_orientation((600, 400), 6)
    budget = images.DecodeBudget(3 * 600 * 400 * 10)  # about three decodes at once
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda _: load_image(data, decode_budget=budget), range(16)))
    assert all(r.exif_orientation == 6 for r in results)
    assert budget.in_use_bytes == 0
    assert 0 < budget.peak_bytes <= budget.total_bytes


def test_item4_one_decode_larger_than_the_shared_budget_is_refused() -> None:
    data = jpeg_with_orientation((600, 400), 6)
    with pytest.raises(ImageInputError) as info:
        load_image(data, decode_budget=images.DecodeBudget(1000), max_decode_bytes=10**9)
    assert info.value.reason == "too_large"
    assert "shared" in info.value.detail


# --------------------------------------------------------------------------- 5. masks, items


def test_item5_items_parsed_are_capped_with_a_warning() -> None:
    answer = (
        "["
        + ",".join(
            f'{{"box_2d": [{i % 1000}, 0, {i % 1000 + 1}, {1 + i // 1000}]}}' for i in range(1500)
        )
        + "]"
    )
    parsed = parse_detections(answer, resolution_wh=(100, 100))
    assert len(parsed.detections) == parsing.DEFAULT_MAX_ITEMS
    assert any("max_items" in w and "1500" in w for w in parsed.warnings)
    small = parse_detections(answer, resolution_wh=(100, 100), max_items=5)
    assert len(small.detections) == 5


def test_item5_mask_memory_is_bounded_and_boxes_are_kept() -> None:
    width, height = 4000, 3000
    answer = detection_answer_with_masks(items=14)  # 14 full-image masks: 168 MB as bools
    parsed, peak = traced_peak(lambda: parse_detections(answer, resolution_wh=(width, height)))
    assert len(parsed.detections) == 14  # every box kept
    kept = [d.mask for d in parsed.detections if d.mask is not None]
    assert 0 < len(kept) < 14
    assert sum(m.local.nbytes for m in kept) <= masks.DEFAULT_MAX_MASK_BYTES
    assert peak < masks.DEFAULT_MAX_MASK_BYTES + 3 * width * height
    skipped = [w for w in parsed.warnings if "max_mask_bytes" in w]
    assert len(skipped) == 14 - len(kept)


def test_item5_mask_budget_is_a_setting() -> None:
    answer = detection_answer_with_masks(items=3)
    parsed = parse_detections(answer, resolution_wh=(100, 100), max_mask_bytes=25_000)
    assert [d.mask is not None for d in parsed.detections] == [True, True, False]
    polygon = '[{"box_2d": [0, 0, 1000, 1000], "mask": [[0, 0], [1000, 0], [1000, 1000]]}]'
    refused = parse_detections(polygon, resolution_wh=(100, 100), max_mask_bytes=100)
    assert refused.detections[0].mask is None
    assert any("max_mask_bytes" in w for w in refused.warnings)


def test_item4_ico_is_measured_by_the_picture_it_embeds(no_decode: list[str]) -> None:
    """Pillow decodes an ICO's picture while opening it: the size is read first."""
    with pytest.raises(ImageInputError) as info:
        load_image(ico_bomb(9000))
    assert info.value.reason == "too_large"
    assert "9000x9000" in info.value.detail


def test_item4_small_icons_still_convert() -> None:
    prepared = load_image(ico_bomb(64))
    assert (prepared.width, prepared.height) == (64, 64)
    assert prepared.converted_from == "image/x-icon"


@pytest.mark.parametrize("value", [0, -1])
def test_item4_a_bad_budget_is_a_configuration_error(value: int) -> None:
    with pytest.raises(ConfigurationError):
        load_image(png16_bomb(8), max_decode_bytes=value)
    with pytest.raises(ConfigurationError):
        images.DecodeBudget(value)


async def test_item4_async_loading_takes_the_same_budget() -> None:
    with pytest.raises(ImageInputError) as info:
        await images.aload_image(png16_bomb(64), max_decode_bytes=10_000)
    assert "max_decode_bytes=10000" in info.value.detail


def test_item1_pil_image_from_an_exif_bomb_reads_only_the_orientation() -> None:
    opened = Image.open(io.BytesIO(exif_bomb_png(long_values=1_000_000)))
    prepared, peak = traced_peak(lambda: load_image(opened))
    assert prepared.exif_orientation == 6
    assert (prepared.width, prepared.height) == (40, 50)
    assert peak < 8_000_000, peak  # the tag's values as Python ints: over 36 MB
