"""Translate everything that can go wrong on the wire into the package's tree, in one place.

Two tables, both read most specific first:

* :data:`MEANINGS` types an error *answer* by what the service says it means: a
  ``google.rpc.ErrorInfo`` reason (``API_KEY_INVALID``), then the status string
  (``PERMISSION_DENIED``) or the Interactions API's error code (``invalid_request``).
  The HTTP status decides only when the body names nothing known.
* The exception table types a *raised* exception (httpx2, httpx, aiohttp,
  google-genai's two families, google-auth) by its class: the first class of its
  MRO that the table names wins, as httpx's own ``map_exceptions`` picks the most
  specific mapping. A library's rules are built only once that library is imported
  by someone else, so translating an aiohttp error never imports google-genai.

Every text built here is redacted with the caller's key, whatever its shape, and so
is the chain of the exception being translated (``traceback.format_exception``
prints causes too).

Why one module: both tables answer one question, "what does this failure mean", and
must answer it alike (a 429 answer and httpx's ``HTTPStatusError`` of a 429 are the
same ``GeminiVisionRateLimitError``, with the same redaction and retry rule); the
exception rules end in the answer table (``_status_rule``), so apart, each half would
reach into the other. Most of the length is the per-library rule tables, one short
function per library.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.utils
import re
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import ModuleType
from typing import Any, NoReturn

from pydantic import SecretStr

from langchain_gemini_vision import _json_depth as json_depth
from langchain_gemini_vision.errors import (
    ConfigurationError,
    GeminiVisionAPIError,
    GeminiVisionAuthError,
    GeminiVisionConnectionError,
    GeminiVisionDailyQuotaError,
    GeminiVisionError,
    GeminiVisionInvalidRequestError,
    GeminiVisionNotFoundError,
    GeminiVisionRateLimitError,
    GeminiVisionServerError,
    GeminiVisionTimeoutError,
    OutputParsingError,
    QuotaViolation,
    ResponseError,
    redact,
)

Secret = SecretStr | str | None

RETRYABLE_STATUSES = frozenset({408, 429, 500, 502, 503, 504})

_AUTH = GeminiVisionAuthError
_RATE = GeminiVisionRateLimitError
_INVALID = GeminiVisionInvalidRequestError
_SERVER = GeminiVisionServerError

#: What an error answer means, by the names Google's APIs give it (compared in upper case).
MEANINGS: dict[str, type[GeminiVisionAPIError]] = {
    # google.rpc.ErrorInfo reasons of the googleapis.com domain (google.api.ErrorReason):
    # the key, the project or the account is refused. Live Gemini sends API_KEY_INVALID
    # with HTTP 400 INVALID_ARGUMENT.
    **dict.fromkeys(
        (
            "API_KEY_INVALID",
            "API_KEY_SERVICE_BLOCKED",
            "API_KEY_HTTP_REFERRER_BLOCKED",
            "API_KEY_IP_ADDRESS_BLOCKED",
            "API_KEY_ANDROID_APP_BLOCKED",
            "API_KEY_IOS_APP_BLOCKED",
            "SERVICE_DISABLED",
            "BILLING_DISABLED",
            "LOCATION_TAX_POLICY_VIOLATED",
            "USER_PROJECT_DENIED",
            "CONSUMER_SUSPENDED",
            "CONSUMER_INVALID",
            "SECURITY_POLICY_VIOLATED",
            "ACCESS_TOKEN_EXPIRED",
            "ACCESS_TOKEN_SCOPE_INSUFFICIENT",
            "ACCOUNT_STATE_INVALID",
            "ACCESS_TOKEN_TYPE_UNSUPPORTED",
            "CREDENTIALS_MISSING",
        ),
        _AUTH,
    ),
    "RATE_LIMIT_EXCEEDED": _RATE,  # also an Interactions code
    "RESOURCE_QUOTA_EXCEEDED": _RATE,
    # google.rpc.Code names, the "status" of an error body (the same words, in lower
    # case, are Interactions codes too).
    "INVALID_ARGUMENT": _INVALID,
    "FAILED_PRECONDITION": _INVALID,
    "OUT_OF_RANGE": _INVALID,
    "UNAUTHENTICATED": _AUTH,
    "PERMISSION_DENIED": _AUTH,
    "NOT_FOUND": GeminiVisionNotFoundError,
    "RESOURCE_EXHAUSTED": _RATE,
    "DEADLINE_EXCEEDED": GeminiVisionTimeoutError,
    "UNAVAILABLE": _SERVER,
    "INTERNAL": _SERVER,
    "UNKNOWN": _SERVER,
    "DATA_LOSS": _SERVER,
    "UNIMPLEMENTED": _SERVER,
    "ABORTED": GeminiVisionAPIError,
    "ALREADY_EXISTS": GeminiVisionAPIError,
    "CANCELLED": GeminiVisionAPIError,
    # The Interactions API's own codes (ai.google.dev/gemini-api/docs/api-errors).
    "INVALID_REQUEST": _INVALID,
    "PARAMETER_UNKNOWN": _INVALID,
    "AUTHENTICATION": _AUTH,
    "PAYMENT_REQUIRED": _AUTH,  # the prepaid balance is spent: only the owner can act
    "MODEL_NOT_FOUND": GeminiVisionNotFoundError,
    "QUOTA_EXCEEDED": _RATE,
    "TOO_MANY_REQUESTS": _RATE,
    "API_ERROR": _SERVER,
    "SERVICE_UNAVAILABLE": _SERVER,
}

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


def _details(error: Mapping[str, Any], kind: str) -> Iterator[Mapping[str, Any]]:
    for detail in error.get("details") or ():
        if isinstance(detail, Mapping) and str(detail.get("@type", "")).endswith(kind):
            yield detail


def _retry_info_delay(error: Mapping[str, Any]) -> float | None:
    """The ``google.rpc.RetryInfo`` detail's ``retryDelay`` ("1.5s"), if present."""
    for detail in _details(error, "google.rpc.RetryInfo"):
        delay = str(detail.get("retryDelay") or "").rstrip("s")
        try:
            return max(0.0, float(delay))
        except ValueError:
            return None
    return None


