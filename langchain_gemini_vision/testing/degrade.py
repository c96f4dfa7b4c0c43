"""Answers made worse on purpose, by computed amounts: what an evaluation must measure.

The emulator's spatial answers (boxes, masks, points) are exact, so an evaluation
harness run against it scores near 1.0. A :class:`Degradation` makes them wrong in
ways whose cost is known in advance, so a test can assert the drop and a broken
metric fails::

    emu = GeminiEmulator(degradation=Degradation(drop_every=3, shift=0.15))

* ``drop_every=k``: the k-th, 2k-th... object of each answer (reading order) is left
  out: recall falls to ``(n - n // k) / n``, precision stays.
* ``shift=f``: every box (and its mask, and its point) moves by ``f`` of its width
  along x, towards the middle of the image (so it never leaves it): the IoU with the
  truth falls to about ``(1 - f) / (1 + f)`` (0.74 for ``f = 0.15``).
* ``swap_label_every=k``: the k-th, 2k-th... object is named by another shape of its
  colour (circle and square, triangle and rectangle trade places): label accuracy
  falls to ``(n - n // k) / n``.

Positions count from the answer's own objects before any is dropped, so the three
settings combine predictably.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Final

from ._palette import Shape
from .vision import VisualObject

__all__ = ["Degradation"]

_SWAPPED: Final[dict[Shape, Shape]] = {
    "circle": "square",
    "square": "circle",
    "triangle": "rectangle",
    "rectangle": "triangle",
}


@dataclass(frozen=True)
class Degradation:
    """How the emulator spoils its spatial answers (see the module docstring).

    Attributes:
        drop_every: Leave out every k-th object (``None``: none).
        shift: Move every box by this fraction of its width along x (0: exact).
        swap_label_every: Name every k-th object by the wrong shape (``None``: none).
    """

    drop_every: int | None = None
    shift: float = 0.0
    swap_label_every: int | None = None

    def __post_init__(self) -> None:
        for name in ("drop_every", "swap_label_every"):
            value = getattr(self, name)
            if value is not None and value < 1:
                msg = f"{name} must be 1 or more, got {value}"
                raise ValueError(msg)
        if not 0.0 <= self.shift < 1.0:
            msg = f"shift is a fraction of a box's width, 0 to under 1; got {self.shift}"
            raise ValueError(msg)

    def apply(self, objects: Sequence[VisualObject], frame_width: int) -> list[VisualObject]:
        """``objects`` (one answer's, in reading order) as this degradation spoils them."""
        kept: list[VisualObject] = []
        for position, original in enumerate(objects, start=1):
            if _every(self.drop_every, position):
                continue
            obj = original
            if _every(self.swap_label_every, position):
                obj = replace(obj, shape=_SWAPPED[obj.shape])
            if self.shift:
                obj = _shifted(obj, self.shift, frame_width)
            kept.append(obj)
        return kept


def _every(k: int | None, position: int) -> bool:
    return k is not None and position % k == 0


def _shifted(obj: VisualObject, fraction: float, frame_width: int) -> VisualObject:
    """``obj`` moved along x by ``fraction`` of its width, towards the image's middle."""
    x0, y0, x1, y1 = obj.box
    step = round(fraction * (x1 - x0))
    if (x0 + x1) / 2 > frame_width / 2:
        step = -step
    step = max(-x0, min(step, frame_width - x1))  # inside the frame, whatever the box
    cx, cy = obj.centroid
    return replace(obj, box=(x0 + step, y0, x1 + step, y1), centroid=(cx + step / frame_width, cy))
