"""One client's quota limiter: every request it sends asks here first.

:class:`QuotaLimiter` holds what the client knows of its quota and decides when each
request may leave:

* **Per-window rules.** ``rpm`` and ``tpm`` (set by the user, per minute), and the quotas
  learned from 429s: a ``QuotaFailure`` (or the message's ``limit: N``) gives the limit,
  the log of sends and the ``RetryInfo`` give the window's length (:mod:`.window`). A
  request is counted before it is sent, with the package's own token estimate of its
  prompt and images, corrected by the ratio of reported to estimated input tokens of the
  answers so far; an answer's reported tokens replace its estimate in the log.
* **Waits Gemini asked for.** A 429's ``RetryInfo`` holds every later request back
  until then. A daily quota (``PerDay``) is remembered until midnight Pacific time: every
  request fails at once, unsent, with :class:`~.errors.GeminiVisionDailyQuotaError`.
* **Requests in flight** (:class:`.gate.AdaptiveGate`), and LangChain's
  ``BaseRateLimiter`` (``rate_limiter=``), acquired once per request sent.

What is learned is kept for the client's life. A request that would have to wait longer
than its caller allows (``max_wait``: an interactive call's ``max_retry_after``) is not
sent: it fails at once with :class:`~.errors.GeminiVisionRateLimitError`, the wait in
``retry_after``. Bulk work passes no ``max_wait`` and waits as long as the quota needs.

The sync and async ways in (:meth:`QuotaLimiter.permit`, :meth:`QuotaLimiter.apermit`)
share :meth:`QuotaLimiter._reserve` and :meth:`QuotaLimiter._stands`, and differ only in
how they wait.
"""

from __future__ import annotations

import datetime as dt
import statistics
import threading
from collections import deque
from typing import TYPE_CHECKING

from langchain_gemini_vision.errors import (
    GeminiVisionDailyQuotaError,
    GeminiVisionRateLimitError,
    QuotaViolation,
)

from .gate import AdaptiveGate, Outcome
from .window import Send, SendLog, WindowRule

if TYPE_CHECKING:
    from langchain_core.rate_limiters import BaseRateLimiter

    from .clock import Clock

__all__ = ["Permit", "QuotaLimiter"]

MINUTE = 60.0
"""The window of ``rpm``/``tpm``, and of a learned quota whose period is not named."""
_HORIZON = MINUTE + 1.0
"""Sends kept at least this long: a per-minute 429 is explained by the last minute's."""


def _slack(window: float) -> float:
    """Time added past a window's end before the next send: clocks and the network differ
    by milliseconds, and a request that arrives a hair early is refused."""
    return 0.01 * window + 0.02


def _until_pacific_midnight() -> float:
    """Seconds until Gemini's daily quotas reset (midnight, America/Los_Angeles)."""
    try:
        from zoneinfo import ZoneInfo

        zone: dt.tzinfo = ZoneInfo("America/Los_Angeles")
    except (ImportError, LookupError):  # no time zone data: standard time, never later
        zone = dt.timezone(dt.timedelta(hours=-8))
    now = dt.datetime.now(zone)
    midnight = dt.datetime.combine(now.date() + dt.timedelta(days=1), dt.time(), zone)
    return max(1.0, (midnight - now).total_seconds())


_SEEN = 15
"""Window lengths kept per learned quota: the median of the last few is its base."""
_EARLY = 0.1
"""A 429 asking for less than this share of the window: a send paced a hair too early."""
_PROBE = 0.02
"""After a window's worth of answers with no 429, the window is tried this much shorter
(until a 429 says it was too short: then it is settled)."""


