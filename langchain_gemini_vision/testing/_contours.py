"""The outline of a shape as the emulator writes polygon masks: traced, then simplified.

Moore-neighbour tracing of the largest component's outer boundary, then
Ramer-Douglas-Peucker on the closed contour.
"""

from __future__ import annotations

from typing import Final

import numpy as np
from numpy.typing import NDArray
from scipy import ndimage

__all__ = ["simplify_closed", "trace_outer_contour"]


# Moore neighbourhood, clockwise on screen (y down): W, NW, N, NE, E, SE, S, SW.
_DIRS: Final[tuple[tuple[int, int], ...]] = (
    (0, -1), (-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1),
)  # fmt: skip


def trace_outer_contour(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Moore-neighbour tracing of the largest component's outer boundary, as (x, y)."""
    labels, count = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    if count > 1:
        sizes = np.bincount(labels.ravel())[1:]
        mask = labels == int(sizes.argmax()) + 1
    padded = np.pad(mask, 1)
    rows, cols = np.nonzero(padded)
    if rows.size == 0:
        return []
    start = (int(rows[0]), int(cols[0]))  # topmost, then leftmost: its west is background
    contour = [start]
    current, back = start, 0
    for _ in range(4 * int(padded.sum()) + 8):
        for step in range(1, 9):
            direction = (back + step) % 8
            dy, dx = _DIRS[direction]
            candidate = (current[0] + dy, current[1] + dx)
            if padded[candidate]:
                by, bx = _DIRS[(direction - 1) % 8]
                came_from = (current[0] + by - candidate[0], current[1] + bx - candidate[1])
                back = _DIRS.index(came_from)
                current = candidate
                break
        else:
            break  # an isolated pixel
        if current == start:
            break
        contour.append(current)
    return [(c - 1, r - 1) for r, c in contour]


def _simplify_open(points: NDArray[np.float64], epsilon: float) -> list[int]:
    keep = [0, len(points) - 1]
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        a, b = points[first], points[last]
        segment = b - a
        inner = points[first + 1 : last]
        length = float(np.hypot(*segment))
        if length == 0:
            dist = np.hypot(*(inner - a).T)
        else:
            dist = np.abs(segment[0] * (inner[:, 1] - a[1]) - segment[1] * (inner[:, 0] - a[0]))
            dist = dist / length
        worst = int(dist.argmax())
        if float(dist[worst]) > epsilon:
            split = first + 1 + worst
            keep.append(split)
            stack += [(first, split), (split, last)]
    return sorted(set(keep))


def simplify_closed(contour: list[tuple[int, int]], epsilon: float) -> list[tuple[int, int]]:
    """Ramer-Douglas-Peucker on a closed contour, split at its farthest point."""
    if len(contour) < 4:
        return contour
    points = np.array(contour, dtype=np.float64)
    far = int(np.hypot(*(points - points[0]).T).argmax())
    first = _simplify_open(points[: far + 1], epsilon)
    second = _simplify_open(np.vstack([points[far:], points[:1]]), epsilon)
    indices = first + [far + i for i in second[1:-1]]
    return [contour[i] for i in indices]
