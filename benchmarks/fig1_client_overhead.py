"""Figure 1 (issue 11): client time per call, package vs raw SDK vs a plain httpx2 POST.

The same request (the caption prompt with its JSON schema, and one 1024x768 PNG)
goes three ways, for each API:

* **package**: ``GeminiVisionClient(transport="lean").caption(image)`` with the
  image prepared once (as a caller reusing a ``PreparedImage`` would);
* **raw SDK**: ``client.interactions.create(...)`` / ``client.models.generate_content(...)``
  with the same content, reading ``output_text`` / ``text``;
* **plain POST**: ``httpx2.Client.post`` of the same JSON body (built from a prepared
  dict, serialised per call), reading the text out of ``response.json()``.

The emulator runs in its own process with no latency, so its CPU never counts:
client CPU is ``time.process_time()`` in this process. Variants are interleaved
in rounds and the median round is reported, which keeps other work on the machine
from favouring one of them.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from typing import Any

import httpx2
from google import genai
from google.genai import types

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.prompts import CAPTION_SCHEMA, DEFAULT_PROMPTS
from langchain_gemini_vision.testing import make_scene

from ._common import (
    APIS,
    ApiName,
    EmulatorProcess,
    Result,
    Sizes,
    check,
    per_call_medians,
    ratio,
)

MODEL = "gemini-3-flash-preview"
KEY = "benchmark-key"


def interactions_body(prompt: str, png_b64: str) -> dict[str, Any]:
    """The Interactions body, as the API reference describes it."""
    return {
        "model": MODEL,
        "input": [
            {
                "content": [
                    {"text": prompt, "type": "text"},
                    {"data": png_b64, "mime_type": "image/png", "type": "image"},
                ],
                "type": "user_input",
            }
        ],
        "response_format": {
            "mime_type": "application/json",
            "schema": CAPTION_SCHEMA,
            "type": "text",
        },
    }


def generate_content_body(prompt: str, png_b64: str) -> dict[str, Any]:
    """The generateContent body, as the API reference describes it."""
    return {
        "contents": [
            {
                "parts": [
                    {"text": prompt},
                    {"inlineData": {"data": png_b64, "mime_type": "image/png"}},
                ],
                "role": "user",
            }
        ],
        "generationConfig": {
            "responseMimeType": "application/json",
            "responseJsonSchema": CAPTION_SCHEMA,
        },
    }


def _variants(
    base_url: str, api: ApiName, png: bytes
) -> tuple[dict[str, Callable[[], Any]], list[Any]]:
    prompt = DEFAULT_PROMPTS.caption
    png_b64 = base64.b64encode(png).decode("ascii")
    package = GeminiVisionClient(
        api_key=KEY, base_url=base_url, api=api, transport="lean", model=MODEL
    )
    prepared = package.prepare(png)
    sdk = genai.Client(
        api_key=KEY,
        http_options=types.HttpOptions(
            base_url=base_url, retry_options=types.HttpRetryOptions(attempts=1)
        ),
    )
    plain = httpx2.Client(timeout=60)
    headers = {"content-type": "application/json", "x-goog-api-key": KEY}

    if api == "interactions":
        url = f"{base_url}/v1/interactions"
        body = interactions_body(prompt, png_b64)

        def plain_call() -> str:
            response = plain.post(url, content=json.dumps(body).encode(), headers=headers)
            response.raise_for_status()
            data = response.json()
            return "".join(
                block.get("text", "")
                for step in data["steps"]
                if step.get("type") == "model_output"
                for block in step.get("content", ())
            )

        def sdk_call() -> str:
            result = sdk.interactions.create(
                model=MODEL,
                input=[
                    {"type": "text", "text": prompt},
                    {"type": "image", "data": png_b64, "mime_type": "image/png"},
                ],
                response_format={
                    "type": "text",
                    "mime_type": "application/json",
                    "schema": CAPTION_SCHEMA,
                },
            )
            return str(result.output_text)
    else:
        url = f"{base_url}/v1/models/{MODEL}:generateContent"
        body = generate_content_body(prompt, png_b64)

        def plain_call() -> str:
            response = plain.post(url, content=json.dumps(body).encode(), headers=headers)
            response.raise_for_status()
            data = response.json()
            return "".join(p.get("text", "") for p in data["candidates"][0]["content"]["parts"])

        def sdk_call() -> str:
            result = sdk.models.generate_content(
                model=MODEL,
                contents=[prompt, types.Part.from_bytes(data=png, mime_type="image/png")],
                config=types.GenerateContentConfig(
                    response_mime_type="application/json", response_json_schema=CAPTION_SCHEMA
                ),
            )
            return str(result.text)

    def package_call() -> str:
        return package.caption(prepared).text

    closers = [package, plain, sdk]
    return {"package": package_call, "raw SDK": sdk_call, "plain POST": plain_call}, closers


def measure(base_url: str, api: ApiName, png: bytes, sizes: Sizes) -> dict[str, dict[str, float]]:
    """Median per-call client CPU and wall seconds of each variant."""
    variants, closers = _variants(base_url, api, png)
    try:
        return per_call_medians(variants, sizes)
    finally:
        for closer in closers:
            closer.close()


def run(sizes: Sizes) -> list[Result]:
    """Both APIs, CPU and wall, package and raw SDK against the plain POST."""
    scene = make_scene(1024, 768, objects=3, seed=11)
    png = scene.data
    results: list[Result] = []
    with EmulatorProcess(latency=0.0) as emulator:
        for api in APIS:
            per = measure(emulator.base_url, api, png, sizes)
            plain = per["plain POST"]
            for metric, label in (("cpu", "client CPU"), ("wall", "wall")):
                for who in ("package", "raw SDK"):
                    r = ratio(per[who][metric], plain[metric])
                    is_package = who == "package"
                    results.append(
                        Result(
                            figure=f"1 {api}: {who} vs plain POST, {label}/call",
                            value=per[who][metric] * 1e3,
                            unit="ms",
                            reference="plain httpx2 POST",
                            reference_value=plain[metric] * 1e3,
                            ratio=r,
                            target="<= 2.0x"
                            if is_package
                            else "report (issue: ~19x on Interactions)",
                            met=check(r, "<=", 2.0) if is_package else None,
                            notes=(
                                f"1024x768 PNG of {len(png)} bytes + caption prompt and schema; "
                                f"emulator in its own process, no latency; median of {sizes.rounds} "
                                f"rounds x {sizes.calls} calls"
                            ),
                        )
                    )
    return results
