"""Box-local masks: RLE, polygons, PNG decoding, pydantic round trips, cost vs full-size."""

from __future__ import annotations

import base64
import io
import tracemalloc
from contextlib import AbstractContextManager
from contextlib import nullcontext as does_not_raise
from typing import Any

import numpy as np
import pytest
from PIL import Image, ImageDraw
from pydantic import BaseModel

from langchain_gemini_vision.masks import (
    Mask,
    MaskDecodeError,
    decode_png_mask,
    rasterize_polygon,
)


def _png_b64(array: np.ndarray, *, prefix: bool = False) -> str:
    buffer = io.BytesIO()
    Image.fromarray(array.astype(np.uint8), mode="L").save(buffer, format="PNG")
    text = base64.b64encode(buffer.getvalue()).decode()
    return "data:image/png;base64," + text if prefix else text


def _reference_rle(full: np.ndarray) -> list[int]:
    """pycocotools' definition, written the slow obvious way: column-major, background first."""
    counts, current, run = [], False, 0
    for value in full.T.reshape(-1):
        if bool(value) != current:
            counts.append(run)
            current, run = bool(value), 0
        run += 1
    counts.append(run)
    return counts


# -- basics --------------------------------------------------------------------


def test_mask_views_and_full_size() -> None:
    local = np.array([[1, 0, 1], [1, 1, 0]], dtype=bool)
    mask = Mask(local, offset=(4, 5), resolution_wh=(10, 8))
    full = mask.to_full()
    assert full.shape == (8, 10)
    assert full.dtype == bool
    assert full.sum() == 4 == mask.area
    assert full[5, 4]
    assert full[5, 6]
    assert not full[5, 5]
    assert mask.bbox_xyxy == (4, 5, 7, 7)
    assert not mask.local.flags.writeable


@pytest.mark.parametrize(
    ("expectation", "shape", "offset", "resolution_wh"),
    [
        (does_not_raise(), (2, 2), (8, 6), (10, 8)),  # touches the far corner: fine
        (pytest.raises(ValueError, match="leaves"), (2, 2), (9, 6), (10, 8)),  # one column out
        (pytest.raises(ValueError, match="leaves"), (2, 2), (-1, 0), (10, 8)),  # negative offset
        (pytest.raises(ValueError, match="2-D"), (2, 2, 2), (0, 0), (10, 8)),  # not 2-D
        (pytest.raises(ValueError, match="positive"), (0, 0), (0, 0), (0, 8)),  # empty image
    ],
    ids=["corner", "outside", "negative", "3d", "no-image"],
)
def test_mask_bounds_are_checked(
    expectation: AbstractContextManager[Any],
    shape: tuple[int, ...],
    offset: tuple[int, int],
    resolution_wh: tuple[int, int],
) -> None:
    with expectation:
        Mask(np.ones(shape, dtype=bool), offset, resolution_wh)


def test_iou_uses_pixels_not_boxes() -> None:
    a = Mask(np.ones((4, 4), dtype=bool), (0, 0), (10, 10))
    b = Mask(np.ones((4, 4), dtype=bool), (2, 0), (10, 10))
    assert a.iou(b) == pytest.approx(8 / 24)
    assert a.iou(a) == 1.0
    far = Mask(np.ones((2, 2), dtype=bool), (8, 8), (10, 10))
    assert a.iou(far) == 0.0
    with pytest.raises(ValueError, match="different images"):
        a.iou(Mask(np.ones((1, 1), dtype=bool), (0, 0), (5, 5)))


def test_equality_ignores_the_storage_box() -> None:
    tight = Mask(np.ones((2, 2), dtype=bool), (3, 3), (10, 10))
    padded_local = np.zeros((6, 6), dtype=bool)
    padded_local[2:4, 2:4] = True
    padded = Mask(padded_local, (1, 1), (10, 10))
    assert tight == padded
    assert tight != Mask(np.ones((2, 2), dtype=bool), (4, 3), (10, 10))


# -- RLE -----------------------------------------------------------------------


def test_rle_is_column_major_background_first() -> None:
    full = np.zeros((3, 2), dtype=bool)
    full[0, 0] = True  # first pixel set: counts start with a zero-length background run
    full[2, 1] = True
    rle = Mask.from_full(full).to_rle()
    assert rle == {"size": [3, 2], "counts": [0, 1, 4, 1]}


