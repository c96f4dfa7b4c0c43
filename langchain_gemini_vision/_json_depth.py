"""How deep a JSON text nests, measured without a recursive decoder.

``json.loads`` recurses once per level: ``"[" * 5000`` from a model (or a hostile
endpoint) is a ``RecursionError`` inside the decoder, or, for a value just under
the interpreter's limit, later in whatever walks it. Real answers nest a handful
of levels (``{"boxes": [{"mask": [[x, y], ...]}]}`` is five), so a value deeper
than :data:`MAX_JSON_DEPTH` is refused: readers treat the decoder's
``RecursionError`` as "too deep", and check each value they accept with
:func:`nesting_exceeds`.
"""

from __future__ import annotations

import re

import numpy as np

__all__ = ["MAX_JSON_DEPTH", "nesting_exceeds"]

MAX_JSON_DEPTH = 64
"""Most arrays and objects open at once in a value the package accepts."""

_STRINGS = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"?', re.DOTALL)
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_STEPS = np.zeros(256, dtype=np.int8)
_STEPS[list(b"[{")] = 1
_STEPS[list(b"]}")] = -1


def nesting_exceeds(
    text: str, start: int = 0, end: int | None = None, *, limit: int = MAX_JSON_DEPTH
) -> bool:
    """Whether ``text[start:end]`` opens more than ``limit`` arrays or objects at once.

    Brackets inside strings do not count. Linear in the span and done in C (a
    regular expression, ``bytes.translate``, a cumulative sum): a fraction of
    what decoding the span costs.
    """
    span = text[start:end] if start or end is not None else text
    if len(span) <= limit:
        return False
    # Brackets are ASCII: everything else, strings' contents included, goes.
    brackets = _STRINGS.sub("", span).encode("ascii", "ignore").translate(None, _NOT_BRACKETS)
    if len(brackets) <= limit:
        return False
    steps = _STEPS[np.frombuffer(brackets, dtype=np.uint8)]
    return int(np.cumsum(steps, dtype=np.int64).max()) > limit
