"""Pure box and polygon math between Gemini's normalised frame and pixels.

Gemini reports boxes as ``box_2d = [y_min, x_min, y_max, x_max]``: **y first**,
normalised to 0-1000 over the image it saw, origin top-left. Everything else in
the package uses pixel ``xyxy = (x_min, y_min, x_max, y_max)`` in the original,
upright image. Sizes are always ``resolution_wh = (width, height)``.

Normalised coordinates survive uniform resizing, so they map straight onto the
original image even when a downscaled copy was sent.

Boxes that leave the image are **clamped** to it (normalised values to
``[0, 1000]``, pixel values to ``[0, width]`` x ``[0, height]``); corners given in
the wrong order are swapped. No function here raises for an out-of-image box.
Values are floats; only :func:`xyxy_to_pixel_bounds` rounds, for array indexing.
Pixel boxes from :func:`box_2d_to_xyxy` are exact for integer ``box_2d`` (the product
is taken before the division) and kept to 3 decimals, so JSON shows ``109.8``, never
``109.79999999999998``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

__all__ = [
    "NORMALISED_MAX",
    "BoxXYXY",
    "box_2d_to_xyxy",
    "clip_xyxy",
    "iou_xyxy",
    "polygon_0_1000_to_pixels",
    "xyxy_to_box_2d",
    "xyxy_to_pixel_bounds",
]

NORMALISED_MAX = 1000.0
"""Gemini's normalisation scale: coordinates run from 0 to 1000."""

BoxXYXY = tuple[float, float, float, float]
"""A pixel box ``(x_min, y_min, x_max, y_max)``."""


def _clamp(value: float, low: float, high: float) -> float:
    return low if value < low else high if value > high else value


def _check_resolution(resolution_wh: tuple[int, int]) -> tuple[int, int]:
    width, height = resolution_wh
    if width <= 0 or height <= 0:
        raise ValueError(f"resolution_wh must be positive (width, height), got {resolution_wh!r}")
    return int(width), int(height)


def box_2d_to_xyxy(box_2d: Sequence[float], resolution_wh: tuple[int, int]) -> BoxXYXY:
    """Map Gemini's ``[y_min, x_min, y_max, x_max]`` (0-1000) to pixel xyxy.

    Each value is clamped to ``[0, 1000]`` first, so the result always lies inside
    the image; reversed corners are swapped. The result is in float pixels.

    Args:
        box_2d: Four numbers, y first, normalised to 0-1000.
        resolution_wh: ``(width, height)`` of the original upright image.

    Returns:
        ``(x_min, y_min, x_max, y_max)`` in pixels, ``0 <= x <= width``, ``0 <= y <= height``.

    Raises:
        ValueError: ``box_2d`` does not hold four numbers, or the resolution is not positive.

    Example:
        >>> box_2d_to_xyxy([100, 250, 500, 750], (640, 480))
        (160.0, 48.0, 480.0, 240.0)
    """
    if len(box_2d) != 4:
        raise ValueError(f"box_2d needs 4 values, got {len(box_2d)}")
    width, height = _check_resolution(resolution_wh)
    y0, x0, y1, x1 = box_2d
    y0, x0 = _clamp(float(y0), 0.0, NORMALISED_MAX), _clamp(float(x0), 0.0, NORMALISED_MAX)
    y1, x1 = _clamp(float(y1), 0.0, NORMALISED_MAX), _clamp(float(x1), 0.0, NORMALISED_MAX)
    if x0 > x1:
        x0, x1 = x1, x0
    if y0 > y1:
        y0, y1 = y1, y0
    return (
        _to_pixels(x0, width),
        _to_pixels(y0, height),
        _to_pixels(x1, width),
        _to_pixels(y1, height),
    )


def _to_pixels(value: float, size: int) -> float:
    # value * size is exact for integers, so one correctly rounded division gives the
    # shortest decimal; round() bounds what fractional model values could add.
    return round(value * size / NORMALISED_MAX, 3)


