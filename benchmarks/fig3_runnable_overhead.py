"""Figure 3 (issue 8): ``GeminiDetectRunnable.invoke`` vs a raw SDK call with a cookbook parse.

Reference: ``client.interactions.create`` with the Gemini cookbook's detection
prompt, then the cookbook's parse: strip the Markdown fence, ``json.loads``,
scale each ``box_2d`` ``[ymin, xmin, ymax, xmax]`` (0-1000) by the image's width
and height. Measured: ``GeminiDetectRunnable(client=...).invoke(image)`` (lean
transport, Interactions), which also validates, types and traces the result.

Same image (a 1024x768 PNG scene), same emulator in its own process, no latency.
Wall and client CPU per call are both reported (median of interleaved rounds).
A third row isolates the Runnable layer: ``invoke`` against the client's own
``detect``.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

from google import genai
from google.genai import types

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.runnables import GeminiDetectRunnable
from langchain_gemini_vision.testing import make_scene

from ._common import (
    EmulatorProcess,
    Result,
    Sizes,
    check,
    per_call_medians,
    ratio,
)

MODEL = "gemini-3-flash-preview"
KEY = "benchmark-key"
TARGET = 1.10

COOKBOOK_PROMPT = (
    "Detect the 2d bounding boxes of the objects in the image "
    '(with "label" as topic description). '
    'Output a json list where each entry contains the 2D bounding box in "box_2d" '
    'and a text label in "label".'
)


def cookbook_parse_json(text: str) -> str:
    """The cookbook's ``parse_json``: keep what is inside a ```json fence."""
    lines = text.splitlines()
    for i, line in enumerate(lines):
        if line == "```json":
            text = "\n".join(lines[i + 1 :])
            text = text.split("```")[0]
            break
    return text


def cookbook_boxes(
    text: str, width: int, height: int
) -> list[tuple[str, tuple[int, int, int, int]]]:
    """The cookbook's descaling: ``box_2d`` (y first, 0-1000) to pixel ``(x0, y0, x1, y1)``."""
    boxes = []
    for item in json.loads(cookbook_parse_json(text)):
        y0, x0, y1, x1 = item["box_2d"]
        boxes.append(
            (
                item["label"],
                (
                    int(x0 / 1000 * width),
                    int(y0 / 1000 * height),
                    int(x1 / 1000 * width),
                    int(y1 / 1000 * height),
                ),
            )
        )
    return boxes


def run(sizes: Sizes) -> list[Result]:
    """invoke vs raw create + parse (wall and CPU), and invoke vs client.detect."""
    scene = make_scene(1024, 768, objects=3, seed=21)
    png, width, height = scene.data, scene.width, scene.height
    png_b64 = base64.b64encode(png).decode("ascii")
    with EmulatorProcess(latency=0.0) as emulator:
        client = GeminiVisionClient(
            api_key=KEY,
            base_url=emulator.base_url,
            api="interactions",
            transport="lean",
            model=MODEL,
        )
        detector = GeminiDetectRunnable(client=client)
        sdk = genai.Client(
            api_key=KEY,
            http_options=types.HttpOptions(
                base_url=emulator.base_url, retry_options=types.HttpRetryOptions(attempts=1)
            ),
        )

        def raw() -> Any:
            result = sdk.interactions.create(
                model=MODEL,
                input=[
                    {"type": "text", "text": COOKBOOK_PROMPT},
                    {"type": "image", "data": png_b64, "mime_type": "image/png"},
                ],
            )
            return cookbook_boxes(str(result.output_text), width, height)

        def invoke() -> Any:
            return detector.invoke(png)

        def detect() -> Any:
            return client.detect(png)

        variants: dict[str, Callable[[], Any]] = {"invoke": invoke, "raw": raw, "detect": detect}
        check_raw, check_invoke = raw(), invoke()
        per = per_call_medians(variants, sizes)
        client.close()
        sdk.close()
    common = (
        f"1024x768 PNG ({len(png)} bytes), emulator in its own process, no latency; "
        f"median of {sizes.rounds} rounds x {sizes.calls} calls; "
        f"raw found {len(check_raw)} boxes, invoke {len(check_invoke.detections)}"
    )
    results = []
    for metric, label in (("wall", "wall"), ("cpu", "client CPU")):
        r = ratio(per["invoke"][metric], per["raw"][metric])
        results.append(
            Result(
                figure=f"3 detector.invoke vs raw create + cookbook parse, {label}/call",
                value=per["invoke"][metric] * 1e3,
                unit="ms",
                reference="client.interactions.create + json.loads + descale",
                reference_value=per["raw"][metric] * 1e3,
                ratio=r,
                target=f"<= {TARGET}x",
                met=check(r, "<=", TARGET),
                notes=common,
            )
        )
    r = ratio(per["invoke"]["cpu"], per["detect"]["cpu"])
    results.append(
        Result(
            figure="3 detector.invoke vs client.detect (Runnable layer), client CPU/call",
            value=per["invoke"]["cpu"] * 1e3,
            unit="ms",
            reference="GeminiVisionClient.detect",
            reference_value=per["detect"]["cpu"] * 1e3,
            ratio=r,
            target="report",
            met=None,
            notes="what LangChain's Runnable machinery and tracing callbacks add per call",
        )
    )
    return results
