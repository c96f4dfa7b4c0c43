"""The one bounded, ordered concurrency helper (issue 17 item 4).

It replaces four: ``client.map``/``amap``, the loader's windows, the CLI's job runner
and ``images.aload_images``. What they relied on is pinned here: input order, at most
``limit`` calls at once, items taken only as room frees (``ahead`` bounds what is held),
a failure kept in its item's place, the caller's context in every thread, and nothing
left running once an iteration is abandoned.
"""

from __future__ import annotations

import asyncio
import contextvars
import threading
import time
from collections.abc import Iterator
from contextlib import aclosing, closing

import pytest

from langchain_gemini_vision._concurrency import Outcome, aordered_map, ordered_map

WHO: contextvars.ContextVar[str] = contextvars.ContextVar("who", default="nobody")


class Probe:
    """Counts calls in flight and items taken from the input."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.taken = 0

    def items(self, n: int) -> Iterator[int]:
        for i in range(n):
            self.taken += 1
            yield i

    def enter(self) -> None:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)

    def leave(self) -> None:
        with self.lock:
            self.in_flight -= 1


def _delay(i: int) -> float:
    return 0.002 * ((i * 7) % 5)  # later items often finish first


def test_threads_keep_order_and_the_bound() -> None:
    probe = Probe()

    def work(i: int) -> int:
        probe.enter()
        time.sleep(_delay(i))
        probe.leave()
        return i * i

    outcomes = list(ordered_map(work, probe.items(40), limit=6))
    assert [o.item for o in outcomes] == list(range(40))
    assert [o.unwrap() for o in outcomes] == [i * i for i in range(40)]
    assert probe.peak == 6


async def test_tasks_keep_order_and_the_bound() -> None:
    probe = Probe()

    async def work(i: int) -> int:
        probe.enter()
        await asyncio.sleep(_delay(i))
        probe.leave()
        return i * i

    outcomes = [o async for o in aordered_map(work, probe.items(40), limit=6)]
    assert [o.unwrap() for o in outcomes] == [i * i for i in range(40)]
    assert probe.peak == 6


def test_a_failure_is_its_items_outcome_and_the_others_go_on() -> None:
    def work(i: int) -> int:
        if i == 3:
            raise KeyError(i)
        return i

    outcomes = list(ordered_map(work, range(8), limit=3))
    assert [o.error is None for o in outcomes] == [i != 3 for i in range(8)]
    assert isinstance(outcomes[3].error, KeyError)
    with pytest.raises(KeyError):
        outcomes[3].unwrap()


async def test_items_are_taken_only_as_room_frees() -> None:
    probe = Probe()
    release = asyncio.Event()

    async def work(i: int) -> int:
        if i == 0:
            await release.wait()  # the head is slow: the others finish and wait
        return i

    seen: list[Outcome[int, int]] = []
    async with aclosing(aordered_map(work, probe.items(1000), limit=4, ahead=8)) as outcomes:
        consumer = asyncio.ensure_future(_collect(outcomes, seen))
        await asyncio.sleep(0.05)
        assert probe.taken == 8  # never more than ``ahead`` held past the head
        release.set()
        await consumer
    assert [o.item for o in seen] == list(range(1000))


async def _collect(outcomes: object, into: list[Outcome[int, int]]) -> None:
    async for outcome in outcomes:  # type: ignore[attr-defined]
        into.append(outcome)


def test_threads_run_in_the_callers_context() -> None:
    token = WHO.set("caller")
    try:
        outcomes = list(ordered_map(lambda _i: WHO.get(), range(5), limit=3))
    finally:
        WHO.reset(token)
    assert {o.unwrap() for o in outcomes} == {"caller"}


async def test_an_abandoned_iteration_cancels_what_still_runs() -> None:
    started: list[int] = []
    cancelled: list[int] = []

    async def work(i: int) -> int:
        started.append(i)
        try:
            await asyncio.sleep(0 if i == 0 else 10)
        except asyncio.CancelledError:
            cancelled.append(i)
            raise
        return i

    async with aclosing(aordered_map(work, range(100), limit=5)) as outcomes:
        async for outcome in outcomes:
            assert outcome.item == 0
            break
    await asyncio.sleep(0.01)
    assert len(started) <= 6  # the five, and the one item 0's worker took when it ended
    assert sorted(cancelled) == sorted(set(started) - {0})  # every call left running


def test_an_abandoned_thread_iteration_starts_nothing_more() -> None:
    probe = Probe()
    with closing(ordered_map(lambda i: i, probe.items(10_000), limit=4, ahead=4)) as outcomes:
        for outcome in outcomes:
            if outcome.item == 2:
                break
    assert probe.taken <= 8


def test_a_limit_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        list(ordered_map(lambda i: i, [1], limit=0))
