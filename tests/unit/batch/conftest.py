"""Fixtures of the batch tests: an emulator per test, its Batch API, a generateContent client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.testing import GeminiEmulator
from langchain_gemini_vision.testing.batches import BatchService, batches_of


@pytest.fixture
def emu() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emulator:
        yield emulator


@pytest.fixture
def service(emu: GeminiEmulator) -> BatchService:
    service = batches_of(emu)
    service.polls_per_state = {"PENDING": 1, "RUNNING": 1}
    return service


@pytest.fixture
def client(emu: GeminiEmulator) -> Iterator[GeminiVisionClient]:
    with GeminiVisionClient(api_key="k", base_url=emu.base_url, api="generate_content") as c:
        yield c