@pytest.mark.parametrize("seed", range(30))
def test_rle_matches_reference_and_round_trips(seed: int) -> None:
    rng = np.random.default_rng(seed)
    height, width = (int(v) for v in rng.integers(1, 15, 2))
    full = rng.random((height, width)) < rng.random()
    mask = Mask.from_full(full)
    rle = mask.to_rle()
    assert rle["counts"] == _reference_rle(full)
    assert sum(rle["counts"]) == height * width
    assert np.array_equal(Mask.from_rle(rle).to_full(), full)


def test_rle_of_a_full_height_mask_merges_columns() -> None:
    mask = Mask(np.ones((4, 3), dtype=bool), (1, 0), (5, 4))
    assert mask.to_rle()["counts"] == [4, 12, 4]
    assert Mask.from_rle(mask.to_rle()) == mask


@pytest.mark.parametrize(
    ("rle", "match"),
    [
        ({"size": [2, 2], "counts": "PPYo0"}, "compressed"),
        ({"size": [2, 2], "counts": [1, 2]}, "sum"),
        ({"size": [2, 2], "counts": [5, -1]}, "non-negative"),
        ({"counts": [4]}, "COCO RLE"),
    ],
    ids=["compressed", "wrong-sum", "negative", "no-size"],
)
def test_from_rle_rejects_bad_input(rle: dict[str, Any], match: str) -> None:
    with pytest.raises(MaskDecodeError, match=match):
        Mask.from_rle(rle)


# -- polygons ------------------------------------------------------------------


def test_to_polygon_of_a_rectangle() -> None:
    mask = Mask(np.ones((2, 3), dtype=bool), (4, 5), (10, 8))
    assert mask.to_polygon() == [(4, 5), (7, 5), (7, 7), (4, 7)]


def test_to_polygon_picks_the_largest_region_and_ignores_holes() -> None:
    local = np.zeros((10, 20), dtype=bool)
    local[1:9, 1:9] = True
    local[4:6, 4:6] = False  # a hole
    local[2:4, 12:14] = True  # a smaller second region
    polygon = Mask(local, (0, 0), (20, 10)).to_polygon()
    assert polygon == [(1, 1), (9, 1), (9, 9), (1, 9)]


def test_to_polygon_of_an_l_shape_keeps_every_corner() -> None:
    local = np.array([[1, 0], [1, 1]], dtype=bool)
    assert Mask(local, (0, 0), (2, 2)).to_polygon() == [
        (0, 0),
        (1, 0),
        (1, 1),
        (2, 1),
        (2, 2),
        (0, 2),
    ]


def test_to_polygon_of_empty_mask() -> None:
    assert Mask(np.zeros((3, 3), dtype=bool), (0, 0), (3, 3)).to_polygon() == []


def test_to_polygon_round_trips_through_rasterisation() -> None:
    yy, xx = np.mgrid[0:60, 0:80]
    disk = (xx - 40) ** 2 + (yy - 30) ** 2 < 20**2
    mask = Mask.from_full(disk)
    points = [[x / 80 * 1000, y / 60 * 1000] for x, y in mask.to_polygon()]
    redrawn = rasterize_polygon(points, (80, 60))
    # PIL fills the polygon including its outline: a one-pixel rim at most.
    assert mask.iou(redrawn) > 0.9
    assert redrawn.to_full()[disk].all()


# -- PNG decoding --------------------------------------------------------------


@pytest.mark.parametrize("prefix", [True, False], ids=["data-uri", "bare-base64"])
def test_decode_png_mask_fills_the_box(prefix: bool) -> None:
    value = _png_b64(np.full((256, 256), 255), prefix=prefix)
    mask = decode_png_mask(value, (10.0, 20.0, 50.0, 40.0), (100, 80))
    assert mask.offset == (10, 20)
    assert mask.local.shape == (20, 40)
    assert mask.area == 800
    full = mask.to_full()
    assert full[20:40, 10:50].all()
    assert full.sum() == 800


