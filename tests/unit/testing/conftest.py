"""Fixtures for the emulator's own tests: the package's pytest plugin, plus helpers."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from google import genai
from google.genai import interactions

from langchain_gemini_vision.testing import GeminiEmulator
from langchain_gemini_vision.testing._pytest_asyncio import async_gemini_emulator
from langchain_gemini_vision.testing.pytest_plugin import (
    gemini_emulator,
    gemini_emulator_client,
    gemini_emulator_session,
)

__all__ = [
    "async_gemini_emulator",
    "gemini_emulator",
    "gemini_emulator_client",
    "gemini_emulator_session",
]


def sdk_client(emulator: GeminiEmulator, *, api_version: str | None = None) -> genai.Client:
    """A google-genai client for the emulator, SDK retries off (keep a reference to it!)."""
    options: dict[str, object] = {
        "base_url": emulator.base_url,
        "retry_options": {"attempts": 1},
    }
    if api_version:
        options["api_version"] = api_version
    return genai.Client(api_key="test-key", http_options=options)  # type: ignore[arg-type]


@pytest.fixture
def client(gemini_emulator: GeminiEmulator) -> Iterator[genai.Client]:
    """A client for the per-test emulator."""
    c = sdk_client(gemini_emulator)
    yield c
    c.close()


def create(client: genai.Client, **kwargs: Any) -> interactions.Interaction:
    """``client.interactions.create`` narrowed to the non-streaming result."""
    result = client.interactions.create(**kwargs)
    assert isinstance(result, interactions.Interaction)
    return result


async def acreate(client: genai.Client, **kwargs: Any) -> interactions.Interaction:
    """The async twin of :func:`create`."""
    result = await client.aio.interactions.create(**kwargs)
    assert isinstance(result, interactions.Interaction)
    return result
