"""Gemini's quotas, as the emulator enforces them: per key and model, per window.

A :class:`Quota` says how many generation requests and input tokens one API key may
spend on one model in any window (a minute for Gemini; a test scales the window down
to seconds), and how many requests in a day (1,440 windows). :class:`QuotaBook`
counts what each key sent over a sliding window, as Gemini's per-minute quotas count
it: a request over a quota is refused, unanswered and uncounted, with Gemini's 429
body (the ``QuotaFailure`` naming the metric, the quota id, its dimensions and value;
the ``Help`` link; the ``RetryInfo`` saying when the oldest counted request leaves the
window, so a client that waits exactly that long gets in).

Input tokens are counted as the emulator reports them in ``usage`` (the published
formula, :mod:`langchain_gemini_vision.tokens`), never from the client's estimate.
Both APIs answer a quota with this body: the emulator's injected 429s do too.
"""

from __future__ import annotations

import bisect
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from ._api_errors import ApiError

__all__ = ["Quota", "QuotaBook", "quota_error"]

_PREFIX: Final = "generativelanguage.googleapis.com/"
_HELP: Final = {
    "@type": "type.googleapis.com/google.rpc.Help",
    "links": [
        {
            "description": "Learn more about Gemini API quotas",
            "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
        }
    ],
}
_MESSAGE: Final = (
    "You exceeded your current quota, please check your plan and billing details. For more "
    "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. "
    "To monitor your current usage, head to: https://ai.dev/rate-limit. "
)
_DAY_WINDOWS: Final = 1440
"""A day is 1,440 of a quota's minutes: a scaled window scales the day with it."""


@dataclass(frozen=True)
class Quota:
    """What one key may spend on one model (``None``: no such quota).

    Attributes:
        requests: Generation requests per window (Gemini's RPM).
        tokens: Input tokens per window (TPM).
        requests_per_day: Requests per day (RPD): 1,440 windows.
        window: The window's length in seconds (60 for Gemini; less in tests).
        tier: The suffix of the quota ids (``FreeTier``...).
    """

    requests: int | None = None
    tokens: int | None = None
    requests_per_day: int | None = None
    window: float = 60.0
    tier: str = "FreeTier"


@dataclass(frozen=True)
class _Rule:
    metric: str
    quota_id: str
    limit: int
    window: float
    counts_tokens: bool


def _rules(quota: Quota) -> list[_Rule]:
    tier = quota.tier
    rules = []
    if quota.requests_per_day is not None:
        rules.append(
            _Rule(
                "generate_content_free_tier_requests",
                f"GenerateRequestsPerDayPerProjectPerModel-{tier}",
                quota.requests_per_day,
                quota.window * _DAY_WINDOWS,
                counts_tokens=False,
            )
        )
    if quota.requests is not None:
        rules.append(
            _Rule(
                "generate_content_free_tier_requests",
                f"GenerateRequestsPerMinutePerProjectPerModel-{tier}",
                quota.requests,
                quota.window,
                counts_tokens=False,
            )
        )
    if quota.tokens is not None:
        rules.append(
            _Rule(
                "generate_content_free_tier_input_token_count",
                f"GenerateContentInputTokensPerModelPerMinute-{tier}",
                quota.tokens,
                quota.window,
                counts_tokens=True,
            )
        )
    return rules


def _delay_text(seconds: float) -> str:
    """Gemini's ``retryDelay``: seconds, rounded up to the millisecond (never early)."""
    return f"{math.ceil(max(seconds, 0.0) * 1000) / 1000:g}s"


def quota_error(
    *, metric: str, quota_id: str, limit: int, model: str, delay: float | None
) -> ApiError:
    """Gemini's 429 for one exceeded quota (``delay``: its ``RetryInfo``, if any)."""
    message = (
        f"{_MESSAGE}\n* Quota exceeded for metric: {_PREFIX}{metric}, limit: {limit}, "
        f"model: {model}"
    )
    details: list[dict[str, Any]] = [
        {
            "@type": "type.googleapis.com/google.rpc.QuotaFailure",
            "violations": [
                {
                    "quotaMetric": _PREFIX + metric,
                    "quotaId": quota_id,
                    "quotaDimensions": {"location": "global", "model": model},
                    "quotaValue": str(limit),
                }
            ],
        },
        _HELP,
    ]
    if delay is not None:
        message += f"\nPlease retry in {_delay_text(delay)}."
        details.append(
            {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": _delay_text(delay)}
        )
    return ApiError(429, message, details=details)


class QuotaBook:
    """The requests and input tokens each (key, model) spent, over a sliding window.

    Args:
        quota: The quota every key has (``None``: no quota, nothing is counted).
        clock: Monotonic seconds (tests may drive it).
    """

    def __init__(self, quota: Quota | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.quota = quota
        self._rules = _rules(quota) if quota is not None else []
        self._clock = clock
        self._spent: dict[tuple[str, str], list[tuple[float, int]]] = {}
        """Per key and model: (arrival, input tokens) of each counted request, in order."""
        self._lock = threading.Lock()
        self.refused = 0
        """Requests answered 429 by a quota, since the start."""

    def charge(self, key: str, model: str, tokens: int, *, arrived: float | None = None) -> None:
        """Count one request of ``tokens`` input tokens, or refuse it uncounted.

        Args:
            arrived: When the request arrived (the clock's time; default now): a quota
                counts requests as they come in, not when their answer is ready.

        Raises:
            ApiError: Gemini's 429 for the first quota it would exceed.
        """
        if not self._rules:
            return
        with self._lock:
            now = self._clock()
            at = now if arrived is None else min(arrived, now)
            spent = self._spent.setdefault((key, model), [])
            longest = max(rule.window for rule in self._rules)
            while spent and spent[0][0] <= now - longest:
                del spent[0]
            for rule in self._rules:
                free_at = _free_at(rule, spent, at, tokens)
                if free_at is not None:
                    self.refused += 1
                    raise quota_error(
                        metric=rule.metric,
                        quota_id=rule.quota_id,
                        limit=rule.limit,
                        model=model,
                        delay=max(free_at - now, 0.001),
                    )
            bisect.insort(spent, (at, tokens))  # answers finish out of arrival order


def _free_at(rule: _Rule, spent: list[tuple[float, int]], now: float, tokens: int) -> float | None:
    """``None`` when one more request of ``tokens`` arriving at ``now`` fits ``rule``;
    else when it will."""
    inside = [entry for entry in spent if now - rule.window < entry[0] <= now]
    if not rule.counts_tokens:
        if len(inside) < rule.limit:
            return None
        return inside[len(inside) - rule.limit][0] + rule.window
    # A request over the whole limit is let through alone, in an empty window.
    room = rule.limit - min(tokens, rule.limit)
    total = sum(n for _, n in inside)
    if total <= room:
        return None
    for at, n in inside:  # oldest first: when enough has left the window
        total -= n
        if total <= room:
            return at + rule.window
    return now  # unreachable: an empty window always has room
