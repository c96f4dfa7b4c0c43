"""Pytest fixtures for the local Gemini emulator.

Use them from a ``conftest.py``::

    pytest_plugins = ["langchain_gemini_vision.testing.pytest_plugin"]

or register the module as a plugin (``-p langchain_gemini_vision.testing.pytest_plugin``).

Fixtures:
    ``gemini_emulator``: a fresh emulator per test, on a background thread.
    ``async_gemini_emulator``: a fresh emulator on the test's event loop.
    ``gemini_emulator_session``: one emulator for the whole session (reset its
        faults and stats yourself if a test changes them).
    ``gemini_emulator_client``: a ``google.genai.Client`` pointed at
        ``gemini_emulator`` with SDK retries off.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import TYPE_CHECKING

import pytest
import pytest_asyncio

from .emulator import GeminiEmulator

if TYPE_CHECKING:
    from google import genai

__all__ = [
    "async_gemini_emulator",
    "gemini_emulator",
    "gemini_emulator_client",
    "gemini_emulator_session",
]


@pytest.fixture
def gemini_emulator() -> Iterator[GeminiEmulator]:
    """A running emulator for one test (background thread, free loopback port)."""
    with GeminiEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def gemini_emulator_session() -> Iterator[GeminiEmulator]:
    """One running emulator shared by the session."""
    with GeminiEmulator() as emulator:
        yield emulator


@pytest_asyncio.fixture
async def async_gemini_emulator() -> AsyncIterator[GeminiEmulator]:
    """A running emulator on the test's own event loop."""
    async with GeminiEmulator() as emulator:
        yield emulator


@pytest.fixture
def gemini_emulator_client(gemini_emulator: GeminiEmulator) -> Iterator[genai.Client]:
    """A google-genai client for ``gemini_emulator``, with SDK retries off."""
    from google import genai

    client = genai.Client(
        api_key="test-key",
        http_options={"base_url": gemini_emulator.base_url, "retry_options": {"attempts": 1}},
    )
    yield client
    client.close()
