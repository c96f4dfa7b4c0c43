"""The lean transport: one HTTP POST of exactly the JSON the SDK would send.

Why it exists: google-genai's generated Interactions layer builds new pydantic
classes on every call (``_gaos/utils/serializers.py``), about 20 ms of CPU per
request, which makes bulk jobs client-bound. This transport sends the same
body to the same endpoint with the same headers over one bounded, shared
connection pool, and reads the answer with :mod:`.payloads`. The SDK path
stays available as ``transport="sdk"``; tests prove the bodies are identical.

Sync calls go through httpx2 (google-genai's own HTTP library); async calls go
through aiohttp, one session per event loop: with 64 requests in flight,
httpx2's async pool spent most of the client's CPU re-checking idle
connections (``has_expired`` ~62 calls per request), about 1.8 ms per request
against 0.4 ms for aiohttp (see ``benchmarks/README.md``, figure 2).

Both honour ``HTTP(S)_PROXY``/``NO_PROXY`` from the environment, as google-genai's
own httpx2 client and aiohttp session do (``trust_env=True``). The key is added to
each request by an httpx2 ``Auth`` flow and an aiohttp client middleware, at send
time: no header mapping holding it sits in a local variable of any frame a
traceback keeps (Sentry and rich's ``show_locals`` print those).
"""

from __future__ import annotations

import asyncio
import functools
import importlib.metadata
import logging
import sys
import threading
import time
import weakref
from collections.abc import AsyncIterator, Generator, Iterable, Iterator, Mapping
from contextlib import AbstractAsyncContextManager
from typing import Any
from urllib.parse import urlsplit
from urllib.request import proxy_bypass

import aiohttp
import httpx2
from aiohttp.helpers import proxies_from_env
from pydantic import SecretStr

from langchain_gemini_vision._version import __version__
from langchain_gemini_vision.errors import (
    ConfigurationError,
    GeminiVisionError,
)

from .base import ApiName, VisionResponse, WireRequest
from .embeddings import (
    EmbedRequest,
    EmbedResponse,
    batch_embed_body,
    embed_model_path,
    read_embeddings,
)
from .errors import error_from_response, reraise_mapped
from .payloads import (
    StreamReader,
    decode_body,
    generate_content_body,
    interactions_body,
    iter_sse_data,
    read_response,
    wire_json,
)

logger = logging.getLogger("langchain_gemini_vision.transport")

DEFAULT_BASE_URL = "https://generativelanguage.googleapis.com"
DEFAULT_API_VERSION = "v1"  # google-genai's default for the Gemini API

# The SDK's own label, read from its metadata: importing google.genai for one string
# would load its whole types module (0.5 s, ~60,000 objects the collector then walks).
_SDK_VERSION = importlib.metadata.version("google-genai")
_SDK_LABEL = f"google-genai-sdk/{_SDK_VERSION} gl-python/{sys.version.split()[0]}"
_MEMO_SIZE = 64
"""Parsed endpoints and timeouts kept (a handful are in use: one per API, model, stream)."""


# Built once each, not per request: httpx2 parses a URL string on every request (a
# quarter of its own work per call); the three are immutable, so every call may share them.
@functools.lru_cache(maxsize=_MEMO_SIZE)
def _httpx_url(url: str) -> httpx2.URL:
    return httpx2.URL(url)


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _httpx_timeout(seconds: float | None) -> httpx2.Timeout | None:
    return None if seconds is None else httpx2.Timeout(seconds)


@functools.lru_cache(maxsize=_MEMO_SIZE)
def _aiohttp_timeout(seconds: float | None) -> aiohttp.ClientTimeout:
    return aiohttp.ClientTimeout(total=seconds)


def check_base_url(url: str) -> str:
    """``url`` if an HTTP client can send to it; else a :class:`ConfigurationError` saying why.

    Checked when a client is built, so a typo (``http//host``, ``ftp://``, no host)
    fails at once instead of being retried for seconds as a connection failure.
    """
    problem = _base_url_problem(url)
    if problem is not None:
        msg = (
            f"base_url {url!r} cannot be used: {problem}. Give a full URL such as "
            f"{DEFAULT_BASE_URL!r} or 'http://127.0.0.1:8080'."
        )
        raise ConfigurationError(msg)
    return url


