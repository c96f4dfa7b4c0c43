"""Gemini's quota answers as recorded from live traffic, and a clock tests can drive.

``PER_MINUTE_429`` is the body Gemini sends when a per-minute request quota runs out
(HTTP 429 ``RESOURCE_EXHAUSTED``: a ``QuotaFailure`` naming the metric and quota id, a
``Help`` link and a ``RetryInfo`` of 34.4 s); ``PER_DAY_429`` the one for a daily quota
(Gemini still attaches a short ``RetryInfo`` to it: waiting it out would not help).
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

MESSAGE = (
    "You exceeded your current quota, please check your plan and billing details. For more "
    "information on this error, head to: https://ai.google.dev/gemini-api/docs/rate-limits. "
    "To monitor your current usage, head to: https://ai.dev/rate-limit. \n"
    "* Quota exceeded for metric: generativelanguage.googleapis.com/"
    "generate_content_free_tier_requests, limit: 10, model: gemini-3-flash\n"
    "Please retry in 34.4s."
)


def _body(quota_id: str, value: str, delay: str) -> dict[str, Any]:
    return {
        "error": {
            "code": 429,
            "message": MESSAGE,
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {
                    "@type": "type.googleapis.com/google.rpc.QuotaFailure",
                    "violations": [
                        {
                            "quotaMetric": (
                                "generativelanguage.googleapis.com/"
                                "generate_content_free_tier_requests"
                            ),
                            "quotaId": quota_id,
                            "quotaDimensions": {"location": "global", "model": "gemini-3-flash"},
                            "quotaValue": value,
                        }
                    ],
                },
                {
                    "@type": "type.googleapis.com/google.rpc.Help",
                    "links": [
                        {
                            "description": "Learn more about Gemini API quotas",
                            "url": "https://ai.google.dev/gemini-api/docs/rate-limits",
                        }
                    ],
                },
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": delay},
            ],
        }
    }


PER_MINUTE_429 = _body("GenerateRequestsPerMinutePerProjectPerModel-FreeTier", "10", "34.4s")
PER_DAY_429 = _body("GenerateRequestsPerDayPerProjectPerModel-FreeTier", "250", "22s")


def per_minute_429() -> dict[str, Any]:
    """A fresh copy of the per-minute body (handlers may be called from many threads)."""
    return copy.deepcopy(PER_MINUTE_429)


class FakeClock:
    """Time that passes only when someone sleeps: every sleep is recorded, none is real.

    The client's ``clock=`` seam: ``now()`` for the limiter and the retries, ``sleep``
    and ``asleep`` for their waits.
    """

    def __init__(self) -> None:
        self.time = 1000.0
        self.sleeps: list[float] = []

    def now(self) -> float:
        return self.time

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.time += max(0.0, seconds)

    async def asleep(self, seconds: float) -> None:
        self.sleep(seconds)
        await asyncio.sleep(0)
