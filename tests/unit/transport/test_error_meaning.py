"""Errors are typed by what they mean (ErrorInfo reason, status string, Interactions code),
and the HTTP status decides only when the body says nothing more (issue 15, items 1 and 5)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision._transport.errors import error_from_response, is_retryable
from langchain_gemini_vision._transport.retry import RetryPolicy
from langchain_gemini_vision.errors import (
    GeminiVisionAPIError,
    GeminiVisionAuthError,
    GeminiVisionInvalidRequestError,
    GeminiVisionNotFoundError,
    GeminiVisionRateLimitError,
    GeminiVisionServerError,
    GeminiVisionTimeoutError,
)
from langchain_gemini_vision.testing import GeminiEmulator, make_scene
from tests.unit._served import ServedGemini, error

# The body live Gemini sends for a wrong key (recorded traffic).
API_KEY_INVALID = {
    "error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT",
        "details": [
            {
                "@type": "type.googleapis.com/google.rpc.ErrorInfo",
                "reason": "API_KEY_INVALID",
                "domain": "googleapis.com",
                "metadata": {"service": "generativelanguage.googleapis.com"},
            },
            {
                "@type": "type.googleapis.com/google.rpc.LocalizedMessage",
                "locale": "en-US",
                "message": "API key not valid. Please pass a valid API key.",
            },
        ],
    }
}


def test_api_key_invalid_400_is_an_auth_error() -> None:
    error = error_from_response(400, API_KEY_INVALID, {})
    assert type(error) is GeminiVisionAuthError
    assert error.status == 400
    assert error.code == "INVALID_ARGUMENT"
    assert error.reason == "API_KEY_INVALID"
    assert not is_retryable(error)


def _info(reason: str) -> list[dict[str, Any]]:
    return [{"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": reason}]


@pytest.mark.parametrize(
    ("status", "error", "expected"),
    [
        # An ErrorInfo reason is the most specific meaning there is.
        (403, {"status": "PERMISSION_DENIED", "details": _info("SERVICE_DISABLED")}, "auth"),
        (429, {"status": "RESOURCE_EXHAUSTED", "details": _info("RATE_LIMIT_EXCEEDED")}, "rate"),
        # Then the status string, whatever the HTTP status says.
        (400, {"status": "UNAUTHENTICATED"}, "auth"),
        (400, {"status": "NOT_FOUND"}, "not_found"),
        (400, {"status": "RESOURCE_EXHAUSTED"}, "rate"),
        (400, {"status": "DEADLINE_EXCEEDED"}, "timeout"),
        (400, {"status": "FAILED_PRECONDITION"}, "invalid"),
        (500, {"status": "UNAVAILABLE"}, "server"),
        # The Interactions API's string codes, in any case.
        (400, {"code": "invalid_request"}, "invalid"),
        (400, {"code": "parameter_unknown"}, "invalid"),
        (401, {"code": "authentication"}, "auth"),
        (402, {"code": "payment_required"}, "auth"),
        (403, {"code": "permission_denied"}, "auth"),
        (404, {"code": "model_not_found"}, "not_found"),
        (429, {"code": "quota_exceeded"}, "rate"),
        (429, {"code": "too_many_requests"}, "rate"),
        (503, {"code": "service_unavailable"}, "server"),
        (500, {"code": "api_error"}, "server"),
        # An unknown reason or code falls back to the HTTP status.
        (404, {"status": "SOMETHING_NEW", "details": _info("NEW_REASON")}, "not_found"),
        (429, {"code": "brand_new_code"}, "rate"),
    ],
)
def test_meaning_decides_the_class_and_the_status_code_only_falls_back(
    status: int, error: dict[str, Any], expected: str
) -> None:
    classes = {
        "auth": GeminiVisionAuthError,
        "rate": GeminiVisionRateLimitError,
        "not_found": GeminiVisionNotFoundError,
        "timeout": GeminiVisionTimeoutError,
        "invalid": GeminiVisionInvalidRequestError,
        "server": GeminiVisionServerError,
    }
    mapped = error_from_response(status, {"error": {"message": "m", **error}}, {})
    assert type(mapped) is classes[expected]
    assert mapped.status == status


def test_interactions_error_body_keeps_its_code() -> None:
    body = {"error": {"code": "invalid_request", "message": "The value 'x' is not supported."}}
    error = error_from_response(400, body, {})
    assert type(error) is GeminiVisionInvalidRequestError
    assert error.code == "invalid_request"
    assert error.status == 400
    assert "invalid_request" in str(error)
    assert "The value 'x' is not supported." in str(error)


def test_an_error_without_an_http_status_is_typed_by_its_code() -> None:
    error = error_from_response(None, {"error": {"code": "not_found", "message": "gone"}}, {})
    assert type(error) is GeminiVisionNotFoundError
    assert error.status is None
    assert error.code == "not_found"
    unknown = error_from_response(None, {"error": {"code": "who_knows", "message": "?"}}, {})
    assert type(unknown) is GeminiVisionAPIError


# ----------------------------------------------------------------------------- on the wire

KEY = "right-key-0123456789"
WRONG = "wrong-key-0123456789"


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator(expected_api_key=KEY) as emu:
        yield emu


def test_the_emulator_answers_a_bad_key_with_the_real_body(emulator: GeminiEmulator) -> None:
    import httpx2

    for path in ("/v1beta/interactions", "/v1beta/models/gemini-3-flash-preview:generateContent"):
        answer = httpx2.post(
            emulator.base_url + path, json={}, headers={"x-goog-api-key": WRONG}, timeout=10
        )
        assert answer.status_code == 400
        assert answer.json() == API_KEY_INVALID


@pytest.mark.parametrize("transport", ["lean", "sdk"])
@pytest.mark.parametrize("api", ["interactions", "generate_content"])
async def test_a_wrong_key_is_an_auth_error_on_every_api_and_transport(
    emulator: GeminiEmulator, api: Any, transport: Any
) -> None:
    image = make_scene(64, 48, objects=1).data
    emulator.stats.reset()
    client = GeminiVisionClient(
        api_key=WRONG, base_url=emulator.base_url, api=api, transport=transport
    )
    with pytest.raises(GeminiVisionAuthError, match="API key not valid") as sync_info:
        client.caption(image)
    with pytest.raises(GeminiVisionAuthError, match="API key not valid") as async_info:
        await client.acaption(image)
    await client.aclose()
    for info in (sync_info, async_info):
        assert info.value.reason == "API_KEY_INVALID"
        assert info.value.code == "INVALID_ARGUMENT"
    route = "interactions" if api == "interactions" else "generate_content"
    assert emulator.stats.requests[route] == 2  # one per call: never retried


@pytest.mark.parametrize("transport", ["lean", "sdk"])
def test_interactions_error_bodies_keep_their_code_on_every_transport(transport: Any) -> None:
    body = {"error": {"code": "invalid_request", "message": "The value 'x' is not supported."}}
    with ServedGemini() as served:
        served.reply = error(400, body)
        client = GeminiVisionClient(
            api_key="k", base_url=served.base_url, transport=transport, retry=RetryPolicy()
        )
        with pytest.raises(GeminiVisionInvalidRequestError) as info:
            client.caption(make_scene(64, 48, objects=1).data)
    assert info.value.code == "invalid_request"
    assert info.value.status == 400
    assert len(served.calls) == 1