# Gemini's quota message names what its details name (and is all the Interactions API's
# error shape carries): "* Quota exceeded for metric: <metric>, limit: 10, model: ...",
# then "Please retry in 34.419s."
_METRIC_LINE = re.compile(r"Quota exceeded for metric: ([^\s,]+), limit: (\d+)")
_RETRY_IN = re.compile(r"[Pp]lease retry in (\d+(?:\.\d+)?)\s*(ms|s)\b")


def _message_delay(message: str) -> float | None:
    """The wait a quota message asks for ("Please retry in 34.4s."), if it says."""
    found = _RETRY_IN.search(message)
    if found is None:
        return None
    seconds = float(found.group(1))
    return seconds / 1000 if found.group(2) == "ms" else seconds


def _int_or_none(value: Any) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def quota_violations(error: Mapping[str, Any], message: str) -> tuple[QuotaViolation, ...]:
    """The quotas a 429 says were exceeded: its ``QuotaFailure`` violations, else the
    metrics its message names (all the Interactions API's ``{code, message}`` carries)."""
    lines = dict(_METRIC_LINE.findall(message))  # one limit per metric, if a single line
    found = []
    for detail in _details(error, "google.rpc.QuotaFailure"):
        for item in detail.get("violations") or ():
            if not isinstance(item, Mapping):
                continue
            metric, quota_id = item.get("quotaMetric"), item.get("quotaId")
            value = _int_or_none(item.get("quotaValue", lines.get(str(metric), "")))
            found.append(
                QuotaViolation(
                    metric=str(metric) if metric else None,
                    quota_id=str(quota_id) if quota_id else None,
                    value=value,
                    daily="PerDay" in str(quota_id or ""),
                )
            )
    if found:
        return tuple(found)
    return tuple(QuotaViolation(metric=m, value=int(n)) for m, n in lines.items())


