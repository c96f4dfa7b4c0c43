"""Figure 12: indexing 10,000 images, killed halfway and restarted, pays for no image twice.

``GeminiImageLoader(folder, cache=FileStore(dir), max_concurrency=16).lazy_load()`` over
a folder of distinct small PNG scenes (64x64, two shapes), the consumer counting the
documents and dropping them, as a streaming indexer does. Each run is a fresh process
(``python -m benchmarks.fig12_resumable_loader --child ...``) printing a line per
document; the parent interrupts it when half the documents are out, then runs it
again on the same folder and cache until it finishes.

What is paid is counted **at the emulator**, in its own process: it logs the SHA-256
of the body of every billable request it answers (``benchmarks/_server.py
--paid-log``); a body seen twice is the same image asked the same question twice.

Rows:

* Ctrl-C (SIGINT) at half of 10,000, then a restart: paid requests over images
  (target exactly 1.00x: every image paid once, none twice). Ctrl-C lets the requests
  in flight finish and keeps their answers.
* Peak RSS of the restarted run over 10,000 images against the same over 1,000 (a
  sampler thread reads RSS every 5 ms; target <= 1.10x, flat).
* ``kill -9`` at half of 1,000, then a restart: reported, no target. The answers in
  flight when the process dies were paid for and never kept, so up to
  ``max_concurrency`` images are paid twice; the note says how many were.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

from ._common import _ROOT, EmulatorProcess, PeakRss, Result, Sizes, check, ratio

KEY = "benchmark-key"
CONCURRENCY = 16
MEMORY_TARGET = 1.10
DOC_LINE = "doc"


def write_images(folder: Path, count: int, side: int) -> None:
    """``count`` distinct PNG scenes (two shapes each) named in order."""
    from langchain_gemini_vision.testing import make_scene  # not in the measured child

    for i in range(count):
        scene = make_scene(side, side, objects=2, seed=500_000 + i)
        (folder / f"img-{i:05d}.png").write_bytes(scene.data)


def _child(args: argparse.Namespace) -> None:
    from langchain_gemini_vision.loaders import GeminiImageLoader
    from langchain_gemini_vision.stores import FileStore

    # Ctrl-C as at a terminal, even when the suite was started in the background
    # (a shell starts background jobs with SIGINT ignored, and children inherit that).
    signal.signal(signal.SIGINT, signal.default_int_handler)
    paths = sorted(Path(args.folder).glob("*.png"))[: args.count]
    loader = GeminiImageLoader(
        paths,
        api_key=KEY,
        base_url=args.base_url,
        cache=FileStore(args.cache),
        max_concurrency=CONCURRENCY,
        on_error="include",
    )
    count = cached = 0
    interrupted = False
    with PeakRss() as rss:
        started = time.perf_counter()
        try:
            for document in loader.lazy_load():
                count += 1
                cached += bool(document.metadata.get("usage", {}).get("cached"))
                print(DOC_LINE, flush=True)
        except KeyboardInterrupt:
            interrupted = True
        elapsed = time.perf_counter() - started
    summary = {
        "count": count,
        "cached": cached,
        "failures": len(loader.failures),
        "interrupted": interrupted,
        "peak_rss": rss.peak,
        "elapsed_s": elapsed,
    }
    print(json.dumps(summary), flush=True)


def run_child(
    folder: Path,
    count: int,
    cache: Path,
    base_url: str,
    *,
    stop_at: int | None = None,
    sig: int = 0,
) -> dict[str, Any]:
    """One loader run in a fresh process; ``sig`` sent to it once ``stop_at`` documents are out.

    Returns its summary (``{"count": documents seen, "killed": True}`` when it could
    print none).
    """
    cmd = [
        sys.executable,
        "-m",
        "benchmarks.fig12_resumable_loader",
        "--child",
        "--folder",
        str(folder),
        "--count",
        str(count),
        "--cache",
        str(cache),
        "--base-url",
        base_url,
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, cwd=_ROOT)
    assert proc.stdout is not None
    seen, summary = 0, None
    for line in proc.stdout:
        if line.strip() == DOC_LINE:
            seen += 1
            if seen == stop_at:
                proc.send_signal(sig)
        elif line.strip():
            summary = json.loads(line)
    proc.wait(timeout=600)
    return summary if summary is not None else {"count": seen, "killed": True}


def paid(log: Path) -> Counter[str]:
    """Billable requests the emulator answered, by body SHA-256."""
    text = log.read_text(encoding="ascii") if log.exists() else ""
    return Counter(text.split())


def interrupted_and_resumed(
    folder: Path, count: int, cache: Path, emulator: EmulatorProcess, log: Path, sig: int
) -> dict[str, Any]:
    """Stop a run at half, restart it; what each run did and what the emulator billed."""
    before = paid(log)
    first = run_child(folder, count, cache, emulator.base_url, stop_at=count // 2, sig=sig)
    second = run_child(folder, count, cache, emulator.base_url)
    billed = paid(log) - before
    return {
        "first": first,
        "second": second,
        "paid": sum(billed.values()),
        "distinct": len(billed),
        "paid_twice": sum(n - 1 for n in billed.values() if n > 1),
    }


def run(sizes: Sizes) -> list[Result]:
    """Paid requests per image across a Ctrl-C, peak RSS flat in the image count, kill -9."""
    small, large = sizes.resume_small, sizes.resume_large
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="lgv-bench-") as name:
        root = Path(name)
        folder = root / "images"
        folder.mkdir()
        write_images(folder, large, sizes.resume_side)
        log = root / "paid.log"
        with EmulatorProcess(paid_log=str(log)) as emulator:
            runs = {
                (n, sig): interrupted_and_resumed(
                    folder, n, root / f"cache-{n}-{sig}", emulator, log, sig
                )
                for n, sig in ((small, signal.SIGINT), (large, signal.SIGINT), (small, 9))
            }
    for n in (large,):
        done = runs[(n, signal.SIGINT)]
        second = done["second"]
        complete = second["count"] == n and second["failures"] == 0
        stopped = done["first"].get("interrupted", False) and done["first"]["count"] < n
        ok = stopped and complete and done["paid"] == n and done["distinct"] == n
        results.append(
            Result(
                figure=f"12 resumable loader, paid requests, Ctrl-C at {n // 2} of {n} images",
                value=done["paid"],
                unit="requests",
                reference="images (each paid once)",
                reference_value=n,
                ratio=ratio(done["paid"], n),
                target="== 1.00x (no image paid twice)",
                met=ok and done["paid_twice"] == 0,
                notes=(
                    f"paid twice: {done['paid_twice']}; first run stopped after "
                    f"{done['first']['count']} documents, restart gave {second['count']} "
                    f"({second.get('cached', 0)} from the cache) in {second['elapsed_s']:.0f} s; "
                    f"counted at the emulator (own process); "
                    f"{second['failures']} failed"
                ),
                extra=done,
            )
        )
    low, high = runs[(small, signal.SIGINT)]["second"], runs[(large, signal.SIGINT)]["second"]
    r = ratio(high["peak_rss"], low["peak_rss"])
    results.append(
        Result(
            figure=f"12 resumable loader peak RSS, {large} vs {small} images (restarted run)",
            value=high["peak_rss"] / 1e6,
            unit="MB",
            reference=f"peak RSS with {small} images",
            reference_value=low["peak_rss"] / 1e6,
            ratio=r,
            target=f"<= {MEMORY_TARGET}x (flat)",
            met=check(r, "<=", MEMORY_TARGET) and high["count"] == large and low["count"] == small,
            notes=(
                f"each a restart after Ctrl-C at half: half the images from the cache "
                f"(FileStore), half paid; a fresh process per run; "
                f"{low['failures'] + high['failures']} failed"
            ),
            extra={"small": low, "large": high},
        )
    )
    killed = runs[(small, 9)]
    results.append(
        Result(
            figure=f"12 resumable loader, paid requests, kill -9 at {small // 2} of {small} images",
            value=killed["paid"],
            unit="requests",
            reference="images (each paid once)",
            reference_value=small,
            ratio=ratio(killed["paid"], small),
            target="n/a (answers in flight are lost)",
            met=None,
            notes=(
                f"paid twice: {killed['paid_twice']} (at most the {CONCURRENCY} requests in "
                f"flight when the process died); restart gave {killed['second']['count']} "
                f"documents; {killed['second']['failures']} failed"
            ),
            extra=killed,
        )
    )
    return results


def main() -> None:
    """Child-process entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fig12_resumable_loader")
    parser.add_argument("--child", action="store_true", required=True)
    parser.add_argument("--folder", required=True)
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--cache", required=True)
    parser.add_argument("--base-url", required=True)
    _child(parser.parse_args())


if __name__ == "__main__":
    main()