def xyxy_to_box_2d(xyxy: Sequence[float], resolution_wh: tuple[int, int]) -> BoxXYXY:
    """Map a pixel box to Gemini's ``(y_min, x_min, y_max, x_max)`` on the 0-1000 scale.

    The inverse of :func:`box_2d_to_xyxy`; out-of-image values are clamped and
    reversed corners swapped.

    Example:
        >>> xyxy_to_box_2d((160, 48, 480, 240), (640, 480))
        (100.0, 250.0, 500.0, 750.0)
    """
    if len(xyxy) != 4:
        raise ValueError(f"xyxy needs 4 values, got {len(xyxy)}")
    width, height = _check_resolution(resolution_wh)
    x0, y0, x1, y1 = clip_xyxy(xyxy, (width, height))
    return (
        y0 / height * NORMALISED_MAX,
        x0 / width * NORMALISED_MAX,
        y1 / height * NORMALISED_MAX,
        x1 / width * NORMALISED_MAX,
    )


def clip_xyxy(xyxy: Sequence[float], resolution_wh: tuple[int, int]) -> BoxXYXY:
    """Clamp a pixel box to the image and order its corners.

    A box entirely outside the image collapses onto the nearest edge (zero area).

    Example:
        >>> clip_xyxy((-5, 10, 700, 5), (640, 480))
        (0.0, 5.0, 640.0, 10.0)
    """
    width, height = (float(v) for v in _check_resolution(resolution_wh))
    x0, y0, x1, y1 = (float(v) for v in xyxy)
    if x0 > x1:
        x0, x1 = x1, x0
    if y0 > y1:
        y0, y1 = y1, y0
    return (
        _clamp(x0, 0.0, width),
        _clamp(y0, 0.0, height),
        _clamp(x1, 0.0, width),
        _clamp(y1, 0.0, height),
    )


def iou_xyxy(a: Sequence[float], b: Sequence[float]) -> float:
    """Intersection over union of two pixel boxes (0.0 when both are empty).

    Example:
        >>> iou_xyxy((0, 0, 10, 10), (5, 0, 15, 10))
        0.3333333333333333
    """
    ax0, ay0, ax1, ay1 = (float(v) for v in a)
    bx0, by0, bx1, by1 = (float(v) for v in b)
    inter_w = max(0.0, min(ax1, bx1) - max(ax0, bx0))
    inter_h = max(0.0, min(ay1, by1) - max(ay0, by0))
    inter = inter_w * inter_h
    union = max(0.0, ax1 - ax0) * max(0.0, ay1 - ay0) + max(0.0, bx1 - bx0) * max(0.0, by1 - by0)
    union -= inter
    return inter / union if union > 0 else 0.0


def polygon_0_1000_to_pixels(
    points_xy: Iterable[Sequence[float]], resolution_wh: tuple[int, int]
) -> list[tuple[float, float]]:
    """Map ``[x, y]`` vertices normalised to 0-1000 onto pixels (x first, clamped).

    Example:
        >>> polygon_0_1000_to_pixels([[0, 0], [500, 1000], [1200, -3]], (200, 100))
        [(0.0, 0.0), (100.0, 100.0), (200.0, 0.0)]
    """
    width, height = _check_resolution(resolution_wh)
    return [
        (
            _clamp(float(x), 0.0, NORMALISED_MAX) * width / NORMALISED_MAX,
            _clamp(float(y), 0.0, NORMALISED_MAX) * height / NORMALISED_MAX,
        )
        for x, y in points_xy
    ]


def xyxy_to_pixel_bounds(
    xyxy: Sequence[float], resolution_wh: tuple[int, int]
) -> tuple[int, int, int, int]:
    """Integer pixel bounds ``(x0, y0, x1, y1)`` (exclusive ends) for array slicing.

    Truncates like Google's reference (``int(v / 1000 * size)``), clamps to the
    image and widens a sub-pixel box to at least one pixel so a mask always has
    somewhere to go.

    Example:
        >>> xyxy_to_pixel_bounds((10.7, 5.2, 20.9, 5.6), (640, 480))
        (10, 5, 20, 6)
    """
    width, height = _check_resolution(resolution_wh)
    x0f, y0f, x1f, y1f = clip_xyxy(xyxy, (width, height))
    x0, y0, x1, y1 = (math.floor(v) for v in (x0f, y0f, x1f, y1f))
    x0, x1 = _at_least_one(x0, x1, width)
    y0, y1 = _at_least_one(y0, y1, height)
    return x0, y0, x1, y1


def _at_least_one(low: int, high: int, size: int) -> tuple[int, int]:
    low = min(low, size - 1)
    if high <= low:
        high = low + 1
    return low, high