def _daily_note(violations: tuple[QuotaViolation, ...]) -> str:
    named = ", ".join(
        (v.quota_id or v.metric or "a daily quota") + (f" (limit {v.value})" if v.value else "")
        for v in violations
        if v.daily
    )
    return (
        f"daily quota used up: {named}. It resets at midnight Pacific time, so this call is "
        "not retried or waited for: use another model or project, a higher tier, or batch jobs"
    )


def _reason(error: Mapping[str, Any]) -> str | None:
    """The ``google.rpc.ErrorInfo`` reason (``API_KEY_INVALID``), if present."""
    for detail in _details(error, "google.rpc.ErrorInfo"):
        if isinstance(detail.get("reason"), str) and detail["reason"]:
            return str(detail["reason"])
    return None


def _code(error: Mapping[str, Any]) -> str | None:
    """The status string, or the Interactions API's string code (an int code is the status)."""
    for key in ("status", "code"):
        value = error.get(key)
        if isinstance(value, str) and value and not value.isdigit():
            return value
    return None


def class_for(
    status: int | None, code: str | None, reason: str | None
) -> type[GeminiVisionAPIError]:
    """The error class: the reason's meaning, else the code's, else the HTTP status's."""
    for name in (reason, code):
        meaning = MEANINGS.get(name.upper()) if name else None
        if meaning is not None:
            return meaning
    if status is None:
        return GeminiVisionAPIError
    known = _STATUS_CLASSES.get(status)
    if known is not None:
        return known
    return GeminiVisionServerError if status >= 500 else GeminiVisionAPIError


def error_from_response(
    status: int | None,
    body: bytes | str | Mapping[str, Any] | None,
    headers: Mapping[str, str],
    *,
    secret: Secret = None,
) -> GeminiVisionAPIError:
    """Build the typed error for an HTTP error response (or an error event: ``status=None``).

    ``secret`` (the caller's key) is masked in the message, whatever its shape.
    """
    data: Any = body
    if isinstance(body, (bytes, str)):
        try:
            data = json_depth.loads(body) if body else None
        except ValueError:  # not JSON, or absurdly nested: the raw text is the message
            data = None
    error = data.get("error") if isinstance(data, Mapping) else None
    if isinstance(error, Mapping):
        message = str(error.get("message") or "")
        code, reason, retry_info = _code(error), _reason(error), _retry_info_delay(error)
    else:
        text = body.decode("utf-8", "replace") if isinstance(body, bytes) else str(body or "")
        message, code, reason, retry_info = text[:500], None, None, None
    header_delay = parse_retry_after(headers.get("retry-after") or headers.get("Retry-After"))
    ms = headers.get("retry-after-ms")
    if header_delay is None and ms:
        try:
            header_delay = float(ms) / 1000
        except ValueError:
            header_delay = None
    retry_after = header_delay if header_delay is not None else retry_info
    if retry_after is None:
        retry_after = _message_delay(message)
    cls = class_for(status, code, reason)
    fields: dict[str, Any] = {}
    if issubclass(cls, GeminiVisionRateLimitError):
        violations = quota_violations(error, message) if isinstance(error, Mapping) else ()
        if any(v.daily for v in violations):
            cls = GeminiVisionDailyQuotaError
            message = f"{message} [{_daily_note(violations)}]"
        fields["violations"] = violations
    return cls(
        redact(message or f"HTTP {status}", secret),
        status=status,
        code=code,
        reason=reason,
        retry_after=retry_after,
        **fields,
    )


def error_from_event(event: Mapping[str, Any], *, secret: Secret = None) -> GeminiVisionAPIError:
    """The typed error for an ``error`` event inside a stream, whatever its code's type."""
    error = event.get("error")
    if not isinstance(error, Mapping):
        error = {"message": str(event)[:500]}
    return error_from_response(_http_status(error.get("code")), {"error": error}, {}, secret=secret)


def _http_status(code: Any) -> int | None:
    """An HTTP status from an int or digit-string code; ``None`` for a word or anything else."""
    if isinstance(code, int) and not isinstance(code, bool):
        return code
    if isinstance(code, str) and code.isdigit():
        return int(code)
    return None