def _base_url_problem(url: str) -> str | None:
    if not isinstance(url, str) or not url.strip():
        return "it is empty"
    if any(c.isspace() or not c.isprintable() for c in url):
        return "it contains spaces or control characters"
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        return "it must start with http:// or https://"
    if not parts.hostname:
        return "it names no host"
    try:
        _ = parts.port
    except ValueError:
        return "its port is not a number from 0 to 65535"
    if parts.query or parts.fragment:
        return "a base URL takes no query or fragment"
    return None


class _KeyAuth(httpx2.Auth):
    """Adds the key to each request as it is sent (see the module docstring)."""

    def __init__(self, key: SecretStr) -> None:
        self._key = key

    def auth_flow(
        self, request: httpx2.Request
    ) -> Generator[httpx2.Request, httpx2.Response, None]:
        request.headers["x-goog-api-key"] = self._key.get_secret_value()
        yield request


class _KeyMiddleware:
    """aiohttp's twin of :class:`_KeyAuth`: a client middleware."""

    def __init__(self, key: SecretStr) -> None:
        self._key = key

    async def __call__(
        self, request: aiohttp.ClientRequest, handler: aiohttp.ClientHandlerType
    ) -> aiohttp.ClientResponse:
        request.headers["x-goog-api-key"] = self._key.get_secret_value()
        return await handler(request)


def _endpoint(base_url: str, api_version: str, api: ApiName, model: str, *, stream: bool) -> str:
    root = f"{base_url.rstrip('/')}/{api_version}"
    if api == "interactions":
        return f"{root}/interactions"
    model_path = model if model.startswith(("models/", "tunedModels/")) else f"models/{model}"
    if stream:
        return f"{root}/{model_path}:streamGenerateContent?alt=sse"
    return f"{root}/{model_path}:generateContent"


