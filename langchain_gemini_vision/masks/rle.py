"""COCO uncompressed RLE: column-major run lengths, starting with background.

Encoded from a box-local array without building the full-size one; decoded into the
smallest box that holds the foreground.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from numpy.typing import NDArray
from pydantic import BaseModel, ConfigDict

from langchain_gemini_vision.masks.limits import MaskDecodeError

__all__ = ["RLE", "decode_rle", "encode_rle", "local_rle"]


class RLE(BaseModel):
    """COCO uncompressed RLE: column-major run lengths, starting with background."""

    model_config = ConfigDict(frozen=True)

    size: tuple[int, int]
    """``[height, width]`` of the encoded array (COCO order)."""
    counts: list[int]
    """Alternating background/foreground run lengths, column-major."""


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


def encode_rle(
    local: NDArray[np.bool_], offset: tuple[int, int], resolution_wh: tuple[int, int]
) -> dict[str, Any]:
    """Full-image RLE (``{"size": [height, width], "counts": [...]}``) of a box-local mask."""
    width, height = resolution_wh
    cols, row_s, row_e = _column_runs(local)
    x0, y0 = offset
    starts = (cols + x0) * height + y0 + row_s
    ends = (cols + x0) * height + y0 + row_e
    return {"size": [height, width], "counts": _runs_to_counts(starts, ends, width * height)}


def local_rle(local: NDArray[np.bool_]) -> RLE:
    """The RLE of the box-local array itself (``size`` is the box's ``[h, w]``)."""
    h, w = local.shape
    if h == 0 or w == 0:
        return RLE(size=(h, w), counts=[0])
    cols, row_s, row_e = _column_runs(local)
    return RLE(size=(h, w), counts=_runs_to_counts(cols * h + row_s, cols * h + row_e, h * w))


def decode_rle(
    rle: dict[str, Any],
) -> tuple[NDArray[np.bool_], tuple[int, int], tuple[int, int]]:
    """``(local, offset, resolution_wh)`` of COCO *uncompressed* RLE: only the box holding
    foreground is materialised (``0x0`` at ``(0, 0)`` when there is none).

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
        return np.zeros((0, 0), dtype=bool), (0, 0), (width, height)
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
    return columns.T, (first_col, row0), (width, height)