# --------------------------------------------------------------------------- raised exceptions

Build = Callable[[BaseException, Secret], GeminiVisionError | None]


@dataclass(frozen=True)
class _Rule:
    """What one exception class becomes: ``produces`` (``None``: a programming error,
    re-raised unchanged) and how its instance is turned into it."""

    produces: type[GeminiVisionError] | None
    build: Build


def _describe(exc: BaseException) -> str:
    text = str(exc)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__


def _as(cls: type[GeminiVisionError], what: str) -> _Rule:
    """An exception of one kind: ``cls`` with the library's own words after ``what``."""
    return _Rule(cls, lambda exc, secret: cls(redact(f"{what} ({_describe(exc)})", secret)))


_TIMEOUT = _as(GeminiVisionTimeoutError, "request timed out")
_CONNECTION = _as(GeminiVisionConnectionError, "connection failed")
_UNREADABLE = _as(GeminiVisionConnectionError, "the answer could not be read")
_CONFIGURATION = _as(
    ConfigurationError,
    "the request cannot be sent as configured; check base_url, the key and extra headers",
)
_RERAISE = _Rule(None, lambda _exc, _secret: None)


def _headers_of(response: Any) -> Mapping[str, str]:
    headers = getattr(response, "headers", None)
    try:
        return dict(headers) if headers is not None else {}
    except (TypeError, ValueError):
        return {}


def _status_rule(read: Callable[[Any], tuple[Any, Any, Any]]) -> _Rule:
    """An exception that carries an HTTP answer: ``read(exc) -> (status, body, response)``."""

    def build(exc: BaseException, secret: Secret) -> GeminiVisionError:
        status, body, response = read(exc)
        code = _http_status(status)
        if not isinstance(body, Mapping) or not isinstance(body.get("error"), Mapping):
            body = {"error": {"message": str(exc)}}
        return error_from_response(code, body, _headers_of(response), secret=secret)

    return _Rule(GeminiVisionAPIError, build)


def _cause_first(rule: _Rule) -> _Rule:
    """A wrapper exception: what its cause means (``ftp://`` is a configuration error,
    not a connection failure), else ``rule``."""

    def build(exc: BaseException, secret: Secret) -> GeminiVisionError | None:
        cause = exc.__cause__
        mapped = map_exception(cause, secret=secret) if cause is not None else None
        return mapped if mapped is not None else rule.build(exc, secret)

    return _Rule(rule.produces, build)


def _genai_answer(exc: Any) -> tuple[Any, Any, Any]:
    details = exc.details if isinstance(exc.details, Mapping) else {}
    error = details.get("error")
    if not isinstance(error, Mapping):
        error = {"message": exc.message or str(exc), "status": exc.status}
    return exc.code, {"error": error}, exc.response


def _httpx_answer(exc: Any) -> tuple[Any, Any, Any]:
    response = exc.response
    try:
        body = json_depth.loads(response.content)
    except Exception:  # unread stream, not JSON: the status alone decides
        body = None
    return response.status_code, body, response


def _httpx_rules(m: ModuleType) -> dict[type[BaseException], _Rule]:
    """httpx2 and httpx share one exception tree."""
    rules = {
        m.HTTPError: _CONNECTION,
        m.RequestError: _CONNECTION,
        m.TransportError: _CONNECTION,
        m.TimeoutException: _TIMEOUT,
        m.DecodingError: _UNREADABLE,
        m.LocalProtocolError: _CONFIGURATION,  # e.g. a header value HTTP cannot carry
        m.UnsupportedProtocol: _CONFIGURATION,
        m.InvalidURL: _CONFIGURATION,
        m.TooManyRedirects: _CONFIGURATION,  # the Gemini API never redirects
        m.HTTPStatusError: _status_rule(_httpx_answer),
        m.StreamError: _RERAISE,  # reading a stream twice: a programming error
        m.CookieConflict: _RERAISE,
    }
    sse_error = getattr(m, "SSEError", None)  # httpx2 only
    if sse_error is not None:
        rules[sse_error] = _UNREADABLE
    return rules


