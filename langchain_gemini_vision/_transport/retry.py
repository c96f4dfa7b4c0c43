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

_rng = random.Random()  # jitter needs no cryptographic strength  # noqa: S311


def _next_delay(
    policy: RetryPolicy, error: GeminiVisionError, attempt: int, started: float, now: float
) -> float | None:
    """Seconds to wait before the next attempt, or ``None`` to give up and raise ``error``."""
    if attempt >= policy.max_attempts or not is_retryable(error):
        return None
    requested = getattr(error, "retry_after", None)
    if requested is not None and requested > policy.max_retry_after:
        return None
    delay = max(policy.backoff(attempt, _rng), requested or 0.0)
    if policy.deadline is not None and now + delay - started >= policy.deadline:
        return None
    return delay


def _remaining(policy: RetryPolicy, started: float, now: float) -> float | None:
    if policy.deadline is None:
        return None
    return policy.deadline - (now - started)


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
    started = clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            return attempt_fn(_remaining(policy, started, clock()))
        except GeminiVisionError as error:
            delay = _next_delay(policy, error, attempt, started, clock())
            if delay is None:
                remaining = _remaining(policy, started, clock())
                if is_retryable(error) and remaining is not None and remaining <= 0:
                    raise _deadline_error(policy, attempt, error) from error
                raise
            sleep(delay)


async def acall_with_retries(
    attempt_fn: Callable[[float | None], Awaitable[T]],
    policy: RetryPolicy,
    *,
    sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> T:
    """Async twin of :func:`call_with_retries`."""
    started = clock()
    attempt = 0
    while True:
        attempt += 1
        try:
            return await attempt_fn(_remaining(policy, started, clock()))
        except GeminiVisionError as error:
            delay = _next_delay(policy, error, attempt, started, clock())
            if delay is None:
                remaining = _remaining(policy, started, clock())
                if is_retryable(error) and remaining is not None and remaining <= 0:
                    raise _deadline_error(policy, attempt, error) from error
                raise
            await sleep(delay)
