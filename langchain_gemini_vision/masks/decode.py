"""Gemini's mask forms decoded into box-local masks: PNG probability maps and polygons.

* :func:`decode_png_mask` reads Gemini 2.5's base64 PNG probability maps (with or
  without the ``data:image/png;base64,`` prefix), resizes them into the box
  with BILINEAR and thresholds (values ``> threshold`` are foreground; 127 is
  Google's midpoint).
* :func:`rasterize_polygon` draws 0-1000 polygons (3.x, Robotics-ER) on a
  box-local canvas.

Both raise :class:`~.limits.MaskDecodeError`, which the parser turns into a warning,
and refuse, before allocating, a mask over ``max_bytes``.
"""

from __future__ import annotations

import base64
import binascii
import io
import math
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
from PIL import Image, ImageDraw

from langchain_gemini_vision.geometry import (
    NORMALISED_MAX,
    polygon_0_1000_to_pixels,
    xyxy_to_pixel_bounds,
)
from langchain_gemini_vision.masks.limits import MaskDecodeError, check_mask_bytes
from langchain_gemini_vision.masks.mask import Mask

__all__ = ["DEFAULT_MASK_THRESHOLD", "PNG_MAGIC", "decode_png_mask", "rasterize_polygon"]

DEFAULT_MASK_THRESHOLD = 127
"""Google's midpoint: probability-map values above it are foreground."""

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# A data-URI prefix for any image type; Gemini sends ``data:image/png;base64,``.
_DATA_URI_PREFIX = re.compile(r"\A\s*data:image/[A-Za-z0-9.+-]+;base64,", re.IGNORECASE)
# Gemini masks are 256x256; anything far larger is a decoding hazard, not a mask.
_MAX_PNG_PIXELS = 4096 * 4096
_PIL_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


