"""How many requests one client keeps in flight once a quota has pushed back.

:class:`AdaptiveGate` bounds the requests in flight with a limit that starts unset (the
caller's own bound, its ``max_concurrency`` or a batch's, is the only one), is halved by
a 429 that names no limit the pacing could follow, at most once per round (the 429s of
requests that left before the cut were caused by the old limit), and grows by one per
round trip of successes (``1 / limit`` per success): additive increase, multiplicative
decrease. A 429 whose quota value is known does not cut it: the client then paces its
sends to that quota (see :mod:`.window`), and fewer requests in flight would only go
slower. The limit is kept for the client's life.

Threads and asyncio tasks (of any event loop) wait in one queue, first come first served;
a waiter is woken by the call that frees its place, never by polling.
"""

from __future__ import annotations

import asyncio
import math
import threading
from collections import deque
from typing import Literal

__all__ = ["AdaptiveGate", "Outcome"]

Outcome = Literal["ok", "refused", "paced", "other"]
"""How a request ended: answered, refused by a quota that named no limit, refused by one
the client now paces its sends to (no cut: see above), anything else."""


class _Waiter:
    __slots__ = ("event", "future", "loop")

    def __init__(self) -> None:
        self.event: threading.Event | None = None
        self.loop: asyncio.AbstractEventLoop | None = None
        self.future: asyncio.Future[None] | None = None

    def wake(self) -> bool:
        """Let the waiter in; ``False`` when its event loop is gone (nobody to let in)."""
        if self.event is not None:
            self.event.set()
        elif self.loop is not None and self.future is not None:
            try:
                self.loop.call_soon_threadsafe(_resolve, self.future)
            except RuntimeError:  # the loop was closed while its task waited
                return False
        return True


def _resolve(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class AdaptiveGate:
    """Requests in flight under a limit that 429s halve and successes grow back."""

    def __init__(self, *, decrease: float = 0.5) -> None:
        self.decrease = decrease
        self.limit: float | None = None
        """``None``: no bound of its own (no 429 has asked for one yet)."""
        self.in_flight = 0
        self.round = 0
        """Counts the cuts: a request's 429 cuts only if no cut came since it entered."""
        self._lock = threading.Lock()
        self._waiting: deque[_Waiter] = deque()

    def _room(self) -> bool:
        return self.limit is None or self.in_flight < math.floor(self.limit)

    def _take(self) -> int | None:
        """Enter now if there is room and nobody waits before us: the round entered in."""
        if self._room() and not self._waiting:
            self.in_flight += 1
            return self.round
        return None

    def enter(self) -> int:
        """Wait for room (threads); the round entered in, for :meth:`leave`."""
        with self._lock:
            entered = self._take()
            if entered is not None:
                return entered
            waiter = _Waiter()
            waiter.event = threading.Event()
            self._waiting.append(waiter)
        waiter.event.wait()
        return self.round  # counted in by whoever woke us

    async def aenter(self) -> int:
        """Async :meth:`enter`: the task waits, the loop runs on."""
        with self._lock:
            entered = self._take()
            if entered is not None:
                return entered
            waiter = _Waiter()
            waiter.loop = asyncio.get_running_loop()
            waiter.future = waiter.loop.create_future()
            self._waiting.append(waiter)
        try:
            await waiter.future
        except asyncio.CancelledError:
            with self._lock:
                if waiter in self._waiting:
                    self._waiting.remove(waiter)
                    raise
            self.leave("other", self.round)  # woken as we were cancelled: give the place back
            raise
        return self.round

    def leave(self, outcome: Outcome, entered: int) -> None:
        """One request is over: adapt the limit, then let waiters in while there is room."""
        with self._lock:
            if outcome == "refused" and entered == self.round:
                self.limit = max(1.0, math.floor(self.in_flight * self.decrease))
                self.round += 1
            elif outcome == "ok" and self.limit is not None:
                self.limit += 1.0 / self.limit
            self.in_flight -= 1
            woken = []
            while self._waiting and self._room():
                self.in_flight += 1
                woken.append(self._waiting.popleft())
        for waiter in woken:
            if not waiter.wake():
                self.leave("other", self.round)
