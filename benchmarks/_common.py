"""Shared plumbing: result rows, the emulator in its own process, timing and machine facts."""

from __future__ import annotations

import contextlib
import math
import os
import platform
import re
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import psutil

from langchain_gemini_vision._transport.base import ApiName

APIS: tuple[ApiName, ...] = ("interactions", "generate_content")

# Figure number -> module of the benchmarks package.
FIGURES: dict[str, str] = {
    "1": "fig1_client_overhead",
    "2": "fig2_async_batch",
    "3": "fig3_runnable_overhead",
    "4": "fig4_image_prep",
    "5": "fig5_batch_throughput",
    "6": "fig6_uploads",
    "7": "fig7_masks",
    "8": "fig8_loader_memory",
    "9": "fig9_batch_jobs",
    "10": "fig10_emulator_concurrency",
    "11": "fig11_input_bombs",
    "12": "fig12_resumable_loader",
    "13": "fig13_quota",
    "14": "fig14_streaming",
}

__all__ = [
    "APIS",
    "FIGURES",
    "ApiName",
    "EmulatorProcess",
    "PeakRss",
    "Result",
    "Sizes",
    "cpu_wall",
    "load_average",
    "machine_header",
    "per_call_medians",
    "ratio",
]


@dataclass
class Result:
    """One row of the table and of ``results.json``.

    ``ratio`` is ``value / reference_value`` unless the row says otherwise in
    ``notes`` (speed-ups and memory savings are ``reference / value``, so that
    "at least 3x" reads as ``ratio >= 3``). ``met`` is ``None`` for rows that
    are reported without a target.
    """

    figure: str
    value: float
    unit: str
    reference: str
    reference_value: float
    ratio: float
    target: str
    met: bool | None
    notes: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        """The row as written to ``results.json``."""
        row = asdict(self)
        for key in ("value", "reference_value", "ratio"):
            row[key] = _finite(row[key])
        return row


def _finite(x: float) -> float:
    x = float(x)
    if not math.isfinite(x):
        msg = f"non-finite measurement {x!r}"
        raise ValueError(msg)
    return x


def ratio(value: float, reference: float) -> float:
    """``value / reference``, guarded against a zero reference."""
    return value / reference if reference > 0 else math.inf


def check(ratio_value: float, op: str, bound: float) -> bool:
    """Whether ``ratio_value <op> bound`` holds (``op`` is ``"<="`` or ``">="``)."""
    return ratio_value <= bound if op == "<=" else ratio_value >= bound


@dataclass(frozen=True)
class Sizes:
    """Every size the suite uses; ``--smoke`` shrinks them all."""

    smoke: bool
    # figure 1 and 3: calls per variant per round, rounds
    calls: int = 30
    rounds: int = 5
    warmup: int = 5
    # figure 2
    batch2_images: int = 512
    batch2_concurrency: int = 64
    batch2_latency: float = 0.1
    # figure 4
    prep_width: int = 4000
    prep_height: int = 3000
    prep_repeats: int = 7
    # figure 5
    batch5_images: int = 1000
    batch5_concurrency: int = 64
    batch5_latency: float = 0.2
    batch5_sequential_sample: int = 20
    # figure 6
    upload_bytes: int = 30 * 1024 * 1024
    upload_asks: int = 10
    # figure 7
    masks: int = 100
    mask_image_wh: tuple[int, int] = (4000, 3000)
    mask_repeats: int = 5
    # figure 8
    memory_small: int = 50
    memory_large: int = 200
    memory_side: int = 256
    memory_modes: tuple[str, ...] = ("alazy_load", "lazy_load")
    # figure 12
    resume_small: int = 1000
    resume_large: int = 10_000
    resume_side: int = 64
    # figure 13: images (half small, half large), a batch's bound, a quota's scaled window
    quota_images: int = 2000
    quota_concurrency: int = 96
    quota_latency: float = 1.0
    quota_window: float = 2.0
    quota_rpm: int = 96
    quota_tpm: int = 80_000

    @classmethod
    def full(cls) -> Sizes:
        """The sizes the figures are defined with."""
        return cls(smoke=False)

    @classmethod
    def tiny(cls) -> Sizes:
        """Seconds, not minutes: for CI (the numbers mean little)."""
        return cls(
            smoke=True,
            calls=4,
            rounds=2,
            warmup=2,
            batch2_images=16,
            batch2_concurrency=8,
            batch2_latency=0.02,
            prep_width=800,
            prep_height=600,
            prep_repeats=2,
            batch5_images=24,
            batch5_concurrency=8,
            batch5_latency=0.02,
            batch5_sequential_sample=3,
            upload_bytes=600 * 1024,
            upload_asks=2,
            masks=5,
            mask_image_wh=(800, 600),
            mask_repeats=1,
            memory_small=4,
            memory_large=8,
            memory_side=64,
            memory_modes=("alazy_load",),
            resume_small=24,
            resume_large=48,
            quota_images=48,
            quota_concurrency=16,
            quota_latency=0.05,
            quota_window=0.5,
            quota_rpm=10,
            quota_tpm=8_000,
        )


def cpu_wall(fn: Callable[[], Any]) -> tuple[float, float]:
    """``(process CPU seconds, wall seconds)`` of one call of ``fn``."""
    c0, w0 = time.process_time(), time.perf_counter()
    fn()
    return time.process_time() - c0, time.perf_counter() - w0


