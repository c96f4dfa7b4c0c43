"""Box-local segmentation masks: decoding Gemini's mask forms, RLE, full size on demand.

A :class:`Mask` keeps only the pixels of its box: a boolean array the size of
the box (in pixels of the original image), the box's top-left ``offset`` and the
full image size. A hundred masks on a 4000x3000 photo therefore cost a few
megabytes, not a hundred full-size arrays; :meth:`Mask.to_full` builds the
full-size array only when asked.

Decoders:

* :func:`decode_png_mask` reads Gemini 2.5's base64 PNG probability maps (with or
  without the ``data:image/png;base64,`` prefix), resizes them into the box
  with BILINEAR and thresholds (values ``> threshold`` are foreground; 127 is
  Google's midpoint).
* :func:`rasterize_polygon` draws 0-1000 polygons (3.x, Robotics-ER) on a
  box-local canvas.

Both raise :class:`MaskDecodeError`, which the parser turns into a warning; both
take ``max_bytes`` and refuse, before allocating, a mask whose box-local array would
be larger (the parser gives each answer :data:`DEFAULT_MAX_MASK_BYTES` for all its
masks: 200 tiny maps over a 4000x3000 image's full box would otherwise hold 2.4 GB).
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
from numpy.typing import NDArray
from PIL import Image, ImageDraw
from pydantic import BaseModel, ConfigDict, GetCoreSchemaHandler
from pydantic_core import core_schema

from langchain_gemini_vision.geometry import (
    NORMALISED_MAX,
    polygon_0_1000_to_pixels,
    xyxy_to_pixel_bounds,
)

__all__ = [
    "DEFAULT_MASK_THRESHOLD",
    "DEFAULT_MAX_MASK_BYTES",
    "Mask",
    "MaskDecodeError",
    "decode_png_mask",
    "rasterize_polygon",
]

DEFAULT_MASK_THRESHOLD = 127
"""Google's midpoint: probability-map values above it are foreground."""

DEFAULT_MAX_MASK_BYTES = 128 * 1024 * 1024
"""Box-local mask bytes one answer may decode (one byte a pixel): ten full-image masks
of a 12 MP photo, or hundreds of object-sized ones. Masks past it are not decoded
(box kept, warning)."""

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
# A data-URI prefix for any image type; Gemini sends ``data:image/png;base64,``.
_DATA_URI_PREFIX = re.compile(r"\A\s*data:image/[A-Za-z0-9.+-]+;base64,", re.IGNORECASE)
# Gemini masks are 256x256; anything far larger is a decoding hazard, not a mask.
_MAX_PNG_PIXELS = 4096 * 4096
_PIL_DECODE_ERRORS = (OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError)


class MaskDecodeError(ValueError):
    """A mask value could not be decoded (internal: the parser reports it as a warning)."""


def _check_mask_bytes(width: int, height: int, max_bytes: int | None) -> None:
    if max_bytes is not None and width * height > max_bytes:
        raise MaskDecodeError(
            f"its {width}x{height} box needs {width * height} bytes, more than the "
            f"{max(max_bytes, 0)} left of the answer's mask budget (max_mask_bytes)"
        )


class _RLE(BaseModel):
    """COCO uncompressed RLE: column-major run lengths, starting with background."""

    model_config = ConfigDict(frozen=True)

    size: tuple[int, int]
    """``[height, width]`` of the encoded array (COCO order)."""
    counts: list[int]
    """Alternating background/foreground run lengths, column-major."""


class _MaskPayload(BaseModel):
    """The JSON form of a :class:`Mask`: box-local RLE, offset and image size."""

    model_config = ConfigDict(frozen=True)

    rle: _RLE
    """Box-local mask as COCO uncompressed RLE (``size`` is the box's ``[h, w]``)."""
    offset: tuple[int, int]
    """``(x0, y0)`` of the box's top-left pixel in the image."""
    resolution_wh: tuple[int, int]
    """``(width, height)`` of the full image."""


