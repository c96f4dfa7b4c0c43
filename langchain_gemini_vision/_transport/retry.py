"""One retry policy for both APIs.

The SDK's two paths retry differently (Interactions 5 attempts honouring
Retry-After, generateContent none by default); the package turns both off and
retries here, so the policy is the same whichever API or transport is used.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

from pydantic import BaseModel, ConfigDict, Field

from langchain_gemini_vision.errors import GeminiVisionError, GeminiVisionTimeoutError

from .errors import is_retryable

T = TypeVar("T")


class RetryPolicy(BaseModel):
    """How failed calls are retried.

    Retried: 408, 429, 500, 502, 503, 504, timeouts and dropped connections.
    Never retried: 400, 401, 403, 404 (except the client's one re-upload of
    an expired file). ``Retry-After`` and ``RetryInfo`` are honoured up to
    ``max_retry_after`` seconds; the whole call never runs past ``deadline``.
    """

    model_config = ConfigDict(frozen=True)

    max_attempts: int = Field(default=5, ge=1)
    """Attempts in all, the first included."""
    initial_delay: float = Field(default=0.5, ge=0)
    """Seconds before the first retry."""
    max_delay: float = Field(default=8.0, ge=0)
    """Ceiling of the exponential backoff."""
    multiplier: float = Field(default=2.0, ge=1)
    jitter: float = Field(default=0.25, ge=0, le=1)
    """Backoff is multiplied by a random factor in ``[1 - jitter, 1]``."""
    max_retry_after: float = Field(default=30.0, ge=0)
    """Longest server-requested wait honoured; longer requests give up at once."""
    deadline: float | None = Field(default=120.0, gt=0)
    """Seconds for the call and all its retries; ``None`` for no overall limit."""

    def backoff(self, retry_number: int, rng: random.Random) -> float:
        """Delay before retry number ``retry_number`` (1-based), with jitter."""
        base = min(self.max_delay, self.initial_delay * self.multiplier ** (retry_number - 1))
        return base * (1 - self.jitter * rng.random())


NO_RETRIES = RetryPolicy(max_attempts=1)

BULK_MAX_RETRY_AFTER = 61.0
"""Longest server-requested wait bulk work honours: a per-minute quota's window (Gemini
asks for up to about a minute, ``"34.4s"`` in recorded traffic), and a second of slack."""


def for_bulk(policy: RetryPolicy) -> RetryPolicy:
    """``policy`` as bulk work uses it when no ``bulk_retry`` is set: waits Gemini asks for
    honoured up to a quota's minute, and no overall deadline (a batch's requests wait their
    turn in the quota; its attempts and their timeouts still bound each one)."""
    return policy.model_copy(
        update={
            "max_retry_after": max(policy.max_retry_after, BULK_MAX_RETRY_AFTER),
            "deadline": None,
        }
    )


_rng = random.Random()  # jitter needs no cryptographic strength  # noqa: S311


class _Attempts:
    """One call's retry bookkeeping: time left, and whether (and when) to try again.

    :func:`call_with_retries` and :func:`acall_with_retries` share it; they differ only
    in how they call and how they sleep.
    """

    def __init__(self, policy: RetryPolicy, clock: Callable[[], float]) -> None:
        self.policy = policy
        self.clock = clock
        self.started = clock()
        self.made = 0

    def left(self) -> float | None:
        """Seconds left before the deadline (``None``: no deadline); counts an attempt."""
        self.made += 1
        return self._remaining(self.clock())

    def _remaining(self, now: float) -> float | None:
        return None if self.policy.deadline is None else self.policy.deadline - (now - self.started)

    def delay_after(self, error: GeminiVisionError) -> float:
        """Seconds to wait before the next attempt; raises ``error`` to give up (a timeout
        error when the deadline ran out on a retryable failure)."""
        policy, now = self.policy, self.clock()
        delay = None
        if self.made < policy.max_attempts and is_retryable(error):
            requested = getattr(error, "retry_after", None)
            if requested is None or requested <= policy.max_retry_after:
                delay = max(policy.backoff(self.made, _rng), requested or 0.0)
                if policy.deadline is not None and now + delay - self.started >= policy.deadline:
                    delay = None
        if delay is not None:
            return delay
        remaining = self._remaining(self.clock())
        if is_retryable(error) and remaining is not None and remaining <= 0:
            raise _deadline_error(policy, self.made, error) from error
        raise error


def _deadline_error(policy: RetryPolicy, attempts: int, last: GeminiVisionError) -> Exception:
    error = GeminiVisionTimeoutError(
        f"gave up after {attempts} attempt(s) within the {policy.deadline} s deadline; "
        f"last error: {last}"
    )
    error.__cause__ = last
    return error


def call_with_retries(
    attempt_fn: Callable[[float | None], T],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], object] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Call ``attempt_fn(seconds_left)`` until it succeeds or the policy gives up."""
    attempts = _Attempts(policy, clock)
    while True:
        try:
            return attempt_fn(attempts.left())
        except GeminiVisionError as error:
            sleep(attempts.delay_after(error))


async def acall_with_retries(
    attempt_fn: Callable[[float | None], Awaitable[T]],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Async twin of :func:`call_with_retries`."""
    attempts = _Attempts(policy, clock)
    while True:
        try:
            return await attempt_fn(attempts.left())
        except GeminiVisionError as error:
            await sleep(attempts.delay_after(error))
