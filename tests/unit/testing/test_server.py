"""The server itself: concurrency, caching, lifecycle, the command line."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time

import httpx2
from google import genai

from langchain_gemini_vision.testing import GeminiEmulator, make_scene

from .helpers import b64

SCENE = make_scene(640, 360, 4, seed=31)


async def test_256_concurrent_requests_with_latency() -> None:
    body = {
        "model": "gemini-3-flash",
        "input": [
            {"type": "text", "text": "Detect all objects."},
            {"type": "image", "data": b64(SCENE.data), "mime_type": "image/png"},
        ],
    }
    async with GeminiEmulator(latency=0.1) as emu:
        limits = httpx2.Limits(max_connections=300, max_keepalive_connections=300)
        async with httpx2.AsyncClient(limits=limits, timeout=60) as http:
            started = time.perf_counter()
            responses = await asyncio.gather(
                *(
                    http.post(
                        f"{emu.base_url}/v1/interactions",
                        json=body,
                        headers={"x-goog-api-key": "k"},
                    )
                    for _ in range(256)
                )
            )
            elapsed = time.perf_counter() - started
        print(f"256 concurrent requests with 100 ms latency: {elapsed:.2f} s")
        assert [r.status_code for r in responses] == [200] * 256
        texts = {r.json()["steps"][-1]["content"][0]["text"] for r in responses}
        assert len(texts) == 1
        # One image, one analysis: every other request was served from the cache.
        assert emu.stats.analyses == 1
        assert emu.stats.analysis_cache_hits == 255
        assert emu.stats.requests["interactions"] == 256


def test_context_manager_leaves_no_thread_behind() -> None:
    before = set(threading.enumerate())
    with GeminiEmulator() as emu:
        base = emu.base_url
        assert base.startswith("http://127.0.0.1:")
        assert httpx2.get(f"{base}/v1/files", headers={"x-goog-api-key": "k"}).status_code == 200
    time.sleep(0.05)
    assert set(threading.enumerate()) <= before
    # The port is released: a new emulator can start right away.
    with GeminiEmulator() as again:
        assert again.base_url


def test_command_line_serves_until_terminated() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "langchain_gemini_vision.testing.emulator", "--port", "0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        assert "Gemini emulator" in line
        base = line.rsplit(" ", 1)[-1].strip()
        reply = httpx2.post(
            f"{base}/v1/interactions",
            json={"model": "gemini-3-flash", "input": "How many objects?"},
            headers={"x-goog-api-key": "k"},
        )
        assert reply.status_code == 200
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_async_fixture_runs_on_the_test_loop(async_gemini_emulator: GeminiEmulator) -> None:
    async with httpx2.AsyncClient() as http:
        reply = await http.get(
            f"{async_gemini_emulator.base_url}/v1beta/files", headers={"x-goog-api-key": "k"}
        )
    assert reply.status_code == 200
    assert reply.json() == {}


def test_client_fixture_talks_to_the_emulator(
    gemini_emulator_client: genai.Client, gemini_emulator: GeminiEmulator
) -> None:
    reply = gemini_emulator_client.models.generate_content(model="gemini-3-flash", contents="hi?")
    assert reply.text == "No image given."
    assert gemini_emulator.stats.requests["generate_content"] == 1


def test_unknown_route_and_method_are_json_errors(gemini_emulator: GeminiEmulator) -> None:
    headers = {"x-goog-api-key": "k"}
    missing = httpx2.get(f"{gemini_emulator.base_url}/v1/batches/x", headers=headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["status"] == "NOT_FOUND"
    wrong = httpx2.post(
        f"{gemini_emulator.base_url}/v1/models/gemini-3-flash:countTokens", json={}, headers=headers
    )
    assert wrong.status_code == 404
