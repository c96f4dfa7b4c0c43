"""Figure 8: the loader's memory stays flat as the number of images grows.

``GeminiImageLoader(paths, client=..., max_concurrency=16)`` streams captioned
documents from distinct JPEG files of about 240 KB each (small flat scenes
carrying incompressible APP15 payload, so keeping each image's bytes would show
plainly while the emulator's pixel analysis stays cheap); the consumer counts the
documents and drops them, as a streaming indexer would.

Each size runs in a fresh subprocess (``python -m benchmarks.fig8_loader_memory
--child ...``) so numbers are not polluted by earlier work: a sampler thread
reads the process's RSS (psutil) every 5 ms and the peak is reported (not
``ru_maxrss``: Linux carries it over from the forking parent, whose peak may be
another figure's). The emulator runs in its own process (50 ms of
latency). Ratio: peak RSS with 200 images over peak RSS with 50; growth is also
given in MB per 100 images. Both ``lazy_load`` (threads) and ``alazy_load`` run.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from ._common import _ROOT, EmulatorProcess, PeakRss, Result, Sizes, check, ratio

KEY = "benchmark-key"
TARGET = 1.10
LATENCY = 0.05
CONCURRENCY = 16


def write_images(folder: Path, count: int, side: int) -> list[Path]:
    """``count`` distinct JPEG scenes, each carrying ~240 KB of APP15 payload.

    The payload makes every file weigh what a photo does (so keeping the bytes
    of each image would show in RSS) while the pixels stay a small flat scene
    that the emulator analyses in milliseconds.
    """
    from langchain_gemini_vision.testing import make_scene  # not in the measured child

    rng = np.random.default_rng(8)
    paths = []
    for i in range(count):
        scene = make_scene(side, side, objects=2, seed=300_000 + i, format="JPEG")
        segments = b"".join(
            b"\xff\xef" + (len(chunk) + 2).to_bytes(2, "big") + chunk
            for chunk in (rng.bytes(60_000) for _ in range(4))
        )
        path = folder / f"img-{i:04d}.jpg"
        path.write_bytes(scene.data[:2] + segments + scene.data[2:])
        paths.append(path)
    return paths


def _child(args: argparse.Namespace) -> None:
    from langchain_gemini_vision import GeminiVisionClient
    from langchain_gemini_vision.loaders import GeminiImageLoader

    paths = sorted(Path(args.folder).glob("*.jpg"))[: args.count]
    client = GeminiVisionClient(api_key=KEY, base_url=args.base_url, max_concurrency=CONCURRENCY)
    loader = GeminiImageLoader(
        paths, client=client, max_concurrency=CONCURRENCY, on_error="include"
    )
    count = 0
    with PeakRss() as rss:
        started = time.perf_counter()
        if args.mode == "alazy_load":

            async def consume() -> int:
                n = 0
                async for _ in loader.alazy_load():
                    n += 1
                return n

            count = asyncio.run(consume())
        else:
            for _ in loader.lazy_load():
                count += 1
        elapsed = time.perf_counter() - started
    print(
        json.dumps(
            {
                "count": count,
                "failures": len(loader.failures),
                "peak_rss": rss.peak,
                "baseline_rss": rss.baseline,
                "final_rss": rss.now(),
                "elapsed_s": elapsed,
            }
        )
    )


def _measure(folder: Path, count: int, base_url: str, mode: str) -> dict[str, Any]:
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.fig8_loader_memory",
        "--child",
        "--folder",
        str(folder),
        "--count",
        str(count),
        "--base-url",
        base_url,
        "--mode",
        mode,
    ]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=_ROOT, check=True, timeout=600)
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def run(sizes: Sizes) -> list[Result]:
    """Peak RSS at the large size over the small size, for both loading modes."""
    small, large = sizes.memory_small, sizes.memory_large
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="lgv-bench-") as name:
        folder = Path(name)
        paths = write_images(folder, large, sizes.memory_side)
        mean_kb = sum(p.stat().st_size for p in paths) / len(paths) / 1e3
        with EmulatorProcess(latency=LATENCY) as emulator:
            for mode in sizes.memory_modes:
                low = _measure(folder, small, emulator.base_url, mode)
                high = _measure(folder, large, emulator.base_url, mode)
                growth_mb = (high["peak_rss"] - low["peak_rss"]) / 1e6
                per_100 = growth_mb / (large - small) * 100
                r = ratio(high["peak_rss"], low["peak_rss"])
                ok = high["count"] == large and low["count"] == small
                ok = ok and high["failures"] == 0 and low["failures"] == 0
                results.append(
                    Result(
                        figure=f"8 loader peak RSS, {large} vs {small} images ({mode})",
                        value=high["peak_rss"] / 1e6,
                        unit="MB",
                        reference=f"peak RSS with {small} images",
                        reference_value=low["peak_rss"] / 1e6,
                        ratio=r,
                        target=f"<= {TARGET}x (flat)",
                        met=check(r, "<=", TARGET) and ok,
                        notes=(
                            f"growth {per_100:+.1f} MB per 100 images (images average "
                            f"{mean_kb:.0f} KB: keeping them would add ~{mean_kb / 10:.0f} MB per "
                            f"100); baseline after imports {low['baseline_rss'] / 1e6:.0f} MB; "
                            f"RSS at the end {low['final_rss'] / 1e6:.0f} -> "
                            f"{high['final_rss'] / 1e6:.0f} MB; a fresh process per size; "
                            f"{low['failures'] + high['failures']} failed"
                        ),
                        extra={"small": low, "large": high, "mb_per_100_images": per_100},
                    )
                )
    return results


def main() -> None:
    """Child-process entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fig8_loader_memory")
    parser.add_argument("--child", action="store_true", required=True)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--mode", choices=("alazy_load", "lazy_load"), required=True)
    _child(parser.parse_args())


if __name__ == "__main__":
    main()
