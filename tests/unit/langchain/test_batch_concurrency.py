"""A batch that asks for N requests in flight gets N (issue 15 item 11).

Counted at the emulator (``stats.peak_in_flight``), never timed: every reply
waits a second, so all the requests a client can have open are open together.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.loaders import GeminiImageLoader
from langchain_gemini_vision.results import Caption
from langchain_gemini_vision.runnables import GeminiCaptionRunnable
from langchain_gemini_vision.testing import GeminiEmulator, make_scene

IMAGE = make_scene(64, 48, objects=1, seed=2).data
"""One small image for every request: the emulator analyses it once."""


@pytest.fixture(scope="module")
def slow() -> Iterator[GeminiEmulator]:
    with GeminiEmulator(latency=1.0) as emu:
        yield emu


@pytest.fixture
def emu(slow: GeminiEmulator) -> GeminiEmulator:
    slow.stats.reset()
    return slow


@pytest.fixture
def captioner(emu: GeminiEmulator) -> GeminiCaptionRunnable:
    return GeminiCaptionRunnable(api_key="k", base_url=emu.base_url)  # client default: 16


def test_abatch_puts_the_asked_64_in_flight(
    emu: GeminiEmulator, captioner: GeminiCaptionRunnable
) -> None:
    results = asyncio.run(captioner.abatch([IMAGE] * 64, config={"max_concurrency": 64}))
    assert all(isinstance(r, Caption) for r in results)
    assert emu.stats.peak_in_flight == 64


def test_sync_batch_puts_the_asked_64_in_flight(
    emu: GeminiEmulator, captioner: GeminiCaptionRunnable
) -> None:
    results = captioner.batch([IMAGE] * 64, config={"max_concurrency": 64})
    assert len(results) == 64
    assert emu.stats.peak_in_flight == 64


def test_batch_without_a_limit_uses_the_clients(
    emu: GeminiEmulator, captioner: GeminiCaptionRunnable
) -> None:
    asyncio.run(captioner.abatch([IMAGE] * 24))
    assert emu.stats.peak_in_flight == 16
    emu.stats.reset()
    asyncio.run(GeminiCaptionRunnable(api_key="k", base_url=emu.base_url, max_concurrency=24)
                .abatch([IMAGE] * 24))  # fmt: skip
    assert emu.stats.peak_in_flight == 24


def test_batch_asking_for_fewer_gets_fewer(
    emu: GeminiEmulator, captioner: GeminiCaptionRunnable
) -> None:
    captioner.batch([IMAGE] * 8, config={"max_concurrency": 4})
    assert emu.stats.peak_in_flight == 4


def test_client_map_and_amap_put_the_asked_number_in_flight(emu: GeminiEmulator) -> None:
    with GeminiVisionClient(api_key="k", base_url=emu.base_url) as client:
        done = asyncio.run(client.amap(client.acaption, [IMAGE] * 32, max_concurrency=32))
        assert all(isinstance(r, Caption) for r in done)
        assert emu.stats.peak_in_flight == 32
        emu.stats.reset()
        assert len(client.map(client.caption, [IMAGE] * 32, max_concurrency=32)) == 32
        assert emu.stats.peak_in_flight == 32
        emu.stats.reset()
        asyncio.run(client.amap(client.acaption, [IMAGE] * 24))
        assert emu.stats.peak_in_flight == 16  # the client's own bound


def test_loader_puts_its_max_concurrency_in_flight(emu: GeminiEmulator) -> None:
    with GeminiVisionClient(api_key="k", base_url=emu.base_url) as client:
        loader = GeminiImageLoader([IMAGE] * 32, client=client, max_concurrency=32)
        assert len(loader.load()) == 32
        assert emu.stats.peak_in_flight == 32
        emu.stats.reset()

        async def collect() -> int:
            return len([doc async for doc in loader.alazy_load()])

        assert asyncio.run(collect()) == 32
        assert emu.stats.peak_in_flight == 32
