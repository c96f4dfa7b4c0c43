"""An LCEL chain: detect objects | draw the boxes | save the annotated image.

    python examples/lcel_detect_draw.py photo.jpg annotated.png ["what to detect"]

Every step is a Runnable, so the chain streams, batches (``chain.batch([...])``)
and traces like any other; the detector's token usage shows up as a model run.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from langchain_core.runnables import Runnable, RunnableLambda, RunnablePassthrough

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.results import DetectionResult
from langchain_gemini_vision.runnables import GeminiDetectRunnable


def build_chain(
    client: GeminiVisionClient | None = None,
) -> Runnable[dict[str, Any], dict[str, Any]]:
    """``{"image", "out", "query"?}`` -> ``{"path", "result"}``: detect, draw, save."""
    detector = GeminiDetectRunnable(client=client) if client else GeminiDetectRunnable()

    def request(inputs: dict[str, Any]) -> dict[str, Any]:
        return {"image": inputs["image"], "query": inputs.get("query")}

    def draw(inputs: dict[str, Any]) -> dict[str, Any]:
        result: DetectionResult = inputs["result"]
        image = inputs["image"]
        data = Path(image).read_bytes() if isinstance(image, (str, Path)) else image
        return {**inputs, "drawn": result.draw(data)}

    def save(inputs: dict[str, Any]) -> dict[str, Any]:
        out = Path(inputs["out"])
        inputs["drawn"].save(out)
        return {"path": out, "result": inputs["result"]}

    return (
        RunnablePassthrough.assign(result=RunnableLambda(request) | detector)
        | RunnableLambda(draw)
        | RunnableLambda(save)
    ).with_config(run_name="detect_draw_save")


def main(
    image: str | Path | bytes,
    out: str | Path,
    query: str | None = None,
    *,
    client: GeminiVisionClient | None = None,
) -> dict[str, Any]:
    """Detect objects in ``image``, draw them and save the result to ``out``."""
    output: dict[str, Any] = build_chain(client).invoke(
        {"image": image, "out": out, "query": query}
    )
    return output


if __name__ == "__main__":
    done = main(sys.argv[1], sys.argv[2], sys.argv[3] if len(sys.argv) > 3 else None)
    print(f"{done['result'].summary()}\nsaved {done['path']}")
