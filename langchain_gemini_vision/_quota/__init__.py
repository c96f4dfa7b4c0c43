"""The client's side of Gemini's quotas: pace the sends, learn from 429s, wait as asked.

``clock`` (time and sleeps, replaceable in tests), ``window`` (what a per-window quota
allows, from the log of sends), ``gate`` (requests in flight: additive increase,
multiplicative decrease), ``limiter`` (one client's :class:`QuotaLimiter`, which every
request asks first).
"""

from .clock import SYSTEM_CLOCK, Clock, SystemClock
from .gate import AdaptiveGate
from .limiter import MINUTE, Permit, QuotaLimiter
from .window import SendLog, WindowRule

__all__ = [
    "MINUTE",
    "SYSTEM_CLOCK",
    "AdaptiveGate",
    "Clock",
    "Permit",
    "QuotaLimiter",
    "SendLog",
    "SystemClock",
    "WindowRule",
]
