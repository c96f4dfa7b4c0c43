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
import threading
from collections.abc import (
    AsyncGenerator,
    Awaitable,
    Callable,
    Generator,
    Iterable,
    Iterator,
)
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Generic, TypeVar, cast

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
    """Which item runs next, how many run, which outcomes may be handed out.

    Workers take items and record outcomes from their threads (or tasks): each step
    holds the lock, so the items' iterator is never advanced by two threads at once.
    """

    def __init__(self, items: Iterable[T], limit: int, ahead: int | None) -> None:
        if limit < 1:
            msg = f"limit must be at least 1, got {limit}"
            raise ValueError(msg)
        self._items = iter(items)
        self._limit = limit
        self._ahead = None if ahead is None else max(ahead, limit)
        self._lock = threading.Lock()
        self._taken = 0  # items taken from the iterable
        self._handed = 0  # outcomes handed out
        self._done: dict[int, Outcome[T, R]] = {}
        self._closed = False
        self.running = 0
        self.exhausted = False

    def take(self) -> tuple[int, T] | None:
        """The next item, counted as running, if there is room (and one)."""
        with self._lock:
            full = self._ahead is not None and self._taken - self._handed >= self._ahead
            if self._closed or self.exhausted or self.running >= self._limit or full:
                return None
            try:
                item = next(self._items)
            except StopIteration:
                self.exhausted = True
                return None
            self._taken += 1
            self.running += 1
            return self._taken - 1, item

    def startable(self) -> Iterator[tuple[int, T]]:
        """The items that may start now."""
        while (taken := self.take()) is not None:
            yield taken

    def finished(self, index: int, outcome: Outcome[T, R]) -> None:
        """Record the outcome of item ``index``."""
        with self._lock:
            self.running -= 1
            self._done[index] = outcome

    def ready(self) -> list[Outcome[T, R]]:
        """Outcomes whose every predecessor has been handed out, in input order."""
        with self._lock:
            out = []
            while self._handed in self._done:
                out.append(self._done.pop(self._handed))
                self._handed += 1
            return out

    @property
    def over(self) -> bool:
        """Nothing runs, nothing is left to take, nothing is left to hand out."""
        return self.exhausted and not self.running and not self._done

    def close(self) -> None:
        """Take no more items (an abandoned iteration)."""
        with self._lock:
            self._closed = True


def _outcome(fn: Callable[[T], R], item: T) -> Outcome[T, R]:
    try:
        return Outcome(item, fn(item))
    except Exception as error:
        return Outcome(item, error=error)


async def _aoutcome(fn: Callable[[T], Awaitable[R]], item: T) -> Outcome[T, R]:
    try:
        return Outcome(item, await fn(item))
    except Exception as error:
        return Outcome(item, error=error)


def ordered_map(
    fn: Callable[[T], R], items: Iterable[T], *, limit: int, ahead: int | None = None
) -> Generator[Outcome[T, R], None, None]:
    """Call ``fn`` on threads, ``limit`` at a time; outcomes in input order (see above)."""
    window: _Window[T, R] = _Window(items, limit, ahead)
    changed = threading.Event()

    def work(taken: tuple[int, T] | None) -> None:  # one thread: items while there is room
        while taken is not None:
            window.finished(taken[0], _outcome(fn, taken[1]))
            changed.set()
            taken = window.take()

    pool = ThreadPoolExecutor(max_workers=limit, thread_name_prefix="lgv")
    try:
        while True:
            for taken in window.startable():
                pool.submit(contextvars.copy_context().run, work, taken)
            changed.clear()
            ready = window.ready()
            yield from ready
            if window.over:
                return
            if not ready:  # else room may have freed: start more before waiting
                changed.wait()
    finally:
        window.close()
        pool.shutdown(wait=True, cancel_futures=True)


async def aordered_map(
    fn: Callable[[T], Awaitable[R]], items: Iterable[T], *, limit: int, ahead: int | None = None
) -> AsyncGenerator[Outcome[T, R], None]:
    """Async twin of :func:`ordered_map`: its workers are asyncio tasks of the running loop."""
    window: _Window[T, R] = _Window(items, limit, ahead)
    changed = asyncio.Event()

    async def work(taken: tuple[int, T] | None) -> None:  # one task: items while there is room
        while taken is not None:
            window.finished(taken[0], await _aoutcome(fn, taken[1]))
            changed.set()
            taken = window.take()

    workers: set[asyncio.Task[None]] = set()
    try:
        while True:
            for taken in window.startable():
                workers.add(asyncio.ensure_future(work(taken)))
            changed.clear()
            ready = window.ready()
            for outcome in ready:
                yield outcome
            if window.over:
                return
            if not ready:
                await changed.wait()
    finally:
        window.close()
        for worker in workers:
            worker.cancel()
