"""Figure 5: 1,000 images at 200 ms of latency, 64 in flight, through the LangChain surface.

* ``GeminiDetectRunnable(client=...).abatch(images, config={"max_concurrency": 64})``;
* ``GeminiImageLoader(images, client=..., max_concurrency=64).alazy_load()`` (one
  caption per image);
* beside them: the sync ``GeminiDetectRunnable.batch`` (threads) and a naive
  sequential loop of ``invoke``. The loop would take 1,000 x 0.2 s = 200 s, so it
  runs on a sample of ``batch5_sequential_sample`` images and is extrapolated
  (per-image time x 1,000); its row says so.

The ideal is ``ceil(1000 / 64) x 0.2 s = 3.2 s``. The emulator runs in its own
process; the images are distinct 96x96 scenes; an untimed pass over them first
opens the connections and fills the emulator's analysis cache.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Callable
from typing import Any

from langchain_core.runnables import RunnableConfig

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.loaders import GeminiImageLoader
from langchain_gemini_vision.runnables import GeminiDetectRunnable

from ._common import EmulatorProcess, Result, Sizes, check, load_average, ratio
from .fig2_async_batch import distinct_scenes

KEY = "benchmark-key"
TARGET = 1.15


def run(sizes: Sizes) -> list[Result]:
    """abatch and alazy_load against the ideal; batch and a sequential loop beside them."""
    n, concurrency, latency = sizes.batch5_images, sizes.batch5_concurrency, sizes.batch5_latency
    images = distinct_scenes(n, offset=200_000)
    ideal = math.ceil(n / concurrency) * latency
    config: RunnableConfig = {"max_concurrency": concurrency}
    rows: list[tuple[str, float, float, float, int, str]] = []
    with EmulatorProcess(latency=latency) as emulator:
        client = GeminiVisionClient(
            api_key=KEY, base_url=emulator.base_url, max_concurrency=concurrency
        )
        detector = GeminiDetectRunnable(client=client)

        def measure(name: str, fn: Callable[[], list[Any]], count: int, note: str) -> None:
            load = load_average()[:1]
            server0 = emulator.server_cpu()
            cpu0, wall0 = time.process_time(), time.perf_counter()
            done = fn()
            wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
            server = emulator.server_cpu() - server0
            failures = sum(isinstance(item, Exception) for item in done)
            failures += count - len(done)
            rows.append((name, wall, cpu, server, failures, f"{note}; load before {load}"))

        async def abatch() -> list[Any]:
            return list(await detector.abatch(images, config, return_exceptions=True))

        async def alazy() -> list[Any]:
            loader = GeminiImageLoader(
                images, client=client, max_concurrency=concurrency, on_error="include"
            )
            return [doc async for doc in loader.alazy_load()]

        # Each async measurement runs on its own event loop, as a script would.
        asyncio.run(abatch())
        asyncio.run(alazy())
        measure(
            "GeminiDetectRunnable.abatch",
            lambda: asyncio.run(abatch()),
            n,
            "detection, distinct 96x96 PNG scenes",
        )
        measure(
            "GeminiImageLoader.alazy_load",
            lambda: asyncio.run(alazy()),
            n,
            "one caption per image, documents in input order",
        )
        measure(
            "GeminiDetectRunnable.batch (sync, threads)",
            lambda: detector.batch(images, config, return_exceptions=True),
            n,
            "detection on a thread pool",
        )
        sample = images[: sizes.batch5_sequential_sample]
        measure(
            "sequential invoke loop (extrapolated)",
            lambda: [detector.invoke(image) for image in sample],
            len(sample),
            f"measured on {len(sample)} images and extrapolated x {n / len(sample):g}",
        )
        client.close()
    results = []
    for name, wall, cpu, server, failures, note in rows:
        is_sample = name.startswith("sequential")
        scale = n / sizes.batch5_sequential_sample if is_sample else 1.0
        value = wall * scale
        r = ratio(value, ideal)
        targeted = name in ("GeminiDetectRunnable.abatch", "GeminiImageLoader.alazy_load")
        results.append(
            Result(
                figure=f"5 {name}, {n} images" + ("" if is_sample else f" @ {concurrency}"),
                value=value,
                unit="s",
                reference=f"ideal ceil({n}/{concurrency}) x {latency:g} s",
                reference_value=ideal,
                ratio=r,
                target=f"<= {TARGET}x" if targeted else "report",
                met=(check(r, "<=", TARGET) and failures == 0) if targeted else None,
                notes=(
                    f"{note}; client CPU {cpu * scale:.2f} s ({cpu / (n / scale) * 1e3:.2f} ms/image), "
                    f"emulator CPU {server * scale:.2f} s; {failures} failed"
                ),
                extra={"client_cpu_s": cpu, "server_cpu_s": server, "failures": failures},
            )
        )
    return results
