"""Time as the limiter and the retries read it: one object, so a test can drive both.

:data:`SYSTEM_CLOCK` is the monotonic clock with real sleeps; a client built with
``clock=`` uses another (the tests' virtual clock, which records every wait and sleeps
none, proves that bulk work waits the 34.4 s Gemini asks for without taking 34.4 s).
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

__all__ = ["SYSTEM_CLOCK", "Clock", "SystemClock"]


class Clock(Protocol):
    """``now()`` in seconds (monotonic), and the two ways to wait."""

    def now(self) -> float: ...

    def sleep(self, seconds: float) -> None: ...

    async def asleep(self, seconds: float) -> None: ...


class SystemClock:
    """``time.monotonic``, ``time.sleep`` and ``asyncio.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    def sleep(self, seconds: float) -> None:
        time.sleep(seconds)

    async def asleep(self, seconds: float) -> None:
        await asyncio.sleep(seconds)


SYSTEM_CLOCK = SystemClock()
