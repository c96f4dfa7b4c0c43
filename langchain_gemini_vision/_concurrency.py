"""One bounded, ordered way to run many calls at once: on threads, or as asyncio tasks.

:func:`ordered_map` (threads) and :func:`aordered_map` (tasks) call ``fn`` on each
item with at most ``limit`` calls in flight. They take items from the iterable only as
room frees, so a huge or endless iterable costs memory for the window alone, and hand
each :class:`Outcome` back in input order as soon as it and every earlier one are done.
``ahead`` also bounds the finished outcomes held while an earlier item still runs
(the loader's flat memory: at most ``ahead`` images between taken and handed out);
``None`` lets only ``limit`` bound the work (a list being gathered anyway).

A failure is the item's outcome, never the others': the caller decides what to raise.
Threads run ``fn`` in a copy of the caller's context (as asyncio tasks do), so a
:class:`~langchain_gemini_vision.client.ConcurrencyScope` that is active around the
call covers every thread. Both drivers share :class:`_Window`, the bookkeeping; only
the lines that start a call and wait for one differ. Close an abandoned iteration
(``contextlib.closing`` / ``aclosing``): calls not started are dropped, running
tasks cancelled.
"""

from __future__ import annotations

import asyncio
import contextvars
import functools
import queue
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
)
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, cast

__all__ = ["Outcome", "aordered_map", "ordered_map"]

T = TypeVar("T")
R = TypeVar("R")


@dataclass(frozen=True)
class Outcome(Generic[T, R]):
    """What one call gave: its item, and its value or the exception it raised."""

    item: T
    value: R | None = None
    error: BaseException | None = None

    def unwrap(self) -> R:
        """The value, or raise the error."""
        if self.error is not None:
            raise self.error
        return cast("R", self.value)


class _Window(Generic[T, R]):
    """Which item starts next, how many run, which outcomes may be handed out."""

    def __init__(self, items: Iterable[T], limit: int, ahead: int | None) -> None:
        if limit < 1:
            msg = f"limit must be at least 1, got {limit}"
            raise ValueError(msg)
        self._items = iter(items)
        self._limit = limit
        self._ahead = None if ahead is None else max(ahead, limit)
        self._taken = 0  # items taken from the iterable
        self._handed = 0  # outcomes handed out
        self._done: dict[int, Outcome[T, R]] = {}
        self.running = 0

    def startable(self) -> Iterator[tuple[int, T]]:
        """The items that may start now, each counted as running."""
        while self.running < self._limit and (
            self._ahead is None or self._taken - self._handed < self._ahead
        ):
            try:
                item = next(self._items)
            except StopIteration:
                return
            self._taken += 1
            self.running += 1
            yield self._taken - 1, item

    def finished(self, index: int, outcome: Outcome[T, R]) -> None:
        """Record the outcome of item ``index``."""
        self.running -= 1
        self._done[index] = outcome

    def ready(self) -> Iterator[Outcome[T, R]]:
        """Outcomes whose every predecessor has been handed out, in input order."""
        while self._handed in self._done:
            outcome = self._done.pop(self._handed)
            self._handed += 1
            yield outcome


def _report(
    put: Callable[[tuple[int, Outcome[Any, Any]]], None],
    index: int,
    item: Any,
    done: Future[Any] | asyncio.Future[Any],
) -> None:
    """Done-callback of one call: its outcome to the driver's queue."""
    if done.cancelled():
        return
    error = done.exception()
    outcome = Outcome(item, error=error) if error is not None else Outcome(item, done.result())
    put((index, outcome))


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], *, limit: int, ahead: int | None = None
) -> Generator[Outcome[T, R], None, None]:
    """Call ``fn`` on threads, ``limit`` at a time; outcomes in input order (see above)."""
    window: _Window[T, R] = _Window(items, limit, ahead)
    finished: queue.SimpleQueue[tuple[int, Outcome[T, R]]] = queue.SimpleQueue()
    pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="lgv")
    try:
        while True:
            for index, item in window.startable():
                call = pool.submit(contextvars.copy_context().run, fn, item)
                call.add_done_callback(functools.partial(_report, finished.put, index, item))
            if not window.running:
                return
            window.finished(*finished.get())
            yield from window.ready()
    finally:
        pool.shutdown(wait=True, cancel_futures=True)


async def aordered_map(
    fn: Callable[[T], Awaitable[R]], items: Iterable[T], *, limit: int, ahead: int | None = None
) -> AsyncGenerator[Outcome[T, R], None]:
    """Async twin of :func:`ordered_map`: each call an asyncio task of the running loop."""
    window: _Window[T, R] = _Window(items, limit, ahead)
    finished: asyncio.Queue[tuple[int, Outcome[T, R]]] = asyncio.Queue()
    tasks: set[asyncio.Future[R]] = set()
    try:
        while True:
            for index, item in window.startable():
                task = asyncio.ensure_future(fn(item))
                tasks.add(task)
                task.add_done_callback(tasks.discard)
                task.add_done_callback(functools.partial(_report, finished.put_nowait, index, item))
            if not window.running:
                return
            window.finished(*await finished.get())
            for outcome in window.ready():
                yield outcome
    finally:
        for running in tasks:
            running.cancel()
