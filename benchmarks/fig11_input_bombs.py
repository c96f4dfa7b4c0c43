"""Figure 11: memory and time of the hostile inputs of issue 16 (items 1-5).

Each bomb is built by ``langchain_gemini_vision.testing.hostile`` at the issue's size,
written to a file, and handed to the package in a fresh process
(``python -m benchmarks.fig11_input_bombs --child CASE ...``): ``load_image(path)``
for the image bombs, four parallel calls of the detection tool on a model-chosen URL
serving the 16-bit PNG, ``parse_detections`` for the mask answers (on a 4000x3000
image) and for two hostile answers (1 MB of JSON punctuation, a million brackets: the
parsing fuzz tests check they are refused, this figure how fast). Imports and set-up happen before the clock starts. The child reports
its wall time for that call and its peak resident memory: ``VmHWM`` from
``/proc/self/status`` (the high-water mark of the process's own memory since it
started, imports included; a psutil sampler every 2 ms where there is no ``/proc``).
Bounds (the issue's): peak RSS under 300 MB and time under 2 s, each row.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import psutil

from ._common import _ROOT, EmulatorProcess, Result, Sizes, ratio

MEMORY_BOUND_MB = 300.0
TIME_BOUND_S = 2.0

# case -> (what it is, what it cost before the bounds: the figures, ICO measured here)
CASES: dict[str, tuple[str, str]] = {
    "exif": ("EXIF bomb: 50x40 PNG, orientation + one LONG tag of {n:,} values", "19 s, 2.4 GB"),
    "jpeg": ("JPEG segment flood: 16x16 JPEG after {n:,} empty COM segments", "36 s, 1.5 GB"),
    "gif": ("GIF frame flood: {n:,} frames of 1x1", "15.5 s"),
    "png16": ("16-bit grey PNG {n}x{n}, orientation 6", "1.8 GB"),
    "webp": ("lossless WEBP {n}x{n}, orientation 6", "1.3 GB"),
    "ico": ("ICO embedding a {n}x{n} RGBA PNG", "2.5 s, 674 MB (not in the issue)"),
    "tool": ("4 parallel detection-tool calls, model-chosen URL to the {n}x{n} PNG", "6 GB"),
    "masks": ("{n} items, each a 1x1 PNG mask over the full {w}x{h} box", "2.4 GB, 20 s"),
    "masks1000": ("{n} items, each a 1x1 PNG mask over the full {w}x{h} box", "MemoryError"),
    "garbage": ("model answer: {n:,} random JSON punctuation characters", "not measured"),
    "nesting": ("model answer: {n:,} opening brackets", "RecursionError (issue 15 #6)"),
}


def _sizes(sizes: Sizes) -> dict[str, int]:
    if sizes.smoke:
        return {
            "exif": 10_000,
            "jpeg": 20_000,
            "gif": 4_000,
            "png16": 900,
            "webp": 900,
            "ico": 900,
            "tool": 900,
            "masks": 20,
            "masks1000": 40,
            "garbage": 10_000,
            "nesting": 10_000,
        }
    return {
        "exif": 10_000_000,
        "jpeg": 20_000_000,
        "gif": 4_000_000,
        "png16": 9000,
        "webp": 9000,
        "ico": 9000,
        "tool": 9000,
        "masks": 200,
        "masks1000": 1000,
        "garbage": 1_000_000,
        "nesting": 1_000_000,
    }


def _garbage(n: int) -> str:
    rng = random.Random(0)
    return "".join(rng.choice('[]{}",:abc 0123\n`') for _ in range(n))


def _build(case: str, n: int, folder: Path) -> Path:
    """Write the case's input to ``folder`` (built without full-size pixel buffers)."""
    from langchain_gemini_vision.testing import hostile

    builders: dict[str, Callable[[], bytes | str]] = {
        "exif": lambda: hostile.exif_bomb_png(long_values=n),
        "jpeg": lambda: hostile.jpeg_segment_flood(segments=n),
        "gif": lambda: hostile.gif_frame_flood(frames=n),
        "png16": lambda: hostile.png16_bomb(n),
        "webp": lambda: hostile.webp_bomb(n),
        "ico": lambda: hostile.ico_bomb(n),
        "tool": lambda: hostile.png16_bomb(n),
        "masks": lambda: hostile.detection_answer_with_masks(items=n),
        "masks1000": lambda: hostile.detection_answer_with_masks(items=n),
        "garbage": lambda: _garbage(n),
        "nesting": lambda: "[" * n,
    }
    built = builders[case]()
    path = folder / f"{case}.bin"
    path.write_bytes(built.encode() if isinstance(built, str) else built)
    return path


# --------------------------------------------------------------------------- child


def _peak_rss(sampled: int) -> int:
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return sampled


def _tool_calls(path: Path, base_url: str) -> Callable[[], str]:
    """Four parallel detection-tool calls on a URL serving the bomb (set up untimed)."""
    from langchain_core.messages import ToolMessage

    from langchain_gemini_vision import GeminiDetectTool, GeminiVisionClient
    from langchain_gemini_vision._url_safety import UrlPolicy
    from langchain_gemini_vision.testing.hostile import serve

    served = ExitStack()
    url = served.enter_context(serve(path.read_bytes()))
    client = GeminiVisionClient(
        api_key="benchmark-key",
        base_url=base_url,
        url_policy=UrlPolicy(allowed_addresses=frozenset({"127.0.0.1"})),
    )
    tool = GeminiDetectTool(client=client)

    def call(i: int) -> Any:
        return tool.invoke(
            {"type": "tool_call", "id": f"c{i}", "name": tool.name, "args": {"image": url}}
        )

    def calls() -> str:
        with ThreadPoolExecutor(4) as pool:
            messages = list(pool.map(call, range(4)))
        served.close()
        statuses = [m.status if isinstance(m, ToolMessage) else "?" for m in messages]
        return f"tool messages {statuses}: {str(messages[0].content)[:140]}"

    return calls


