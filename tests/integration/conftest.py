"""Integration tests replay cassettes recorded from the local emulator (or live Gemini).

Replay (the default): ``pytest tests/integration`` — no network, no emulator traffic.
Re-record from the emulator: ``pytest tests/integration --record-mode=rewrite``.
Record live: ``GEMINI_VISION_LIVE=1 GEMINI_API_KEY=... pytest tests/integration
--record-mode=rewrite`` (tests marked ``emulator_only`` are skipped then).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from langchain_gemini_vision import GeminiVisionClient, RetryPolicy
from tests.conftest import LIVE, LIVE_KEY

ASSETS = Path(__file__).resolve().parent.parent / "assets"


# Replay talks to nothing: a request a cassette does not answer goes to this
# closed port and fails loudly, instead of reaching a live emulator unnoticed.
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> Iterator[tuple[str | None, str]]:
    """``(base_url, api_key)``: nothing on replay; the emulator or live Gemini when recording."""
    if request.config.getoption("--record-mode") == "none":
        yield NOWHERE, "emulator-key"
        return
    if LIVE:
        if not LIVE_KEY:
            pytest.exit("GEMINI_VISION_LIVE=1 needs GEMINI_API_KEY or GOOGLE_API_KEY", 2)
        yield None, LIVE_KEY
        return
    from langchain_gemini_vision.testing import GeminiEmulator

    with GeminiEmulator() as emulator:
        yield emulator.base_url, "emulator-key"


@pytest.fixture(params=["interactions", "generate_content"])
def vision_client(
    request: pytest.FixtureRequest, backend: tuple[str | None, str]
) -> Iterator[GeminiVisionClient]:
    base_url, key = backend
    # One attempt: a cassette holds exactly the requests of one run.
    with GeminiVisionClient(
        api_key=key,
        base_url=base_url,
        api=request.param,
        retry=RetryPolicy(max_attempts=1),
        model="gemini-3-flash-preview",
    ) as client:
        yield client


@pytest.fixture(scope="session")
def truth() -> dict[str, Any]:
    data: dict[str, Any] = json.loads((ASSETS / "truth.json").read_text())
    return data


def asset(name: str) -> Path:
    return ASSETS / name