class _Learned:
    """A quota learned from 429s: its limit and the window its 429s imply.

    A 429 met in a burst implies a window length that is off by the time its request
    took to reach the service (a busy event loop, the bytes of a burst written one after
    another): the median of the last few such readings is the base, robust to those far
    off either way. Once paced, the estimate is corrected both ways: a window's worth of
    answers with no 429 tries it 2 % shorter (never shorter than the longest wait a 429
    asked for), and a 429 asking for a short wait says the sends left that much too early:
    the window grows by it and, once per window, by the last shortening undone plus 2 %
    (the wait says only by how much the first send was early, and the edge is not sharp:
    sends reach the service a few milliseconds apart, early ones at random) and it is
    settled: no longer tried shorter (each try at the edge costs 429s, and the issue's
    bound is 1 % of calls), within a few percent of the truth.
    """

    __slots__ = (
        "backed_off",
        "clean",
        "correction",
        "floor",
        "last_step",
        "limit",
        "period",
        "seen",
        "settled",
        "since",
    )

    def __init__(self, limit: int, period: float | None, since: float) -> None:
        self.limit = limit
        self.period = period
        self.since = since
        """When the first 429 taught it: sends that left before were not paced to it."""
        self.seen: deque[float] = deque(maxlen=_SEEN)
        self.correction = 0.0
        self.floor = 0.0
        self.clean = 0.0
        self.last_step = 0.0
        """The last shortening tried: undone by the 429 it causes."""
        self.backed_off = float("-inf")
        """When a 429 last lengthened the window: its burst's other 429s do not again."""
        self.settled = False

    @property
    def window(self) -> float:
        if not self.seen:
            return 0.0
        return max(self.floor, statistics.median(self.seen) + self.correction)

    def refused(self, seen: float | None, delay: float | None, *, paced: bool, now: float) -> None:
        """One 429 of this quota: the window it implies (``None``: not explained by our
        sends), the wait it asked for, and whether its request was paced to this quota
        (one that left before the quota was known says nothing of the pacing)."""
        self.clean = 0.0
        if delay is not None:
            self.floor = max(self.floor, delay)
        current = self.window
        if paced and current and delay is not None and delay <= _EARLY * current:
            if now - self.backed_off >= current:
                self.correction += self.last_step + _PROBE * current
                self.backed_off = now
            self.correction += delay
            self.last_step = 0.0
            self.settled = True
        elif seen is not None:
            self.seen.append(seen)

    def answered(self, amount: float) -> bool:
        """An answer (``amount``: 1 request, or its input tokens) under this quota;
        whether the window was just tried shorter."""
        self.clean += amount
        if self.settled or self.clean < self.limit or not self.seen:
            return False
        self.clean = 0.0
        self.last_step = _PROBE * self.window
        self.correction -= self.last_step
        return True


class Permit:
    """One request's place: hold it while the request is sent (``with permit:``), then
    say how it went (:meth:`answered`; an exception leaving the block says the rest)."""

    def __init__(self, limiter: QuotaLimiter, send: Send, entered: int | None) -> None:
        self._limiter = limiter
        self._send = send
        self._entered = entered
        self._done = False

    def __enter__(self) -> Permit:
        return self

    def __exit__(self, *exc_info: object) -> None:
        # (type, error, traceback): how the request ended decides what the quota learns.
        exc = exc_info[1]
        if self._done:
            return
        if isinstance(exc, GeminiVisionRateLimitError):
            self._finish(self._limiter._refused(self._send, exc))
        else:
            self._finish("ok" if exc is None else "other")

    def answered(self, input_tokens: int | None) -> None:
        """The request was answered, with the input tokens the service reports."""
        self._limiter._answered(self._send, input_tokens)
        self._finish("ok")

    def _finish(self, outcome: Outcome) -> None:
        self._done = True
        if self._entered is not None:
            self._limiter.gate.leave(outcome, self._entered)


