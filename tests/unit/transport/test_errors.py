"""Every error the SDK or the HTTP stack can raise maps to the package's tree."""

from __future__ import annotations

import inspect

import httpx2
import pytest
from google.genai import _interactions_errors as ia_errors
from google.genai import errors as genai_errors

from langchain_gemini_vision._transport.errors import (
    error_from_response,
    is_retryable,
    map_exception,
    parse_retry_after,
)
from langchain_gemini_vision.errors import (
    GeminiVisionAPIError,
    GeminiVisionAuthError,
    GeminiVisionConnectionError,
    GeminiVisionError,
    GeminiVisionInvalidRequestError,
    GeminiVisionNotFoundError,
    GeminiVisionRateLimitError,
    GeminiVisionServerError,
    GeminiVisionTimeoutError,
)

REQUEST = httpx2.Request("POST", "http://gemini.test/v1/interactions")


def _response(status: int, headers: dict[str, str] | None = None) -> httpx2.Response:
    return httpx2.Response(status, headers=headers or {}, request=REQUEST, json={})


@pytest.mark.parametrize(
    ("status", "expected", "retryable"),
    [
        (400, GeminiVisionInvalidRequestError, False),  # bad request: never retried
        (401, GeminiVisionAuthError, False),
        (403, GeminiVisionAuthError, False),
        (404, GeminiVisionNotFoundError, False),
        (408, GeminiVisionTimeoutError, True),
        (409, GeminiVisionAPIError, False),
        (429, GeminiVisionRateLimitError, True),
        (500, GeminiVisionServerError, True),
        (502, GeminiVisionServerError, True),
        (503, GeminiVisionServerError, True),
        (504, GeminiVisionServerError, True),
        (501, GeminiVisionServerError, False),  # not implemented: retrying cannot help
    ],
)
def test_status_classes(status: int, expected: type, retryable: bool) -> None:
    body = {"error": {"code": status, "message": "nope", "status": "X"}}
    error = error_from_response(status, body, {})
    assert type(error) is expected
    assert error.status == status
    assert error.code == "X"
    assert is_retryable(error) is retryable


def test_retry_after_header_and_retry_info() -> None:
    body = {
        "error": {
            "code": 429,
            "message": "slow down",
            "status": "RESOURCE_EXHAUSTED",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.RetryInfo", "retryDelay": "1.5s"}
            ],
        }
    }
    assert error_from_response(429, body, {}).retry_after == 1.5
    # The header wins over the body detail.
    assert error_from_response(429, body, {"retry-after": "3"}).retry_after == 3.0
    assert error_from_response(503, b"not json", {"retry-after-ms": "250"}).retry_after == 0.25
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past
    assert parse_retry_after("soon") is None


def test_error_message_never_holds_a_key() -> None:
    body = {"error": {"message": "API key AIza" + "SyDUMMYDUMMYDUMMYDUMMYDUMMY123 not valid"}}
    error = error_from_response(400, body, {})
    assert "AIza" not in str(error)


def _genai_exports() -> list[type[BaseException]]:
    classes = []
    for module in (genai_errors, ia_errors):
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__ == module.__name__:
                classes.append(obj)
    return classes


def _instance(cls: type[BaseException]) -> BaseException:
    if issubclass(cls, genai_errors.APIError):
        return cls(503, {"error": {"code": 503, "message": "m", "status": "UNAVAILABLE"}})
    if issubclass(cls, ia_errors.APIStatusError):
        return cls("m", response=_response(503), body={"error": {"message": "m"}})
    if issubclass(cls, ia_errors.APIResponseValidationError):
        return cls(response=_response(200), body={})
    if issubclass(cls, (ia_errors.APITimeoutError,)):
        return cls(request=REQUEST)
    if issubclass(cls, ia_errors.APIConnectionError):
        return cls(request=REQUEST)
    if issubclass(cls, ia_errors.APIError):
        return cls("m", REQUEST, body=None)
    return cls("m")


API_FAMILIES = (genai_errors.APIError, ia_errors.APIError)


@pytest.mark.parametrize("cls", _genai_exports(), ids=lambda c: f"{c.__module__}.{c.__name__}")
def test_every_sdk_api_error_is_mapped(cls: type[BaseException]) -> None:
    """Each error class google-genai exports for API failures maps to a GeminiVisionError."""
    try:
        exc = _instance(cls)
    except TypeError:
        pytest.skip(f"{cls.__name__} cannot be built without SDK internals")
    mapped = map_exception(exc)
    if issubclass(cls, API_FAMILIES):
        assert isinstance(mapped, GeminiVisionError), cls
    else:
        # Function-calling and client-side errors are programming errors: re-raised unchanged.
        assert mapped is None or isinstance(mapped, GeminiVisionError)


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx2.ConnectError("refused", request=REQUEST), GeminiVisionConnectionError),
        (httpx2.ReadTimeout("slow", request=REQUEST), GeminiVisionTimeoutError),
        (httpx2.RemoteProtocolError("cut", request=REQUEST), GeminiVisionConnectionError),
        (ia_errors.APITimeoutError(request=REQUEST), GeminiVisionTimeoutError),
    ],
)
def test_transport_errors(exc: BaseException, expected: type) -> None:
    mapped = map_exception(exc)
    assert type(mapped) is expected
    assert mapped is not None and is_retryable(mapped)


def test_programming_errors_are_not_mapped() -> None:
    assert map_exception(KeyError("x")) is None
    assert map_exception(TypeError("x")) is None
