"""Contours of a mask: the pixel-edge loops around its regions (4-connected).

Loops follow pixel edges, outer ones clockwise on screen and holes counter-clockwise,
with collinear vertices removed.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

__all__ = ["outer_contour"]

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


def outer_contour(local: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """The outer loop of the largest region of ``local`` (box-local corners); ``[]`` if empty."""
    outer = [loop for loop in _boundary_loops(local) if _signed_area(loop) > 0]
    if not outer:
        return []
    return max(outer, key=_signed_area)