class QuotaLimiter:
    """What one client knows of its quota, and when its next request may leave.

    Args:
        rpm: Requests per minute at most (``None``: no rule of the user's).
        tpm: Input tokens per minute at most.
        rate_limiter: LangChain's rate limiter, acquired before each request.
        learn: Learn quotas, waits and concurrency from 429s (off: only the three above).
        clock: Time and sleeps.
    """

    def __init__(
        self,
        *,
        rpm: int | None = None,
        tpm: int | None = None,
        rate_limiter: BaseRateLimiter | None = None,
        learn: bool = True,
        clock: Clock,
    ) -> None:
        self.rate_limiter = rate_limiter
        self.learn = learn
        self.clock = clock
        self.gate = AdaptiveGate()
        self._given = [WindowRule(float(rpm), MINUTE)] if rpm else []
        if tpm:
            self._given.append(WindowRule(float(tpm), MINUTE, counts_tokens=True))
        self._learned: dict[tuple[bool, str], _Learned] = {}
        self._rules = self._effective_rules()
        self._log = SendLog(_HORIZON)
        self._lock = threading.Lock()
        self._blocked_until = float("-inf")
        self._daily: tuple[float, GeminiVisionDailyQuotaError] | None = None
        self._changes = 0  # counts what a 429 taught: a reserved moment made before is stale
        self._ratio = 1.0  # reported / estimated input tokens

    # ------------------------------------------------------------------ reading

    @property
    def rules(self) -> list[WindowRule]:
        """The windows the next request must fit: the user's and the learned ones."""
        return list(self._rules)

    def _effective_rules(self) -> list[WindowRule]:
        rules = [
            WindowRule(r.limit, r.window + _slack(r.window), r.counts_tokens) for r in self._given
        ]
        for (counts_tokens, _), learned in self._learned.items():
            if learned.window > 0:
                window = learned.window + _slack(learned.window)
                rules.append(WindowRule(float(learned.limit), window, counts_tokens))
        return rules

    # ------------------------------------------------------------------ asking

    def permit(self, tokens: float, *, max_wait: float | None) -> Permit:
        """Wait until one request of ``tokens`` estimated input tokens may leave.

        Raises:
            GeminiVisionDailyQuotaError: A daily quota is used up (nothing was sent).
            GeminiVisionRateLimitError: The wait would exceed ``max_wait``.
        """
        self._check_daily()
        if self.rate_limiter is not None:
            self.rate_limiter.acquire(blocking=True)
        entered = self.gate.enter() if self.learn else None
        try:
            while True:
                wait, send, changes = self._reserve(tokens, max_wait)
                if wait <= 0:
                    break  # booked for now: it has left
                try:
                    self.clock.sleep(wait)
                except BaseException:
                    self._withdraw(send)
                    raise
                if self._stands(send, changes):
                    self._leaving(send)
                    break
        except BaseException:
            if entered is not None:
                self.gate.leave("other", entered)
            raise
        return Permit(self, send, entered)

    async def apermit(self, tokens: float, *, max_wait: float | None) -> Permit:
        """Async :meth:`permit`: the task waits, the event loop runs on."""
        self._check_daily()
        if self.rate_limiter is not None:
            await self.rate_limiter.aacquire(blocking=True)
        entered = await self.gate.aenter() if self.learn else None
        try:
            while True:
                wait, send, changes = self._reserve(tokens, max_wait)
                if wait <= 0:
                    break  # booked for now: it has left
                try:
                    await self.clock.asleep(wait)
                except BaseException:
                    self._withdraw(send)
                    raise
                if self._stands(send, changes):
                    self._leaving(send)
                    break
        except BaseException:
            if entered is not None:
                self.gate.leave("other", entered)
            raise
        return Permit(self, send, entered)

    def _check_daily(self) -> None:
        daily = self._daily
        if daily is None:
            return
        until, error = daily
        if self.clock.now() >= until:
            self._daily = None
            return
        raise GeminiVisionDailyQuotaError(
            f"not sent: {error.message}",
            status=error.status,
            code=error.code,
            retry_after=until - self.clock.now(),
            violations=error.violations,
        )

    def _reserve(self, tokens: float, max_wait: float | None) -> tuple[float, Send, int]:
        """Book the first moment the rules allow: the wait, the booked send, the changes
        seen. Raises when that is further away than ``max_wait``."""
        with self._lock:
            now = self.clock.now()
            self._log.prune(now, max((r.window for r in self._rules), default=0.0))
            cost = tokens * self._ratio
            moment = max(self._log.earliest(now, self._rules, cost), self._blocked_until)
            wait = moment - now
            if max_wait is not None and wait > max_wait:
                raise GeminiVisionRateLimitError(
                    f"the quota allows this client's next request in {wait:.1f} s, longer "
                    f"than an interactive call waits ({max_wait:g} s, the retry policy's "
                    "max_retry_after); it was not sent. Retry later, or run the work as "
                    "bulk (batch/abatch, map/amap, the loader), which waits for its turn",
                    retry_after=wait,
                )
            send = self._log.add(max(moment, now), cost)
            send.left = wait <= 0  # nothing to wait for: it leaves now (one lock, not two)
            return wait, send, self._changes

    def _stands(self, send: Send, changes: int) -> bool:
        """After the wait: whether the moment booked still holds (no 429 taught us more
        meanwhile); if not, the booking is withdrawn, to be made again."""
        with self._lock:
            if changes == self._changes:
                return True
            self._log.remove(send)
            return False

    def _leaving(self, send: Send) -> None:
        """The request leaves now: a wait that overran (a busy event loop, a late thread)
        moves its send to the moment it really left, so later sends are paced from it."""
        with self._lock:
            send.at = max(send.at, self.clock.now())
            send.left = True

    def _withdraw(self, send: Send) -> None:
        with self._lock:
            self._log.remove(send)

    # ------------------------------------------------------------------ learning

    def _answered(self, send: Send, input_tokens: int | None) -> None:
        with self._lock:
            self._probe(send.tokens if not input_tokens else float(input_tokens))
            if not input_tokens or input_tokens <= 0:
                return
            estimate = send.tokens / self._ratio if self._ratio else send.tokens
            if estimate > 0:
                seen = input_tokens / estimate
                self._ratio = min(4.0, max(0.25, 0.8 * self._ratio + 0.2 * seen))
            send.tokens = float(input_tokens)

    def _probe(self, tokens: float) -> None:
        """An answer counts toward trying each learned window shorter (lock held)."""
        tried = [
            learned.answered(tokens if counts_tokens else 1.0)
            for (counts_tokens, _), learned in self._learned.items()
        ]
        if any(tried):
            self._rules = self._effective_rules()

    def _refused(self, send: Send, error: GeminiVisionRateLimitError) -> Outcome:
        """A 429 for ``send``: learn what it says; the gate's outcome."""
        with self._lock:
            self._log.remove(send)  # Gemini does not count what it refused
            if not self.learn:
                return "other"
            now = self.clock.now()
            if isinstance(error, GeminiVisionDailyQuotaError):
                self._daily = (now + _until_pacific_midnight(), error)
                return "other"
            followed = False
            for violation in error.violations:
                if violation.value is not None and not violation.daily:
                    self._learn(violation, send, now, error.retry_after)
                    followed = True
            if error.retry_after is not None:
                self._blocked_until = max(self._blocked_until, now + error.retry_after)
            self._rules = self._effective_rules()
            self._changes += 1
            self._log.withdraw_waiting()
            return "paced" if followed else "refused"

    def _learn(
        self, violation: QuotaViolation, send: Send, now: float, delay: float | None
    ) -> None:
        assert violation.value is not None
        key = (violation.counts_tokens, violation.quota_id or violation.metric or "")
        learned = self._learned.get(key)
        if learned is None:
            learned = self._learned[key] = _Learned(violation.value, violation.period, now)
        learned.limit = violation.value
        longest = violation.period or MINUTE
        rule = WindowRule(float(violation.value), longest, violation.counts_tokens)
        seen = None
        if delay is not None:
            # The service decides as the request arrives (its wait counts from then), on
            # the sends that had left by the answer: a burst's requests arrive in any order.
            seen = self._log.window_after(
                rule, sent=now, tokens=send.tokens, answered=send.at, delay=delay
            )
        if seen is None and not learned.seen:
            # Our own sends do not explain it (the quota is shared, or the answer named
            # no wait): the period the quota id names, until a window is seen.
            seen = longest
        seen = None if seen is None else min(longest, seen)
        learned.refused(seen, delay, paced=send.at >= learned.since, now=now)