class LeanTransport:
    """Direct HTTP to the Gemini API with an API key (see the module docstring).

    ``http_transport`` is the sync pool's httpx2 transport (``httpx2.MockTransport`` in
    tests, as httpx's own seam): every byte the lean transport sends goes through it.
    """

    name = "lean"

    def __init__(
        self,
        *,
        api_key: SecretStr,
        base_url: str | None = None,
        api_version: str | None = None,
        timeout: float | None = 60.0,
        max_connections: int | None = 64,
        extra_headers: dict[str, str] | None = None,
        http_transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self._api_key = api_key
        self.base_url = check_base_url(base_url or DEFAULT_BASE_URL).rstrip("/")
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
        self._auth = _KeyAuth(api_key)  # given per request: any sync client sends the key
        self._http_transport = http_transport
        self._sync_client: httpx2.Client | None = None
        self._sync_lock = threading.Lock()
        self._max_connections = max_connections
        # aiohttp sessions are bound to the loop that created them.
        self._sessions: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, aiohttp.ClientSession
        ] = weakref.WeakKeyDictionary()
        # Runs when the transport is collected or the interpreter exits.
        weakref.finalize(self, _drop_dead_sessions, self._sessions)
        self._env_proxies: dict[tuple[str, str], dict[str, Any]] = {}

    def __repr__(self) -> str:
        return f"LeanTransport(base_url={self.base_url!r}, api_version={self.api_version!r})"

    # ------------------------------------------------------------------ plumbing

    def _request_headers(self, *, stream: bool) -> dict[str, str]:
        """Every header but the key, which :class:`_KeyAuth` or :class:`_KeyMiddleware` adds."""
        headers = dict(self._headers)
        headers["accept"] = "text/event-stream" if stream else "application/json"
        return headers

    def _client(self) -> httpx2.Client:
        if self._sync_client is None:
            with self._sync_lock:
                if self._sync_client is None:
                    self._sync_client = httpx2.Client(
                        limits=self._limits, timeout=self.timeout, transport=self._http_transport
                    )
        return self._sync_client

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None or session.closed:
            _drop_dead_sessions(self._sessions)
            connector = aiohttp.TCPConnector(limit=self._max_connections or 0)  # 0: no limit
            # The environment's proxy (HTTPS_PROXY, NO_PROXY), as google-genai's session
            # and httpx2's client take it, is read by _env_proxy once per host: aiohttp's
            # trust_env=True would read it again in a worker thread on every request.
            session = aiohttp.ClientSession(
                connector=connector,
                middlewares=(_KeyMiddleware(self._api_key),),
            )
            self._sessions[loop] = session
        return session

    def _env_proxy(self, url: str) -> dict[str, Any]:
        """The proxy the environment names for ``url``'s host, read once per host (as
        httpx2 reads it once per client): aiohttp's ``proxy``/``proxy_auth`` arguments."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "")
        found = self._env_proxies.get(key)
        if found is None:
            # aiohttp's own reading of the environment (its get_env_proxy_for_url).
            info = None if proxy_bypass(key[1]) else proxies_from_env().get(key[0])
            found = {} if info is None else {"proxy": info.proxy, "proxy_auth": info.proxy_auth}
            self._env_proxies[key] = found
        return found

    def _prepare(
        self, request: WireRequest, api: ApiName, *, stream: bool
    ) -> tuple[str, bytes, dict[str, str]]:
        if api == "interactions":
            body = interactions_body(request, stream=stream)
        else:
            body = generate_content_body(request)
        url = _endpoint(self.base_url, self.api_version, api, request.model, stream=stream)
        return url, wire_json(body, api), self._request_headers(stream=stream)

    def _post(
        self, url: str, content: bytes, headers: dict[str, str], timeout: float | None
    ) -> tuple[int, bytes, Mapping[str, str]]:
        """POST ``content``: the answer's status, body and headers (failures mapped)."""
        try:
            response = self._client().post(
                _httpx_url(url),
                content=content,
                headers=headers,
                auth=self._auth,
                timeout=_httpx_timeout(timeout or self.timeout),
            )
        except Exception as exc:
            reraise_mapped(exc, secret=self._api_key)
        return response.status_code, response.content, response.headers

    def _apost_context(
        self, url: str, content: bytes, headers: dict[str, str], timeout: float | None
    ) -> AbstractAsyncContextManager[aiohttp.ClientResponse]:
        """The aiohttp POST of ``content``, to enter (whole answers and streams alike)."""
        return self._session().post(
            url,
            data=content,
            headers=headers,
            timeout=_aiohttp_timeout(timeout or self.timeout),
            **self._env_proxy(url),
        )

    async def _apost(
        self, url: str, content: bytes, headers: dict[str, str], timeout: float | None
    ) -> tuple[int, bytes, Mapping[str, str]]:
        """Async :meth:`_post` (aiohttp, see the module docstring)."""
        try:
            async with self._apost_context(url, content, headers, timeout) as response:
                return response.status, await response.read(), response.headers
        except Exception as exc:
            reraise_mapped(exc, secret=self._api_key)

    def _read(
        self,
        status: int,
        body: bytes,
        headers: Mapping[str, str],
        *,
        request: WireRequest,
        api: ApiName,
        started: float,
    ) -> VisionResponse:
        if status >= 400:
            raise error_from_response(status, body, headers, secret=self._api_key)
        data = decode_body(body)
        elapsed = time.perf_counter() - started
        logger.debug("%s %s -> %s in %.3f s", api, request.model, status, elapsed)
        want_json = request.response_schema is not None
        return read_response(data, api, want_json=want_json, elapsed_s=elapsed)

    # ------------------------------------------------------------------ calls

    def send(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> VisionResponse:
        """POST one request and read the answer."""
        url, content, headers = self._prepare(request, api, stream=False)
        started = time.perf_counter()
        status, body, response_headers = self._post(url, content, headers, timeout)
        return self._read(status, body, response_headers, request=request, api=api, started=started)

    async def asend(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> VisionResponse:
        """Async twin of :meth:`send` (aiohttp, see the module docstring)."""
        url, content, headers = self._prepare(request, api, stream=False)
        started = time.perf_counter()
        status, body, response_headers = await self._apost(url, content, headers, timeout)
        return self._read(status, body, response_headers, request=request, api=api, started=started)

    def stream_text(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> Iterator[str | VisionResponse]:
        """Yield the answer's text as it arrives (server-sent events)."""
        url, content, headers = self._prepare(request, api, stream=True)
        reader = StreamReader(api, secret=self._api_key)
        try:
            with self._client().stream(
                "POST",
                _httpx_url(url),
                content=content,
                headers=headers,
                auth=self._auth,
                timeout=_httpx_timeout(timeout or self.timeout),
            ) as response:
                if response.status_code >= 400:
                    response.read()
                    raise error_from_response(
                        response.status_code,
                        response.content,
                        response.headers,
                        secret=self._api_key,
                    )
                yield from _deltas(response.iter_lines(), reader)
            yield reader.finish(want_json=request.response_schema is not None)
        except GeminiVisionError:
            raise
        except Exception as exc:
            reraise_mapped(exc, secret=self._api_key)

    async def astream_text(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> AsyncIterator[str | VisionResponse]:
        """Async twin of :meth:`stream_text`."""
        url, content, headers = self._prepare(request, api, stream=True)
        reader = StreamReader(api, secret=self._api_key)
        try:
            async with self._apost_context(url, content, headers, timeout) as response:
                if response.status >= 400:
                    raise error_from_response(
                        response.status,
                        await response.read(),
                        response.headers,
                        secret=self._api_key,
                    )
                buffered: list[str] = []
                async for raw in response.content:
                    buffered.append(raw.decode("utf-8", "replace"))
                    if raw.strip():
                        continue
                    # A blank line ends an event: hand over what is complete.
                    for delta in _deltas(buffered, reader):
                        yield delta
                    buffered = []
                for delta in _deltas(buffered, reader):
                    yield delta
            yield reader.finish(want_json=request.response_schema is not None)
        except GeminiVisionError:
            raise
        except Exception as exc:
            reraise_mapped(exc, secret=self._api_key)

    def _embed_call(self, request: EmbedRequest) -> tuple[str, bytes, dict[str, str]]:
        model = embed_model_path(request.model)
        url = f"{self.base_url}/{self.api_version}/{model}:batchEmbedContents"
        body = wire_json(batch_embed_body(request), "generate_content")
        return url, body, self._request_headers(stream=False)

    def _read_embeddings(
        self, status: int, body: bytes, headers: Mapping[str, str], request: EmbedRequest
    ) -> EmbedResponse:
        if status >= 400:
            raise error_from_response(status, body, headers, secret=self._api_key)
        return read_embeddings(decode_body(body), len(request.items))

    def embed(self, request: EmbedRequest, *, timeout: float | None = None) -> EmbedResponse:
        """POST one ``batchEmbedContents`` request and read its vectors."""
        url, content, headers = self._embed_call(request)
        return self._read_embeddings(*self._post(url, content, headers, timeout), request)

    async def aembed(self, request: EmbedRequest, *, timeout: float | None = None) -> EmbedResponse:
        """Async twin of :meth:`embed`."""
        url, content, headers = self._embed_call(request)
        return self._read_embeddings(*await self._apost(url, content, headers, timeout), request)

    def close(self) -> None:
        """Close the sync pool, and async sessions whose event loop has ended.

        A session of a running loop is closed by :meth:`aclose` from that loop.
        """
        _drop_dead_sessions(self._sessions)
        if self._sync_client is not None:
            self._sync_client.close()
            self._sync_client = None

    async def aclose(self) -> None:
        """Close the session of the running loop, and the sync pool."""
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None:
            await session.close()
        self.close()


def _drop_dead_sessions(
    sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession],
) -> None:
    """Mark closed the sessions of loops that have ended (``asyncio.run`` returned).

    Their sockets died with the loop; this only stops aiohttp from warning about
    "unclosed" sessions when a client is used from several ``asyncio.run`` calls.
    ``_close`` is synchronous and, for a closed loop, only sets the closed flag.
    """
    for loop, session in list(sessions.items()):
        if loop.is_closed():
            connector = session.connector
            if connector is not None:
                connector._close()
            sessions.pop(loop, None)


def _deltas(lines: Iterable[str], reader: StreamReader) -> Iterator[str]:
    """The answer's text pieces in SSE ``lines``; an error event raises."""
    for event in iter_sse_data(lines):
        delta = reader.feed(event)
        if delta:
            yield delta