def _aiohttp_rules(m: ModuleType) -> dict[type[BaseException], _Rule]:
    rules: dict[type[BaseException], _Rule] = {
        m.ClientError: _CONNECTION,
        m.ClientConnectionError: _CONNECTION,
        m.ServerTimeoutError: _TIMEOUT,  # also a ClientConnectionError: more specific
        m.ClientPayloadError: _UNREADABLE,
        m.ClientResponseError: _status_rule(lambda e: (e.status, None, e)),
        m.ClientHttpProxyError: _CONNECTION,  # the proxy refused the tunnel
        m.ContentTypeError: _UNREADABLE,
        m.WSServerHandshakeError: _CONNECTION,
        m.TooManyRedirects: _CONFIGURATION,
        m.InvalidURL: _CONFIGURATION,
        m.NonHttpUrlClientError: _CONFIGURATION,
        m.RedirectClientError: _CONFIGURATION,
        m.WebSocketError: _RERAISE,  # websockets, multipart: not used by the package
        m.WSMessageTypeError: _RERAISE,
        m.EofStream: _RERAISE,
        m.BadContentDispositionHeader: _RERAISE,
        m.BadContentDispositionParam: _RERAISE,
    }
    return _and_newer(m, rules, {"UploadAbortedError": _CONNECTION})


def _genai_rules(m: ModuleType) -> dict[type[BaseException], _Rule]:
    """``google.genai.errors``: generateContent, Files and Batch calls."""
    return {
        m.APIError: _status_rule(_genai_answer),
        m.UnknownApiResponseError: _UNREADABLE,
        m.ContinuationInterruptedError: _CONNECTION,  # an interrupted stream
        m.FunctionInvocationError: _RERAISE,  # automatic function calling: not used
        m.UnknownFunctionCallArgumentError: _RERAISE,
        m.UnsupportedFunctionError: _RERAISE,
        m.ExperimentalWarning: _RERAISE,
    }


def _interactions_rules(m: ModuleType) -> dict[type[BaseException], _Rule]:
    """``google.genai._interactions_errors``: the Interactions SDK's own family."""
    rules = {
        m.GeminiNextGenAPIClientError: _as(GeminiVisionAPIError, "the Interactions call failed"),
        m.APIStatusError: _status_rule(lambda e: (e.status_code, e.body, e.response)),
        m.APIConnectionError: _cause_first(_CONNECTION),
        m.APITimeoutError: _cause_first(_TIMEOUT),
        m.APIResponseValidationError: _as(ResponseError, "the answer did not match its schema"),
    }
    return _and_newer(m, rules, {"APIWebSocketError": _CONNECTION})


def _and_newer(
    m: ModuleType, rules: dict[type[BaseException], _Rule], newer: dict[str, _Rule]
) -> dict[type[BaseException], _Rule]:
    """``rules``, and those of ``newer`` for the classes this version of the library has."""
    for name, rule in newer.items():
        found = getattr(m, name, None)
        if found is not None:
            rules[found] = rule
    return rules


def _google_auth_rules(m: ModuleType) -> dict[type[BaseException], _Rule]:
    """google-auth (Vertex AI credentials through the SDK)."""
    return {
        m.GoogleAuthError: _as(GeminiVisionAuthError, "the credentials were refused"),
        m.DefaultCredentialsError: _as(ConfigurationError, "no usable Google credentials"),
        m.TransportError: _CONNECTION,
    }


def _unreadable_sdk_error(exc: BaseException, secret: Secret) -> GeminiVisionError | None:
    """google-genai fails with ``TypeError`` building its error from a streamed
    generateContent error chunk whose code is not an int (``"invalid_request"``):
    read the chunk it was given. Any other ``TypeError`` is a programming error."""
    tb = exc.__traceback__
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    if tb is None or tb.tb_frame.f_globals.get("__name__") != "google.genai.errors":
        return None
    body = tb.tb_frame.f_locals.get("response_json")
    if not isinstance(body, Mapping) or not isinstance(body.get("error"), Mapping):
        body = {"error": {"message": "the service sent an error google-genai could not read"}}
    return error_from_event(body, secret=secret)


