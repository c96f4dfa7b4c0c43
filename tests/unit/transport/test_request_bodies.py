"""The lean transport puts on the wire exactly the bytes the google-genai SDK would.

Both sides are captured with an in-memory httpx2 transport (no sockets): the SDK
serialises the call itself, the lean transport builds its body from
``payloads``; the bytes must match, for both APIs, across every request shape
the tasks use.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx2
import pytest
from google import genai

from langchain_gemini_vision._transport.base import ImagePart, WireRequest
from langchain_gemini_vision._transport.lean import LeanTransport
from langchain_gemini_vision._transport.sdk import SdkTransport
from langchain_gemini_vision.profiles import profile_for

PNG_B64 = base64.b64encode(b"\x89PNG\r\n\x1a\n fake image bytes").decode()

INTERACTION_REPLY = {
    "id": "i1",
    "status": "completed",
    "model": "m",
    "steps": [{"type": "model_output", "content": [{"type": "text", "text": '{"a": 1}'}]}],
    "usage": {"total_input_tokens": 5, "total_output_tokens": 3, "total_tokens": 8},
}
GC_REPLY = {
    "candidates": [
        {"content": {"role": "model", "parts": [{"text": '{"a": 1}'}]}, "finishReason": "STOP"}
    ],
    "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 3, "totalTokenCount": 8},
    "modelVersion": "m",
}


class Capture:
    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        reply = INTERACTION_REPLY if request.url.path.endswith("/interactions") else GC_REPLY
        return httpx2.Response(200, json=reply)


def _schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"boxes": {"type": "array", "items": {"type": "object"}}},
        "required": ["boxes"],
    }


CASES: list[tuple[str, dict[str, Any]]] = [
    ("text-and-inline-image", {"parts": (ImagePart(mime_type="image/png", data_base64=PNG_B64),)}),
    (
        "schema-thinking-resolution",
        {
            "parts": (ImagePart(mime_type="image/png", data_base64=PNG_B64, resolution="high"),),
            "response_schema": _schema(),
            "thinking_level": "minimal",
            "max_output_tokens": 256,
            "temperature": 0.2,
            "system_instruction": "Be precise.",
        },
    ),
    (
        "two-images-uri-and-inline",
        {
            "parts": (
                ImagePart(mime_type="image/png", uri="https://example.test/v1beta/files/abc"),
                ImagePart(mime_type="image/jpeg", data_base64=PNG_B64, resolution="low"),
            ),
            "response_schema": _schema(),
        },
    ),
    ("non-ascii-prompt", {"parts": (), "prompt": "Décris l'image, s'il te plaît — 画像"}),
    (
        "thinking-budget",
        {"parts": (ImagePart(mime_type="image/webp", data_base64=PNG_B64),), "thinking_budget": 0},
    ),
]


def _wire(fields: dict[str, Any]) -> WireRequest:
    values = {"model": "gemini-3-flash-preview", "prompt": "Describe this image.", **fields}
    return WireRequest(profile=profile_for(values["model"]), **values)


def _sdk_client(capture: Capture) -> genai.Client:
    return genai.Client(
        api_key="test-key",
        http_options={
            "base_url": "http://gemini.test",
            "client_args": {"transport": httpx2.MockTransport(capture)},
            "retry_options": {"attempts": 1},
        },
    )


def _lean(capture: Capture) -> LeanTransport:
    from pydantic import SecretStr

    lean = LeanTransport(api_key=SecretStr("test-key"), base_url="http://gemini.test")
    lean._sync_client = httpx2.Client(transport=httpx2.MockTransport(capture))
    return lean


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
@pytest.mark.parametrize(("name", "fields"), CASES, ids=[c[0] for c in CASES])
def test_lean_body_equals_sdk_body(api: str, name: str, fields: dict[str, Any]) -> None:
    if api == "interactions" and "thinking_budget" in fields:
        pytest.skip("Interactions has no thinking_budget; the client never sends one there")
    request = _wire(fields)
    sdk_capture, lean_capture = Capture(), Capture()
    sdk_client = _sdk_client(sdk_capture)
    sdk_answer = SdkTransport(sdk_client).send(request, api)  # type: ignore[arg-type]
    lean_answer = _lean(lean_capture).send(request, api)  # type: ignore[arg-type]

    (sdk_request,) = sdk_capture.requests
    (lean_request,) = lean_capture.requests
    assert lean_request.url.path == sdk_request.url.path
    assert lean_request.url.query == sdk_request.url.query
    assert json.loads(lean_request.content) == json.loads(sdk_request.content)
    assert lean_request.content == sdk_request.content, "bytes differ (key order or separators)"
    assert lean_request.headers["x-goog-api-key"] == sdk_request.headers["x-goog-api-key"]
    assert lean_request.headers["accept"] == sdk_request.headers["accept"] or api != "interactions"
    # ... and both read the same answer.
    assert lean_answer.text == sdk_answer.text == '{"a": 1}'
    assert lean_answer.usage == sdk_answer.usage
    assert lean_answer.parsed == sdk_answer.parsed


def test_lean_transport_repr_has_no_key() -> None:
    from pydantic import SecretStr

    lean = LeanTransport(api_key=SecretStr("AIza" + "-super-secret-key-value-123456"))
    assert "secret" not in repr(lean)
