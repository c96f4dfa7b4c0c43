"""Streams end in text or in a typed error: an error event raises whatever its code's type,
and a stream with no text raises EmptyResponseError (issue 15, item 5)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from langchain_gemini_vision import GeminiVisionClient, RetryPolicy
from langchain_gemini_vision._transport.base import VisionRequest
from langchain_gemini_vision.errors import (
    EmptyResponseError,
    GeminiVisionAPIError,
    GeminiVisionInvalidRequestError,
    GeminiVisionNotFoundError,
    GeminiVisionRateLimitError,
    GeminiVisionServerError,
    ResponseBlockedError,
)
from tests.unit._served import Call, ServedGemini, sse, text_events

TRANSPORTS = ["lean", "sdk"]
APIS = ["interactions", "generate_content"]


@pytest.fixture(scope="module")
def served() -> Iterator[ServedGemini]:
    with ServedGemini() as endpoint:
        yield endpoint


def _client(served: ServedGemini, api: str, transport: str) -> GeminiVisionClient:
    return GeminiVisionClient(
        api_key="k",
        base_url=served.base_url,
        api=api,  # type: ignore[arg-type]
        transport=transport,  # type: ignore[arg-type]
        retry=RetryPolicy(max_attempts=1),
    )


def _read(client: GeminiVisionClient) -> str:
    return "".join(client.stream(VisionRequest(prompt="describe")))


async def _aread(client: GeminiVisionClient) -> str:
    pieces = [piece async for piece in client.astream(VisionRequest(prompt="describe"))]
    await client.aclose()
    return "".join(pieces)


def _error_event(api: str, code: Any) -> dict[str, Any]:
    error = {"code": code, "message": "the request was refused mid-stream"}
    if api == "interactions":
        return {"event_type": "error", "error": error}
    return {"error": error}


CODES = [
    ("invalid_request", GeminiVisionInvalidRequestError),  # the Interactions API's codes
    ("quota_exceeded", GeminiVisionRateLimitError),
    (503, GeminiVisionServerError),  # generateContent's
    ("404", GeminiVisionNotFoundError),
    ({"nested": True}, GeminiVisionAPIError),  # and whatever else arrives
    (None, GeminiVisionAPIError),
]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize(("code", "expected"), CODES, ids=[repr(c[0]) for c in CODES])
async def test_an_error_event_is_a_typed_error_whatever_its_code(
    served: ServedGemini, api: str, transport: str, code: Any, expected: type
) -> None:
    served.reply = sse([_error_event(api, code)])
    client = _client(served, api, transport)
    with pytest.raises(expected, match="refused mid-stream") as info:
        _read(client)
    if isinstance(code, str) and not code.isdigit():
        assert info.value.code == code
    with pytest.raises(expected, match="refused mid-stream"):
        await _aread(client)


def _bookkeeping_only(call: Call) -> list[dict[str, Any]]:
    """A stream that carries everything but text."""
    if call.api == "generate_content":
        return [{"candidates": [{"content": {"parts": [], "role": "model"}}]}]
    return [e for e in text_events(call, "") if e["event_type"] != "step.delta"]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("shape", ["nothing", "no text"])
async def test_a_stream_without_text_is_an_empty_response(
    served: ServedGemini, api: str, transport: str, shape: str
) -> None:
    if shape == "nothing":
        served.reply = sse([])
    else:
        served.reply = lambda call: sse(_bookkeeping_only(call))(call)
    client = _client(served, api, transport)
    with pytest.raises(EmptyResponseError):
        _read(client)
    with pytest.raises(EmptyResponseError):
        await _aread(client)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("api", APIS)
async def test_a_blocked_stream_says_so(served: ServedGemini, api: str, transport: str) -> None:
    def blocked(call: Call) -> list[dict[str, Any]]:
        if call.api == "generate_content":
            return [
                {"candidates": [{"content": {"parts": [{"text": "I see"}], "role": "model"}}]},
                {"candidates": [{"finishReason": "SAFETY", "content": {"parts": []}}]},
            ]
        events = text_events(call, "I see")
        events[-1]["interaction"]["status"] = "failed"
        return events

    served.reply = lambda call: sse(blocked(call))(call)
    client = _client(served, api, transport)
    with pytest.raises(ResponseBlockedError) as info:
        _read(client)
    assert info.value.raw_text == "I see"
    with pytest.raises(ResponseBlockedError):
        await _aread(client)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("api", APIS)
async def test_a_normal_stream_still_yields_its_text(
    served: ServedGemini, api: str, transport: str
) -> None:
    served.reply = lambda call: sse(text_events(call, "a red circle"))(call)
    client = _client(served, api, transport)
    assert _read(client) == "a red circle"
    assert await _aread(client) == "a red circle"
