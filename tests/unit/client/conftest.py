"""Fixtures for client tests: one emulator per test module, both APIs and both transports."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from langchain_gemini_vision import GeminiVisionClient, RetryPolicy
from langchain_gemini_vision.testing import GeminiEmulator

FAST_RETRIES = RetryPolicy(initial_delay=0.001, max_delay=0.01, deadline=20)


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emu:
        yield emu


@pytest.fixture(autouse=True)
def _fresh_emulator(emulator: GeminiEmulator) -> None:
    emulator.faults.clear()
    emulator.stats.reset()
    emulator.clear_requests()


@pytest.fixture(params=["interactions", "generate_content"])
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def client(emulator: GeminiEmulator, api: str) -> Iterator[GeminiVisionClient]:
    with GeminiVisionClient(
        api_key="emulator-key",
        base_url=emulator.base_url,
        api=api,
        retry=FAST_RETRIES,  # type: ignore[arg-type]
    ) as c:
        yield c