def _runs_to_counts(starts: NDArray[np.int64], ends: NDArray[np.int64], total: int) -> list[int]:
    """Turn sorted, non-overlapping foreground runs ``[start, end)`` into RLE counts."""
    if starts.size == 0:
        return [total]
    # Merge runs that touch (a column-major run continuing into the next column).
    keep = np.ones(starts.size, dtype=bool)
    keep[1:] = starts[1:] != ends[:-1]
    merged_starts = starts[keep]
    merged_ends = np.maximum.reduceat(ends, np.flatnonzero(keep))
    boundaries = np.empty(merged_starts.size * 2 + 2, dtype=np.int64)
    boundaries[0] = 0
    boundaries[1:-1:2] = merged_starts
    boundaries[2:-1:2] = merged_ends
    boundaries[-1] = total
    counts = np.diff(boundaries)
    out = [int(c) for c in counts]
    if out[-1] == 0:
        out.pop()
    return out


def _column_runs(
    local: NDArray[np.bool_],
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """Foreground runs of ``local`` per column: ``(column, row_start, row_end)`` arrays."""
    h, w = local.shape
    padded = np.zeros((w, h + 2), dtype=np.int8)
    padded[:, 1:-1] = local.T
    diff = np.diff(padded, axis=1)
    cols, row_s = np.nonzero(diff == 1)
    _, row_e = np.nonzero(diff == -1)
    # Both come out in (column, row) order, so starts and ends pair up.
    return cols.astype(np.int64), row_s.astype(np.int64), row_e.astype(np.int64)


class Mask:
    """A boolean segmentation mask stored box-locally.

    Args:
        local: ``(h, w)`` boolean array covering the box (any truthy dtype is cast).
        offset: ``(x0, y0)`` of the box's top-left pixel in the full image.
        resolution_wh: ``(width, height)`` of the full image.

    Raises:
        ValueError: The box does not lie inside the image.

    Example:
        >>> import numpy as np
        >>> m = Mask(np.ones((2, 3), dtype=bool), offset=(4, 5), resolution_wh=(10, 8))
        >>> m.area, m.to_full().shape, m.bbox_xyxy
        (6, (8, 10), (4, 5, 7, 7))
        >>> Mask.from_rle(m.to_rle()) == m
        True
    """

    __slots__ = ("_local", "_offset", "_resolution_wh")
    __hash__ = None  # type: ignore[assignment]

    def __init__(
        self,
        local: NDArray[Any],
        offset: tuple[int, int],
        resolution_wh: tuple[int, int],
        *,
        copy: bool = True,
    ) -> None:
        # copy=False lets the decoders hand over an array they just built (no second copy).
        array = np.array(local, dtype=bool, copy=True) if copy else np.asarray(local, dtype=bool)
        if array.ndim != 2:
            raise ValueError(f"a mask must be 2-D, got shape {array.shape}")
        x0, y0 = int(offset[0]), int(offset[1])
        width, height = int(resolution_wh[0]), int(resolution_wh[1])
        h, w = array.shape
        if width <= 0 or height <= 0:
            raise ValueError(f"resolution_wh must be positive, got {resolution_wh!r}")
        if x0 < 0 or y0 < 0 or x0 + w > width or y0 + h > height:
            raise ValueError(f"mask box {w}x{h} at ({x0}, {y0}) leaves the {width}x{height} image")
        array.flags.writeable = False
        self._local: NDArray[np.bool_] = array
        self._offset = (x0, y0)
        self._resolution_wh = (width, height)

    # -- basic views -------------------------------------------------------

    @property
    def local(self) -> NDArray[np.bool_]:
        """The box-local boolean array (read-only), shape ``(h, w)``."""
        return self._local

    @property
    def offset(self) -> tuple[int, int]:
        """``(x0, y0)``: where :attr:`local` sits in the image."""
        return self._offset

    @property
    def resolution_wh(self) -> tuple[int, int]:
        """``(width, height)`` of the full image."""
        return self._resolution_wh

    @property
    def bbox_xyxy(self) -> tuple[int, int, int, int]:
        """The stored box in pixels, ``(x0, y0, x1, y1)`` with exclusive ends."""
        h, w = self._local.shape
        x0, y0 = self._offset
        return x0, y0, x0 + w, y0 + h

    @property
    def area(self) -> int:
        """Number of foreground pixels."""
        return int(np.count_nonzero(self._local))

    def to_full(self) -> NDArray[np.bool_]:
        """A full-size ``(height, width)`` boolean array (allocated on each call)."""
        width, height = self._resolution_wh
        full = np.zeros((height, width), dtype=bool)
        x0, y0, x1, y1 = self.bbox_xyxy
        full[y0:y1, x0:x1] = self._local
        return full

    def tight(self) -> Mask:
        """The same pixels in the smallest box that holds them (an empty mask keeps 0x0)."""
        rows = np.flatnonzero(self._local.any(axis=1))
        if rows.size == 0:
            return Mask(np.zeros((0, 0), dtype=bool), self._offset, self._resolution_wh)
        cols = np.flatnonzero(self._local.any(axis=0))
        r0, r1, c0, c1 = int(rows[0]), int(rows[-1]) + 1, int(cols[0]), int(cols[-1]) + 1
        x0, y0 = self._offset
        return Mask(self._local[r0:r1, c0:c1], (x0 + c0, y0 + r0), self._resolution_wh)

    def iou(self, other: Mask) -> float:
        """Pixel intersection over union with ``other`` (same image size); 0.0 if both empty.

        Only the overlap of the two boxes is touched.
        """
        if other.resolution_wh != self._resolution_wh:
            raise ValueError(
                f"masks of different images: {self._resolution_wh} vs {other.resolution_wh}"
            )
        ax0, ay0, ax1, ay1 = self.bbox_xyxy
        bx0, by0, bx1, by1 = other.bbox_xyxy
        ix0, iy0, ix1, iy1 = max(ax0, bx0), max(ay0, by0), min(ax1, bx1), min(ay1, by1)
        inter = 0
        if ix0 < ix1 and iy0 < iy1:
            a = self._local[iy0 - ay0 : iy1 - ay0, ix0 - ax0 : ix1 - ax0]
            b = other.local[iy0 - by0 : iy1 - by0, ix0 - bx0 : ix1 - bx0]
            inter = int(np.count_nonzero(a & b))
        union = self.area + other.area - inter
        return inter / union if union else 0.0

    def __eq__(self, other: object) -> bool:
        """Masks are equal when they cover the same pixels of same-size images."""
        if not isinstance(other, Mask):
            return NotImplemented
        if self._resolution_wh != other.resolution_wh:
            return False
        a, b = self.tight(), other.tight()
        if a.local.size == 0 or b.local.size == 0:
            return a.local.size == b.local.size
        return a.offset == b.offset and np.array_equal(a.local, b.local)

    def __repr__(self) -> str:
        x0, y0, x1, y1 = self.bbox_xyxy
        return (
            f"Mask(area={self.area}, box=({x0}, {y0}, {x1}, {y1}), "
            f"resolution_wh={self._resolution_wh})"
        )

    # -- constructors ------------------------------------------------------

    @classmethod
    def from_full(cls, full: NDArray[Any]) -> Mask:
        """Build a box-local mask from a full-size ``(height, width)`` array."""
        array = np.asarray(full, dtype=bool)
        if array.ndim != 2:
            raise ValueError(f"a full mask must be 2-D, got shape {array.shape}")
        height, width = array.shape
        return cls(array, (0, 0), (width, height)).tight()

    @classmethod
    def from_rle(cls, rle: dict[str, Any]) -> Mask:
        """Decode COCO *uncompressed* RLE (``{"size": [h, w], "counts": [...]}``).

        Only the box holding foreground is materialised.

        Raises:
            MaskDecodeError: Compressed (string) counts, or counts that do not add up.
        """
        try:
            height, width = (int(v) for v in rle["size"])
            counts = rle["counts"]
        except (KeyError, TypeError, ValueError) as exc:
            raise MaskDecodeError(f"not a COCO RLE dict: {exc}") from exc
        if isinstance(counts, (str, bytes)):
            raise MaskDecodeError("compressed RLE strings are not supported; use list counts")
        counts_arr = np.asarray(counts, dtype=np.int64)
        if counts_arr.ndim != 1 or (counts_arr < 0).any():
            raise MaskDecodeError("RLE counts must be non-negative integers")
        total = height * width
        if int(counts_arr.sum()) != total:
            raise MaskDecodeError(f"RLE counts sum to {int(counts_arr.sum())}, expected {total}")
        edges = np.concatenate([[0], np.cumsum(counts_arr)])
        starts, ends = edges[1:-1:2], edges[2::2]
        nonempty = ends > starts
        starts, ends = starts[nonempty], ends[nonempty]
        if starts.size == 0:
            return cls(np.zeros((0, 0), dtype=bool), (0, 0), (width, height))
        first_col, last_col = int(starts.min() // height), int((ends.max() - 1) // height)
        spans_columns = (starts // height) != ((ends - 1) // height)
        if spans_columns.any():
            row0, row1 = 0, height
        else:
            row0 = int((starts % height).min())
            row1 = int(((ends - 1) % height).max()) + 1
        columns = np.zeros((last_col - first_col + 1, row1 - row0), dtype=bool)
        # Row-major over ``columns`` is column-major over the box.
        flat = columns.reshape(-1)
        for run_start, e in zip(starts.tolist(), ends.tolist(), strict=True):
            s = run_start
            col, row = divmod(s, height)
            while s < e:
                run_end = min(e, (col + 1) * height)
                base = (col - first_col) * (row1 - row0) - row0
                flat[base + row : base + row + (run_end - s)] = True
                s, col, row = run_end, col + 1, 0
        return cls(columns.T, (first_col, row0), (width, height))

    # -- encoders ----------------------------------------------------------

    def to_rle(self) -> dict[str, Any]:
        """Full-image COCO uncompressed RLE, as pycocotools' ``frPyObjects`` expects.

        ``{"size": [height, width], "counts": [...]}``: column-major runs starting
        with background. Computed from the box alone; no full-size array.
        """
        width, height = self._resolution_wh
        cols, row_s, row_e = _column_runs(self._local)
        x0, y0 = self._offset
        starts = (cols + x0) * height + y0 + row_s
        ends = (cols + x0) * height + y0 + row_e
        return {"size": [height, width], "counts": _runs_to_counts(starts, ends, width * height)}

    def _local_rle(self) -> _RLE:
        h, w = self._local.shape
        if h == 0 or w == 0:
            return _RLE(size=(h, w), counts=[0])
        cols, row_s, row_e = _column_runs(self._local)
        return _RLE(size=(h, w), counts=_runs_to_counts(cols * h + row_s, cols * h + row_e, h * w))

    def to_png_base64(self) -> str:
        """The box-local mask as a base64 PNG (0/255, mode L), without a data-URI prefix.

        :func:`decode_png_mask` with this mask's box reads it back unchanged.
        """
        buffer = io.BytesIO()
        Image.fromarray(self._local.astype(np.uint8) * 255, mode="L").save(buffer, format="PNG")
        return base64.b64encode(buffer.getvalue()).decode("ascii")

    def to_polygon(self) -> list[tuple[int, int]]:
        """The outer contour of the largest region, as pixel-corner vertices in the image.

        The contour follows pixel edges (4-connected regions), clockwise on screen,
        with collinear vertices removed; ``[]`` for an empty mask. Holes are ignored.
        """
        loops = _boundary_loops(self._local)
        outer = [loop for loop in loops if _signed_area(loop) > 0]
        if not outer:
            return []
        best = max(outer, key=_signed_area)
        x0, y0 = self._offset
        return [(x + x0, y + y0) for x, y in best]

    # -- pydantic ----------------------------------------------------------

    def _to_payload(self) -> dict[str, Any]:
        return _MaskPayload(
            rle=self._local_rle(), offset=self._offset, resolution_wh=self._resolution_wh
        ).model_dump(mode="json")

    @classmethod
    def _from_payload(cls, payload: _MaskPayload) -> Mask:
        h, w = payload.rle.size
        if h == 0 or w == 0:
            return cls(np.zeros((h, w), dtype=bool), payload.offset, payload.resolution_wh)
        local = Mask.from_rle({"size": [h, w], "counts": payload.rle.counts})
        full_local = np.zeros((h, w), dtype=bool)
        lx0, ly0, lx1, ly1 = local.bbox_xyxy
        full_local[ly0:ly1, lx0:lx1] = local.local
        return cls(full_local, payload.offset, payload.resolution_wh)

    @classmethod
    def __get_pydantic_core_schema__(
        cls, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        """Validate from a Mask or its JSON payload; serialise as RLE + offset + size."""

        def from_payload(value: _MaskPayload) -> Mask:
            try:
                return cls._from_payload(value)
            except MaskDecodeError as exc:
                raise ValueError(str(exc)) from exc

        payload_schema = core_schema.no_info_after_validator_function(
            from_payload, handler.generate_schema(_MaskPayload)
        )
        return core_schema.json_or_python_schema(
            json_schema=payload_schema,
            python_schema=core_schema.union_schema(
                [core_schema.is_instance_schema(cls), payload_schema]
            ),
            serialization=core_schema.plain_serializer_function_ser_schema(
                lambda mask: mask._to_payload()
            ),
        )


# -- contour tracing -----------------------------------------------------------

# Direction of each boundary edge; the foreground is on its right (y points down).
_RIGHT_TURN = {(1, 0): (0, 1), (0, 1): (-1, 0), (-1, 0): (0, -1), (0, -1): (1, 0)}


def _boundary_loops(local: NDArray[np.bool_]) -> list[list[tuple[int, int]]]:
    """Every closed pixel-edge loop of ``local``: outer ones clockwise, holes counter."""
    if local.size == 0 or not local.any():
        return []
    padded = np.pad(local, 1)
    fg = padded[1:-1, 1:-1]
    out: dict[tuple[int, int], list[tuple[int, int]]] = {}

    def add(mask: NDArray[np.bool_], sx: int, sy: int, dx: int, dy: int) -> None:
        rows, cols = np.nonzero(mask)
        for r, c in zip(rows.tolist(), cols.tolist(), strict=True):
            start = (c + sx, r + sy)
            out.setdefault(start, []).append((start[0] + dx, start[1] + dy))

    add(fg & ~padded[:-2, 1:-1], 0, 0, 1, 0)  # top side, heading +x
    add(fg & ~padded[1:-1, 2:], 1, 0, 0, 1)  # right side, heading +y
    add(fg & ~padded[2:, 1:-1], 1, 1, -1, 0)  # bottom side, heading -x
    add(fg & ~padded[1:-1, :-2], 0, 1, 0, -1)  # left side, heading -y

    loops: list[list[tuple[int, int]]] = []
    for start in sorted(out):
        while out.get(start):
            loop = [start]
            prev = start
            nxt = out[start].pop()
            while True:
                direction = (nxt[0] - prev[0], nxt[1] - prev[1])
                if nxt == start:
                    break
                loop.append(nxt)
                choices = out[nxt]
                # At a saddle (two diagonal pixels) turn right: regions stay 4-connected.
                right = _RIGHT_TURN[direction]
                pick = next(
                    (i for i, p in enumerate(choices) if (p[0] - nxt[0], p[1] - nxt[1]) == right),
                    0,
                )
                prev, nxt = nxt, choices.pop(pick)
            loops.append(_drop_collinear(loop))
    return loops


def _drop_collinear(loop: list[tuple[int, int]]) -> list[tuple[int, int]]:
    n = len(loop)
    kept = []
    for i in range(n):
        ax, ay = loop[i - 1]
        bx, by = loop[i]
        cx, cy = loop[(i + 1) % n]
        if (bx - ax) * (cy - by) - (by - ay) * (cx - bx) != 0:
            kept.append(loop[i])
    return kept


def _signed_area(loop: Sequence[tuple[int, int]]) -> float:
    """Shoelace area; positive for clockwise loops on screen (y down)."""
    total = 0
    for i in range(len(loop)):
        x1, y1 = loop[i - 1]
        x2, y2 = loop[i]
        total += x1 * y2 - x2 * y1
    return total / 2


# -- decoders ------------------------------------------------------------------


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
    _check_mask_bytes(x1 - x0, y1 - y0, max_bytes)
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
    _check_mask_bytes(x1 - x0, y1 - y0, max_bytes)
    canvas = Image.new("1", (x1 - x0, y1 - y0), 0)
    draw = ImageDraw.Draw(canvas)
    for poly in pixel_polys:
        draw.polygon([(x - x0, y - y0) for x, y in poly], fill=1, outline=1)
    return Mask(np.asarray(canvas, dtype=bool), (x0, y0), resolution_wh)
