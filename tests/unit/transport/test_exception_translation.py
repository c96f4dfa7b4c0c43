"""Exceptions of httpx2, aiohttp and google-genai are translated by type, in one table, the
most specific class winning (issue 15, item 4)."""

from __future__ import annotations

import inspect
import ssl
import subprocess
import sys
from types import ModuleType

import aiohttp
import httpx2
import pytest
from google.genai import _interactions_errors as ia_errors
from google.genai import errors as genai_errors

from langchain_gemini_vision._transport.errors import map_exception
from langchain_gemini_vision.errors import (
    ConfigurationError,
    GeminiVisionAuthError,
    GeminiVisionConnectionError,
    GeminiVisionError,
    GeminiVisionRateLimitError,
    GeminiVisionTimeoutError,
)

LIBRARIES: tuple[ModuleType, ...] = (httpx2, aiohttp, genai_errors, ia_errors)


def _exported(module: ModuleType) -> list[type[BaseException]]:
    names = getattr(module, "__all__", None) or dir(module)
    found = []
    for name in names:
        obj = getattr(module, name, None)
        if inspect.isclass(obj) and issubclass(obj, BaseException):
            found.append(obj)
    return found


EXPORTED = sorted(
    {cls for module in LIBRARIES for cls in _exported(module)},
    key=lambda c: f"{c.__module__}.{c.__qualname__}",
)


@pytest.mark.parametrize("cls", EXPORTED, ids=lambda c: f"{c.__module__}.{c.__qualname__}")
def test_every_exported_exception_class_has_a_deliberate_translation(
    cls: type[BaseException],
) -> None:
    """Each class is found, through its own MRO, in the table: either a package error class or
    an explicit "programming error, re-raise" entry. A class a library adds later fails here
    only if it falls through to a builtin base the table does not name."""
    from langchain_gemini_vision._transport.errors import translation_of

    found = translation_of(cls)
    assert found is not None, f"{cls.__module__}.{cls.__qualname__} has no translation"
    matched, target = found
    assert issubclass(cls, matched)
    # The entry belongs to the library itself (or is a builtin timeout/connection base the
    # library's class really is), never a catch-all like Exception.
    assert matched not in (BaseException, Exception, OSError, ValueError, RuntimeError)
    assert target is None or (isinstance(target, type) and issubclass(target, GeminiVisionError))


REQUEST = httpx2.Request("POST", "http://gemini.test/v1/interactions")


@pytest.mark.parametrize(
    ("exc", "expected"),
    [
        (httpx2.ConnectError("refused", request=REQUEST), GeminiVisionConnectionError),
        (httpx2.ConnectTimeout("slow", request=REQUEST), GeminiVisionTimeoutError),
        (httpx2.RemoteProtocolError("cut", request=REQUEST), GeminiVisionConnectionError),
        (httpx2.UnsupportedProtocol("ftp"), ConfigurationError),
        (httpx2.InvalidURL("no host"), ConfigurationError),
        # ServerTimeoutError is a ClientConnectionError too: the more specific class wins.
        (aiohttp.ServerTimeoutError("slow"), GeminiVisionTimeoutError),
        (aiohttp.ConnectionTimeoutError("slow"), GeminiVisionTimeoutError),
        (aiohttp.ServerDisconnectedError(), GeminiVisionConnectionError),
        (aiohttp.ClientPayloadError("cut"), GeminiVisionConnectionError),
        (aiohttp.InvalidUrlClientError("http//host"), ConfigurationError),
        (aiohttp.NonHttpUrlClientError("ftp://host"), ConfigurationError),
        (TimeoutError(), GeminiVisionTimeoutError),  # aiohttp's total timeout
        (ia_errors.APITimeoutError(request=REQUEST), GeminiVisionTimeoutError),
        (ia_errors.APIConnectionError(request=REQUEST), GeminiVisionConnectionError),
    ],
)
def test_the_most_specific_class_wins(exc: BaseException, expected: type) -> None:
    assert type(map_exception(exc)) is expected


def test_sdk_status_errors_are_read_for_their_meaning() -> None:
    body = {
        "error": {
            "code": 400,
            "message": "API key not valid. Please pass a valid API key.",
            "status": "INVALID_ARGUMENT",
            "details": [
                {"@type": "type.googleapis.com/google.rpc.ErrorInfo", "reason": "API_KEY_INVALID"}
            ],
        }
    }
    classic = map_exception(genai_errors.ClientError(400, body))
    assert type(classic) is GeminiVisionAuthError
    response = httpx2.Response(400, request=REQUEST, json=body)
    interactions = map_exception(ia_errors.BadRequestError("m", response=response, body=body))
    assert type(interactions) is GeminiVisionAuthError
    quota = map_exception(genai_errors.ClientError(429, {"error": {"code": "quota_exceeded"}}))
    assert type(quota) is GeminiVisionRateLimitError
    assert quota.code == "quota_exceeded"


def test_certificate_failures_are_connection_errors_on_both_stacks() -> None:
    certificate = ssl.SSLCertVerificationError("self-signed certificate")
    key = aiohttp.client_reqrep.ConnectionKey("h", 443, True, True, None, None, None)
    aio = aiohttp.ClientConnectorCertificateError(key, certificate)
    assert type(map_exception(aio)) is GeminiVisionConnectionError
    wrapped = httpx2.ConnectError("certificate verify failed", request=REQUEST)
    assert type(map_exception(wrapped)) is GeminiVisionConnectionError


def test_programming_errors_pass_through() -> None:
    assert map_exception(KeyError("x")) is None
    assert map_exception(httpx2.StreamConsumed()) is None
    assert map_exception(genai_errors.UnsupportedFunctionError("f")) is None


def test_a_connection_error_on_the_lean_transport_loads_no_google_genai() -> None:
    script = (
        "import sys\n"
        "from langchain_gemini_vision import GeminiVisionClient, RetryPolicy\n"
        "from langchain_gemini_vision.errors import GeminiVisionConnectionError\n"
        "from langchain_gemini_vision.testing import make_scene\n"
        "client = GeminiVisionClient(api_key='k', base_url='http://127.0.0.1:9',"
        " retry=RetryPolicy(max_attempts=1))\n"
        "try:\n"
        "    client.caption(make_scene(32, 32, objects=1).data)\n"
        "except GeminiVisionConnectionError:\n"
        "    print('connection-error')\n"
        "print('\\n'.join(m for m in sys.modules if m.startswith('google.genai')))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    lines = done.stdout.split()
    assert lines[0] == "connection-error", done.stdout + done.stderr
    assert lines[1:] == []
