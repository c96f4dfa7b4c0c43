"""A local Gemini API server for tests: Interactions, generateContent, Files and Batch.

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

This module is the server itself: its lifecycle (a background thread or the running
loop), the middleware every request passes (auth, latency, faults, counters, recording)
and the routes it mounts. The routes live with what they serve: the Files API
(:mod:`._emulator_files`), generation (:mod:`._emulator_generation`), the Batch API
(:mod:`.batches`); the command line is :mod:`._emulator_cli`.

Why one module: what is left is the running server's state and the one path every
request takes through it; the lifecycle creates what the middleware reads (the loop,
the worker threads, the counters, the recorded requests), so apart they would share
every attribute.

Behaviour that follows the real API, and choices where it was unclear:

* Auth: no key (``x-goog-api-key``, ``?key=`` or ``Authorization: Bearer``) is
  403 ``PERMISSION_DENIED`` "Method doesn't allow unregistered callers", as
  the real API; with ``expected_api_key`` a wrong key is 400
  ``INVALID_ARGUMENT`` "API key not valid" with reason ``API_KEY_INVALID``.
* Files (expiry, 403 for a file that is gone, no fetching from the internet) and
  models (unknown ``gemini-*`` models, thinking settings, EXIF orientation not
  applied): see :mod:`._emulator_files` and :mod:`._emulator_generation`.
* Request bodies are checked first against google-genai's typed request models
  (:mod:`.request_schema`, never this package's code): an unknown key or an off-enum
  value is Gemini's 400 with ``google.rpc.BadRequest`` field violations (generateContent,
  Batch API), or the Interactions API's ``invalid_request``.
* Every response carries ``x-emulator: langchain-gemini-vision/<version>``.
"""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Final

from aiohttp import web

from langchain_gemini_vision._version import __version__
from langchain_gemini_vision.profiles import DEFAULT_INLINE_LIMIT_BYTES

from ._api_errors import ApiError, bad_request
from ._emulator_analyses import AnalysisCache
from ._emulator_cli import parse_args, serve_until_interrupted
from ._emulator_files import PendingUpload, StoredFile
from ._emulator_generation import GenerationApi, generate_content_reply
from ._emulator_http import ARRIVED, FAULT, VERSION, error_response, request_key
from ._emulator_quota import Quota, QuotaBook
from .batches import mount_batches
from .degrade import Degradation
from .faults import Fault, FaultInjector, Stats
from .request_schema import load_request_schemas

__all__ = [
    "EMULATOR_HEADER",
    "GeminiEmulator",
    "RecordedRequest",
    "generate_content_reply",
    "main",
]

EMULATOR_HEADER: Final = "x-emulator"
EMULATOR_ID: Final = f"langchain-gemini-vision/{__version__}"
_SECRET_HEADERS: Final = frozenset({"x-goog-api-key", "authorization", "cookie"})
_UNREGISTERED: Final = (
    "Method doesn't allow unregistered callers (callers without established identity). "
    "Please use API Key or other form of API consumer identity to call this API."
)


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


def _route_of(path: str) -> str:
    if path.startswith("/upload/"):
        return "upload"
    if "/interactions" in path:
        return "interactions"
    if ":generateContent" in path or ":streamGenerateContent" in path:
        return "generate_content"
    if ":batchEmbedContents" in path:
        return "embed"
    if "batch" in path.lower():
        return "batches"
    if "/files" in path:
        return "files"
    return "other"


