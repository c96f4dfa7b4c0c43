"""Words about analysed images: captions, object phrases, what changed between two.

The emulator's captions and comparisons are computed here from
:class:`~.vision.ImageAnalysis` objects; :mod:`.answers` builds every other answer on them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final, Literal

import numpy as np
from scipy.optimize import linear_sum_assignment

from .vision import ImageAnalysis, VisualObject, at_position

__all__ = [
    "Change",
    "ChangeKind",
    "Comparison",
    "caption",
    "compare",
    "join_words",
    "object_phrase",
]

_MOVE_THRESHOLD: Final = 0.05  # centroid shift, as a fraction of the image, that counts as moved


def object_phrase(obj: VisualObject) -> str:
    """``"a red circle at the top left"``: how captions and answers name an object."""
    article = "an" if obj.label[:1] in "aeiou" else "a"
    return f"{article} {obj.label} {at_position(obj.position)}"


def join_words(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def caption(analysis: ImageAnalysis) -> str:
    """A one-sentence caption: count, colours, shapes and rough positions."""
    background = f"a {analysis.background} background" if analysis.background else None
    if not analysis.objects:
        if background:
            return f"No distinct objects found: the image shows only {background}."
        return "No distinct objects found: the image shows no flat-coloured shapes."
    count = len(analysis.objects)
    noun = "object" if count == 1 else "objects"
    where = f" on {background}" if background else ""
    return f"{count} {noun}{where}: {join_words([object_phrase(o) for o in analysis.objects])}."


ChangeKind = Literal["added", "removed", "moved", "recolored"]


@dataclass(frozen=True)
class Change:
    """One difference between two consecutive images.

    Attributes:
        kind: ``added``, ``removed``, ``moved`` or ``recolored``.
        label: The object's label (after the change for ``added``/``recolored``).
        description: A sentence saying what changed.
        image_index: Zero-based index of the later image of the pair.
        before: The object in the earlier image, if any.
        after: The object in the later image, if any.
    """

    kind: ChangeKind
    label: str
    description: str
    image_index: int
    before: VisualObject | None = None
    after: VisualObject | None = None


@dataclass(frozen=True)
class Comparison:
    """What changed across a sequence of images, and what stayed the same."""

    changes: list[Change]
    similarities: list[str]
    summary: str

    def of_kind(self, kind: ChangeKind) -> list[Change]:
        """The changes of one kind."""
        return [c for c in self.changes if c.kind == kind]


def _distance(a: VisualObject, b: VisualObject) -> float:
    return float(np.hypot(a.centroid[0] - b.centroid[0], a.centroid[1] - b.centroid[1]))


def _match(
    before: list[VisualObject], after: list[VisualObject], same: bool
) -> list[tuple[int, int]]:
    """Pairs (i, j) of equal colour and shape (``same``), or equal shape and place."""
    if not before or not after:
        return []
    big = 1e6
    cost = np.full((len(before), len(after)), big)
    for i, a in enumerate(before):
        for j, b in enumerate(after):
            if a.shape != b.shape:
                continue
            recoloured = a.color != b.color and _distance(a, b) <= _MOVE_THRESHOLD
            if (same and a.color == b.color) or (not same and recoloured):
                cost[i, j] = _distance(a, b)
    rows, cols = linear_sum_assignment(cost)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if cost[i, j] < big]


def _compare_pair(
    first: ImageAnalysis, second: ImageAnalysis, index: int
) -> tuple[list[Change], list[str]]:
    before, after = list(first.objects), list(second.objects)
    changes: list[Change] = []
    similar: list[str] = []
    matched = _match(before, after, same=True)
    for i, j in matched:
        a, b = before[i], after[j]
        if _distance(a, b) > _MOVE_THRESHOLD:
            text = f"The {a.label} moved from the {a.position} to the {b.position}."
            changes.append(Change("moved", a.label, text, index, a, b))
        else:
            similar.append(f"The {a.label} {at_position(a.position)} is in both images.")
    rest_a = [k for k in range(len(before)) if k not in {i for i, _ in matched}]
    rest_b = [k for k in range(len(after)) if k not in {j for _, j in matched}]
    recolours = _match([before[k] for k in rest_a], [after[k] for k in rest_b], same=False)
    for i, j in recolours:
        a, b = before[rest_a[i]], after[rest_b[j]]
        where = at_position(a.position)
        text = f"The {a.shape} {where} changed colour from {a.color} to {b.color}."
        changes.append(Change("recolored", b.label, text, index, a, b))
    gone_a = {rest_a[i] for i, _ in recolours}
    gone_b = {rest_b[j] for _, j in recolours}
    for k in rest_a:
        if k not in gone_a:
            a = before[k]
            text = f"The {a.label} {at_position(a.position)} was removed."
            changes.append(Change("removed", a.label, text, index, before=a))
    for k in rest_b:
        if k not in gone_b:
            b = after[k]
            article = "An" if b.label[:1] in "aeiou" else "A"
            text = f"{article} {b.label} was added {at_position(b.position)}."
            changes.append(Change("added", b.label, text, index, after=b))
    if first.background and first.background == second.background:
        similar.append(f"Both images have a {first.background} background.")
    return changes, similar


def compare(analyses: Sequence[ImageAnalysis]) -> Comparison:
    """Compare each image with the one before it."""
    changes: list[Change] = []
    similarities: list[str] = []
    for index in range(1, len(analyses)):
        pair_changes, pair_similar = _compare_pair(analyses[index - 1], analyses[index], index)
        changes += pair_changes
        similarities += [s for s in pair_similar if s not in similarities]
    if changes:
        count = len(changes)
        noun = "difference" if count == 1 else "differences"
        summary = f"{count} {noun}: " + " ".join(c.description for c in changes)
    else:
        objects = len(analyses[0].objects) if analyses else 0
        summary = f"No differences found: the images show the same {objects} objects."
    return Comparison(changes, similarities, summary)
