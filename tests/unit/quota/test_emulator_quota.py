"""Issue 18 item 4: the emulator enforces quotas as Gemini does.

Per key and model, requests and input tokens per window (scaled to a fraction of a
second here), requests per day; a request over a quota gets Gemini's real 429 body
(``QuotaFailure``, ``Help``, ``RetryInfo``), is not answered and not counted, and a
client that waits the ``retryDelay`` gets in. The SDK's own error type reads it.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from google import genai
from google.genai import errors as genai_errors

from langchain_gemini_vision.testing import GeminiEmulator, Quota, make_scene
from langchain_gemini_vision.testing._emulator_quota import QuotaBook

MODEL = "gemini-3-flash-preview"


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator(record_requests=False) as emu:
        yield emu


def _use(emulator: GeminiEmulator, quota: Quota) -> None:
    emulator.quotas = QuotaBook(quota)


def _body(side: int = 64, seed: int = 0) -> dict[str, Any]:
    import base64

    png = make_scene(side, side, objects=1, seed=seed).data
    return {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {"text": "Describe the image."},
                    {
                        "inlineData": {
                            "mimeType": "image/png",
                            "data": base64.b64encode(png).decode(),
                        }
                    },
                ],
            }
        ]
    }


def _post(emulator: GeminiEmulator, key: str = "k1", **body: Any) -> httpx.Response:
    url = f"{emulator.base_url}/v1beta/models/{MODEL}:generateContent"
    return httpx.post(url, json=body or _body(), headers={"x-goog-api-key": key}, timeout=10)


def _details(response: httpx.Response) -> dict[str, dict[str, Any]]:
    error = response.json()["error"]
    return {d["@type"].rsplit(".", 1)[-1]: d for d in error["details"]}


def test_item4_a_request_quota_answers_geminis_real_429_body(emulator: GeminiEmulator) -> None:
    _use(emulator, Quota(requests=3, window=1.0))
    statuses = [_post(emulator).status_code for _ in range(3)]
    refused = _post(emulator)
    assert statuses == [200, 200, 200]
    assert refused.status_code == 429
    error = refused.json()["error"]
    assert (error["code"], error["status"]) == (429, "RESOURCE_EXHAUSTED")
    assert error["message"].startswith("You exceeded your current quota, please check your plan")
    details = _details(refused)
    violation = details["QuotaFailure"]["violations"][0]
    assert violation == {
        "quotaMetric": "generativelanguage.googleapis.com/generate_content_free_tier_requests",
        "quotaId": "GenerateRequestsPerMinutePerProjectPerModel-FreeTier",
        "quotaDimensions": {"location": "global", "model": MODEL},
        "quotaValue": "3",
    }
    assert details["Help"]["links"][0]["url"].startswith("https://ai.google.dev/")
    delay = float(details["RetryInfo"]["retryDelay"].removesuffix("s"))
    assert 0 < delay <= 1.0
    assert emulator.quotas.refused == 1
    # Another key has its own quota; after the stated delay this key gets in again.
    assert _post(emulator, key="k2").status_code == 200
    time.sleep(delay)
    assert _post(emulator).status_code == 200


def test_item4_a_token_quota_counts_input_tokens_as_usage_reports_them(
    emulator: GeminiEmulator,
) -> None:
    _use(emulator, Quota(window=30.0, tokens=700))
    first = _post(emulator)
    used = first.json()["usageMetadata"]["promptTokenCount"]
    assert 263 <= used < 350  # one image (258) and the prompt: two fit in 700, not three
    assert _post(emulator).status_code == 200
    refused = _post(emulator)
    assert refused.status_code == 429
    violation = _details(refused)["QuotaFailure"]["violations"][0]
    assert violation["quotaId"] == "GenerateContentInputTokensPerModelPerMinute-FreeTier"
    assert violation["quotaValue"] == "700"
    assert "input_token_count" in violation["quotaMetric"]


def test_item4_the_interactions_api_is_refused_too_and_the_sdk_reads_it(
    emulator: GeminiEmulator,
) -> None:
    _use(emulator, Quota(requests=1, window=5.0))
    client = genai.Client(api_key="k3", http_options={"base_url": emulator.base_url})
    client.models.generate_content(model=MODEL, contents="Say hi.")
    with pytest.raises(genai_errors.ClientError) as caught:
        client.models.generate_content(model=MODEL, contents="Say hi.")
    assert caught.value.code == 429
    assert caught.value.status == "RESOURCE_EXHAUSTED"
    url = f"{emulator.base_url}/v1beta/interactions"
    body = {"model": MODEL, "input": "Say hi."}
    refused = httpx.post(url, json=body, headers={"x-goog-api-key": "k3"}, timeout=10)
    assert refused.status_code == 429
    assert "RetryInfo" in _details(refused)


def test_item4_a_daily_quota_names_per_day() -> None:
    book = QuotaBook(Quota(requests_per_day=2, window=0.01), clock=lambda: 5.0)
    book.charge("k", MODEL, 10)
    book.charge("k", MODEL, 10)
    with pytest.raises(Exception) as caught:
        book.charge("k", MODEL, 10)
    body = caught.value.body()  # type: ignore[attr-defined]
    violation = body["error"]["details"][0]["violations"][0]
    assert violation["quotaId"] == "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
