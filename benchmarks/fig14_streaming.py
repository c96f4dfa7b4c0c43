"""Figure 14 (issue 19 item 3): time to the first streamed detection vs the whole answer.

``GeminiDetectRunnable.stream`` on one image of 20 objects (a 5x4 grid of shapes,
1000x800 PNG), the emulator in its own process streaming its answer at a realistic
output rate (150 tokens per second, 4 tokens per event, Gemini Flash's order of
magnitude). Measured in the same call: the time to the first ``DetectionChunk``
against the time to the typed result (the whole answer read, parsed and checked).
Goal: the first box in under a third of the full time. Median of interleaved rounds,
both APIs; ``invoke`` (no streaming) on the same image is reported for context.
"""

from __future__ import annotations

import statistics
import time

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.results import DetectionResult
from langchain_gemini_vision.runnables import GeminiDetectRunnable
from langchain_gemini_vision.testing import make_scene
from langchain_gemini_vision.testing.scenes import SHAPES, SceneObject

from ._common import APIS, EmulatorProcess, Result, Sizes, check, ratio

MODEL = "gemini-3-flash-preview"
KEY = "benchmark-key"
TARGET = 1 / 3
TOKENS_PER_SECOND = 150.0
CHUNK_TOKENS = 4
COLOURS = ("red", "green", "blue", "orange", "purple", "cyan", "magenta", "black", "brown")


def grid_scene(objects: int) -> bytes:
    """``objects`` shapes on a grid of five columns, none touching."""
    cell, side = 200, 120
    specs = []
    for index in range(objects):
        row, column = divmod(index, 5)
        x0, y0 = column * cell + 40, row * cell + 40
        specs.append(
            SceneObject(
                shape=SHAPES[index % len(SHAPES)],
                color=COLOURS[index % len(COLOURS)],
                box=(x0, y0, x0 + side, y0 + side),
            )
        )
    rows = -(-objects // 5)
    return make_scene(1000, rows * cell, objects=specs, seed=12).data


def timed_stream(detector: GeminiDetectRunnable, image: bytes) -> tuple[float, float, int]:
    """Seconds to the first detection and to the result, and the detections found."""
    started = time.perf_counter()
    first = None
    result = None
    for output in detector.stream(image):
        if first is None and not isinstance(output, DetectionResult):
            first = time.perf_counter() - started
        if isinstance(output, DetectionResult):
            result = output
    full = time.perf_counter() - started
    assert result is not None
    return (first if first is not None else full), full, len(result)


def run(sizes: Sizes) -> list[Result]:
    """First detection vs whole answer, per API (median of rounds)."""
    objects = 5 if sizes.smoke else 20
    rate = 2000.0 if sizes.smoke else TOKENS_PER_SECOND
    rounds = 2 if sizes.smoke else 5
    image = grid_scene(objects)
    results = []
    with EmulatorProcess(stream_tokens_per_second=rate, stream_chunk_tokens=CHUNK_TOKENS) as emu:
        for api in APIS:
            client = GeminiVisionClient(
                api_key=KEY, base_url=emu.base_url, api=api, transport="lean", model=MODEL
            )
            detector = GeminiDetectRunnable(client=client)
            detector.invoke(image)  # untimed: connections, the emulator's analysis
            firsts, fulls, invokes, found = [], [], [], 0
            for _ in range(rounds):
                first, full, found = timed_stream(detector, image)
                firsts.append(first)
                fulls.append(full)
                started = time.perf_counter()
                detector.invoke(image)
                invokes.append(time.perf_counter() - started)
            client.close()
            first, full = statistics.median(firsts), statistics.median(fulls)
            r = ratio(first, full)
            results.append(
                Result(
                    figure=f"14 stream: first detection vs whole answer, {api}",
                    value=first * 1e3,
                    unit="ms",
                    reference="time to the whole answer (the typed result), same call",
                    reference_value=full * 1e3,
                    ratio=r,
                    target=f"<= {TARGET:.2f}x",
                    met=check(r, "<=", TARGET),
                    notes=(
                        f"{found} detections, {rate:g} tokens/s, {CHUNK_TOKENS} tokens per "
                        f"event, emulator in its own process; median of {rounds} rounds; "
                        f"invoke (no streaming) {statistics.median(invokes) * 1e3:.0f} ms"
                    ),
                )
            )
    return results
