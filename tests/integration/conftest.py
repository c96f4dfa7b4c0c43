"""Integration tests replay cassettes recorded from the local emulator (or live Gemini).

Replay (the default): ``pytest tests/integration``: no network, no emulator traffic.
Re-record from the emulator: ``pytest tests/integration --record-mode=rewrite``.
Record live: ``GEMINI_VISION_LIVE=1 GEMINI_API_KEY=... pytest tests/integration
--record-mode=rewrite`` (into ``cassettes/live/``; tests marked ``emulator_only`` are
skipped); replay those with ``GEMINI_VISION_LIVE=1 pytest tests/integration``.
Every test fails if its cassette holds an interaction the test did not play.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from vcr.cassette import Cassette

from langchain_gemini_vision import GeminiVisionClient, RetryPolicy
from tests.conftest import LIVE, LIVE_BASE_URL, LIVE_KEY, recording
from tests.recording import Recorder, cassette_folder

ASSETS = Path(__file__).resolve().parent.parent / "assets"


# Replay talks to nothing: a request a cassette does not answer goes to this
# closed port and fails loudly, instead of reaching a live emulator unnoticed.
NOWHERE = "http://127.0.0.1:9"


@pytest.fixture(scope="session")
def backend(request: pytest.FixtureRequest) -> Iterator[tuple[str | None, str]]:
    """``(base_url, api_key)``: nothing on replay; the emulator or live Gemini when recording."""
    if not recording(request.config):
        yield NOWHERE, "emulator-key"
        return
    if LIVE:
        if not LIVE_KEY:
            pytest.exit("GEMINI_VISION_LIVE=1 needs GEMINI_API_KEY or GOOGLE_API_KEY", 2)
        yield LIVE_BASE_URL, LIVE_KEY
        return
    from langchain_gemini_vision.testing import GeminiEmulator

    with GeminiEmulator() as emulator:
        yield emulator.base_url, "emulator-key"


@pytest.fixture
def vcr_config(backend: tuple[str | None, str]) -> dict[str, Any]:
    """A fresh :class:`Recorder` per cassette: ids are numbered within each one."""
    base_url, key = backend
    source = "live" if LIVE else "emulator"
    return Recorder(source, secrets=(key,), origin=base_url).vcr_config()


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``cassettes/<emulator|live>/<test module>/``."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    return str(cassette_folder("live" if LIVE else "emulator", module))


@pytest.fixture(autouse=True)
def _every_recorded_interaction_is_played(vcr: Cassette | None) -> Iterator[None]:
    """A cassette replayed in full: an interaction no request asked for is stale."""
    yield
    if vcr is not None and vcr.write_protected and not vcr.all_played:
        unplayed = len(vcr) - len(vcr.play_counts)
        pytest.fail(
            f"{unplayed} of {len(vcr)} recorded interaction(s) in {vcr._path} no test played: "
            "re-record it (README, Cassettes)",
            pytrace=False,
        )


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
