"""A local Gemini API server for tests: Interactions, generateContent and Files.

A real :mod:`aiohttp` server on a loopback socket that speaks the wire
protocol of google-genai 3.6.1 and answers from the pixels (see
:mod:`.vision`), formatted per model generation (see :mod:`.dialects`)::

    from google import genai
    from langchain_gemini_vision.testing import GeminiEmulator, make_scene

    with GeminiEmulator() as emu:
        client = genai.Client(api_key="test", http_options={"base_url": emu.base_url})
        scene = make_scene(640, 360)
        ...

Also ``async with GeminiEmulator() as emu:`` (on the running loop) and the
command line ``python -m langchain_gemini_vision.testing.emulator --port 8765``.

Behaviour that follows the real API, and choices where it was unclear:

* Auth: no key (``x-goog-api-key``, ``?key=`` or ``Authorization: Bearer``) is
  403 ``PERMISSION_DENIED`` "Method doesn't allow unregistered callers", as
  the real API; with ``expected_api_key`` a wrong key is 400
  ``INVALID_ARGUMENT`` "API key not valid" with reason ``API_KEY_INVALID``.
  The resumable-upload chunk request carries no key: its ``upload_id`` is the
  authorisation.
* Files that are expired, deleted or never existed answer 403
  ``PERMISSION_DENIED`` "You do not have permission to access the File <id>
  or it may not exist." on get, delete and when used in a request, which is
  what the real API says (it deletes files after 48 h). A URI that cannot be
  a file of this server (another host, ``gs://``) is 400: the emulator never
  fetches from the internet. A file still ``PROCESSING`` is 400
  ``FAILED_PRECONDITION``.
* EXIF orientation is not applied: answers refer to the stored pixel frame.
* Unknown ``gemini-*`` models are accepted (they speak like ``gemini-3``); any
  other model name is 404. ``thinking_level``/``thinking_budget`` values a
  family rejects are 400 (see :data:`.dialects.DIALECTS`).
* Request bodies are checked first against the schema read from google-genai's typed
  request models (:mod:`.request_schema`; Google's code, never this package's): an
  unknown key or an enumeration value outside its type is Gemini's 400
  ``INVALID_ARGUMENT`` with ``google.rpc.BadRequest`` field violations
  (generateContent, Batch API), or the Interactions API's ``invalid_request``.
* Every response carries ``x-emulator: langchain-gemini-vision/<version>``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import functools
import hashlib
import json
import math
import random
import threading
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from types import TracebackType
from typing import Any, Final
from urllib.parse import urlsplit

from aiohttp import web

from langchain_gemini_vision._version import __version__
from langchain_gemini_vision.profiles import DEFAULT_INLINE_LIMIT_BYTES, MediaResolution
from langchain_gemini_vision.tokens import estimate_image_tokens

from ._protocol import (
    SUPPORTED_IMAGE_TYPES,
    ApiError,
    ImagePart,
    ModelCall,
    bad_request,
    dumps,
    get_key,
    parse_generate_content,
    parse_interaction,
)
from .answers import build_answer, choose_task, fill_schema, parse_query, schema_mask_kind
from .batches import JSONL_MIME_TYPES, mount_batches
from .dialects import Dialect, dialect_for, render_text, resolve_mask_form
from .faults import Fault, FaultInjector, Stats
from .request_schema import load_request_schemas
from .vision import ImageAnalysis, ImageDecodeError, analyse_image

__all__ = ["EMULATOR_HEADER", "GeminiEmulator", "RecordedRequest", "main"]

EMULATOR_HEADER: Final = "x-emulator"
EMULATOR_ID: Final = f"langchain-gemini-vision/{__version__}"
_VERSIONS: Final = "v1|v1beta|v1alpha"
_SECRET_HEADERS: Final = frozenset({"x-goog-api-key", "authorization", "cookie"})
_UNREGISTERED: Final = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)
_BAD_IMAGE: Final = (
    "Unable to process input image. Please retry or report in "
    "https://developers.generativeai.google/guide/troubleshooting"
)
_MAX_INTERACTIONS: Final = 1024
_FAULT: Final = web.RequestKey("fault", Fault)
_THOUGHT_SIGNATURE: Final = base64.b64encode(b"emulated-thought").decode()


@dataclass(frozen=True)
class RecordedRequest:
    """One request as the emulator received it (secrets removed).

    Attributes:
        method: HTTP method.
        path: URL path.
        query: Query parameters.
        headers: Headers, lower-cased, without the API key or authorization.
        json: The parsed JSON body, or ``None`` (binary or empty body).
        route: ``"interactions"``, ``"generate_content"``, ``"upload"``, ``"files"``...
        body_size: Bytes of the body.
    """

    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    json: Any
    route: str
    body_size: int


@dataclass
class _StoredFile:
    file_id: str
    mime_type: str
    data: bytes = field(repr=False)
    display_name: str | None
    created: datetime
    expires: datetime
    polls_left: int
    base: str
    version: str
    expired: bool = False

    @property
    def name(self) -> str:
        return f"files/{self.file_id}"

    def to_json(self) -> dict[str, Any]:
        created = _timestamp(self.created)
        body: dict[str, Any] = {"name": self.name}
        if self.display_name:
            body["displayName"] = self.display_name
        body |= {
            "mimeType": self.mime_type,
            "sizeBytes": str(len(self.data)),
            "createTime": created,
            "updateTime": created,
            "expirationTime": _timestamp(self.expires),
            # The real service base64-encodes the hex digest.
            "sha256Hash": base64.b64encode(hashlib.sha256(self.data).hexdigest().encode()).decode(),
            "uri": f"{self.base}/{self.version}/files/{self.file_id}",
            "state": "PROCESSING" if self.polls_left > 0 else "ACTIVE",
            "source": "UPLOADED",
        }
        return body


@dataclass
class _PendingUpload:
    mime_type: str
    declared_size: int | None
    display_name: str | None
    version: str
    received: bytearray = field(default_factory=bytearray)


@dataclass(frozen=True)
class _Generation:
    text: str
    truncated: bool
    input_text_tokens: int
    input_image_tokens: int
    output_tokens: int
    thought_tokens: int

    @property
    def input_tokens(self) -> int:
        return self.input_text_tokens + self.input_image_tokens

    @property
    def total_tokens(self) -> int:
        return self.input_tokens + self.output_tokens + self.thought_tokens


# Up to this many frame pixels a request's answer is composed on the event loop.
_INLINE_COMPOSE_PIXELS = 256 * 256


def _timestamp(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _route_of(path: str) -> str:
    if path.startswith("/upload/"):
        return "upload"
    if "/interactions" in path:
        return "interactions"
    if ":generateContent" in path or ":streamGenerateContent" in path:
        return "generate_content"
    if "batch" in path.lower():
        return "batches"
    if "/files" in path:
        return "files"
    return "other"


def _json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    return web.Response(
        body=dumps(body),
        status=status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )


def _error_response(error: ApiError) -> web.Response:
    return _json_response(error.body(), error.status, error.headers)


def _split_text(text: str, pieces: int = 3) -> list[str]:
    if len(text) <= 1:
        return [text]
    size = max(1, math.ceil(len(text) / pieces))
    return [text[i : i + size] for i in range(0, len(text), size)]


class GeminiEmulator:
    """A local Gemini API for tests and benchmarks.

    Args:
        latency: Seconds added to every reply.
        latency_jitter: Up to this many extra seconds, from the seeded RNG.
        seed: Seed of the fault RNG, the jitter and generated ids.
        expected_api_key: When set, any other key is rejected (400 ``API_KEY_INVALID``).
        max_file_bytes: Largest file the Files API takes.
        max_total_file_bytes: Bound on all stored files (uploads beyond it are 429).
        inline_limit_bytes: Largest generation request body (400 above it).
        max_images: Most images per request (400 above it).
        file_processing_polls: ``files.get`` calls that see ``PROCESSING`` before ``ACTIVE``.
        file_ttl_seconds: Lifetime of uploaded files.
        record_requests: Keep every request in :attr:`requests`.
        max_recorded_requests: Bound on :attr:`requests` (oldest dropped).
        analysis_cache_size: Image analyses kept, by SHA-256 (LRU).
        host: Interface to bind (loopback only for tests).
        port: Port, ``0`` for a free one.

    Attributes:
        faults: The :class:`~.faults.FaultInjector`.
        stats: The :class:`~.faults.Stats` counters.
    """

    def __init__(
        self,
        *,
        latency: float = 0.0,
        latency_jitter: float = 0.0,
        seed: int = 0,
        expected_api_key: str | None = None,
        max_file_bytes: int = 100 * 1024 * 1024,
        max_total_file_bytes: int = 1024 * 1024 * 1024,
        inline_limit_bytes: int = DEFAULT_INLINE_LIMIT_BYTES,
        max_images: int = 3600,
        file_processing_polls: int = 0,
        file_ttl_seconds: float = 48 * 3600,
        record_requests: bool = True,
        max_recorded_requests: int = 10_000,
        analysis_cache_size: int = 512,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.latency = latency
        self.latency_jitter = latency_jitter
        self.expected_api_key = expected_api_key
        self.max_file_bytes = max_file_bytes
        self.max_total_file_bytes = max_total_file_bytes
        self.inline_limit_bytes = inline_limit_bytes
        self.max_images = max_images
        self.file_processing_polls = file_processing_polls
        self.file_ttl_seconds = file_ttl_seconds
        self.record_requests = record_requests
        self.host = host
        self.port = port
        self.faults = FaultInjector(seed)
        self.stats = Stats()
        # Seeded on purpose: ids and jitter repeat run after run (not for secrets).
        self._rng = random.Random(seed)  # noqa: S311
        self._jitter_rng = random.Random(seed + 1)  # noqa: S311
        self._requests: deque[RecordedRequest] = deque(maxlen=max_recorded_requests)
        self._files: dict[str, _StoredFile] = {}
        self._uploads: dict[str, _PendingUpload] = {}
        self._interactions: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._cache: OrderedDict[str, ImageAnalysis] = OrderedDict()
        self._cache_size = analysis_cache_size
        self._inflight: dict[str, asyncio.Future[ImageAnalysis]] = {}
        self._lock = threading.Lock()
        self._executor: ThreadPoolExecutor | None = None
        self._runner: web.AppRunner | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._bound_port: int | None = None

    # ------------------------------------------------------------ lifecycle

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>``, for ``http_options={"base_url": ...}``."""
        if self._bound_port is None:
            msg = "the emulator is not running; use it as a context manager"
            raise RuntimeError(msg)
        return f"http://{self.host}:{self._bound_port}"

    def build_app(self) -> web.Application:
        """The aiohttp application (routes and middleware), for embedding."""
        # Bodies are size-checked by the handlers (inline limit, file size), so
        # aiohttp's own limit must not answer first with a bare 413.
        limit = max(self.inline_limit_bytes, self.max_file_bytes) + 1024 * 1024
        app = web.Application(client_max_size=limit, middlewares=[self._middleware])
        app.on_response_prepare.append(self._tag_response)
        v = f"{{version:{_VERSIONS}}}"
        mount_batches(app, self)  # Batch API (testing/batches.py); before /models/{target}
        app.router.add_post(f"/{v}/interactions", self._create_interaction)
        app.router.add_get(f"/{v}/interactions/{{id}}", self._get_interaction)
        app.router.add_delete(f"/{v}/interactions/{{id}}", self._delete_interaction)
        app.router.add_post(f"/{v}/interactions/{{id}}/cancel", self._get_interaction)
        app.router.add_post(f"/{v}/models/{{target}}", self._model_method)
        app.router.add_post(f"/upload/{v}/files", self._upload)
        app.router.add_get(f"/{v}/files", self._list_files)
        app.router.add_get(f"/{v}/files/{{id}}", self._get_file)
        app.router.add_delete(f"/{v}/files/{{id}}", self._delete_file)
        return app

    async def start(self) -> None:
        """Start serving on the running loop."""
        self._loop = asyncio.get_running_loop()
        self._executor = ThreadPoolExecutor(max_workers=4, thread_name_prefix="gemini-emu")
        # The request schemas come from google-genai's types (about 2 s to import in a
        # fresh process): loaded before serving, not inside the first request.
        await self._loop.run_in_executor(self._executor, load_request_schemas)
        self._runner = web.AppRunner(self.build_app(), access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port, backlog=1024, reuse_address=True)
        await site.start()
        server = site._server  # aiohttp exposes no public accessor
        sockets = getattr(server, "sockets", None) or []
        self._bound_port = int(sockets[0].getsockname()[1]) if sockets else self.port

    async def stop(self) -> None:
        """Stop serving and release the worker threads."""
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        if self._executor is not None:
            self._executor.shutdown(wait=True, cancel_futures=True)
            self._executor = None
        self._bound_port = None

    async def __aenter__(self) -> GeminiEmulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    def __enter__(self) -> GeminiEmulator:
        ready = threading.Event()
        failure: list[BaseException] = []

        def serve() -> None:
            loop = asyncio.new_event_loop()
            asyncio.set_event_loop(loop)
            try:
                loop.run_until_complete(self.start())
            except BaseException as exc:  # reported to the caller
                failure.append(exc)
                ready.set()
                loop.close()
                return
            ready.set()
            try:
                loop.run_forever()
            finally:
                loop.run_until_complete(self.stop())
                loop.run_until_complete(loop.shutdown_asyncgens())
                loop.run_until_complete(loop.shutdown_default_executor())
                loop.close()

        self._thread = threading.Thread(target=serve, name="gemini-emulator", daemon=True)
        self._thread.start()
        ready.wait(timeout=30)
        if failure:
            self._thread.join()
            raise failure[0]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)
        self._thread = None
        self._loop = None

    # ------------------------------------------------------------ test helpers

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every recorded request, oldest first (secrets removed)."""
        with self._lock:
            return list(self._requests)

    def clear_requests(self) -> None:
        """Forget the recorded requests."""
        with self._lock:
            self._requests.clear()

    @property
    def files(self) -> list[str]:
        """Names (``files/<id>``) of the live files."""
        with self._lock:
            return [f.name for f in self._files.values() if not self._is_expired(f)]

    def expire_file(self, name: str) -> None:
        """Make one file (``files/<id>``, ``<id>`` or its URI) expire now."""
        file_id = name.rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            stored = self._files.get(file_id)
            if stored is None:
                msg = f"no file {name!r}"
                raise KeyError(msg)
            stored.expired = True

    def expire_all_files(self) -> None:
        """Make every file expire now."""
        with self._lock:
            for stored in self._files.values():
                stored.expired = True

    # ------------------------------------------------------------ middleware

    async def _tag_response(self, request: web.Request, response: web.StreamResponse) -> None:
        response.headers[EMULATOR_HEADER] = EMULATOR_ID

    def _record(self, request: web.Request, route: str, body: bytes) -> None:
        if not self.record_requests:
            return
        parsed: Any = None
        if body and request.query.get("upload_id") is None:
            try:
                parsed = json.loads(body)
            except (ValueError, UnicodeDecodeError):
                parsed = None
        headers = {
            k.lower(): v for k, v in request.headers.items() if k.lower() not in _SECRET_HEADERS
        }
        query = {k: v for k, v in request.query.items() if k != "key"}
        with self._lock:
            self._requests.append(
                RecordedRequest(
                    request.method, request.path, query, headers, parsed, route, len(body)
                )
            )

    def _check_auth(self, request: web.Request, route: str) -> None:
        if route == "upload" and request.query.get("upload_id"):
            return  # the upload URL itself authorises the chunk
        key = request.headers.get("x-goog-api-key") or request.query.get("key")
        bearer = request.headers.get("authorization", "")
        if not key and bearer.lower().startswith("bearer "):
            key = bearer[7:].strip()
        if not key:
            raise ApiError(403, _UNREGISTERED)
        if self.expected_api_key is not None and key != self.expected_api_key:
            raise ApiError(
                400,
                "API key not valid. Please pass a valid API key.",
                details=[
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
            )

    def _reply_at(self, arrived: float, extra: float = 0.0) -> float:
        """Loop time before which no reply leaves: arrival + latency (+ jitter, + slowness)."""
        seconds = self.latency + extra
        if self.latency_jitter > 0:
            seconds += self._jitter_rng.uniform(0, self.latency_jitter)
        return arrived + seconds

    @staticmethod
    async def _wait_until(moment: float) -> None:
        remaining = moment - asyncio.get_running_loop().time()
        if remaining > 0:
            await asyncio.sleep(remaining)

    @web.middleware
    async def _middleware(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        # Counted on the server's own loop (one thread): no lock needed.
        stats = self.stats
        stats.in_flight += 1
        stats.peak_in_flight = max(stats.peak_in_flight, stats.in_flight)
        try:
            return await self._serve(request, handler)
        finally:
            stats.in_flight -= 1

    async def _serve(
        self,
        request: web.Request,
        handler: Callable[[web.Request], Awaitable[web.StreamResponse]],
    ) -> web.StreamResponse:
        # Latency is the time from arrival to reply, as a real service's is: the
        # answer is computed while the request waits, not after its wait.
        arrived = asyncio.get_running_loop().time()
        route = _route_of(request.path)
        self.stats.requests[route] += 1
        fault = self.faults.decide(route)
        if fault is not None:
            request[_FAULT] = fault
        try:
            if route in ("interactions", "generate_content") and request.method == "POST":
                size = request.content_length
                if size is not None and size > self.inline_limit_bytes:
                    self.stats.bytes_received[route] += size
                    raise bad_request(
                        f"Request payload size exceeds the limit: {self.inline_limit_bytes} bytes."
                    )
            body = await request.read() if request.can_read_body else b""
            self.stats.bytes_received[route] += len(body)
            self._record(request, route, body)
            reply_at = self._reply_at(
                arrived, fault.delay if fault is not None and fault.kind == "slow" else 0.0
            )
            # A streamed answer is written by the handler itself: wait before it.
            streamed = request.path.endswith(":streamGenerateContent") or (
                b'"stream":true' in body or b'"stream": true' in body
            )
            if streamed or fault is not None:
                await self._wait_until(reply_at)
            if fault is not None:
                self.stats.faults[fault.name] += 1
                if fault.kind == "status":
                    raise self._fault_error(fault)
                if fault.kind == "drop":
                    return self._drop(request)
            self._check_auth(request, route)
            response = await handler(request)
            await self._wait_until(reply_at)
        except ApiError as api_error:
            response = _error_response(api_error)
        except web.HTTPException as http_error:
            message = http_error.reason or "error"
            if http_error.status == 404:
                message = f"Method not found: {request.method} {request.path}"
            response = _error_response(ApiError(http_error.status, message))
        if route == "upload" and request.query.get("upload_id") and response.status >= 400:
            # A failed chunk ends the upload; without the header the SDK would
            # silently retry the chunk with sleeps.
            response.headers["X-Goog-Upload-Status"] = "final"
        if fault is not None and fault.kind == "truncate" and isinstance(response, web.Response):
            return await self._truncate(request, response)
        if not isinstance(response, web.StreamResponse) or not response.prepared:
            self.stats.responses[response.status] += 1
        return response

    def _fault_error(self, fault: Fault) -> ApiError:
        status = fault.status or 500
        messages = {
            429: "Resource has been exhausted (e.g. check quota).",
            500: "An internal error has occurred. Please retry or report in "
            "https://developers.generativeai.google/guide/troubleshooting",
            503: "The model is overloaded. Please try again later.",
        }
        details: list[dict[str, Any]] = []
        headers: dict[str, str] = {}
        if status == 429:
            details.append(
                {
                    "@type": "type.googleapis.com/google.rpc.RetryInfo",
                    "retryDelay": f"{fault.retry_after:g}s",
                }
            )
            headers["Retry-After"] = f"{fault.retry_after:g}"
        return ApiError(
            status,
            messages.get(status, f"Injected fault {status}."),
            details=details,
            headers=headers,
        )

    def _drop(self, request: web.Request) -> web.StreamResponse:
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise asyncio.CancelledError  # aiohttp stops handling; nothing is written

    async def _truncate(self, request: web.Request, response: web.Response) -> web.StreamResponse:
        body = response.body if isinstance(response.body, bytes) else b""
        stream = web.StreamResponse(status=response.status, headers=response.headers)
        stream.content_length = len(body)
        self.stats.responses[response.status] += 1
        await stream.prepare(request)
        await stream.write(body[: len(body) // 2])
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise asyncio.CancelledError

    # ------------------------------------------------------------ analysis

    async def _analyse(self, data: bytes) -> ImageAnalysis:
        key = hashlib.sha256(data).hexdigest()
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            self.stats.analysis_cache_hits += 1
            return cached
        pending = self._inflight.get(key)
        if pending is not None:
            self.stats.analysis_cache_hits += 1
            return await asyncio.shield(pending)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ImageAnalysis] = loop.create_future()
        self._inflight[key] = future
        try:
            result = await loop.run_in_executor(self._executor, analyse_image, data)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody else must
            raise
        finally:
            self._inflight.pop(key, None)
        future.set_result(result)
        self.stats.analyses += 1
        self._cache[key] = result
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        return result

    # ------------------------------------------------------------ files

    def _is_expired(self, stored: _StoredFile) -> bool:
        return stored.expired or _now() >= stored.expires

    def _lookup_file(self, file_id: str) -> _StoredFile:
        with self._lock:
            stored = self._files.get(file_id)
            if stored is not None and self._is_expired(stored):
                del self._files[file_id]
                stored = None
        if stored is None:
            raise ApiError(
                403,
                f"You do not have permission to access the File {file_id} or it may not exist.",
            )
        return stored

    def _resolver(self, request: web.Request) -> Callable[[str, str], tuple[bytes, str]]:
        def resolve(uri: str, where: str) -> tuple[bytes, str]:
            parts = urlsplit(uri)
            path = parts.path if parts.scheme else "/" + uri.lstrip("/")
            segments = [s for s in path.split("/") if s]
            own_host = parts.netloc in ("", request.host) or parts.netloc.endswith(
                "generativelanguage.googleapis.com"
            )
            is_file = (
                parts.scheme in ("", "http", "https")
                and own_host
                and len(segments) >= 2
                and segments[-2] == "files"
            )
            if not is_file:
                raise bad_request(
                    f"Cannot fetch content from the provided URL {uri!r} at {where}: "
                    "the emulator only serves files uploaded to it (no internet access)."
                )
            stored = self._lookup_file(segments[-1])
            if stored.polls_left > 0:
                raise bad_request(
                    f"The File {stored.file_id} is not in an ACTIVE state and usage is "
                    "not allowed.",
                    "FAILED_PRECONDITION",
                )
            return stored.data, stored.mime_type

        return resolve

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        version = request.match_info["version"]
        upload_id = request.query.get("upload_id")
        command = request.headers.get("X-Goog-Upload-Command", "").lower()
        commands = {c.strip() for c in command.split(",") if c.strip()}
        if upload_id is None:
            return await self._start_upload(request, version, commands)
        pending = self._uploads.get(upload_id)
        if pending is None:
            raise ApiError(404, f"Unknown upload id {upload_id}.")
        if "query" in commands:
            return web.Response(
                headers={
                    "X-Goog-Upload-Status": "active",
                    "X-Goog-Upload-Size-Received": str(len(pending.received)),
                }
            )
        if not commands & {"upload", "finalize"}:
            raise bad_request(f"Unsupported X-Goog-Upload-Command {command!r}.")
        body = await request.read()
        offset_header = request.headers.get("X-Goog-Upload-Offset")
        if "upload" in commands:
            offset = int(offset_header) if offset_header and offset_header.isdigit() else None
            if offset is not None and offset != len(pending.received):
                raise bad_request(
                    f"Upload offset {offset} does not match the {len(pending.received)} "
                    "bytes received so far."
                )
            pending.received += body
            if len(pending.received) > self.max_file_bytes:
                del self._uploads[upload_id]
                raise bad_request(f"File too large: the limit is {self.max_file_bytes} bytes.")
        if "finalize" not in commands:
            return web.Response(
                headers={
                    "X-Goog-Upload-Status": "active",
                    "X-Goog-Upload-Size-Received": str(len(pending.received)),
                }
            )
        del self._uploads[upload_id]
        data = bytes(pending.received)
        if pending.declared_size is not None and pending.declared_size != len(data):
            raise bad_request(
                f"Upload size {len(data)} does not match the declared "
                f"{pending.declared_size} bytes."
            )
        try:
            if pending.mime_type in SUPPORTED_IMAGE_TYPES:  # JSONL batch input is not an image
                await self._analyse(data)
        except ImageDecodeError:
            raise bad_request(
                f"The uploaded bytes are not a decodable {pending.mime_type} image."
            ) from None
        stored = self._store_file(request, pending, data)
        return _json_response({"file": stored.to_json()}, headers={"X-Goog-Upload-Status": "final"})

    async def _start_upload(
        self, request: web.Request, version: str, commands: set[str]
    ) -> web.StreamResponse:
        if request.headers.get("X-Goog-Upload-Protocol", "").lower() != "resumable":
            raise bad_request("Only the resumable upload protocol is emulated.")
        if commands != {"start"}:
            raise bad_request("The first resumable upload request must be 'start'.")
        raw = await request.read()
        meta: dict[str, Any] = {}
        if raw:
            try:
                loaded = json.loads(raw)
            except ValueError:
                raise bad_request("Invalid JSON payload received.") from None
            meta = get_key(loaded, "file") or {} if isinstance(loaded, dict) else {}
        length = request.headers.get("X-Goog-Upload-Header-Content-Length")
        size_value = length or get_key(meta, "size_bytes")
        declared = int(size_value) if size_value is not None and str(size_value).isdigit() else None
        mime = (
            request.headers.get("X-Goog-Upload-Header-Content-Type")
            or get_key(meta, "mime_type")
            or ""
        ).lower()
        if mime not in SUPPORTED_IMAGE_TYPES | JSONL_MIME_TYPES:
            raise bad_request(
                f"Unsupported MIME type: {mime or '(none)'}. The emulator's Files API takes "
                f"images ({', '.join(sorted(SUPPORTED_IMAGE_TYPES))}) and JSON Lines "
                "batch input."
            )
        if declared is not None and declared > self.max_file_bytes:
            raise bad_request(f"File too large: the limit is {self.max_file_bytes} bytes.")
        with self._lock:
            used = sum(len(f.data) for f in self._files.values())
        if declared is not None and used + declared > self.max_total_file_bytes:
            raise ApiError(429, "Files API storage quota exceeded for this project.")
        upload_id = f"{self._rng.getrandbits(96):024x}"
        self._uploads[upload_id] = _PendingUpload(
            mime, declared, get_key(meta, "display_name"), version
        )
        url = (
            f"{request.scheme}://{request.host}/upload/{version}/files"
            f"?upload_id={upload_id}&upload_protocol=resumable"
        )
        return web.Response(headers={"X-Goog-Upload-URL": url, "X-Goog-Upload-Status": "active"})

    def _store_file(
        self, request: web.Request, pending: _PendingUpload, data: bytes
    ) -> _StoredFile:
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        file_id = "".join(self._rng.choice(alphabet) for _ in range(12))
        created = _now()
        stored = _StoredFile(
            file_id=file_id,
            mime_type=pending.mime_type,  # the API keeps what the caller declared
            data=data,
            display_name=pending.display_name,
            created=created,
            expires=created + timedelta(seconds=self.file_ttl_seconds),
            polls_left=self.file_processing_polls,
            base=f"{request.scheme}://{request.host}",
            version=pending.version,
        )
        with self._lock:
            self._files[file_id] = stored
        self.stats.uploads += 1
        self.stats.uploaded_bytes += len(data)
        self.stats.files_created += 1
        return stored

    async def _get_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._lookup_file(request.match_info["id"])
        body = stored.to_json()
        if stored.polls_left > 0:
            stored.polls_left -= 1
        return _json_response(body)

    async def _delete_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._lookup_file(request.match_info["id"])
        with self._lock:
            self._files.pop(stored.file_id, None)
        return _json_response({})

    async def _list_files(self, request: web.Request) -> web.StreamResponse:
        try:
            page_size = int(request.query.get("pageSize", request.query.get("page_size", "10")))
        except ValueError:
            raise bad_request("pageSize must be an integer.") from None
        page_size = min(max(page_size, 1), 100)
        token = request.query.get("pageToken", request.query.get("page_token", ""))
        start = int(token) if token.isdigit() else 0
        with self._lock:
            live = [f for f in self._files.values() if not self._is_expired(f)]
        page = live[start : start + page_size]
        body: dict[str, Any] = {}
        if page:
            body["files"] = [f.to_json() for f in page]
        if start + page_size < len(live):
            body["nextPageToken"] = str(start + page_size)
        return _json_response(body)

    # ------------------------------------------------------------ generation

    def _check_model(self, call: ModelCall, version: str, method: str) -> Dialect:
        if not call.model.lower().startswith("gemini-"):
            raise ApiError(
                404,
                f"models/{call.model} is not found for API version {version}, or is not "
                f"supported for {method}. Call ListModels to see the list of available "
                "models and their supported methods.",
            )
        dialect = dialect_for(call.model)
        if call.thinking_level is not None:
            if not dialect.thinking_levels:
                raise bad_request(f"Thinking level is not supported for this model ({call.model}).")
            if call.thinking_level not in dialect.thinking_levels:
                raise bad_request(
                    f"thinking_level {call.thinking_level!r} is not supported by {call.model}; "
                    f"use one of: {', '.join(sorted(dialect.thinking_levels))}."
                )
        if call.thinking_budget is not None and call.thinking_budget != -1:
            budget = dialect.thinking_budget
            if budget is None:
                raise bad_request(f"Thinking is not supported for this model ({call.model}).")
            low, high = budget
            if not low <= call.thinking_budget <= high:
                if call.thinking_budget == 0:
                    raise bad_request(
                        "Budget 0 is invalid. This model only works in thinking mode."
                    )
                raise bad_request(
                    f"The thinking budget {call.thinking_budget} is invalid. Please choose a "
                    f"value between {low} and {high}."
                )
        if len(call.images) > self.max_images:
            raise bad_request(
                f"Too many images in the request: {len(call.images)}; the limit is "
                f"{self.max_images} images per request."
            )
        return dialect

    def _thought_tokens(self, call: ModelCall, dialect: Dialect) -> int:
        if call.thinking_budget is not None and call.thinking_budget >= 0:
            return min(call.thinking_budget, dialect.default_thought_tokens)
        levels = {"minimal": 0, "low": 48, "medium": 256, "high": 512}
        if call.thinking_level is not None:
            return levels.get(call.thinking_level, dialect.default_thought_tokens)
        return dialect.default_thought_tokens

    async def _answer(self, call: ModelCall, body: Any, version: str, method: str) -> _Generation:
        """Check the model and settings, then generate: every route answers through here."""
        dialect = self._check_model(call, version, method)
        digest = hashlib.sha256(dumps(body)).hexdigest()
        return await self._generate(call, dialect, digest)

    async def _generate(self, call: ModelCall, dialect: Dialect, digest: str) -> _Generation:
        analyses: list[ImageAnalysis] = []
        for image in call.images:
            try:
                analyses.append(await self._analyse(image.data))
            except ImageDecodeError:
                raise bad_request(
                    f"{_BAD_IMAGE} (the bytes at {image.where} do not decode as {image.mime_type})"
                ) from None
        compose = functools.partial(_compose, call, dialect, analyses, digest)
        if sum(a.frame_width * a.frame_height for a in analyses) <= _INLINE_COMPOSE_PIXELS:
            # Small frames compose in well under a millisecond: a thread hop would
            # cost more than it saves, and the GIL gives no parallelism anyway.
            text = compose()
        else:
            text = await asyncio.get_running_loop().run_in_executor(self._executor, compose)
        truncated = False
        if call.max_output_tokens is not None and len(text) > call.max_output_tokens * 4:
            text = text[: max(call.max_output_tokens, 0) * 4]
            truncated = True
        text_chars = len(call.prompt) + len(call.system_instruction or "")
        image_tokens = sum(
            self._image_tokens(image, analysis, call, dialect)
            for image, analysis in zip(call.images, analyses, strict=True)
        )
        return _Generation(
            text=text,
            truncated=truncated,
            input_text_tokens=math.ceil(text_chars / 4),
            input_image_tokens=image_tokens,
            output_tokens=math.ceil(len(text) / 4),
            thought_tokens=self._thought_tokens(call, dialect),
        )

    @staticmethod
    def _image_tokens(
        image: ImagePart, analysis: ImageAnalysis, call: ModelCall, dialect: Dialect
    ) -> int:
        resolution = image.resolution or call.media_resolution
        if dialect.family.startswith("gemini-2"):
            resolution = None  # 2.x bills by tiles
        level: MediaResolution | None = None
        for known in ("low", "medium", "high", "ultra_high"):
            if resolution == known:
                level = known
        return estimate_image_tokens(analysis.width, analysis.height, level)

    def _new_id(self, prefix: str) -> str:
        return f"{prefix}{self._rng.getrandbits(80):020x}"

    # ------------------------------------------------------------ interactions

    async def _create_interaction(self, request: web.Request) -> web.StreamResponse:
        version = request.match_info["version"]
        body = _parse_json(await request.read())
        call = parse_interaction(body, self._resolver(request))
        generation = await self._answer(call, body, version, "createInteraction")
        created = _timestamp(_now())
        interaction_id = self._new_id("v1_")
        status = "incomplete" if generation.truncated else "completed"
        usage = {
            "total_input_tokens": generation.input_tokens,
            "total_output_tokens": generation.output_tokens,
            "total_thought_tokens": generation.thought_tokens,
            "total_tokens": generation.total_tokens,
            "input_tokens_by_modality": [
                {"modality": "text", "tokens": generation.input_text_tokens},
                {"modality": "image", "tokens": generation.input_image_tokens},
            ],
        }
        steps: list[dict[str, Any]] = []
        if generation.thought_tokens:
            steps.append({"type": "thought", "signature": _THOUGHT_SIGNATURE})
        output = {"type": "model_output", "content": [{"type": "text", "text": generation.text}]}
        steps.append(output)
        interaction: dict[str, Any] = {
            "id": interaction_id,
            "status": status,
            "model": call.model,
            "object": "interaction",
            "created": created,
            "updated": _timestamp(_now()),
            "steps": steps,
            "usage": usage,
        }
        if call.system_instruction:
            interaction["system_instruction"] = call.system_instruction
        stored = {**interaction, "_input": body.get("input")}
        self._interactions[interaction_id] = stored
        while len(self._interactions) > _MAX_INTERACTIONS:
            self._interactions.popitem(last=False)
        if not call.stream:
            return _json_response(interaction)
        brief = {k: interaction[k] for k in ("id", "model", "object", "created")}
        events: list[dict[str, Any]] = [
            {"event_type": "interaction.created", "interaction": {**brief, "status": "in_progress"}}
        ]
        index = 0
        if generation.thought_tokens:
            events += [
                {"event_type": "step.start", "index": 0, "step": steps[0]},
                {"event_type": "step.stop", "index": 0},
            ]
            index = 1
        events.append(
            {
                "event_type": "step.start",
                "index": index,
                "step": {"type": "model_output", "content": []},
            }
        )
        events += [
            {"event_type": "step.delta", "index": index, "delta": {"type": "text", "text": piece}}
            for piece in _split_text(generation.text)
        ]
        events.append({"event_type": "step.stop", "index": index})
        completed = {**brief, "status": status, "updated": interaction["updated"], "usage": usage}
        events.append({"event_type": "interaction.completed", "interaction": completed})
        for number, event in enumerate(events):
            event["event_id"] = f"{interaction_id}:{number}"
        payloads = [f"event: {e['event_type']}\ndata: {json.dumps(e)}\n\n".encode() for e in events]
        return await self._stream(request, [*payloads, b"data: [DONE]\n\n"])

    async def _stream(self, request: web.Request, chunks: list[bytes]) -> web.StreamResponse:
        response = web.StreamResponse(
            status=200, headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}
        )
        fault = request.get(_FAULT)
        self.stats.responses[200] += 1
        await response.prepare(request)
        cut = len(chunks) // 2 if fault is not None and fault.kind == "truncate" else None
        for number, chunk in enumerate(chunks):
            if cut is not None and number == cut:
                transport = request.transport
                if transport is not None:
                    transport.abort()
                raise asyncio.CancelledError
            await response.write(chunk)
        await response.write_eof()
        return response

    def _interaction_or_404(self, request: web.Request) -> dict[str, Any]:
        interaction_id = request.match_info["id"]
        stored = self._interactions.get(interaction_id)
        if stored is None:
            raise ApiError(404, f"Interaction {interaction_id} not found.")
        return stored

    async def _get_interaction(self, request: web.Request) -> web.StreamResponse:
        stored = self._interaction_or_404(request)
        body = {k: v for k, v in stored.items() if not k.startswith("_")}
        if request.query.get("include_input", "").lower() == "true":
            raw = stored.get("_input")
            content = raw if isinstance(raw, list) else [{"type": "text", "text": raw}]
            if content and isinstance(content[0], dict) and content[0].get("type") == "user_input":
                body["steps"] = [*content, *body["steps"]]
            else:
                body["steps"] = [{"type": "user_input", "content": content}, *body["steps"]]
        return _json_response(body)

    async def _delete_interaction(self, request: web.Request) -> web.StreamResponse:
        stored = self._interaction_or_404(request)
        self._interactions.pop(stored["id"], None)
        return _json_response({})

    # ------------------------------------------------------------ generateContent

    async def _model_method(self, request: web.Request) -> web.StreamResponse:
        version = request.match_info["version"]
        model, _, method = request.match_info["target"].partition(":")
        if method not in ("generateContent", "streamGenerateContent"):
            raise ApiError(404, f"Method not found: models/{model}:{method}")
        body = _parse_json(await request.read())
        call = parse_generate_content(body, model, self._resolver(request), api_version=version)
        generation = await self._answer(call, body, version, method)
        response_id = self._new_id("")

        def chunk(text: str, last: bool) -> dict[str, Any]:
            return generate_content_reply(call, generation, response_id, text, last=last)

        if method == "generateContent":
            return _json_response(chunk(generation.text, last=True))
        pieces = _split_text(generation.text)
        chunks = [
            b"data: " + dumps(chunk(p, last=i == len(pieces) - 1)) + b"\r\n\r\n"
            for i, p in enumerate(pieces)
        ]
        return await self._stream(request, chunks)


def generate_content_reply(
    call: ModelCall, generation: _Generation, response_id: str, text: str, *, last: bool
) -> dict[str, Any]:
    """A ``GenerateContentResponse`` carrying ``text``: the whole answer, or one streamed
    chunk (``last`` adds the finish reason and the full usage), and a batch item's answer."""
    candidate: dict[str, Any] = {
        "content": {"parts": [{"text": text}], "role": "model"},
        "index": 0,
    }
    reply: dict[str, Any] = {"candidates": [candidate]}
    if last:
        candidate["finishReason"] = "MAX_TOKENS" if generation.truncated else "STOP"
        usage: dict[str, Any] = {
            "promptTokenCount": generation.input_tokens,
            "candidatesTokenCount": generation.output_tokens,
            "totalTokenCount": generation.total_tokens,
            "promptTokensDetails": [
                {"modality": "TEXT", "tokenCount": generation.input_text_tokens},
                {"modality": "IMAGE", "tokenCount": generation.input_image_tokens},
            ],
        }
        if generation.thought_tokens:
            usage["thoughtsTokenCount"] = generation.thought_tokens
        reply["usageMetadata"] = usage
    else:
        reply["usageMetadata"] = {
            "promptTokenCount": generation.input_tokens,
            "totalTokenCount": generation.input_tokens,
        }
    reply["modelVersion"] = call.model
    reply["responseId"] = response_id
    return reply


