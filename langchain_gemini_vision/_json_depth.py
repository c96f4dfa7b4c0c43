"""How deep a JSON text nests, measured without a recursive decoder, before decoding it.

``json.loads`` recurses once per level: ``"[" * 5000`` from a model (or a hostile
endpoint) drives the decoder to the interpreter's recursion limit, and a garbage
collection that starts there runs finalizers with no stack left (they fail, and
so does whatever reports their failure). Real answers nest a handful of levels
(``{"boxes": [{"mask": [[x, y], ...]}]}`` is five), so a value deeper than
:data:`MAX_JSON_DEPTH` is refused *before* anything decodes it: :func:`loads` for
a whole document, :func:`value_nesting_exceeds` for a value a scanner meets
inside a text, :func:`nesting_exceeds` for a span.
"""

from __future__ import annotations

import json
import re
from typing import Any

import numpy as np
import numpy.typing as npt

__all__ = ["MAX_JSON_DEPTH", "loads", "nesting_exceeds", "value_nesting_exceeds"]

MAX_JSON_DEPTH = 64
"""Most arrays and objects open at once in a value the package accepts."""

_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEPS = np.zeros(256, dtype=np.int8)
_STEPS[list(b"[{")] = 1
_STEPS[list(b"]}")] = -1
_FIRST_WINDOW = 4096


def _openers_within(text: str, start: int, end: int | None, limit: int) -> bool:
    """Whether ``text[start:end]`` holds at most ``limit`` opening brackets, strings'
    included: then nothing in it can nest deeper, and the measure is skipped (most
    answers nest a few levels and hold a few dozen brackets; counting is a C loop)."""
    return text.count("[", start, end) + text.count("{", start, end) <= limit


def _depths(span: str) -> npt.NDArray[np.int64]:
    """How many arrays and objects are open after each bracket of ``span`` outside strings.

    Linear and done in C (a regular expression, ``bytes.translate``, a cumulative
    sum): a fraction of what decoding the span costs.
    """
    # Brackets are ASCII: everything else, strings' contents included, goes.
    brackets = _STRINGS.sub("", span).encode("ascii", "ignore").translate(None, _NOT_BRACKETS)
    return np.cumsum(_STEPS[np.frombuffer(brackets, dtype=np.uint8)], dtype=np.int64)


def nesting_exceeds(
    text: str, start: int = 0, end: int | None = None, *, limit: int = MAX_JSON_DEPTH
) -> bool:
    """Whether ``text[start:end]`` opens more than ``limit`` arrays or objects at once.

    Brackets inside strings do not count.
    """
    if _openers_within(text, start, end, limit):
        return False
    span = text[start:end] if start or end is not None else text
    return int(_depths(span).max(initial=0)) > limit


def value_nesting_exceeds(text: str, start: int = 0, *, limit: int = MAX_JSON_DEPTH) -> bool:
    """Whether the JSON value at ``text[start]`` opens more than ``limit`` arrays or objects
    before it closes: how deep a decoder started there would go.

    What follows the value does not count, and only the value is read (in windows
    doubling from 4 KiB), so a scanner may ask at every candidate start and stay linear.
    """
    if text[start : start + 1] not in ("[", "{"):
        return False  # a scalar opens nothing
    size = _FIRST_WINDOW
    while True:
        if start + size >= len(text) and _openers_within(text, start, None, limit):
            return False  # the rest of the text cannot open more (counted within the window)
        depths = _depths(text[start : start + size])
        closed = np.flatnonzero(depths <= 0)
        before_close = depths[: closed[0]] if closed.size else depths
        if int(before_close.max(initial=0)) > limit:
            return True
        if closed.size or start + size >= len(text):
            return False
        size *= 2


def loads(document: str | bytes) -> Any:
    """``json.loads`` for a document from outside the package (an HTTP body, an event,
    a model's answer): one nesting deeper than :data:`MAX_JSON_DEPTH` is refused with
    a ``ValueError`` before any of it is decoded."""
    text = (
        document
        if isinstance(document, str)
        else document.decode(json.detect_encoding(document), "surrogatepass")
    )
    if nesting_exceeds(text):
        raise ValueError(f"the JSON nests deeper than {MAX_JSON_DEPTH} levels")
    return json.loads(text)
