"""Figure 6: one 30 MB image used by 13 concurrent calls goes up once.

A ~30 MB noisy PNG (noise does not compress: it stays as large as it is) is used
at the same time by ``caption``, ``detect``, ``segment`` and ten ``ask`` calls
through one client with the default inline budget (20 MB), so it must go through
the Files API. Measured with the emulator's counters (in-process emulator here:
the counters live in its object):

* ``emu.stats.uploads``: must be exactly 1 (single flight, then the cache);
* every byte the emulator received, all routes together, against the file's size:
  at most 1.05x (one upload plus small JSON requests that reference the file).

Run twice: with the async methods under ``asyncio.gather`` and with the sync
methods on 13 threads (one per call). In ``--smoke`` the image is small and the client's
``inline_limit_bytes`` is lowered to match, so the same path runs.
"""

from __future__ import annotations

import asyncio
import math
import tempfile
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import numpy as np
from PIL import Image

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.testing import GeminiEmulator

from ._common import Result, Sizes, check, ratio

KEY = "benchmark-key"
TARGET = 1.05


def noisy_png(path: Path, approx_bytes: int) -> int:
    """Write an RGB noise PNG of about ``approx_bytes``; return its size."""
    side = math.ceil(math.sqrt(approx_bytes / 3))
    rng = np.random.default_rng(6)
    pixels = rng.integers(0, 256, size=(side, side, 3), dtype=np.uint8)
    Image.fromarray(pixels, "RGB").save(path, "PNG", compress_level=1)
    return path.stat().st_size


def _calls(client: GeminiVisionClient, path: Path, asks: int) -> list[Callable[[], Any]]:
    calls: list[Callable[[], Any]] = [
        lambda: client.caption(path),
        lambda: client.detect(path),
        lambda: client.segment(path),
    ]
    calls += [
        (lambda i=i: client.ask(path, f"Question {i}: what colours dominate?")) for i in range(asks)
    ]
    return calls


async def _async_calls(client: GeminiVisionClient, path: Path, asks: int) -> list[Any]:
    jobs = [client.acaption(path), client.adetect(path), client.asegment(path)]
    jobs += [client.aask(path, f"Question {i}: what colours dominate?") for i in range(asks)]
    out = list(await asyncio.gather(*jobs, return_exceptions=True))
    await client.aclose()
    return out


def run(sizes: Sizes) -> list[Result]:
    """Uploads and bytes on the wire, async and threaded."""
    results: list[Result] = []
    inline_limit = None if not sizes.smoke else sizes.upload_bytes // 3
    with tempfile.TemporaryDirectory(prefix="lgv-bench-") as folder:
        path = Path(folder) / "large-noise.png"
        size = noisy_png(path, sizes.upload_bytes)
        with GeminiEmulator(record_requests=False) as emulator:
            calls = 3 + sizes.upload_asks
            for mode in ("async gather", f"{calls} threads"):
                emulator.stats.reset()
                client = GeminiVisionClient(
                    api_key=KEY, base_url=emulator.base_url, inline_limit_bytes=inline_limit
                )
                if mode == "async gather":
                    out = asyncio.run(_async_calls(client, path, sizes.upload_asks))
                else:
                    with ThreadPoolExecutor(max_workers=calls) as pool:
                        futures = [
                            pool.submit(call) for call in _calls(client, path, sizes.upload_asks)
                        ]
                        out = [f.exception() or f.result() for f in futures]
                    client.close()
                failures = [repr(item)[:120] for item in out if isinstance(item, BaseException)]
                stats = emulator.stats
                received = sum(stats.bytes_received.values())
                by_route = dict(stats.bytes_received)
                uploads = stats.uploads
                common = (
                    f"{mode}: caption, detect, segment + {sizes.upload_asks} asks on one "
                    f"{size / 1e6:.1f} MB PNG; {len(failures)} failed"
                    + (f" ({failures[0]})" if failures else "")
                    + (f"; smoke: inline_limit_bytes={inline_limit}" if inline_limit else "")
                )
                results.append(
                    Result(
                        figure=f"6 Files API uploads, {calls} concurrent calls ({mode})",
                        value=float(uploads),
                        unit="uploads",
                        reference="exactly one upload",
                        reference_value=1.0,
                        ratio=ratio(uploads, 1.0),
                        target="== 1",
                        met=uploads == 1 and not failures,
                        notes=f"{common}; client cache counted {client.files.uploads}",
                    )
                )
                r = ratio(received, size)
                results.append(
                    Result(
                        figure=f"6 bytes sent vs file size ({mode})",
                        value=received / 1e6,
                        unit="MB",
                        reference="file size",
                        reference_value=size / 1e6,
                        ratio=r,
                        target=f"<= {TARGET}x",
                        met=check(r, "<=", TARGET) and not failures,
                        notes=f"{common}; bytes by route: {by_route}",
                    )
                )
    return results
