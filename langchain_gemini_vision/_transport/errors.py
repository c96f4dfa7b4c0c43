"""Translate everything that can go wrong on the wire into the package's tree, in one place.

Three sources meet here: HTTP error responses the lean transport reads itself,
the google-genai SDK's two unrelated exception families (``google.genai.errors``
for generateContent and Files, the Interactions error classes), and raw
transport exceptions (httpx2, httpx, aiohttp) that the SDK lets through.
"""

from __future__ import annotations

import email.utils
import json
import time
from collections.abc import Mapping
from typing import Any, NoReturn

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

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

_STATUS_CLASSES: dict[int, type[GeminiVisionAPIError]] = {
    400: GeminiVisionInvalidRequestError,
    401: GeminiVisionAuthError,
    403: GeminiVisionAuthError,
    404: GeminiVisionNotFoundError,
    408: GeminiVisionTimeoutError,
    429: GeminiVisionRateLimitError,
}


def parse_retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


def _retry_info_delay(error: Mapping[str, Any]) -> float | None:
    """The ``google.rpc.RetryInfo`` detail's ``retryDelay`` ("1.5s"), if present."""
    for detail in error.get("details") or ():
        if not isinstance(detail, Mapping):
            continue
        if str(detail.get("@type", "")).endswith("google.rpc.RetryInfo"):
            delay = str(detail.get("retryDelay") or "").rstrip("s")
            try:
                return max(0.0, float(delay))
            except ValueError:
                return None
    return None


def error_from_response(
    status: int, body: bytes | str | Mapping[str, Any] | None, headers: Mapping[str, str]
) -> GeminiVisionAPIError:
    """Build the typed error for an HTTP error response."""
    data: Any = body
    if isinstance(body, (bytes, str)):
        try:
            data = json.loads(body) if body else None
        except ValueError:
            data = None
    error = data.get("error") if isinstance(data, Mapping) else None
    if isinstance(error, Mapping):
        message = str(error.get("message") or "")
        code = str(error.get("status") or "") or None
        retry_info = _retry_info_delay(error)
    else:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
        message, code, retry_info = text[:500], None, None
    header_delay = parse_retry_after(headers.get("retry-after") or headers.get("Retry-After"))
    ms = headers.get("retry-after-ms")
    if header_delay is None and ms:
        try:
            header_delay = float(ms) / 1000
        except ValueError:
            header_delay = None
    retry_after = header_delay if header_delay is not None else retry_info
    cls = _STATUS_CLASSES.get(status)
    if cls is None:
        cls = GeminiVisionServerError if status >= 500 else GeminiVisionAPIError
    return cls(message or f"HTTP {status}", status=status, code=code, retry_after=retry_after)


def _transport_error(exc: BaseException) -> GeminiVisionAPIError | None:
    """Map raw httpx2/httpx/aiohttp errors by class name (no optional import needed)."""
    names = {cls.__name__ for cls in type(exc).__mro__}
    module = type(exc).__module__
    if names & {"TimeoutException", "ServerTimeoutError", "TimeoutError", "APITimeoutError"}:
        return GeminiVisionTimeoutError(f"request timed out ({type(exc).__name__})")
    transport_names = {
        "TransportError",
        "NetworkError",
        "ProtocolError",
        "RemoteProtocolError",
        "ConnectError",
        "ReadError",
        "WriteError",
        "ClientConnectionError",
        "ClientPayloadError",
        "ServerDisconnectedError",
        "ConnectionError",
        "APIConnectionError",
        "IncompleteRead",
        "DecodingError",
    }
    if names & transport_names or module.startswith(("httpx", "httpcore", "aiohttp")):
        return GeminiVisionConnectionError(f"connection failed: {type(exc).__name__}: {exc}")
    return None


def map_exception(exc: BaseException) -> GeminiVisionError | None:
    """The package error for ``exc``, or ``None`` when it is a programming error to re-raise."""
    if isinstance(exc, GeminiVisionError):
        return exc
    # google.genai.errors.APIError (generateContent, Files): .code is the HTTP status.
    from google.genai import errors as genai_errors

    if isinstance(exc, genai_errors.APIError):
        headers: Mapping[str, str] = {}
        response = getattr(exc, "response", None)
        if response is not None and hasattr(response, "headers"):
            headers = dict(response.headers)
        body = {"error": exc.details.get("error")} if isinstance(exc.details, dict) else None
        if body is None or body["error"] is None:
            body = {"error": {"message": exc.message or str(exc), "status": exc.status}}
        return error_from_response(int(exc.code or 500), body, headers)
    # The Interactions SDK's own family.
    from google.genai import _interactions_errors as ia_errors

    if isinstance(exc, ia_errors.APIStatusError):
        response = exc.response
        return error_from_response(
            int(exc.status_code or 500),
            exc.body if isinstance(exc.body, Mapping) else None,
            dict(response.headers) if response is not None else {},
        )
    if isinstance(exc, ia_errors.APITimeoutError):
        return GeminiVisionTimeoutError("request timed out")
    if isinstance(exc, ia_errors.APIConnectionError):
        return GeminiVisionConnectionError(f"connection failed: {exc}")
    if isinstance(exc, ia_errors.APIError):
        return GeminiVisionAPIError(str(exc))
    return _transport_error(exc)


def is_retryable(error: GeminiVisionError) -> bool:
    """Whether another attempt could succeed: 408, 429, 5xx, timeouts and dropped connections."""
    if isinstance(error, (GeminiVisionConnectionError, GeminiVisionTimeoutError)):
        return True
    if isinstance(error, GeminiVisionAPIError):
        return error.status in RETRYABLE_STATUSES
    return False


def reraise_mapped(exc: Exception) -> NoReturn:
    """Raise the package's error for ``exc``; programming errors go through unchanged."""
    mapped = map_exception(exc)
    if mapped is None:
        raise exc
    raise mapped from exc