# Raw builtins some stacks let through (aiohttp's total timeout is asyncio.TimeoutError).
_BUILTIN_RULES: dict[type[BaseException], _Rule] = {
    TimeoutError: _TIMEOUT,
    asyncio.TimeoutError: _TIMEOUT,
    ConnectionError: _CONNECTION,
    # google-genai decodes a JSON answer itself (``response.parsed``); an absurdly
    # nested one overflows its decoder before the package sees the text.
    RecursionError: _as(OutputParsingError, "the answer nests too deeply to be decoded"),
    TypeError: _Rule(GeminiVisionAPIError, _unreadable_sdk_error),
}

_LIBRARIES: tuple[tuple[str, Callable[[ModuleType], dict[type[BaseException], _Rule]]], ...] = (
    ("httpx2", _httpx_rules),
    ("httpx", _httpx_rules),
    ("aiohttp", _aiohttp_rules),
    ("google.genai.errors", _genai_rules),
    ("google.genai._interactions_errors", _interactions_rules),
    ("google.auth.exceptions", _google_auth_rules),
)
_built: dict[str, dict[type[BaseException], _Rule]] = {}


def _table() -> dict[type[BaseException], _Rule]:
    """The rules of every library already imported (an exception's library always is)."""
    table = dict(_BUILTIN_RULES)
    for name, rules_of in _LIBRARIES:
        module = sys.modules.get(name)
        if module is None:
            continue
        rules = _built.get(name)
        if rules is None:
            rules = _built[name] = rules_of(module)
        table.update(rules)
    return table


def _lookup(exc_type: type[BaseException]) -> tuple[type[BaseException], _Rule] | None:
    table = _table()
    for cls in exc_type.__mro__:  # most specific first
        rule = table.get(cls)
        if rule is not None:
            return cls, rule
    return None


def translation_of(
    exc_type: type[BaseException],
) -> tuple[type[BaseException], type[GeminiVisionError] | None] | None:
    """The table entry ``exc_type`` falls under and what it becomes (``None``: re-raised),
    or ``None`` when no entry covers it."""
    found = _lookup(exc_type)
    return None if found is None else (found[0], found[1].produces)


def map_exception(exc: BaseException, *, secret: Secret = None) -> GeminiVisionError | None:
    """The package error for ``exc``, or ``None`` when it is a programming error to re-raise."""
    if isinstance(exc, GeminiVisionError):
        return exc
    found = _lookup(type(exc))
    return None if found is None else found[1].build(exc, secret)


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        current = todo.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        todo += [current.__cause__, current.__context__]


def scrub(exc: BaseException, secret: Secret) -> None:
    """Mask the key in ``exc`` and every exception chained to it, in place.

    A library's exception often quotes the server's answer; it stays attached as the
    cause of the package's error, so its text must be as clean as ours.
    """
    for link in _chain(exc):
        link.args = tuple(redact(a, secret) if isinstance(a, str) else a for a in link.args)
        message = getattr(link, "message", None)
        if isinstance(message, str):
            with contextlib.suppress(AttributeError):  # a read-only property
                link.message = redact(message, secret)  # type: ignore[attr-defined]


def is_retryable(error: GeminiVisionError) -> bool:
    """Whether another attempt could succeed: 408, 429, 5xx, timeouts and dropped connections."""
    if isinstance(error, (GeminiVisionConnectionError, GeminiVisionTimeoutError)):
        return True
    if isinstance(error, GeminiVisionDailyQuotaError):
        return False  # a day's quota: no wait within a run brings it back
    if isinstance(error, GeminiVisionAPIError):
        return error.status in RETRYABLE_STATUSES
    return False


def reraise_mapped(exc: Exception, *, secret: Secret = None) -> NoReturn:
    """Raise the package's error for ``exc``; programming errors go through unchanged.

    Either way the key is masked in ``exc``'s chain first.
    """
    scrub(exc, secret)
    mapped = map_exception(exc, secret=secret)
    if mapped is None or mapped is exc:
        raise exc
    raise mapped from exc
