"""The named colours and shape words the scene generator draws and the emulator reads.

One table shared by :mod:`.scenes` (which paints with these exact values) and
:mod:`.vision` (which names each shape it finds by the perceptually nearest of them,
so a user's ``(205, 45, 40)`` is red). The colours are at least ~110 apart in RGB.
"""

from __future__ import annotations

import re
from typing import Final, Literal

Shape = Literal["circle", "square", "rectangle", "triangle"]
"""The shapes scenes draw and the emulator recognises."""

SHAPES: Final[tuple[Shape, ...]] = ("circle", "square", "rectangle", "triangle")

# fmt: off
PALETTE: Final[dict[str, tuple[int, int, int]]] = {
    "red": (255, 0, 0),         "green": (0, 160, 0),       "blue": (0, 0, 255),
    "yellow": (255, 255, 0),    "orange": (255, 140, 0),    "purple": (128, 0, 160),
    "cyan": (0, 255, 255),      "magenta": (255, 0, 255),   "black": (0, 0, 0),
    "white": (255, 255, 255),   "gray": (128, 128, 128),    "brown": (140, 80, 20),
    "pink": (255, 160, 200),
}
# fmt: on
"""Colour name -> the RGB value scenes paint with."""

COLOR_NAMES: Final[tuple[str, ...]] = tuple(PALETTE)

# Words a prompt may use for a palette colour or a shape (singular and plural).
_COLOR_SYNONYMS: Final[dict[str, str]] = {
    **{name: name for name in PALETTE},
    "grey": "gray",
    "violet": "purple",
    "turquoise": "cyan",
    "fuchsia": "magenta",
}
_SHAPE_WORDS: Final[tuple[tuple[str, tuple[Shape, ...]], ...]] = (
    ("circle circles disc discs disk disks", ("circle",)),
    ("square squares", ("square",)),
    # A square is a rectangle, so "rectangles" means both.
    ("rectangle rectangles rectangular", ("rectangle", "square")),
    ("triangle triangles triangular", ("triangle",)),
)
_SHAPE_SYNONYMS: Final[dict[str, tuple[Shape, ...]]] = {
    word: shapes for words, shapes in _SHAPE_WORDS for word in words.split()
}

_WORD = re.compile(r"[a-z]+")
# Quoted examples and parentheses are format instructions ("label like 'red circle'"),
# not the user's target: they must not narrow a detection.
_QUOTED = re.compile(r"\"[^\"]*\"|'[^']*'|`[^`]*`|\([^)]*\)|\[[^\]]*\]|\{[^}]*\}")


def _target_words(text: str) -> list[str]:
    return _WORD.findall(_QUOTED.sub(" ", text.lower()))


def colors_named_in(text: str) -> set[str]:
    """Palette colours the text names outside quotes and parentheses."""
    return {_COLOR_SYNONYMS[w] for w in _target_words(text) if w in _COLOR_SYNONYMS}


def shapes_named_in(text: str) -> set[Shape]:
    """Shapes the text names outside quotes and parentheses."""
    found: set[Shape] = set()
    for word in _target_words(text):
        found.update(_SHAPE_SYNONYMS.get(word, ()))
    return found
