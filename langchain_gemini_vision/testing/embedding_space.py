"""The emulator's embedding model: texts and images mapped into one space, computed.

Nothing is learnt or canned: a vector says which *concepts* an input carries, and
the concepts are what the emulator can read.

* From an image (its pixels, through :func:`.vision.analyse_image`): for each shape
  found, its colour-and-shape pair (weight 1), its colour (0.5), its shape (0.5) and
  the third of the image it sits in (0.25, ``"top left"``...). An image with no shape
  carries the concept "nothing".
* From a text (its words): each colour word (synonyms as the prompts read them,
  ``grey`` -> gray) and shape word (``rectangles`` also means squares) with the same
  weights, a pair for each shape word and the colour words just before it since the
  previous shape word (at most four words back; a colour followed by ``background``
  is the background's, not a shape's), the position phrases it names, and, at a small
  weight (0.2), its other words hashed into 48 buckets so that texts naming no
  concept still differ. A text with no word carries "nothing".

So "a red circle" is closest to images that hold a red circle, then to those with
something red or some circle, and caption text ("3 objects: a red circle at the top
left...") lands near its image. The concept vector (127 numbers) is turned by a fixed
random rotation (seeded, the same in every run) into the first 127 of
:data:`FULL_DIMENSIONS` dimensions, the rest being zero: like Gemini's Matryoshka
vectors, the leading dimensions carry the meaning, so ``output_dimensionality``
truncates and the result is L2-normalised again. How alike two inputs are is the
cosine of their concept vectors, exactly, at 127 dimensions or more.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Iterable
from typing import Final

import numpy as np
from numpy.typing import NDArray

from ._palette import COLOR_NAMES, SHAPES, colors_named_in, shapes_named_in
from .vision import ImageAnalysis

__all__ = ["FULL_DIMENSIONS", "embed_concepts", "image_concepts", "text_concepts"]

FULL_DIMENSIONS: Final = 3072
"""``gemini-embedding-2``'s full vector length."""

_POSITIONS: Final = (
    "top left",
    "top",
    "top right",
    "left",
    "center",
    "right",
    "bottom left",
    "bottom",
    "bottom right",
)
_WORD_BUCKETS: Final = 48
_PAIR, _SINGLE, _PLACE, _WORD = 1.0, 0.5, 0.25, 0.2
_PAIR_REACH: Final = 4  # words between a colour and the shape it names, at most
_WORDS = re.compile(r"[a-z]+")
_STOP: Final = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "on",
        "in",
        "at",
        "with",
        "to",
        "is",
        "are",
        "there",
        "image",
        "images",
        "photo",
        "picture",
        "show",
        "shows",
        "showing",
        "which",
        "what",
        "find",
        "any",
        "some",
    ]
)


@functools.cache
def _concept_index() -> dict[str, int]:
    names = [f"pair:{c} {s}" for c in COLOR_NAMES for s in SHAPES]
    names += [f"color:{c}" for c in COLOR_NAMES] + [f"shape:{s}" for s in SHAPES]
    names += [f"place:{p}" for p in _POSITIONS] + [f"word:{i}" for i in range(_WORD_BUCKETS)]
    names.append("nothing")
    return {name: i for i, name in enumerate(names)}


@functools.cache
def _rotation() -> NDArray[np.float64]:
    """A fixed orthonormal basis of the concept space (seeded: the same in every run)."""
    size = len(_concept_index())
    gaussian = np.random.default_rng(20_260_310).standard_normal((size, size))
    q, _ = np.linalg.qr(gaussian)
    return q


def _vector(weights: Iterable[tuple[str, float]]) -> NDArray[np.float64]:
    index = _concept_index()
    vector = np.zeros(len(index))
    for name, weight in weights:
        vector[index[name]] += weight
    if not vector.any():
        vector[index["nothing"]] = 1.0
    return vector


def image_concepts(analysis: ImageAnalysis) -> NDArray[np.float64]:
    """The concept vector of an analysed image (see the module docstring)."""
    weights: list[tuple[str, float]] = []
    for obj in analysis.objects:
        weights += [
            (f"pair:{obj.color} {obj.shape}", _PAIR),
            (f"color:{obj.color}", _SINGLE),
            (f"shape:{obj.shape}", _SINGLE),
            (f"place:{obj.position}", _PLACE),
        ]
    return _vector(weights)


def text_concepts(text: str) -> NDArray[np.float64]:
    """The concept vector of a text (see the module docstring)."""
    words = _WORDS.findall(text.lower())
    weights: list[tuple[str, float]] = []
    colours_since_shape: list[tuple[int, str]] = []
    for i, word in enumerate(words):
        colours = colors_named_in(word)
        shapes = shapes_named_in(word)
        if colours and i + 1 < len(words) and words[i + 1].startswith("background"):
            continue  # the background's colour, not an object's
        for colour in sorted(colours):
            weights.append((f"color:{colour}", _SINGLE))
            colours_since_shape.append((i, colour))
        for shape in sorted(shapes):
            weights.append((f"shape:{shape}", _SINGLE))
            weights += [
                (f"pair:{colour} {shape}", _PAIR)
                for at, colour in colours_since_shape
                if i - at <= _PAIR_REACH
            ]
        if shapes:
            colours_since_shape = []
        if not colours and not shapes and word not in _STOP:
            bucket = zlib.crc32(word.encode()) % _WORD_BUCKETS
            weights.append((f"word:{bucket}", _WORD))
    joined = " ".join(words)
    for place in sorted(_POSITIONS, key=len, reverse=True):
        if re.search(rf"\b{place}\b", joined):
            weights.append((f"place:{place}", _PLACE))
            joined = re.sub(rf"\b{place}\b", " ", joined)
    return _vector(weights)


def embed_concepts(concepts: NDArray[np.float64], dimensions: int | None) -> list[float]:
    """The API's vector for a concept vector: rotated, zero-padded to
    :data:`FULL_DIMENSIONS`, truncated to ``dimensions`` and L2-normalised."""
    rotated = _rotation() @ concepts
    full = np.zeros(FULL_DIMENSIONS)
    full[: rotated.size] = rotated
    kept = full[: dimensions or FULL_DIMENSIONS]
    norm = float(np.linalg.norm(kept))
    return [float(v) for v in (kept / norm if norm else kept)]