def _case(case: str, path: Path, base_url: str, wh: tuple[int, int]) -> Callable[[], str]:
    """The call to measure; imports and set-up happen here, before the clock starts."""
    from langchain_gemini_vision.errors import ImageInputError, OutputParsingError
    from langchain_gemini_vision.images import load_image
    from langchain_gemini_vision.parsing import parse_detections

    if case == "tool":
        return _tool_calls(path, base_url)

    def masks() -> str:
        parsed = parse_detections(path.read_text(), resolution_wh=wh)
        decoded = sum(d.mask is not None for d in parsed.detections)
        return f"{len(parsed.detections)} boxes kept, {decoded} masks decoded"

    def answer() -> str:
        try:
            parse_detections(path.read_text(), resolution_wh=wh)
        except OutputParsingError as error:
            return f"refused: {str(error)[:140]}"
        return "parsed"

    def image() -> str:
        try:
            prepared = load_image(path)
        except ImageInputError as error:
            return f"refused ({error.reason}): {error.detail[:140]}"
        return f"prepared {prepared.width}x{prepared.height} {prepared.mime_type}"

    if case in ("garbage", "nesting"):
        return answer
    return masks if case.startswith("masks") else image


def _child(args: argparse.Namespace) -> None:
    """Measure each case in turn, one JSON line each (full runs give one case a process)."""
    process = psutil.Process()
    for case, path in zip(args.case, args.path, strict=True):
        sampled = [process.memory_info().rss]
        stop = threading.Event()

        def sample(sampled: list[int] = sampled, stop: threading.Event = stop) -> None:
            while not stop.is_set():
                sampled[0] = max(sampled[0], process.memory_info().rss)
                time.sleep(0.002)

        measured = _case(case, Path(path), args.base_url, (args.width, args.height))
        baseline = process.memory_info().rss
        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        started = time.perf_counter()
        outcome = measured()
        elapsed = time.perf_counter() - started
        stop.set()
        sampler.join()
        row = {
            "case": case,
            "elapsed_s": elapsed,
            "peak_rss": _peak_rss(sampled[0]),
            "baseline_rss": baseline,
            "outcome": outcome,
        }
        print(json.dumps(row), flush=True)


def _measure(
    cases: list[str], paths: list[Path], base_url: str, wh: tuple[int, int]
) -> dict[str, dict[str, Any]]:
    cmd = [sys.executable, "-m", "benchmarks.fig11_input_bombs", "--child"]
    cmd += ["--case", *cases, "--path", *map(str, paths), "--base-url", base_url]
    cmd += ["--width", str(wh[0]), "--height", str(wh[1])]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=_ROOT, check=True, timeout=600)
    rows = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    return {row["case"]: row for row in rows}


def _rows(title: str, measured: dict[str, Any], notes: str) -> list[Result]:
    peak_mb = measured["peak_rss"] / 1e6
    return [
        Result(
            figure=f"11 {title}: peak RSS",
            value=peak_mb,
            unit="MB",
            reference="the issue's bound",
            reference_value=MEMORY_BOUND_MB,
            ratio=ratio(peak_mb, MEMORY_BOUND_MB),
            target=f"< {MEMORY_BOUND_MB:.0f} MB",
            met=peak_mb < MEMORY_BOUND_MB,
            notes=notes,
            extra=measured,
        ),
        Result(
            figure=f"11 {title}: time",
            value=measured["elapsed_s"],
            unit="s",
            reference="the issue's bound",
            reference_value=TIME_BOUND_S,
            ratio=ratio(measured["elapsed_s"], TIME_BOUND_S),
            target=f"< {TIME_BOUND_S:.0f} s",
            met=measured["elapsed_s"] < TIME_BOUND_S,
            notes=notes,
        ),
    ]


def run(sizes: Sizes) -> list[Result]:
    """Peak RSS and wall time of each bomb, against 300 MB and 2 s.

    Full runs measure each bomb in a process of its own; ``--smoke`` runs them all in
    one process (it only checks that the figure runs).
    """
    results: list[Result] = []
    counts = _sizes(sizes)
    wh = sizes.mask_image_wh
    with tempfile.TemporaryDirectory(prefix="lgv-bombs-") as name, EmulatorProcess() as emulator:
        folder = Path(name)
        paths = {case: _build(case, counts[case], folder) for case in CASES}
        groups = [list(CASES)] if sizes.smoke else [[case] for case in CASES]
        measured: dict[str, dict[str, Any]] = {}
        for group in groups:
            measured |= _measure(group, [paths[c] for c in group], emulator.base_url, wh)
        for case, (what, before) in CASES.items():
            row = measured[case]
            notes = (
                f"{row['outcome']}; input {paths[case].stat().st_size / 1e6:.3f} MB; baseline "
                f"after imports {row['baseline_rss'] / 1e6:.0f} MB; before the bounds: {before}"
            )
            title = what.format(n=counts[case], w=wh[0], h=wh[1])
            results.extend(_rows(title, row, notes))
    return results


def main() -> None:
    """Child-process entry point."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fig11_input_bombs")
    parser.add_argument("--child", action="store_true", required=True)
    parser.add_argument("--case", choices=sorted(CASES), nargs="+", required=True)
    parser.add_argument("--path", nargs="+", required=True)
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--width", type=int, default=4000)
    parser.add_argument("--height", type=int, default=3000)
    _child(parser.parse_args())


if __name__ == "__main__":
    main()
