"""Box math between Gemini's y-first 0-1000 frame and pixel xyxy (pure, table-driven)."""

from __future__ import annotations

from contextlib import AbstractContextManager
from contextlib import nullcontext as does_not_raise
from typing import Any

import pytest

from langchain_gemini_vision.geometry import (
    box_2d_to_xyxy,
    clip_xyxy,
    iou_xyxy,
    polygon_0_1000_to_pixels,
    xyxy_to_box_2d,
    xyxy_to_pixel_bounds,
)


@pytest.mark.parametrize(
    ("expectation", "box_2d", "resolution_wh", "expected"),
    [
        # y first: [ymin, xmin, ymax, xmax] -> (xmin, ymin, xmax, ymax), x scaled by width
        (does_not_raise(), [100, 250, 500, 750], (640, 480), (160.0, 48.0, 480.0, 240.0)),
        # non-square image: x and y scale by different sizes
        (does_not_raise(), [0, 0, 1000, 1000], (4000, 3000), (0.0, 0.0, 4000.0, 3000.0)),
        # swapping axes would give a different box on a non-square image
        (does_not_raise(), [500, 0, 1000, 250], (200, 100), (0.0, 50.0, 50.0, 100.0)),
        # reversed corners are swapped
        (does_not_raise(), [500, 750, 100, 250], (640, 480), (160.0, 48.0, 480.0, 240.0)),
        # values outside 0-1000 are clamped to the image
        (does_not_raise(), [-50, -1, 1200, 1001], (100, 50), (0.0, 0.0, 100.0, 50.0)),
        # floats survive without truncation
        (does_not_raise(), [0.5, 1.5, 10.25, 20.75], (1000, 1000), (1.5, 0.5, 20.75, 10.25)),
        # wrong arity
        (pytest.raises(ValueError, match="4 values"), [1, 2, 3], (10, 10), None),
        # zero-size image
        (pytest.raises(ValueError, match="positive"), [1, 2, 3, 4], (0, 10), None),
    ],
    ids=[
        "basic",
        "full-non-square",
        "axis-order",
        "reversed",
        "clamped",
        "floats",
        "arity",
        "bad-size",
    ],
)
def test_box_2d_to_xyxy(
    expectation: AbstractContextManager[Any],
    box_2d: list[float],
    resolution_wh: tuple[int, int],
    expected: tuple[float, ...] | None,
) -> None:
    with expectation:
        assert box_2d_to_xyxy(box_2d, resolution_wh) == pytest.approx(expected)


@pytest.mark.parametrize(
    ("xyxy", "resolution_wh", "expected"),
    [
        ((160, 48, 480, 240), (640, 480), (100.0, 250.0, 500.0, 750.0)),
        # out of the image: clamped first
        ((-10, -10, 700, 500), (640, 480), (0.0, 0.0, 1000.0, 1000.0)),
    ],
    ids=["inverse", "clamped"],
)
def test_xyxy_to_box_2d(
    xyxy: tuple[float, ...], resolution_wh: tuple[int, int], expected: tuple[float, ...]
) -> None:
    assert xyxy_to_box_2d(xyxy, resolution_wh) == pytest.approx(expected)


@pytest.mark.parametrize(
    "box_2d", [[0, 0, 1000, 1000], [123, 456, 789, 999], [1, 2, 3, 4]], ids=["full", "odd", "tiny"]
)
def test_round_trip_box_2d(box_2d: list[float]) -> None:
    res = (1234, 567)
    assert xyxy_to_box_2d(box_2d_to_xyxy(box_2d, res), res) == pytest.approx(tuple(box_2d))


@pytest.mark.parametrize(
    ("xyxy", "expected"),
    [
        ((-5, 10, 700, 5), (0.0, 5.0, 640.0, 10.0)),  # reversed y, clamped x
        ((700, 500, 800, 600), (640.0, 480.0, 640.0, 480.0)),  # entirely outside: collapses
        ((1, 2, 3, 4), (1.0, 2.0, 3.0, 4.0)),  # inside: unchanged
    ],
    ids=["clamp-and-order", "outside", "inside"],
)
def test_clip_xyxy(xyxy: tuple[float, ...], expected: tuple[float, ...]) -> None:
    assert clip_xyxy(xyxy, (640, 480)) == expected


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        ((0, 0, 10, 10), (0, 0, 10, 10), 1.0),
        ((0, 0, 10, 10), (5, 0, 15, 10), 50 / 150),
        ((0, 0, 10, 10), (20, 20, 30, 30), 0.0),
        ((0, 0, 0, 0), (0, 0, 0, 0), 0.0),  # both empty: no division by zero
        ((0, 0, 10, 10), (2, 2, 4, 4), 4 / 100),  # contained
    ],
    ids=["same", "half-overlap", "disjoint", "empty", "contained"],
)
def test_iou_xyxy(a: tuple[float, ...], b: tuple[float, ...], expected: float) -> None:
    assert iou_xyxy(a, b) == pytest.approx(expected)


def test_polygon_0_1000_to_pixels_is_x_first_and_clamped() -> None:
    points = polygon_0_1000_to_pixels([[0, 0], [500, 1000], [1200, -3]], (200, 100))
    assert points == [(0.0, 0.0), (100.0, 100.0), (200.0, 0.0)]


@pytest.mark.parametrize(
    ("xyxy", "expected"),
    [
        ((10.7, 5.2, 20.9, 15.6), (10, 5, 20, 15)),  # truncation like Google's reference
        ((10.2, 5.2, 10.8, 5.6), (10, 5, 11, 6)),  # sub-pixel box widened to one pixel
        ((639.5, 479.5, 640, 480), (639, 479, 640, 480)),  # at the far edge, still inside
        ((-3, -3, 1000, 1000), (0, 0, 640, 480)),  # clamped
    ],
    ids=["truncate", "sub-pixel", "far-edge", "clamped"],
)
def test_xyxy_to_pixel_bounds(xyxy: tuple[float, ...], expected: tuple[int, ...]) -> None:
    assert xyxy_to_pixel_bounds(xyxy, (640, 480)) == expected