class GeminiEmulator(GenerationApi):
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
        stream_tokens_per_second: The rate answers are written at (``None``: at once):
            a streamed answer's events leave at it, and a whole answer is sent when its
            last token would be; what a time-to-first-result measurement needs.
        stream_chunk_tokens: Tokens (four characters each) in one streamed event.
        reroutes: Model (name or prefix) -> the model that answers its requests instead,
            under its own name, as Gemini does for retired models.
        degradation: How detection, segmentation and point answers are spoiled, by
            computed amounts (see :class:`~.degrade.Degradation`); ``None``: exact.
        host: Interface to bind (loopback only for tests).
        port: Port, ``0`` for a free one.
        quota: Gemini's quotas, per key and model (:class:`~._emulator_quota.Quota`:
            requests and input tokens per window, requests per day); ``None``: none.

    Attributes:
        faults: The :class:`~.faults.FaultInjector`.
        stats: The :class:`~.faults.Stats` counters.
        quotas: The :class:`~._emulator_quota.QuotaBook` (``refused``: 429s it answered).
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
        stream_tokens_per_second: float | None = None,
        stream_chunk_tokens: int = 8,
        reroutes: Mapping[str, str] | None = None,
        degradation: Degradation | None = None,
        host: str = "127.0.0.1",
        port: int = 0,
        quota: Quota | None = None,
    ) -> None:
        # How it answers: its delay, the key it wants, the faults it injects.
        self.latency = latency
        self.latency_jitter = latency_jitter
        self.expected_api_key = expected_api_key
        self.faults = FaultInjector(seed)
        self.stats = Stats()
        self.quotas = QuotaBook(quota)
        # What it answers as, and how well (both may be changed between requests).
        self.reroutes: Mapping[str, str] = dict(reroutes or {})
        self.degradation: Degradation | None = degradation
        # Seeded on purpose: ids and jitter repeat run after run (not for secrets).
        self._rng = random.Random(seed)  # noqa: S311
        self._jitter_rng = random.Random(seed + 1)  # noqa: S311
        # What a generation request may carry, and what is kept of it.
        self.inline_limit_bytes = inline_limit_bytes
        self.max_images = max_images
        self.record_requests = record_requests
        self._requests: deque[RecordedRequest] = deque(maxlen=max_recorded_requests)
        self._interactions: OrderedDict[str, dict[str, Any]] = OrderedDict()
        self._analyses = AnalysisCache(analysis_cache_size)
        # How a streamed answer leaves: tokens per event, events paced at a token rate.
        if stream_tokens_per_second is not None and not stream_tokens_per_second > 0:
            raise ValueError(
                f"stream_tokens_per_second must be a positive number or None, "
                f"got {stream_tokens_per_second!r}"
            )
        if stream_chunk_tokens < 1:
            raise ValueError(f"stream_chunk_tokens must be at least 1, got {stream_chunk_tokens!r}")
        self.stream_tokens_per_second = stream_tokens_per_second
        self.stream_chunk_tokens = stream_chunk_tokens
        # The Files API: its limits and its store.
        self.max_file_bytes = max_file_bytes
        self.max_total_file_bytes = max_total_file_bytes
        self.file_processing_polls = file_processing_polls
        self.file_ttl_seconds = file_ttl_seconds
        self._files: dict[str, StoredFile] = {}
        self._uploads: dict[str, PendingUpload] = {}
        # The server.
        self.host = host
        self.port = port
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
        mount_batches(app, self)  # Batch API (testing/batches.py); before /models/{target}
        self._mount_generation(app, VERSION)
        self._mount_files(app, VERSION)
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
        key = request_key(request)
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
        request[ARRIVED] = arrived
        route = _route_of(request.path)
        self.stats.requests[route] += 1
        fault = self.faults.decide(route)
        if fault is not None:
            request[FAULT] = fault
        try:
            if route in ("interactions", "generate_content", "embed") and request.method == "POST":
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
            response = error_response(api_error)
        except web.HTTPException as http_error:
            message = http_error.reason or "error"
            if http_error.status == 404:
                message = f"Method not found: {request.method} {request.path}"
            response = error_response(ApiError(http_error.status, message))
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


def main(argv: list[str] | None = None) -> None:
    """Command-line entry point: serve until Ctrl-C."""
    options = parse_args(argv)
    spoil = options.pop("degrade")
    degradation = Degradation(**spoil) if spoil else None
    serve_until_interrupted(GeminiEmulator(**options, degradation=degradation), EMULATOR_ID)


if __name__ == "__main__":
    main()
