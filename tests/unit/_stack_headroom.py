"""Whether the garbage collector always starts with stack to spare: a decoder that
recurses into a model's nesting leaves it none for finalizers.

A collection can start at any allocation, and it runs the ``__del__`` of whatever
cyclic garbage it finds (an event loop's, an aiohttp session's, a generator's) at
the depth where it started. Inside a recursive decoder working through
``"[" * 5000`` that depth is the interpreter's limit: the finalizer raises
``RecursionError``, and so does pytest's unraisable hook formatting it, which fails
whichever test happens to be running. Whether a collection lands there depends on
what garbage the suite left behind, so it flaked. :func:`watch_collections` makes it
certain: it collects every few allocations, lowers the recursion limit to
:data:`ALLOWED_DEPTH` frames below the caller (so a decoder recursing a few hundred
levels reaches it too), and counts the collections that started without
:data:`FINALIZER_FRAMES` frames to spare::

    with watch_collections() as watch:
        client.detect(image)
    assert watch.collections and not watch.starved
"""

from __future__ import annotations

import gc
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from typing import Any

ALLOWED_DEPTH = 250
"""Frames the code under watch may stack below its caller: the package, httpx,
aiohttp, google-genai, pydantic and LangChain's callbacks take about a hundred; a
decoder recursing into a model's nesting takes one per level."""

FINALIZER_FRAMES = 25
"""What a collection must have to spare: enough for a modest finalizer. Kept under the
50 frames Python grants while it raises ``RecursionError`` (a collection can start
there, and probing deeper would abort the interpreter)."""

_EVERY = 8
"""Collect after this many container allocations: a recursive decoder allocates one
per level, so no run of levels passes without a collection."""


def _descend(frames: int) -> None:
    if frames:
        _descend(frames - 1)


def _frames_in_use() -> int:
    """Frames in use on this thread (C calls that count against the limit included)."""
    left = 0

    def descend() -> None:
        nonlocal left
        left += 1
        descend()

    with suppress(RecursionError):
        descend()
    return sys.getrecursionlimit() - left


@dataclass
class Watch:
    """What :func:`watch_collections` saw."""

    collections: int = 0
    """Collections that started while watching (on any thread)."""
    starved: int = 0
    """Those that had fewer than :data:`FINALIZER_FRAMES` frames to spare."""


@contextmanager
def watch_collections() -> Iterator[Watch]:
    """Collect garbage every few allocations, with the recursion limit
    :data:`ALLOWED_DEPTH` frames below here, and count the starved collections."""
    watch = Watch()

    def probe(phase: str, _info: dict[str, Any]) -> None:
        if phase != "start":
            return
        watch.collections += 1
        try:
            _descend(FINALIZER_FRAMES)
        except RecursionError:
            watch.starved += 1

    # Earlier tests' garbage is collected first, with the stack as it is: its finalizers
    # (a transport's, closing aiohttp connectors) are not the code under watch, and run
    # inside the lowered limit they could fail for want of frames that code never took.
    gc.collect()
    limit, threshold = sys.getrecursionlimit(), gc.get_threshold()
    sys.setrecursionlimit(_frames_in_use() + ALLOWED_DEPTH)
    gc.callbacks.append(probe)
    gc.set_threshold(_EVERY, *threshold[1:])
    try:
        yield watch
    finally:
        gc.set_threshold(*threshold)
        gc.callbacks.remove(probe)
        sys.setrecursionlimit(limit)