def per_call_medians(
    variants: dict[str, Callable[[], Any]], sizes: Sizes
) -> dict[str, dict[str, float]]:
    """Median per-call ``{"cpu", "wall"}`` seconds of each variant, side by side.

    Each variant is warmed up first (connections, imports, caches); then
    ``sizes.rounds`` rounds of ``sizes.calls`` calls each, the variants' order
    rotated every round so that none always runs first.
    """
    for call in variants.values():
        for _ in range(sizes.warmup):
            call()
    samples: dict[str, dict[str, list[float]]] = {
        name: {"cpu": [], "wall": []} for name in variants
    }
    names = list(variants)
    for round_number in range(sizes.rounds):
        shift = round_number % len(names)
        for name in names[shift:] + names[:shift]:
            call = variants[name]

            def many(call: Callable[[], Any] = call) -> None:
                for _ in range(sizes.calls):
                    call()

            cpu, wall = cpu_wall(many)
            samples[name]["cpu"].append(cpu / sizes.calls)
            samples[name]["wall"].append(wall / sizes.calls)
    return {name: {m: median(v) for m, v in s.items()} for name, s in samples.items()}


def load_average() -> list[float]:
    """The 1, 5 and 15 minute load averages (other work on the machine)."""
    with contextlib.suppress(OSError, AttributeError):
        return [round(x, 2) for x in os.getloadavg()]
    return []


def _cpu_model() -> str:
    with contextlib.suppress(OSError), Path("/proc/cpuinfo").open(encoding="utf-8") as handle:
        for line in handle:
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    return platform.processor() or "unknown"


def _version(dist: str) -> str | None:
    from importlib import metadata

    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def machine_header() -> dict[str, Any]:
    """Platform, CPU, cores, memory, Python and the versions that matter."""
    packages = [
        "langchain-gemini-vision",
        "google-genai",
        "httpx2",
        "aiohttp",
        "langchain-core",
        "pydantic",
        "numpy",
        "pillow",
        "psutil",
    ]
    return {
        "platform": platform.platform(),
        "cpu_model": _cpu_model(),
        "cores": os.cpu_count(),
        "memory_gib": round(psutil.virtual_memory().total / 2**30, 1),
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "packages": {name: _version(name) for name in packages},
    }


_ROOT = str(Path(__file__).resolve().parent.parent)
_URL = re.compile(r"(http://[0-9.]+:[0-9]+)")


class EmulatorProcess:
    """The emulator in its own process (``python -m benchmarks._server``, see there).

    Its CPU never counts against the client's ``time.process_time()``; its own
    CPU use is read through psutil (``server_cpu()``), to tell a slow client
    from a busy server.
    """

    def __init__(
        self,
        latency: float = 0.0,
        paid_log: str | None = None,
        *,
        stream_tokens_per_second: float | None = None,
        stream_chunk_tokens: int = 8,
        args: Sequence[str] = (),
    ) -> None:
        self.latency = latency
        self.paid_log = paid_log
        # How streamed answers leave (the emulator's settings of the same names).
        self.stream_args = ["--stream-chunk-tokens", str(stream_chunk_tokens)]
        if stream_tokens_per_second is not None:
            self.stream_args += ["--stream-tokens-per-second", str(stream_tokens_per_second)]
        self.args = tuple(args)
        """More of ``benchmarks._server``'s options (``--rpm 60 --quota-window 1``...)."""
        self._proc: subprocess.Popen[str] | None = None
        self.base_url = ""

    def __enter__(self) -> EmulatorProcess:
        cmd = [
            sys.executable,
            "-m",
            "benchmarks._server",
            "--port",
            "0",
            "--latency",
            str(self.latency),
            *(["--paid-log", self.paid_log] if self.paid_log else []),
            *self.stream_args,
            *self.args,
        ]
        self._proc = subprocess.Popen(
            cmd,
            stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL,
            text=True,
            cwd=_ROOT,
        )
        assert self._proc.stdout is not None
        deadline = time.monotonic() + 60
        line = ""
        while time.monotonic() < deadline:
            line = self._proc.stdout.readline()
            found = _URL.search(line)
            if found:
                self.base_url = found.group(1)
                return self
            if not line and self._proc.poll() is not None:
                break
        self.__exit__(None, None, None)
        msg = f"the emulator did not start (last line: {line!r})"
        raise RuntimeError(msg)

    def server_cpu(self) -> float:
        """CPU seconds the emulator process has used so far."""
        if self._proc is None:
            return 0.0
        times = psutil.Process(self._proc.pid).cpu_times()
        return float(times.user + times.system)

    def __exit__(self, *_: object) -> None:
        proc = self._proc
        self._proc = None
        if proc is None:
            return
        if proc.poll() is None:
            proc.send_signal(2)  # SIGINT: the emulator's clean shutdown
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()


class PeakRss:
    """This process's peak RSS while the block runs: a thread reads it every 5 ms.

    Not ``ru_maxrss``: Linux carries it over from the forking parent, whose peak may
    be another figure's.
    """

    def __init__(self) -> None:
        self._process = psutil.Process()
        self.baseline = self.peak = self._process.memory_info().rss
        self._stop = threading.Event()
        self._sampler = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self._process.memory_info().rss)
            time.sleep(0.005)

    def now(self) -> int:
        """RSS now."""
        return int(self._process.memory_info().rss)

    def __enter__(self) -> PeakRss:
        self._sampler.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._sampler.join()
        self.peak = max(self.peak, self.now())


@contextlib.contextmanager
def server_cpu_delta(emulator: EmulatorProcess) -> Iterator[list[float]]:
    """Yields a one-item list filled with the server CPU seconds used inside the block."""
    box = [0.0]
    start = emulator.server_cpu()
    try:
        yield box
    finally:
        box[0] = emulator.server_cpu() - start


def median(values: list[float]) -> float:
    """The median (values need not be sorted)."""
    ordered = sorted(values)
    n = len(ordered)
    mid = n // 2
    return ordered[mid] if n % 2 else (ordered[mid - 1] + ordered[mid]) / 2