def decode_png_mask(
    value: str,
    box_xyxy_px: Sequence[float],
    resolution_wh: tuple[int, int],
    threshold: int = DEFAULT_MASK_THRESHOLD,
    *,
    max_bytes: int | None = None,
) -> Mask:
    """Decode a Gemini PNG probability map into a box-local :class:`Mask`.

    Strips an optional ``data:image/png;base64,`` prefix, base64-decodes (strictly),
    opens the PNG as grayscale, resizes it to the box's pixel size with BILINEAR
    and keeps values ``> threshold``. Nothing full-size is allocated.

    Args:
        value: The model's ``mask`` string.
        box_xyxy_px: The detection's pixel box in the original image; the map fills it.
        resolution_wh: ``(width, height)`` of the original image.
        threshold: Values above it are foreground (127: Google's midpoint).
        max_bytes: Refuse, before decoding, a box of more pixels than this.

    Raises:
        MaskDecodeError: Not base64, not a PNG, an image PIL cannot read, or a box
            over ``max_bytes``.

    Example:
        >>> import numpy as np
        >>> m = Mask(np.ones((4, 4), dtype=bool), (0, 0), (4, 4))
        >>> decode_png_mask(m.to_png_base64(), (0, 0, 4, 4), (4, 4)).area
        16
    """
    if not isinstance(value, str):
        raise MaskDecodeError(f"a PNG mask must be a string, got {type(value).__name__}")
    payload = _DATA_URI_PREFIX.sub("", value, count=1)
    payload = "".join(payload.split())
    try:
        data = base64.b64decode(payload, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise MaskDecodeError(f"mask is not valid base64: {exc}") from exc
    if not data.startswith(PNG_MAGIC):
        raise MaskDecodeError("mask is not a PNG (missing PNG signature)")
    x0, y0, x1, y1 = xyxy_to_pixel_bounds(box_xyxy_px, resolution_wh)
    check_mask_bytes(x1 - x0, y1 - y0, max_bytes)
    try:
        with Image.open(io.BytesIO(data), formats=["PNG"]) as image:
            if image.width * image.height > _MAX_PNG_PIXELS:
                raise MaskDecodeError(f"mask PNG is implausibly large: {image.size}")
            gray = image.convert("L")
            resized = gray.resize((x1 - x0, y1 - y0), resample=Image.Resampling.BILINEAR)
    except _PIL_DECODE_ERRORS as exc:
        raise MaskDecodeError(f"mask PNG cannot be read: {exc}") from exc
    local = np.asarray(resized, dtype=np.uint8) > threshold
    return Mask(local, (x0, y0), resolution_wh, copy=False)


def _as_number(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise MaskDecodeError(f"polygon coordinate is not a number: {value!r}")
    try:
        number = float(value)
    except (ValueError, OverflowError) as exc:
        raise MaskDecodeError(f"polygon coordinate is not a number: {value!r}") from exc
    if not math.isfinite(number):
        raise MaskDecodeError("polygon coordinate is not finite")
    return min(max(number, 0.0), NORMALISED_MAX)


def _polygons_from_value(points: Any) -> list[list[tuple[float, float]]]:
    """Accept ``[[a, b], ...]``, flat ``[a, b, ...]``, or a list of such polygons."""
    if not isinstance(points, (list, tuple)) or not points:
        raise MaskDecodeError("a polygon must be a non-empty list")
    first = points[0]
    if isinstance(first, (list, tuple)) and first and isinstance(first[0], (list, tuple)):
        return [p for poly in points for p in _polygons_from_value(poly)]
    if isinstance(first, (list, tuple)):
        pairs: list[tuple[float, float]] = []
        for point in points:
            if not isinstance(point, (list, tuple)) or len(point) != 2:
                raise MaskDecodeError(f"polygon vertex must be a pair, got {point!r}")
            pairs.append((_as_number(point[0]), _as_number(point[1])))
    else:
        if len(points) % 2:
            raise MaskDecodeError(f"flat polygon has an odd number of values ({len(points)})")
        flat = [_as_number(v) for v in points]
        pairs = list(zip(flat[0::2], flat[1::2], strict=True))
    if len(pairs) < 3:
        raise MaskDecodeError(f"a polygon needs at least 3 vertices, got {len(pairs)}")
    return [pairs]


def _inside_count(
    pairs: list[tuple[float, float]],
    box: tuple[float, float, float, float],
    resolution_wh: tuple[int, int],
    *,
    swap: bool,
) -> int:
    width, height = resolution_wh
    x0, y0, x1, y1 = box
    # Half a percent of the image as slack: polygons hug their box edges.
    tol_x, tol_y = 0.005 * width, 0.005 * height
    count = 0
    for a, b in pairs:
        x, y = (b, a) if swap else (a, b)
        px, py = x / NORMALISED_MAX * width, y / NORMALISED_MAX * height
        if x0 - tol_x <= px <= x1 + tol_x and y0 - tol_y <= py <= y1 + tol_y:
            count += 1
    return count


def rasterize_polygon(
    points_xy_0_1000: Any,
    resolution_wh: tuple[int, int],
    box_xyxy_px: Sequence[float] | None = None,
    *,
    max_bytes: int | None = None,
) -> Mask:
    """Rasterise a polygon normalised to 0-1000 into a box-local :class:`Mask`.

    Accepts ``[[x, y], ...]``, a flat ``[x1, y1, x2, y2, ...]`` list, or a list of
    such polygons (filled together). Vertices are read as ``[x, y]`` (the
    Gemini guide's order) and clamped to 0-1000. **Axis-order detection**: when a
    ``box_xyxy_px`` is given and fewer than half of the vertices fall inside it
    (with 0.5 % slack) as ``[x, y]`` but more than half do as ``[y, x]``, the
    pairs are swapped. Only the polygon's own bounding box (clipped to the
    image) is allocated.

    Raises:
        MaskDecodeError: Not a list of numbers, fewer than 3 vertices, an odd flat list,
            non-finite values, or a canvas of more pixels than ``max_bytes``.

    Example:
        >>> rasterize_polygon([[0, 0], [500, 0], [500, 500], [0, 500]], (100, 100)).bbox_xyxy
        (0, 0, 51, 51)
    """
    polygons = _polygons_from_value(points_xy_0_1000)
    width, height = resolution_wh
    if width <= 0 or height <= 0:
        raise MaskDecodeError(f"resolution_wh must be positive, got {resolution_wh!r}")
    if box_xyxy_px is not None:
        bx0, by0, bx1, by1 = (float(v) for v in box_xyxy_px)
        box = (bx0, by0, bx1, by1)
        all_pairs = [p for poly in polygons for p in poly]
        as_xy = _inside_count(all_pairs, box, resolution_wh, swap=False)
        as_yx = _inside_count(all_pairs, box, resolution_wh, swap=True)
        half = len(all_pairs) / 2
        if as_xy < half < as_yx:
            polygons = [[(b, a) for a, b in poly] for poly in polygons]
    pixel_polys = [polygon_0_1000_to_pixels(poly, resolution_wh) for poly in polygons]
    xs = [x for poly in pixel_polys for x, _ in poly]
    ys = [y for poly in pixel_polys for _, y in poly]
    x0 = min(math.floor(min(xs)), width - 1)
    y0 = min(math.floor(min(ys)), height - 1)
    x1 = min(math.floor(max(xs)) + 1, width)
    y1 = min(math.floor(max(ys)) + 1, height)
    check_mask_bytes(x1 - x0, y1 - y0, max_bytes)
    canvas = Image.new("1", (x1 - x0, y1 - y0), 0)
    draw = ImageDraw.Draw(canvas)
    for poly in pixel_polys:
        draw.polygon([(x - x0, y - y0) for x, y in poly], fill=1, outline=1)
    return Mask(np.asarray(canvas, dtype=bool), (x0, y0), resolution_wh)
