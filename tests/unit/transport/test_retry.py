"""The retry policy, on a fake clock: which errors are retried, how long it waits, when it stops."""

from __future__ import annotations

import asyncio

import pytest

from langchain_gemini_vision._transport.retry import (
    RetryPolicy,
    acall_with_retries,
    call_with_retries,
)
from langchain_gemini_vision.errors import (
    GeminiVisionConnectionError,
    GeminiVisionError,
    GeminiVisionInvalidRequestError,
    GeminiVisionRateLimitError,
    GeminiVisionServerError,
    GeminiVisionTimeoutError,
)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)


def _failing(errors: list[GeminiVisionError]):
    calls: list[float | None] = []

    def attempt(left: float | None) -> str:
        calls.append(left)
        if errors:
            raise errors.pop(0)
        return "ok"

    return attempt, calls


def test_retries_then_succeeds_honouring_retry_after() -> None:
    clock = FakeClock()
    attempt, calls = _failing(
        [
            GeminiVisionServerError("busy", status=503),
            GeminiVisionRateLimitError("slow", status=429, retry_after=2.0),
            GeminiVisionConnectionError("dropped"),
        ]
    )
    policy = RetryPolicy(initial_delay=0.1, jitter=0)
    assert call_with_retries(attempt, policy, sleep=clock.sleep, clock=clock) == "ok"
    assert len(calls) == 4
    # Backoff 0.1, then Retry-After 2.0 (longer than the 0.2 backoff), then 0.4.
    assert clock.sleeps == [0.1, 2.0, 0.4]


def test_never_retries_a_bad_request() -> None:
    clock = FakeClock()
    attempt, calls = _failing([GeminiVisionInvalidRequestError("bad image", status=400)])
    with pytest.raises(GeminiVisionInvalidRequestError):
        call_with_retries(attempt, RetryPolicy(), sleep=clock.sleep, clock=clock)
    assert len(calls) == 1
    assert clock.sleeps == []


def test_gives_up_after_max_attempts_with_the_typed_error() -> None:
    clock = FakeClock()
    attempt, calls = _failing([GeminiVisionServerError("busy", status=503) for _ in range(10)])
    with pytest.raises(GeminiVisionServerError):
        call_with_retries(
            attempt, RetryPolicy(max_attempts=3, jitter=0), sleep=clock.sleep, clock=clock
        )
    assert len(calls) == 3


def test_retry_after_beyond_the_cap_gives_up_at_once() -> None:
    clock = FakeClock()
    attempt, calls = _failing([GeminiVisionRateLimitError("quota", retry_after=3600)])
    with pytest.raises(GeminiVisionRateLimitError) as info:
        call_with_retries(attempt, RetryPolicy(max_retry_after=30), sleep=clock.sleep, clock=clock)
    assert info.value.retry_after == 3600
    assert len(calls) == 1


def test_deadline_bounds_the_whole_call() -> None:
    clock = FakeClock()
    attempt, calls = _failing([GeminiVisionServerError("busy", status=503) for _ in range(50)])
    policy = RetryPolicy(max_attempts=50, initial_delay=1, max_delay=4, jitter=0, deadline=10)
    with pytest.raises(GeminiVisionServerError):
        call_with_retries(attempt, policy, sleep=clock.sleep, clock=clock)
    assert clock.now < 10
    # Each attempt is told how long it has left, so a slow attempt cannot overrun.
    assert all(left is not None and left <= 10 for left in calls)


def test_deadline_already_spent_is_a_timeout_error() -> None:
    clock = FakeClock()

    def attempt(left: float | None) -> str:
        clock.now += 11  # the attempt itself ate the budget
        raise GeminiVisionConnectionError("dropped")

    with pytest.raises(GeminiVisionTimeoutError) as info:
        call_with_retries(attempt, RetryPolicy(deadline=10), sleep=clock.sleep, clock=clock)
    assert isinstance(info.value.__cause__, GeminiVisionConnectionError)


def test_async_twin_behaves_the_same() -> None:
    clock = FakeClock()
    errors: list[GeminiVisionError] = [GeminiVisionServerError("busy", status=503)]

    async def attempt(left: float | None) -> str:
        if errors:
            raise errors.pop(0)
        return "ok"

    result = asyncio.run(
        acall_with_retries(
            attempt, RetryPolicy(initial_delay=0.25, jitter=0), sleep=clock.asleep, clock=clock
        )
    )
    assert result == "ok"
    assert clock.sleeps == [0.25]


def test_backoff_is_capped_and_jittered_downwards() -> None:
    import random

    policy = RetryPolicy(initial_delay=1, max_delay=8, jitter=0.25)
    rng = random.Random(1)
    delays = [policy.backoff(n, rng) for n in range(1, 8)]
    assert all(0 < d <= 8 for d in delays)
    assert delays[-1] >= 6  # capped at 8, minus at most 25%