def test_decode_png_mask_threshold_is_strictly_greater() -> None:
    value = _png_b64(np.full((8, 8), 127))
    assert decode_png_mask(value, (0, 0, 8, 8), (8, 8)).area == 0
    assert decode_png_mask(value, (0, 0, 8, 8), (8, 8), threshold=126).area == 64


def test_decode_png_mask_resizes_bilinear_into_the_box() -> None:
    half = np.zeros((256, 256))
    half[:, :128] = 255  # left half set
    mask = decode_png_mask(_png_b64(half), (0, 0, 100, 50), (200, 100))
    assert mask.local.shape == (50, 100)
    assert mask.local[:, :48].all()
    assert not mask.local[:, 52:].any()


def test_decode_png_mask_converts_rgb_pngs_to_gray() -> None:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (255, 255, 255)).save(buffer, format="PNG")
    value = base64.b64encode(buffer.getvalue()).decode()
    assert decode_png_mask(value, (0, 0, 4, 4), (4, 4)).area == 16


def test_to_png_base64_round_trips() -> None:
    local = np.zeros((7, 9), dtype=bool)
    local[2:5, 3:8] = True
    mask = Mask(local, (11, 13), (40, 30))
    decoded = decode_png_mask(mask.to_png_base64(), mask.bbox_xyxy, (40, 30))
    assert decoded == mask


@pytest.mark.parametrize(
    ("value", "match"),
    [
        ("data:image/png;base64,!!!not base64!!!", "base64"),
        (base64.b64encode(b"GIF89a" + b"\0" * 20).decode(), "not a PNG"),
        (base64.b64encode(b"\x89PNG\r\n\x1a\n" + b"garbage" * 5).decode(), "cannot be read"),
        ("data:image/png;base64,iVBORw0KGgo", "base64"),  # truncated: bad padding
    ],
    ids=["not-base64", "not-png", "broken-png", "truncated"],
)
def test_decode_png_mask_errors(value: str, match: str) -> None:
    with pytest.raises(MaskDecodeError, match=match):
        decode_png_mask(value, (0, 0, 10, 10), (10, 10))


def test_mask_decode_error_is_a_value_error() -> None:
    assert issubclass(MaskDecodeError, ValueError)


# -- polygon rasterisation -----------------------------------------------------


@pytest.mark.parametrize(
    ("points", "expected_box"),
    [
        ([[100, 200], [500, 200], [500, 600], [100, 600]], (10, 10, 51, 31)),  # [x, y] pairs
        ([100, 200, 500, 200, 500, 600, 100, 600], (10, 10, 51, 31)),  # flat list
        (["100", "200", "500", "200", "500", "600"], (10, 10, 51, 31)),  # numeric strings
        (
            [[[100, 200], [500, 200], [500, 600]], [[800, 800], [900, 800], [900, 900]]],
            (10, 10, 91, 46),
        ),
    ],
    ids=["pairs", "flat", "strings", "multi-polygon"],
)
def test_rasterize_polygon_forms(points: Any, expected_box: tuple[int, ...]) -> None:
    # 100 x 50 image: x scales by 0.1, y by 0.05
    mask = rasterize_polygon(points, (100, 50))
    assert mask.resolution_wh == (100, 50)
    assert mask.bbox_xyxy == expected_box
    assert mask.area > 0


def test_rasterize_polygon_swaps_y_first_pairs_when_the_box_says_so() -> None:
    # The object occupies x 600-900, y 100-300 (0-1000); pixel box on a 1000 x 500 image.
    box = (600.0, 50.0, 900.0, 150.0)
    xy = [[600, 100], [900, 100], [900, 300], [600, 300]]
    yx = [[y, x] for x, y in xy]
    as_given = rasterize_polygon(xy, (1000, 500), box_xyxy_px=box)
    swapped = rasterize_polygon(yx, (1000, 500), box_xyxy_px=box)
    assert as_given == swapped
    assert as_given.bbox_xyxy == (600, 50, 901, 151)
    # Without a box there is nothing to compare with: pairs are read as [x, y].
    assert rasterize_polygon(yx, (1000, 500)).bbox_xyxy == (100, 300, 301, 451)


def test_rasterize_polygon_allocates_only_its_box() -> None:
    mask = rasterize_polygon([[0, 0], [10, 0], [10, 10]], (4000, 3000))
    assert mask.local.shape == (31, 41)


