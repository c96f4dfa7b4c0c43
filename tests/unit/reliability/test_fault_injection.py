"""A thousand calls through injected faults: every one succeeds, nothing is mixed up or lost.

The emulator answers 20% of generation requests with 503 and 10% with 429
(Retry-After honoured, kept tiny), drops or truncates some replies, slows others,
and fails some uploads too. Each call's result is checked against the ground
truth of its own image, so a reply delivered to the wrong caller would show.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter

import pytest

from langchain_gemini_vision import (
    DetectionResult,
    GeminiVisionClient,
    GeminiVisionError,
    GeminiVisionServerError,
    GeminiVisionTimeoutError,
    RetryPolicy,
)
from langchain_gemini_vision.testing import GeminiEmulator, Scene, make_scene

CALLS = 1000
DISTINCT_IMAGES = 50
RETRIES = RetryPolicy(max_attempts=12, initial_delay=0.001, max_delay=0.02, deadline=60)


def _matches(result: DetectionResult, scene: Scene) -> bool:
    got = sorted((d.label, tuple(round(v) for v in d.box)) for d in result)
    want = sorted((o.label, o.box) for o in scene.objects)
    if [g[0] for g in got] != [w[0] for w in want]:
        return False
    return all(
        max(abs(a - b) for a, b in zip(g[1], w[1], strict=True)) <= 2
        for g, w in zip(got, want, strict=True)
    )


@pytest.mark.timeout(180)
@pytest.mark.parametrize("api", ["interactions", "generate_content"])
def test_thousand_calls_survive_injected_faults(api: str) -> None:
    scenes = [
        make_scene(160, 120, objects=1 + i % 3, seed=1000 + i) for i in range(DISTINCT_IMAGES)
    ]
    route = "interactions" if api == "interactions" else "generate_content"
    with GeminiEmulator(seed=7) as emu:
        emu.faults.inject(route, 503, probability=0.20)
        emu.faults.inject(route, 429, probability=0.125, retry_after=0.005)  # 10% of all
        emu.faults.inject(route, "drop", probability=0.03)
        emu.faults.inject(route, "truncate", probability=0.03)
        emu.faults.inject(route, "slow", probability=0.02, delay=0.05)
        emu.faults.inject("upload", 503, probability=0.2)

        async def run() -> list[DetectionResult | GeminiVisionError]:
            async with GeminiVisionClient(
                api_key="k",
                base_url=emu.base_url,
                api=api,  # type: ignore[arg-type]
                retry=RETRIES,
                max_concurrency=32,
                inline_limit_bytes=200,  # every image through the Files API
            ) as client:
                items = [scenes[i % DISTINCT_IMAGES].data for i in range(CALLS)]
                return await client.amap(client.adetect, items)

        started = time.monotonic()
        results = asyncio.run(run())
        elapsed = time.monotonic() - started
        faults = Counter(emu.stats.faults)
        uploads = emu.stats.uploads

    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors[:3]
    mixed = [i for i, r in enumerate(results) if not _matches(r, scenes[i % DISTINCT_IMAGES])]  # type: ignore[arg-type]
    assert not mixed, f"{len(mixed)} results do not match their own image"
    # Each distinct image went up once, whatever failed around it.
    assert uploads == DISTINCT_IMAGES
    # The faults really happened, in roughly the proportions asked for.
    assert faults["503"] >= 0.15 * CALLS
    assert faults["429"] >= 0.06 * CALLS
    assert faults["drop"] > 0 and faults["truncate"] > 0
    print(f"\n{api}: {CALLS} calls, faults {dict(faults)}, {uploads} uploads, {elapsed:.1f} s")


@pytest.mark.timeout(30)
def test_persistent_faults_give_a_typed_error_within_the_deadline() -> None:
    with GeminiEmulator() as emu:
        emu.faults.inject("interactions", 503, probability=1.0)
        policy = RetryPolicy(max_attempts=100, initial_delay=0.05, max_delay=0.2, deadline=1.5)
        with GeminiVisionClient(api_key="k", base_url=emu.base_url, retry=policy) as client:
            with pytest.raises((GeminiVisionServerError, GeminiVisionTimeoutError)):
                client.caption(make_scene(64, 64, objects=1).data)
        sent = emu.stats.requests["interactions"]
    # The deadline, not max_attempts, ended the retries: 100 attempts would have been sent
    # without it (delays of at most 0.2 s cannot fit 100 attempts into 1.5 s).
    assert 2 <= sent < 100


@pytest.mark.timeout(30)
def test_a_hung_server_cannot_hang_the_caller() -> None:
    with GeminiEmulator() as emu:
        emu.faults.inject("interactions", "slow", probability=1.0, delay=30)
        policy = RetryPolicy(max_attempts=5, initial_delay=0.01, deadline=1.0)
        with GeminiVisionClient(
            api_key="k", base_url=emu.base_url, retry=policy, timeout=10
        ) as client:
            started = time.monotonic()
            with pytest.raises(GeminiVisionTimeoutError):
                client.caption(make_scene(64, 64, objects=1).data)
            elapsed = time.monotonic() - started
    # The per-attempt timeout is cut to what is left of the 1 s deadline: without the cut
    # the first attempt alone would wait the 10 s timeout. The bound tells the two
    # behaviours apart with room for a loaded machine; it is no speed claim.
    assert elapsed < 6


async def test_one_bad_image_does_not_lose_the_batch() -> None:
    scenes = [make_scene(96, 80, objects=2, seed=s) for s in range(5)]
    async with GeminiEmulator() as emu:
        async with GeminiVisionClient(api_key="k", base_url=emu.base_url) as client:
            items: list[object] = [s.data for s in scenes]
            items.insert(2, b"\x89PNG\r\n\x1a\n broken")
            results = await client.amap(client.adetect, items)
    assert isinstance(results[2], GeminiVisionError)
    good = [r for i, r in enumerate(results) if i != 2]
    assert all(isinstance(r, DetectionResult) and len(r) == 2 for r in good)