def _parse_json(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request(
            "Invalid JSON payload received. Unexpected token or malformed body."
        ) from None


def _compose(call: ModelCall, dialect: Dialect, analyses: list[ImageAnalysis], digest: str) -> str:
    """The answer text: task, computation, schema filling and dialect (CPU work)."""
    task = choose_task(call.prompt, call.schema, len(analyses))
    query = parse_query(call.prompt)
    mask_kind = schema_mask_kind(call.schema) if call.schema is not None else None
    mask_form = resolve_mask_form(dialect, mask_kind, query.wants_polygon)
    answer = build_answer(
        prompt=call.prompt,
        analyses=analyses,
        task=task,
        mask_form=mask_form,
        png_mask_size=dialect.png_mask_size,
    )
    has_schema = call.schema is not None
    value = fill_schema(call.schema, answer) if has_schema else None
    return render_text(
        answer,
        dialect,
        schema_value=value,
        has_schema=has_schema,
        json_mode=call.json_mode,
        request_digest=digest,
    )


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m langchain_gemini_vision.testing.emulator",
        description="Run the local Gemini emulator until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 for a free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each reply")
    parser.add_argument("--latency-jitter", type=float, default=0.0, help="extra random seconds")
    parser.add_argument("--seed", type=int, default=0, help="seed of ids, jitter and faults")
    parser.add_argument("--api-key", default=None, help="reject any other key")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: serve until Ctrl-C."""
    args = _parse_args(argv)
    emulator = GeminiEmulator(
        host=args.host,
        port=args.port,
        latency=args.latency,
        latency_jitter=args.latency_jitter,
        seed=args.seed,
        expected_api_key=args.api_key,
    )

    async def serve() -> None:
        async with emulator:
            print(f"Gemini emulator ({EMULATOR_ID}) at {emulator.base_url}", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())


if __name__ == "__main__":
    main()