@pytest.mark.parametrize(
    ("points", "match"),
    [
        ([[1, 2], [3, 4]], "at least 3"),
        ([1, 2, 3, 4, 5], "odd"),
        ([[1, 2], [3], [4, 5]], "pair"),
        ([[1, 2], [3, float("nan")], [4, 5]], "finite"),
        ([[1, 2], [True, 3], [4, 5]], "not a number"),
        ([], "non-empty"),
        ("not a list", "non-empty list"),
    ],
    ids=["two-vertices", "odd-flat", "bad-vertex", "nan", "bool", "empty", "string"],
)
def test_rasterize_polygon_errors(points: Any, match: str) -> None:
    with pytest.raises(MaskDecodeError, match=match):
        rasterize_polygon(points, (100, 100))


# -- pydantic ------------------------------------------------------------------


class _Holder(BaseModel):
    mask: Mask | None = None


def test_pydantic_round_trip_json_and_python() -> None:
    local = np.zeros((5, 6), dtype=bool)
    local[1:4, 2:5] = True
    mask = Mask(local, (7, 3), (20, 10))
    holder = _Holder(mask=mask)
    dumped = holder.model_dump(mode="json")
    assert dumped["mask"]["offset"] == [7, 3]
    assert dumped["mask"]["resolution_wh"] == [20, 10]
    assert dumped["mask"]["rle"]["size"] == [5, 6]
    restored = _Holder.model_validate_json(holder.model_dump_json())
    assert restored.mask == mask
    assert restored.mask is not None
    assert restored.mask.offset == (7, 3)
    assert _Holder.model_validate(dumped).mask == mask
    assert "rle" in str(_Holder.model_json_schema())


def test_pydantic_rejects_inconsistent_payload() -> None:
    bad = {
        "mask": {"rle": {"size": [2, 2], "counts": [3]}, "offset": [0, 0], "resolution_wh": [4, 4]}
    }
    with pytest.raises(ValueError, match="sum"):
        _Holder.model_validate(bad)


# -- cost: box-local vs one full-size array per mask ---------------------------


def test_box_local_decoding_matches_full_size_paste_in_far_less_memory() -> None:
    """The same pixels as the cookbook's full-size paste, in >= 10x less peak memory.

    25 masks rather than 100 keep the test's own footprint modest; the ratio is per mask.
    Speed is not asserted here (a test must not time itself): benchmark figure 7
    measures both time and peak memory on 100 masks (``python -m benchmarks --only 7``).
    """
    width, height = 4000, 3000
    disk = Image.new("L", (256, 256), 0)
    ImageDraw.Draw(disk).ellipse((20, 30, 230, 220), fill=255)
    value = _png_b64(np.asarray(disk), prefix=True)
    rng = np.random.default_rng(0)
    boxes = []
    for _ in range(25):
        w, h = (int(v) for v in rng.integers(100, 800, 2))
        x0, y0 = int(rng.integers(0, width - w)), int(rng.integers(0, height - h))
        boxes.append((float(x0), float(y0), float(x0 + w), float(y0 + h)))

    def box_local() -> list[Mask]:
        return [decode_png_mask(value, box, (width, height)) for box in boxes]

    def full_size() -> list[np.ndarray]:
        out = []
        for x0f, y0f, x1f, y1f in boxes:
            x0, y0, x1, y1 = int(x0f), int(y0f), int(x1f), int(y1f)
            raw = base64.b64decode(value.removeprefix("data:image/png;base64,"))
            small = (
                Image.open(io.BytesIO(raw))
                .convert("L")
                .resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR)
            )
            full = np.zeros((height, width), dtype=np.uint8)
            full[y0:y1, x0:x1] = np.asarray(small)
            out.append(full > 127)
        return out

    def measure(fn: Any) -> tuple[int, Any]:
        tracemalloc.start()
        result = fn()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak, result

    fast_peak, masks = measure(box_local)
    slow_peak, fulls = measure(full_size)
    # Same pixels either way.
    assert all(np.array_equal(m.to_full(), f) for m, f in zip(masks[:3], fulls[:3], strict=True))
    del fulls
    assert slow_peak >= 10 * fast_peak, (slow_peak, fast_peak)
