"""``async_gemini_emulator``: registered by :mod:`.pytest_plugin` when pytest-asyncio is active."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import TYPE_CHECKING

import pytest_asyncio

from ._lazy_emulator import emulator_class

if TYPE_CHECKING:
    from .emulator import GeminiEmulator

__all__ = ["async_gemini_emulator"]


@pytest_asyncio.fixture
async def async_gemini_emulator() -> AsyncIterator[GeminiEmulator]:
    """A running emulator on the test's own event loop."""
    async with emulator_class("async_gemini_emulator")() as emulator:
        yield emulator
