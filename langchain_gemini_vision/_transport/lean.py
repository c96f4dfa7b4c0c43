"""The lean transport: one HTTP POST of exactly the JSON the SDK would send.

Why it exists: google-genai's generated Interactions layer builds new pydantic
classes on every call (``_gaos/utils/serializers.py``), about 20 ms of CPU per
request, which makes bulk jobs client-bound. This transport sends the same
body to the same endpoint with the same headers over one bounded, shared
connection pool, and reads the answer with :mod:`.payloads`. The SDK path
stays available as ``transport="sdk"``; tests prove the bodies are identical.
"""

from __future__ import annotations

import asyncio
import logging
import sys
import threading
import time
import weakref
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx2
from google.genai import version as genai_version
from pydantic import SecretStr

from langchain_gemini_vision._version import __version__
from langchain_gemini_vision.errors import GeminiVisionConnectionError, GeminiVisionError

from .base import ApiName, VisionResponse, WireRequest
from .errors import error_from_response, reraise_mapped
from .payloads import (
    generate_content_body,
    interactions_body,
    iter_sse_data,
    read_response,
    text_delta,
    wire_json,
)

logger = logging.getLogger("langchain_gemini_vision.transport")

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
DEFAULT_API_VERSION = "v1"  # google-genai's default for the Gemini API

_SDK_LABEL = f"google-genai-sdk/{genai_version.__version__} gl-python/{sys.version.split()[0]}"


def _endpoint(base_url: str, api_version: str, api: ApiName, model: str, *, stream: bool) -> str:
    root = f"{base_url.rstrip('/')}/{api_version}"
    if api == "interactions":
        return f"{root}/interactions"
    model_path = model if model.startswith(("models/", "tunedModels/")) else f"models/{model}"
    if stream:
        return f"{root}/{model_path}:streamGenerateContent?alt=sse"
    return f"{root}/{model_path}:generateContent"


