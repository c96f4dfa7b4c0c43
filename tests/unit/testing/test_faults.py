"""Fault and latency injection, counters and recorded requests."""

from __future__ import annotations

import time

import httpx2
import pytest
from google import genai
from google.genai import _interactions

from langchain_gemini_vision._version import __version__
from langchain_gemini_vision.testing import EMULATOR_HEADER, FaultInjector, GeminiEmulator

from .conftest import create, sdk_client

BODY = {"model": "gemini-3-flash", "input": "How many objects?"}
HEADERS = {"x-goog-api-key": "test-key"}


def _post(http: httpx2.Client, emu: GeminiEmulator) -> httpx2.Response:
    return http.post(f"{emu.base_url}/v1/interactions", json=BODY, headers=HEADERS)


def test_schedule_of_503_then_success_seen_by_raw_calls(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.faults.inject("interactions", schedule=[503, 429, None])
    with httpx2.Client() as http:
        first, second, third, fourth = (_post(http, gemini_emulator) for _ in range(4))
    assert first.status_code == 503
    assert first.json()["error"]["status"] == "UNAVAILABLE"
    assert second.status_code == 429
    assert second.headers["Retry-After"] == "0.01"
    assert second.json()["error"]["details"] == [
        {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "0.01s"}
    ]
    assert (third.status_code, fourth.status_code) == (200, 200)
    assert all(r.headers[EMULATOR_HEADER] == f"langchain-gemini-vision/{__version__}"
               for r in (first, second, third))  # fmt: skip
    stats = gemini_emulator.stats
    assert stats.requests["interactions"] == 4
    assert stats.responses == {503: 1, 429: 1, 200: 2}
    assert stats.faults == {"503": 1, "429": 1}
    stats.reset()
    assert stats.requests == {}


def test_sdk_retries_through_the_schedule(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.faults.inject("interactions", schedule=[503, 503])
    client = sdk_client(gemini_emulator)
    with pytest.raises(_interactions.InternalServerError):
        client.interactions.create(model="gemini-3-flash", input="x")
    retrying = genai.Client(
        api_key="k",
        http_options={
            "base_url": gemini_emulator.base_url,
            "retry_options": {"attempts": 3, "initial_delay": 0.01, "max_delay": 0.02},
        },
    )
    assert create(retrying, model="gemini-3-flash", input="x").status == "completed"
    assert gemini_emulator.stats.responses == {503: 2, 200: 1}


def test_dropped_and_truncated_replies(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.faults.inject("generate_content", "drop", times=1)
    gemini_emulator.faults.inject("interactions", "truncate", times=1)
    url = f"{gemini_emulator.base_url}/v1beta/models/gemini-3-flash:generateContent"
    content = {"contents": [{"parts": [{"text": "hi"}]}]}
    with httpx2.Client() as http:
        with pytest.raises(httpx2.RemoteProtocolError, match="without sending"):
            http.post(url, json=content, headers=HEADERS)
        with pytest.raises(httpx2.RemoteProtocolError, match="complete message"):
            _post(http, gemini_emulator)
    with httpx2.Client() as http:  # both rules are used up
        assert http.post(url, json=content, headers=HEADERS).status_code == 200
        assert _post(http, gemini_emulator).status_code == 200
    assert gemini_emulator.stats.faults == {"drop": 1, "truncate": 1}


def test_truncated_stream_and_slow_reply(gemini_emulator: GeminiEmulator) -> None:
    gemini_emulator.faults.inject("interactions", schedule=["truncate", "slow"], delay=0.3)
    with httpx2.Client() as http:
        with pytest.raises(httpx2.RemoteProtocolError):
            http.post(
                f"{gemini_emulator.base_url}/v1/interactions",
                json={**BODY, "stream": True},
                headers=HEADERS,
            ).raise_for_status()
        started = time.perf_counter()
        assert _post(http, gemini_emulator).status_code == 200
        assert time.perf_counter() - started >= 0.3


def test_probability_is_seeded_and_star_matches_every_route() -> None:
    def pattern(seed: int) -> list[bool]:
        injector = FaultInjector(seed)
        injector.inject("*", 500, probability=0.5)
        return [injector.decide("files") is not None for _ in range(32)]

    assert pattern(1) == pattern(1)
    assert 0 < sum(pattern(1)) < 32
    injector = FaultInjector()
    injector.inject("upload", 503, probability=1.0, times=2)
    assert [injector.decide("upload") is not None for _ in range(3)] == [True, True, False]
    with pytest.raises(ValueError, match="unknown route"):
        injector.inject("nowhere", 500)
    with pytest.raises(ValueError, match="unknown fault kind"):
        injector.inject("files", "explode")  # type: ignore[arg-type]
    injector.inject("files", 500)
    injector.clear()
    assert injector.decide("files") is None


def test_latency_and_recorded_requests_hide_the_key() -> None:
    with GeminiEmulator(latency=0.2) as emu, httpx2.Client() as http:
        started = time.perf_counter()
        assert _post(http, emu).status_code == 200
        assert time.perf_counter() - started >= 0.2
        recorded = emu.requests[-1]
        assert recorded.method == "POST"
        assert recorded.json == BODY
        assert "x-goog-api-key" not in recorded.headers
        assert emu.stats.bytes_received["interactions"] == recorded.body_size
        emu.clear_requests()
        assert emu.requests == []


def test_peak_in_flight_counts_requests_open_at_once() -> None:
    import concurrent.futures

    with GeminiEmulator(latency=0.5) as emu, httpx2.Client() as http:
        with concurrent.futures.ThreadPoolExecutor(max_workers=5) as pool:
            replies = list(pool.map(lambda _: _post(http, emu), range(5)))
        assert all(r.status_code == 200 for r in replies)
        assert (emu.stats.peak_in_flight, emu.stats.in_flight) == (5, 0)
        _post(http, emu)
        assert emu.stats.peak_in_flight == 5
        emu.stats.reset()
        _post(http, emu)
        assert emu.stats.peak_in_flight == 1