class LeanTransport:
    """Direct HTTP to the Gemini API with an API key (see the module docstring)."""

    def __init__(
        self,
        *,
        api_key: SecretStr,
        base_url: str | None = None,
        api_version: str | None = None,
        timeout: float | None = 60.0,
        max_connections: int = 64,
        extra_headers: dict[str, str] | None = None,
    ) -> None:
        self._api_key = api_key
        self.base_url = (base_url or DEFAULT_BASE_URL).rstrip("/")
        self.api_version = api_version or DEFAULT_API_VERSION
        self.timeout = timeout
        self._limits = httpx2.Limits(
            max_connections=max_connections, max_keepalive_connections=max_connections
        )
        self._headers = {
            "content-type": "application/json",
            "user-agent": f"{_SDK_LABEL} langchain-gemini-vision/{__version__}",
            "x-goog-api-client": _SDK_LABEL,
            **(extra_headers or {}),
        }
        self._sync_client: httpx2.Client | None = None
        self._sync_lock = threading.Lock()
        # httpx async clients are bound to the loop that first used them.
        self._async_clients: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, httpx2.AsyncClient
        ] = weakref.WeakKeyDictionary()

    def __repr__(self) -> str:
        return f"LeanTransport(base_url={self.base_url!r}, api_version={self.api_version!r})"

    # ------------------------------------------------------------------ plumbing

    def _request_headers(self, *, stream: bool) -> dict[str, str]:
        headers = dict(self._headers)
        headers["accept"] = "text/event-stream" if stream else "application/json"
        headers["x-goog-api-key"] = self._api_key.get_secret_value()
        return headers

    def _client(self) -> httpx2.Client:
        if self._sync_client is None:
            with self._sync_lock:
                if self._sync_client is None:
                    self._sync_client = httpx2.Client(limits=self._limits, timeout=self.timeout)
        return self._sync_client

    def _aclient(self) -> httpx2.AsyncClient:
        loop = asyncio.get_running_loop()
        client = self._async_clients.get(loop)
        if client is None:
            client = httpx2.AsyncClient(limits=self._limits, timeout=self.timeout)
            self._async_clients[loop] = client
        return client

    def _prepare(
        self, request: WireRequest, api: ApiName, *, stream: bool
    ) -> tuple[str, bytes, dict[str, str]]:
        if api == "interactions":
            body = interactions_body(request, stream=stream)
        else:
            body = generate_content_body(request)
        url = _endpoint(self.base_url, self.api_version, api, request.model, stream=stream)
        return url, wire_json(body, api), self._request_headers(stream=stream)

    @staticmethod
    def _timeout(timeout: float | None) -> httpx2.Timeout | None:
        return None if timeout is None else httpx2.Timeout(timeout)

    def _read(
        self, response: httpx2.Response, request: WireRequest, api: ApiName, started: float
    ) -> VisionResponse:
        if response.status_code >= 400:
            raise error_from_response(response.status_code, response.content, response.headers)
        try:
            data = response.json()
        except ValueError as exc:  # a cut or garbled body is a transport failure: retry it
            msg = f"the response body is not JSON ({len(response.content)} bytes)"
            raise GeminiVisionConnectionError(msg) from exc
        result = read_response(data, api, want_json=request.response_schema is not None)
        logger.debug(
            "%s %s -> %s in %.3f s",
            api,
            request.model,
            response.status_code,
            time.perf_counter() - started,
        )
        return result.model_copy(update={"elapsed_s": time.perf_counter() - started})

    # ------------------------------------------------------------------ calls

    def send(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> VisionResponse:
        """POST one request and read the answer."""
        url, content, headers = self._prepare(request, api, stream=False)
        started = time.perf_counter()
        try:
            response = self._client().post(
                url,
                content=content,
                headers=headers,
                timeout=self._timeout(timeout or self.timeout),
            )
        except Exception as exc:
            reraise_mapped(exc)
        return self._read(response, request, api, started)

    async def asend(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> VisionResponse:
        """Async twin of :meth:`send`."""
        url, content, headers = self._prepare(request, api, stream=False)
        started = time.perf_counter()
        try:
            response = await self._aclient().post(
                url,
                content=content,
                headers=headers,
                timeout=self._timeout(timeout or self.timeout),
            )
        except Exception as exc:
            reraise_mapped(exc)
        return self._read(response, request, api, started)

    def stream_text(self, request: WireRequest, api: ApiName) -> Iterator[str]:
        """Yield the answer's text as it arrives (server-sent events)."""
        url, content, headers = self._prepare(request, api, stream=True)
        try:
            with self._client().stream("POST", url, content=content, headers=headers) as response:
                if response.status_code >= 400:
                    response.read()
                    raise error_from_response(
                        response.status_code, response.content, response.headers
                    )
                for event in iter_sse_data(response.iter_lines()):
                    _raise_for_event(event)
                    delta = text_delta(event, api)
                    if delta:
                        yield delta
        except GeminiVisionError:
            raise
        except Exception as exc:
            reraise_mapped(exc)

    async def astream_text(self, request: WireRequest, api: ApiName) -> AsyncIterator[str]:
        """Async twin of :meth:`stream_text`."""
        url, content, headers = self._prepare(request, api, stream=True)
        try:
            async with self._aclient().stream(
                "POST", url, content=content, headers=headers
            ) as response:
                if response.status_code >= 400:
                    await response.aread()
                    raise error_from_response(
                        response.status_code, response.content, response.headers
                    )
                lines = [line async for line in response.aiter_lines()]
        except GeminiVisionError:
            raise
        except Exception as exc:
            reraise_mapped(exc)
        for event in iter_sse_data(lines):
            _raise_for_event(event)
            delta = text_delta(event, api)
            if delta:
                yield delta

    def close(self) -> None:
        """Close the sync pool (async pools close with :meth:`aclose`)."""
        if self._sync_client is not None:
            self._sync_client.close()
            self._sync_client = None

    async def aclose(self) -> None:
        """Close the pool of the running loop, and the sync pool."""
        loop = asyncio.get_running_loop()
        client = self._async_clients.pop(loop, None)
        if client is not None:
            await client.aclose()
        self.close()


def _raise_for_event(event: dict[str, Any]) -> None:
    error = event.get("error")
    if event.get("event_type") == "error" or isinstance(error, dict):
        body = {"error": error if isinstance(error, dict) else {"message": str(event)}}
        status = int(body["error"].get("code") or 500)
        raise error_from_response(status, body, {})
