"""`GeminiVisionClient`: the key, concurrency, usage and the tasks, built from one settings object.

Its settings (:class:`~langchain_gemini_vision.settings.GeminiVisionSettings`) are fixed
for its life: a client with other settings is another client. It builds at most one
google-genai ``Client`` and keeps it for its whole life (the SDK closes its transport
when that object is garbage-collected). With the default lean transport that happens
lazily, when something first needs it (a Files API or Batch API call, or reading
:attr:`GeminiVisionClient.genai_client`), so a client that only sends inline images
never imports google-genai; with ``transport="sdk"`` at construction; a
``genai_client=`` passed in is used as is. It offers every task the same call, sync and
async: :meth:`GeminiVisionClient.generate`.

Why one module: the client is the one object that holds the key, the transport, the
Files cache, the decode budget, the concurrency bound and the usage totals, and every
method here reads or changes that state; each sync method sits beside its async twin,
differing only in its I/O lines. What it delegates already lives apart (the tasks in
the registry, the wire in ``_transport``, loading in ``images``, ordering in
``_concurrency``); cutting what is left would hand a second object the same state.

Example:
    >>> from langchain_gemini_vision import GeminiVisionClient
    >>> client = GeminiVisionClient()  # reads GOOGLE_API_KEY or GEMINI_API_KEY
    >>> result = client.detect("photo.jpg", query="every price tag")  # doctest: +SKIP
    >>> [d.label for d in result]  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import inspect
import itertools
import logging
import threading
import warnings
import weakref
from collections.abc import (
    AsyncIterator,
    Awaitable,
    Callable,
    Iterable,
    Iterator,
    Sequence,
)
from contextlib import aclosing, closing
from contextvars import ContextVar
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from pydantic import BaseModel, SecretStr

from langchain_gemini_vision._concurrency import Outcome, aordered_map, ordered_map
from langchain_gemini_vision._quota import SYSTEM_CLOCK, Clock, QuotaLimiter
from langchain_gemini_vision._result_cache import ResultCache, cache_key
from langchain_gemini_vision._transport.base import (
    ApiName,
    ImagePart,
    Transport,
    TransportName,
    VisionRequest,
    VisionResponse,
    WireRequest,
)
from langchain_gemini_vision._transport.embeddings import EmbedRequest, EmbedResponse
from langchain_gemini_vision._transport.files import CachedFile, FileCache
from langchain_gemini_vision._transport.lean import LeanTransport, check_base_url
from langchain_gemini_vision._transport.retry import (
    RetryPolicy,
    acall_with_retries,
    call_with_retries,
    for_bulk,
)
from langchain_gemini_vision.decode_budget import DecodeBudget
from langchain_gemini_vision.errors import (
    ConfigurationError,
    GeminiVisionAuthError,
    GeminiVisionError,
    GeminiVisionNotFoundError,
    ImageInputError,
    redact,
)
from langchain_gemini_vision.images import (
    MAX_IMAGES_PER_REQUEST,
    PreparedImage,
    aload_image,
    fit_inline_budget,
    load_image,
)
from langchain_gemini_vision.profiles import MediaResolution, ModelProfile, profile_for
from langchain_gemini_vision.settings import (
    DEFAULT_MODEL,
    RESULT_CACHE_KEY,
    GeminiVisionSettings,
    env_base_url,
    key_from_env,
)
from langchain_gemini_vision.tasks import (
    ASK,
    CAPTION,
    COMPARE,
    DETECT,
    SEGMENT,
    Task,
    TaskCall,
    TaskContext,
    find_task,
    get_task,
    reserve_names,
)
from langchain_gemini_vision.tokens import estimate_request_tokens
from langchain_gemini_vision.usage import Usage

if TYPE_CHECKING:
    from google import genai

    from langchain_gemini_vision.results import (
        Caption,
        DetectionResult,
        ImageComparison,
        VisualAnswer,
    )

__all__ = ["DEFAULT_MODEL", "ConcurrencyScope", "GeminiVisionClient", "GeminiVisionSettings"]

logger = logging.getLogger("langchain_gemini_vision")

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)
R = TypeVar("R", bound=BaseModel)

_INLINE_PREPARE_BYTES = 64 * 1024
"""In-memory images up to this size are prepared on the event loop (see ``aprepare``)."""


class _Slots:
    """One bound on requests in flight: a semaphore for threads and one per event loop."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.threads = threading.BoundedSemaphore(limit)
        self._loops: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Semaphore] = (
            weakref.WeakKeyDictionary()
        )

    def for_loop(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        slots = self._loops.get(loop)
        if slots is None:
            slots = asyncio.Semaphore(self.limit)
            self._loops[loop] = slots
        return slots


_SCOPE: ContextVar[tuple[GeminiVisionClient, _Slots] | None] = ContextVar(
    "gemini_vision_concurrency_scope", default=None
)
"""The client and bound of the :class:`ConcurrencyScope` the current code runs in."""

_BULK: ContextVar[GeminiVisionClient | None] = ContextVar("gemini_vision_bulk", default=None)
"""The client whose :class:`ConcurrencyScope` is active: its calls here are bulk work."""


class ConcurrencyScope:
    """A batch's own bound on one client's requests in flight.

    Made by :meth:`GeminiVisionClient.concurrency`.
    """

    def __init__(self, client: GeminiVisionClient, limit: int) -> None:
        self.limit = limit
        self._client = client
        # At or under the client's bound the client's own slots do: nothing to set.
        self._value = (client, _Slots(limit)) if limit > client.max_concurrency else None

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Calls of the client inside this block (and in the threads and tasks it starts
        with a copy of its context) share this scope's bound instead of the client's,
        and are bulk work: they wait their turn in the quota, and wait out what Gemini
        asks for, under the client's ``bulk_retry`` policy."""
        bulk = _BULK.set(self._client)
        token = _SCOPE.set(self._value) if self._value is not None else None
        try:
            yield
        finally:
            if token is not None:
                _SCOPE.reset(token)
            _BULK.reset(bulk)


_FIXED_ATTRIBUTES = frozenset(
    {
        *GeminiVisionSettings.model_fields,
        "settings",
        "transport_name",
        "files",
        "decode_budget",
        "limiter",
        "result_cache",
    }
)
"""What a client is built from: set once, in ``__init__``."""


class GeminiVisionClient:
    """Gemini image understanding, sync and async, through either Gemini API.

    Args:
        settings: A :class:`~langchain_gemini_vision.settings.GeminiVisionSettings`
            (every setting, documented there); ``None``: the defaults.
        genai_client: An existing ``google.genai.Client`` to use instead of building one
            (it carries its own key and endpoint; the transport is then ``"sdk"``).
        clock: What the quota limiter and the retries read the time from and sleep with
            (``None``: the monotonic clock and real sleeps; tests pass a virtual one).
        **fields: Settings by name (``model=``, ``api_key=``, ``max_concurrency=``...),
            over those of ``settings``. A name no setting has raises
            :class:`~langchain_gemini_vision.errors.UnknownArgumentError` (a ``TypeError``)
            naming the closest one; a bad value, :class:`ConfigurationError`.

    The settings are fixed once the client is built (its transport, pool and bounds
    are made from them): assigning ``client.model`` raises; build another client,
    ``GeminiVisionClient(client.settings, model=...)``.
    """

    def __init__(
        self,
        settings: GeminiVisionSettings | None = None,
        *,
        genai_client: genai.Client | None = None,
        clock: Clock | None = None,
        **fields: Any,
    ) -> None:
        settings = GeminiVisionSettings.build(settings, owner=type(self).__name__, **fields)
        self.settings = settings
        self.model = settings.model_name()
        self.api: ApiName = settings.api
        self.timeout = settings.timeout
        self.retry = settings.retry or RetryPolicy()
        self.bulk_retry = settings.bulk_retry or for_bulk(self.retry)
        self.clock: Clock = clock or SYSTEM_CLOCK
        self.max_concurrency = settings.max_concurrency
        self.media_resolution: MediaResolution | None = settings.media_resolution
        self._profile_override = settings.profile
        self.inline_limit_bytes = settings.inline_limit_bytes
        self.allowed_dirs = settings.allowed_dirs
        self.url_policy = settings.url_policy
        self.max_side = settings.max_side
        self.max_pixels = settings.max_pixels
        self.mask_threshold = settings.mask_threshold
        self.prompts = settings.prompts
        if settings.temperature is not None and self.profile.sampling == "ignored":
            warnings.warn(
                f"{self.model} ignores temperature (top_p and top_k too): it is not sent",
                UserWarning,
                stacklevel=2,
            )
        use_vertex = bool(settings.vertexai)
        project, location = settings.project, settings.location
        # As google-genai: an explicit base_url, else GOOGLE_GEMINI_BASE_URL (the SDK
        # transport reads the variable itself, and gets the same value from here).
        # A malformed URL is a setting error now, not a connection failure retried later.
        base_url = settings.base_url
        if base_url is None and not use_vertex:
            base_url = env_base_url(vertexai=False)
        self.base_url = check_base_url(base_url) if base_url is not None else None
        self.api_version = settings.api_version

        self._api_key: SecretStr | None = settings.api_key or key_from_env()
        chosen = settings.transport
        given = None if chosen is None or isinstance(chosen, str) else chosen
        if genai_client is None and not use_vertex and self._api_key is None and given is None:
            msg = (
                "No Gemini API key: set GOOGLE_API_KEY or GEMINI_API_KEY, pass api_key=..., "
                "or use Vertex AI with vertexai=True, project=... and location=..."
            )
            raise ConfigurationError(msg)
        # Built on first use (SDK transport, Files API, Batch API): the lean
        # transport alone never imports google-genai, whose types module is the
        # largest thing a process would otherwise load for this package.
        self._genai: genai.Client | None = genai_client
        self._genai_settings = (use_vertex, project, location)
        self._genai_lock = threading.Lock()
        self.transport: Transport = given or self._named_transport(
            cast("TransportName | None", chosen),
            use_vertex=use_vertex,
            genai_given=genai_client is not None,
        )
        """What carries the calls (see :class:`~._transport.base.Transport`)."""
        self.transport_name: str = self.transport.name
        self.decode_budget = DecodeBudget(settings.decode_budget_bytes)
        """What this client's concurrent decodes may hold at once (``decode_budget_bytes``)."""
        self.files = FileCache(lambda: self.genai_client, retry=self.retry, secret=self._api_key)
        self._usage = Usage()
        self._usage_lock = threading.Lock()
        self._task_context: TaskContext | None = None
        self._own_slots = _Slots(self.max_concurrency)
        self.result_cache = ResultCache(settings.cache) if settings.cache is not None else None
        """The ``cache`` setting's store, read and written safely (``None``: no cache)."""
        self.limiter = QuotaLimiter(
            rpm=settings.rpm,
            tpm=settings.tpm,
            rate_limiter=settings.rate_limiter,
            learn=settings.learn_quota,
            clock=self.clock,
        )
        """Every request asks it first: ``rpm``/``tpm``, what 429s taught, requests in flight."""
        self._built = True

    def _named_transport(
        self, name: TransportName | None, *, use_vertex: bool, genai_given: bool
    ) -> Transport:
        if name is None:
            # A genai.Client passed in carries its own settings: use it, as documented.
            lean = self._api_key is not None and not use_vertex and not genai_given
            name = "lean" if lean else "sdk"
        if name == "sdk":
            from langchain_gemini_vision._transport.sdk import SdkTransport

            return SdkTransport(self.genai_client, secret=self._api_key)
        if self._api_key is None or use_vertex:
            msg = "transport='lean' needs an API key (Vertex AI goes through transport='sdk')"
            raise ConfigurationError(msg)
        return LeanTransport(
            api_key=self._api_key,
            base_url=self.base_url,
            api_version=self.api_version,
            timeout=self.timeout,
            # The slots bound requests in flight, and a batch may ask for more than
            # max_concurrency: the pool adds no second, lower bound.
            max_connections=None,
        )

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _FIXED_ATTRIBUTES and self.__dict__.get("_built"):
            msg = (
                f"GeminiVisionClient.{name} cannot be changed once the client is built (its "
                "transport, pool and bounds are made from its settings): build another one, "
                f"GeminiVisionClient(client.settings, {name}=...)"
            )
            raise AttributeError(msg)
        super().__setattr__(name, value)

    def __reduce__(self) -> Any:
        msg = (
            "GeminiVisionClient cannot be pickled: it holds open connections and the API key. "
            "Pickle its settings instead (client.settings: the key is left out and read from "
            "the environment again) and build a client from them where they are unpickled."
        )
        raise TypeError(msg)

    def __copy__(self) -> GeminiVisionClient:
        return self  # a client is a shared resource: copies share it

    def __deepcopy__(self, memo: dict[int, Any]) -> GeminiVisionClient:
        return self

    def _build_genai_client(self) -> genai.Client:
        from google import genai
        from google.genai import types

        vertexai, project, location = self._genai_settings
        # Our RetryPolicy is the only retry layer: the SDK's own (5 attempts on
        # Interactions, none on generateContent) is turned off so they never stack.
        options = types.HttpOptions(
            base_url=self.base_url,
            api_version=self.api_version,
            timeout=int(self.timeout * 1000) if self.timeout else None,
            retry_options=types.HttpRetryOptions(attempts=1),
        )
        if vertexai:
            return genai.Client(
                vertexai=True, project=project, location=location, http_options=options
            )
        assert self._api_key is not None
        return genai.Client(api_key=self._api_key.get_secret_value(), http_options=options)

    def __repr__(self) -> str:
        where = f", base_url={self.base_url!r}" if self.base_url else ""
        return (
            f"GeminiVisionClient(model={self.model!r}, api={self.api!r}, "
            f"transport={self.transport_name!r}{where})"
        )

    # ------------------------------------------------------------------ properties

    @property
    def genai_client(self) -> genai.Client:
        """The google-genai client this one holds (for calls the package does not wrap)."""
        if self._genai is None:
            with self._genai_lock:
                if self._genai is None:
                    self._genai = self._build_genai_client()
        return self._genai

    @property
    def profile(self) -> ModelProfile:
        """The profile of :attr:`model`, or the override given."""
        return self._profile_override or profile_for(self.model)

    @property
    def usage(self) -> Usage:
        """Tokens used by every call this client has made."""
        return self._usage

    # ------------------------------------------------------------------ images

    def _load_options(self, allowed_dirs: Sequence[str | Path] | None) -> dict[str, Any]:
        return {
            "allowed_dirs": self.allowed_dirs if allowed_dirs is None else allowed_dirs,
            "max_side": self.max_side,
            "max_pixels": self.max_pixels,
            "url_policy": self.url_policy,
            "inline_limit_bytes": self._inline_limit(),
            "max_decode_bytes": self.settings.max_decode_bytes,
            "decode_budget": self.decode_budget,
        }

    def prepare(
        self,
        source: Any,
        *,
        fetch: bool = False,
        allowed_dirs: Sequence[str | Path] | None = None,
    ) -> PreparedImage:
        """Load one image with this client's allowed directories, URL policy and downscale.

        ``fetch=True`` downloads http(s) URLs (through the URL policy) instead of
        passing them as URIs: detection and segmentation need the image's size to
        map boxes to pixels. ``allowed_dirs`` replaces the client's folders for this
        image (the tools pass their ``reference_dirs`` for a path a model chose).
        """
        if isinstance(source, PreparedImage):
            return source  # as load_image returns it, without building its options
        return load_image(source, fetch=fetch, **self._load_options(allowed_dirs))

    async def aprepare(
        self,
        source: Any,
        *,
        fetch: bool = False,
        allowed_dirs: Sequence[str | Path] | None = None,
    ) -> PreparedImage:
        """Async :meth:`prepare`: downloads async, file and pixel work off the event loop.

        A prepared image needs nothing; small in-memory bytes are prepared in place:
        reading their header costs less than the hop to a worker thread and back.
        """
        if isinstance(source, PreparedImage):
            return source
        if isinstance(source, (bytes, bytearray)) and len(source) <= _INLINE_PREPARE_BYTES:
            return self.prepare(source, fetch=fetch, allowed_dirs=allowed_dirs)
        return await aload_image(source, fetch=fetch, **self._load_options(allowed_dirs))

    def prepare_many(self, sources: Iterable[Any], *, fetch: bool = False) -> list[PreparedImage]:
        """Load several images for one request (at most 3,600)."""
        items = list(sources)
        if len(items) > MAX_IMAGES_PER_REQUEST:
            raise ImageInputError(
                f"{len(items)} images",
                "too_many_images",
                f"Gemini accepts at most {MAX_IMAGES_PER_REQUEST} images per request; "
                "split them over several calls.",
            )
        return [self.prepare(item, fetch=fetch) for item in items]

    def prepare_for(self, task: Task[Any, Any], images: Any) -> list[PreparedImage]:
        """The images of one call of ``task``, counted and loaded as it needs them
        (downloaded and measured when it maps answers to pixels)."""
        sources = task.sources(images)
        if task.single:
            return [self.prepare(sources[0], fetch=task.needs_pixels)]
        return self.prepare_many(sources, fetch=task.needs_pixels)

    async def aprepare_for(self, task: Task[Any, Any], images: Any) -> list[PreparedImage]:
        """Async :meth:`prepare_for`."""
        sources = task.sources(images)
        if task.single:
            return [await self.aprepare(sources[0], fetch=task.needs_pixels)]
        return await asyncio.to_thread(self.prepare_many, sources, fetch=task.needs_pixels)

    def _inline_limit(self) -> int:
        return self.inline_limit_bytes or self.profile.inline_limit_bytes

    def _plan(self, images: Sequence[PreparedImage]) -> list[PreparedImage]:
        if len(images) > MAX_IMAGES_PER_REQUEST:
            return self.prepare_many(images)  # raises with the right message
        return fit_inline_budget(list(images), self._inline_limit())

    @staticmethod
    def _part(
        image: PreparedImage, resolution: MediaResolution | None, cached: CachedFile | None
    ) -> ImagePart:
        """How ``image`` goes on the wire: its Files API file when it has one."""
        if cached is not None:
            return ImagePart(mime_type=cached.mime_type, uri=cached.uri, resolution=resolution)
        return ImagePart(
            mime_type=image.mime_type,
            data_base64=image.base64_data if image.placement == "inline" else None,
            uri=image.uri if image.placement == "uri" else None,
            resolution=resolution,
        )

    def _file_of(self, image: PreparedImage) -> CachedFile | None:
        """The Files API file ``image`` goes as (looked up or uploaded), if any."""
        if image.placement == "files_api":
            return self.files.resolve_name(image.file_name or image.uri or "")
        return self.files.upload(*_upload_args(image)) if _needs_upload(image) else None

    async def _afile_of(self, image: PreparedImage) -> CachedFile | None:
        """Async :meth:`_file_of`."""
        if image.placement == "files_api":
            return await self.files.aresolve_name(image.file_name or image.uri or "")
        return await self.files.aupload(*_upload_args(image)) if _needs_upload(image) else None

    def resolve_request(self, request: VisionRequest, *, api: ApiName | None = None) -> WireRequest:
        """``request`` with its images resolved for ``api`` (the client's by default):
        large ones uploaded, Files API names looked up. What :meth:`generate` sends, and
        what batch jobs submit."""
        resolution = self._resolution(request)
        parts = [self._part(i, resolution, self._file_of(i)) for i in self._plan(request.images)]
        return self.wire_request(request, parts, api=api)

    async def aresolve_request(
        self, request: VisionRequest, *, api: ApiName | None = None
    ) -> WireRequest:
        """Async :meth:`resolve_request`: uploads and lookups of one request run together."""
        resolution = self._resolution(request)
        planned = self._plan(request.images)
        files: list[CachedFile | None] = [None] * len(planned)
        if any(i.placement == "files_api" or _needs_upload(i) for i in planned):
            # Only then: the usual request (inline bytes, URIs) starts no task at all.
            files = list(await asyncio.gather(*(self._afile_of(i) for i in planned)))
        parts = [self._part(i, resolution, f) for i, f in zip(planned, files, strict=True)]
        return self.wire_request(request, parts, api=api)

    # ------------------------------------------------------------------ the one call

    def wire_request(
        self,
        request: VisionRequest,
        parts: Sequence[ImagePart],
        *,
        api: ApiName | None = None,
    ) -> WireRequest:
        """``request`` with its images resolved to ``parts``, for ``api`` (the client's by default).

        The profile turns the thinking intent into what the API takes; the Batch API
        (generateContent bodies) builds its requests here too.
        """
        profile, settings = self.profile, self.settings
        thinking_level = thinking_budget = None
        if settings.thinking_level is not None:  # the client's override wins over the task's
            thinking_level = settings.thinking_level
        elif request.thinking == "low":
            thinking_level = profile.low_thinking_level
            if (api or self.api) == "generate_content":
                thinking_budget = profile.low_thinking_budget
        temperature = _first(request.temperature, settings.temperature)
        return WireRequest(
            model=self.model,
            prompt=request.prompt,
            parts=tuple(parts),
            response_schema=request.response_schema,
            system_instruction=request.system_instruction,
            thinking_level=thinking_level,
            thinking_budget=thinking_budget,
            max_output_tokens=_first(request.max_output_tokens, settings.max_output_tokens),
            temperature=temperature if profile.sampling == "honoured" else None,
            safety_settings=settings.safety_settings,
            labels=settings.labels,
            profile=profile,
        )

    def _resolution(self, request: VisionRequest) -> MediaResolution | None:
        if not self.profile.supports_media_resolution:
            return None
        return (
            request.media_resolution
            or self.media_resolution
            or self.profile.default_media_resolution
        )

    def _forget_expired(
        self, error: GeminiVisionError, wire: WireRequest, request: VisionRequest
    ) -> None:
        """After a 403/404: forget the cached uploads ``wire`` used, so the call can upload
        them again, once (they expired or were deleted); re-raise ``error`` when there
        was none to forget."""
        given = {image.uri for image in request.images if image.placement == "uri"}
        stale = [p.uri for p in wire.parts if p.uri is not None and p.uri not in given]
        if not stale or not any(self.files.invalidate_uri(uri) for uri in stale):
            raise error
        logger.info("re-uploading %d expired file(s) and retrying once", len(stale))

    def _counted(self, response: VisionResponse) -> VisionResponse:
        with self._usage_lock:
            self._usage = self._usage + response.usage
        return response

    def generate(self, request: VisionRequest) -> VisionResponse:
        """Send one request (images resolved, retried, bounded) and return Gemini's answer.

        Raises:
            GeminiVisionAPIError: and its subclasses, once the retry policy gives up.
            ResponseBlockedError: the answer was blocked (safety, recitation, ...).
            EmptyResponseError: no candidates or no text.
        """
        tokens = self._input_estimate(request)
        with self._slots().threads:
            wire = self.resolve_request(request)
            try:
                response = self._send(wire, tokens)
            except (GeminiVisionAuthError, GeminiVisionNotFoundError) as error:
                self._forget_expired(error, wire, request)
                response = self._send(self.resolve_request(request), tokens)
        return self._counted(response)

    async def agenerate(self, request: VisionRequest) -> VisionResponse:
        """Async twin of :meth:`generate`."""
        tokens = self._input_estimate(request)
        async with self._slots().for_loop():
            wire = await self.aresolve_request(request)
            try:
                response = await self._asend(wire, tokens)
            except (GeminiVisionAuthError, GeminiVisionNotFoundError) as error:
                self._forget_expired(error, wire, request)
                response = await self._asend(await self.aresolve_request(request), tokens)
        return self._counted(response)

    def _input_estimate(self, request: VisionRequest) -> int:
        """The input tokens ``request`` will count against a quota, by the package's estimate."""
        text = request.prompt + (request.system_instruction or "")
        return estimate_request_tokens(request.images, text, self._resolution(request))

    def _policy(self) -> tuple[RetryPolicy, float | None]:
        """The retry policy of the current call, and how long its turn in the quota may
        be waited for: bulk work (inside a :class:`ConcurrencyScope`) waits as long as the
        quota needs; one interactive call as long as its policy honours a server's wait."""
        if _BULK.get() is self:
            return self.bulk_retry, None
        return self.retry, self.retry.max_retry_after

    def _send(self, wire: WireRequest, tokens: int) -> VisionResponse:
        send, limiter = self.transport.send, self.limiter
        policy, max_wait = self._policy()

        def attempt(left: float | None) -> VisionResponse:
            with limiter.permit(tokens, max_wait=_wait_bound(max_wait, left)) as permit:
                response = send(wire, self.api, timeout=_attempt_timeout(self.timeout, left))
                permit.answered(response.usage.input_tokens)
            return response

        return call_with_retries(attempt, policy, sleep=self.clock.sleep, clock=self.clock.now)

    async def _asend(self, wire: WireRequest, tokens: int) -> VisionResponse:
        send, limiter = self.transport.asend, self.limiter
        policy, max_wait = self._policy()

        async def attempt(left: float | None) -> VisionResponse:
            permit = await limiter.apermit(tokens, max_wait=_wait_bound(max_wait, left))
            with permit:
                response = await send(wire, self.api, timeout=_attempt_timeout(self.timeout, left))
                permit.answered(response.usage.input_tokens)
            return response

        return await acall_with_retries(
            attempt, policy, sleep=self.clock.asleep, clock=self.clock.now
        )

    def _slots(self) -> _Slots:
        """The bound the current call counts against: its batch's scope, else the client's."""
        scope = _SCOPE.get()
        return scope[1] if scope is not None and scope[0] is self else self._own_slots

    def concurrency(self, limit: int) -> ConcurrencyScope:
        """A scope in which this client runs up to ``limit`` requests at once.

        The client's ``max_concurrency`` bounds calls made one by one and is the
        default for batches; a batch that asks for more (``abatch(...,
        config={"max_concurrency": 64})``, ``amap(..., max_concurrency=64)``, the
        loader's ``max_concurrency``) gets its own bound of that size::

            scope = client.concurrency(64)
            with scope.active():
                await asyncio.gather(*(client.acaption(image) for image in images))

        Threads and tasks started inside ``active()`` with a copy of its context
        (LangChain's executors, ``asyncio`` tasks) share the scope.
        """
        return ConcurrencyScope(self, limit)

    def stream(self, request: VisionRequest) -> Iterator[str]:
        """Yield the answer's text as it arrives (retried until its first piece, never after)."""
        for piece in self.stream_response(request):
            if isinstance(piece, str):
                yield piece

    async def astream(self, request: VisionRequest) -> AsyncIterator[str]:
        """Async twin of :meth:`stream`."""
        async for piece in self.astream_response(request):
            if isinstance(piece, str):
                yield piece

    def stream_response(self, request: VisionRequest) -> Iterator[str | VisionResponse]:
        """Yield the answer's text as it arrives, then the whole :class:`VisionResponse`
        (what :meth:`generate` returns: usage, finish reason, truncation), counted.

        A failure before the first piece is retried as :meth:`generate`'s are; once text
        has arrived the caller may have used it, so a later failure raises.
        """
        wire = self.resolve_request(request)
        stream = self.transport.stream_text

        def start(left: float | None) -> tuple[Any, Iterator[str | VisionResponse]]:
            pieces = iter(stream(wire, self.api, timeout=_attempt_timeout(self.timeout, left)))
            return next(pieces, None), pieces

        with self._slots().threads:
            first, pieces = call_with_retries(start, self.retry)
            ending = _StreamEnd(self)
            try:
                for piece in itertools.chain([first], pieces):
                    yield from ending.read(piece)
            finally:
                getattr(pieces, "close", lambda: None)()
            yield ending.response()

    async def astream_response(self, request: VisionRequest) -> AsyncIterator[str | VisionResponse]:
        """Async twin of :meth:`stream_response`."""
        wire = await self.aresolve_request(request)
        stream = self.transport.astream_text

        async def start(left: float | None) -> tuple[Any, AsyncIterator[str | VisionResponse]]:
            pieces = aiter(stream(wire, self.api, timeout=_attempt_timeout(self.timeout, left)))
            return await anext(pieces, None), pieces

        async with self._slots().for_loop():
            first, pieces = await acall_with_retries(start, self.retry)
            ending = _StreamEnd(self)
            try:
                for text in ending.read(first):
                    yield text
                async for piece in pieces:
                    for text in ending.read(piece):
                        yield text
            finally:
                close = getattr(pieces, "aclose", None)
                if close is not None:
                    await close()
            yield ending.response()

    def run_stream(
        self,
        task: Task[Any, Any] | str,
        images: Any,
        /,
        *,
        on_text: Callable[[str], object] | None = None,
        **options: Any,
    ) -> Iterator[Any]:
        """Run a task with streaming: its chunks as the answer arrives, then its result.

        The chunks are the task's (:mod:`~langchain_gemini_vision.tasks.streams`: a
        caption's text as it grows, each detection as its object closes); the last item
        is the result :meth:`run` returns for the same call, usage and truncation
        included. ``on_text`` sees the model's raw text pieces as they arrive.
        """
        spec, chosen = self._task_call(task, options)
        call = TaskCall(self.prepare_for(spec, images), chosen, self.task_context)
        streamer = spec.streamer(call)
        response: VisionResponse | None = None
        for piece in self.stream_response(spec.build(call)):
            if isinstance(piece, VisionResponse):
                response = piece
                continue
            if on_text is not None:
                on_text(piece)
            if streamer is not None:
                yield from streamer.feed(piece)
        assert response is not None  # the stream ends with its response
        result = spec.read(response, call, streamer)
        if streamer is not None:
            yield from streamer.finish(result)
        yield result

    async def arun_stream(
        self,
        task: Task[Any, Any] | str,
        images: Any,
        /,
        *,
        on_text: Callable[[str], object] | None = None,
        **options: Any,
    ) -> AsyncIterator[Any]:
        """Async twin of :meth:`run_stream` (``on_text`` may be a coroutine function)."""
        spec, chosen = self._task_call(task, options)
        call = TaskCall(await self.aprepare_for(spec, images), chosen, self.task_context)
        streamer = spec.streamer(call)
        response: VisionResponse | None = None
        async for piece in self.astream_response(spec.build(call)):
            if isinstance(piece, VisionResponse):
                response = piece
                continue
            if on_text is not None:
                seen = on_text(piece)
                if inspect.isawaitable(seen):
                    await seen
            if streamer is not None:
                for chunk in streamer.feed(piece):
                    yield chunk
        assert response is not None  # the stream ends with its response
        result = spec.read(response, call, streamer)
        if streamer is not None:
            for chunk in streamer.finish(result):
                yield chunk
        yield result

    # ------------------------------------------------------------------ embeddings

    def embedding_part(self, image: PreparedImage) -> ImagePart:
        """``image`` as it goes, alone, into an embedding request: inline, or uploaded
        to the Files API when over the inline budget (the cache reuses an upload)."""
        alone = fit_inline_budget([image], self._inline_limit())[0]
        return self._part(alone, None, self._file_of(alone))

    async def aembedding_part(self, image: PreparedImage) -> ImagePart:
        """Async :meth:`embedding_part`."""
        alone = fit_inline_budget([image], self._inline_limit())[0]
        return self._part(alone, None, await self._afile_of(alone))

    def embed(self, request: EmbedRequest) -> EmbedResponse:
        """Send one embedding request (``batchEmbedContents``), retried and bounded as
        :meth:`generate` is; its usage joins the client's totals."""
        embed = _embedder(self.transport).embed
        with self._slots().threads:
            response = call_with_retries(
                lambda left: embed(request, timeout=_attempt_timeout(self.timeout, left)),
                self.retry,
            )
        return self._counted_embedding(response)

    async def aembed(self, request: EmbedRequest) -> EmbedResponse:
        """Async twin of :meth:`embed`."""
        embed = _embedder(self.transport).aembed
        async with self._slots().for_loop():
            response = await acall_with_retries(
                lambda left: embed(request, timeout=_attempt_timeout(self.timeout, left)),
                self.retry,
            )
        return self._counted_embedding(response)

    def _counted_embedding(self, response: EmbedResponse) -> EmbedResponse:
        with self._usage_lock:
            self._usage = self._usage + response.usage
        return response

    # ------------------------------------------------------------------ batches

    def map(
        self,
        fn: Callable[[T], M],
        items: Sequence[T],
        *,
        max_concurrency: int | None = None,
    ) -> list[M | GeminiVisionError]:
        """Run ``fn`` over ``items`` on threads, ``max_concurrency`` at a time, in input order.

        ``max_concurrency`` defaults to the client's; more than the client's is granted
        (see :meth:`concurrency`). A failed item gives its error in its place; the
        other items are not lost.
        """
        limit = max_concurrency or self.max_concurrency
        with self.concurrency(limit).active(), closing(ordered_map(fn, items, limit=limit)) as done:
            return [_kept(outcome) for outcome in done]

    async def amap(
        self,
        fn: Callable[[T], Awaitable[M]],
        items: Sequence[T],
        *,
        max_concurrency: int | None = None,
    ) -> list[M | GeminiVisionError]:
        """Async twin of :meth:`map`: ``max_concurrency`` calls in flight, input order kept."""
        limit = max_concurrency or self.max_concurrency
        with self.concurrency(limit).active():
            async with aclosing(aordered_map(fn, items, limit=limit)) as done:
                return [_kept(outcome) async for outcome in done]

    # ------------------------------------------------------------------ tasks

    @property
    def task_context(self) -> TaskContext:
        """What the tasks read from this client: prompts, profile, parsing bounds."""
        profile = self.profile
        context = self._task_context
        if context is None or context.profile is not profile:
            # Built once: the settings are fixed; a profile registered later replaces it.
            context = self._task_context = TaskContext(
                profile=profile,
                model=self.model,
                prompts=self.prompts,
                mask_threshold=self.mask_threshold,
                max_detection_items=self.settings.max_detection_items,
                max_mask_bytes=self.settings.max_mask_bytes,
            )
        return context

    def _task_call(
        self, task: Task[Any, Any] | str, options: dict[str, Any]
    ) -> tuple[Task[Any, Any], Any]:
        spec = get_task(task)
        return spec, spec.validate_options(options, owner=f"GeminiVisionClient.{spec.name}")

    @overload
    def run(self, task: Task[Any, R], images: Any, /, **options: Any) -> R: ...
    @overload
    def run(self, task: str, images: Any, /, **options: Any) -> Any: ...
    def run(self, task: Task[Any, Any] | str, images: Any, /, **options: Any) -> Any:
        """Run a task (a registered name or a task object) on ``images`` with ``options``.

        Every task method is this call: ``client.detect(image, query="cars")`` is
        ``client.run("detect", image, query="cars")``, and a task registered later is
        ``client.<its name>(...)`` too. With the ``cache`` setting, an answer given before
        to the same request is parsed again instead of asked for (see :meth:`cache_key`).

        Raises:
            UnknownArgumentError: An option the task does not take (a ``TypeError``).
            ValueError: An unknown task, or an option value it does not take.
        """
        spec, chosen = self._task_call(task, options)
        call = TaskCall(self.prepare_for(spec, images), chosen, self.task_context)
        request = spec.build(call)
        cache = self.result_cache
        if cache is None:
            return spec.read(self.generate(request), call)
        key = self._answer_key(spec, request)
        kept = _reparsed(spec, cache.answer(key), call)
        if kept is not None:
            return kept
        response = self.generate(request)
        result = spec.read(response, call)
        cache.keep(key, response)
        return result

    @overload
    async def arun(self, task: Task[Any, R], images: Any, /, **options: Any) -> R: ...
    @overload
    async def arun(self, task: str, images: Any, /, **options: Any) -> Any: ...
    async def arun(self, task: Task[Any, Any] | str, images: Any, /, **options: Any) -> Any:
        """Async :meth:`run`."""
        spec, chosen = self._task_call(task, options)
        call = TaskCall(await self.aprepare_for(spec, images), chosen, self.task_context)
        request = spec.build(call)
        cache = self.result_cache
        if cache is None:
            return spec.read(await self.agenerate(request), call)
        key = self._answer_key(spec, request)
        kept = _reparsed(spec, await cache.aanswer(key), call)
        if kept is not None:
            return kept
        response = await self.agenerate(request)
        result = spec.read(response, call)
        await cache.akeep(key, response)
        return result

    def cache_key(self, task: Task[Any, Any] | str, images: Any, /, **options: Any) -> str:
        """The result cache's key for ``client.run(task, images, **options)``.

        A SHA-256 of what decides the answer: the request as the wire carries it
        (model, prompt, schema, thinking, media resolution...), each image's bytes as
        sent (their SHA-256; a URI or Files API name as it is), the answering service
        and the cache's version (``settings.RESULT_CACHE_KEY`` lists every setting's
        part). ``client.settings.cache.mdelete([client.cache_key(...)])`` forgets one answer.
        """
        spec, chosen = self._task_call(task, options)
        call = TaskCall(self.prepare_for(spec, images), chosen, self.task_context)
        return self._answer_key(spec, spec.build(call))

    def _answer_key(self, task: Task[Any, Any], request: VisionRequest) -> str:
        # One API's shape for both: their answers are the same, so is their key.
        wire = self.wire_request(request, (), api="generate_content")
        keyed = (n for n, role in RESULT_CACHE_KEY.items() if role == "source")
        source = {name: getattr(self.settings, name) for name in keyed}
        source["base_url"] = self.base_url  # as resolved: GOOGLE_GEMINI_BASE_URL counts
        return cache_key(
            task.name,
            {
                # Labels travel with the request but bill it, never change its answer.
                "request": wire.model_dump(mode="json", exclude={"parts", "profile", "labels"}),
                "media_resolution": self._resolution(request),
                "images": [_identity(image) for image in request.images],
                "source": source,
            },
        )

    if not TYPE_CHECKING:  # type checkers keep flagging unknown attributes

        def __getattr__(self, name: str) -> Any:
            # A task registered later: client.<task>(...) and client.a<task>(...).
            found = find_task(name)
            if found is not None:
                return functools.partial(self.run, found)
            found = find_task(name[1:]) if name.startswith("a") else None
            if found is not None:
                return functools.partial(self.arun, found)
            msg = f"{type(self).__name__!r} object has no attribute {name!r}"
            raise AttributeError(msg)

    def caption(self, image: Any, *, prompt: str | None = None) -> Caption:
        """Describe one image. See :mod:`langchain_gemini_vision.tasks.caption`."""
        return self.run(CAPTION, image, prompt=prompt)

    async def acaption(self, image: Any, *, prompt: str | None = None) -> Caption:
        """Async twin of :meth:`caption`."""
        return await self.arun(CAPTION, image, prompt=prompt)

    def compare(self, images: Sequence[Any], *, prompt: str | None = None) -> ImageComparison:
        """Compare two or more images in one request."""
        return self.run(COMPARE, images, prompt=prompt)

    async def acompare(
        self, images: Sequence[Any], *, prompt: str | None = None
    ) -> ImageComparison:
        """Async twin of :meth:`compare`."""
        return await self.arun(COMPARE, images, prompt=prompt)

    def detect(
        self, image: Any, *, query: str | None = None, max_objects: int | None = None
    ) -> DetectionResult:
        """Find objects and their boxes (pixels of the original image)."""
        return self.run(DETECT, image, query=query, max_objects=max_objects)

    async def adetect(
        self, image: Any, *, query: str | None = None, max_objects: int | None = None
    ) -> DetectionResult:
        """Async twin of :meth:`detect`."""
        return await self.arun(DETECT, image, query=query, max_objects=max_objects)

    def segment(self, image: Any, *, query: str | None = None) -> DetectionResult:
        """Find objects with their masks (PNG maps or polygons, as the model gives them)."""
        return self.run(SEGMENT, image, query=query)

    async def asegment(self, image: Any, *, query: str | None = None) -> DetectionResult:
        """Async twin of :meth:`segment`."""
        return await self.arun(SEGMENT, image, query=query)

    @overload
    def ask(self, images: Any, question: str, *, schema: None = None) -> VisualAnswer: ...
    @overload
    def ask(
        self, images: Any, question: str, *, schema: type[M] | dict[str, Any]
    ) -> VisualAnswer: ...
    def ask(
        self, images: Any, question: str, *, schema: type[M] | dict[str, Any] | None = None
    ) -> VisualAnswer:
        """Ask a question about one or more images; ``schema`` gives structured output.

        The answer's ``data`` is an instance of ``schema`` when it is a pydantic model,
        the validated JSON when it is a JSON schema, and ``None`` for free text.
        """
        return self.run(ASK, images, question=question, schema=schema)

    async def aask(
        self, images: Any, question: str, *, schema: type[M] | dict[str, Any] | None = None
    ) -> VisualAnswer:
        """Async twin of :meth:`ask`."""
        return await self.arun(ASK, images, question=question, schema=schema)

    # ------------------------------------------------------------------ lifecycle

    def close(self) -> None:
        """Close connections (the client can no longer be used)."""
        self.transport.close()

    async def aclose(self) -> None:
        """Close connections from async code."""
        await self.transport.aclose()

    def __enter__(self) -> GeminiVisionClient:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    async def __aenter__(self) -> GeminiVisionClient:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.aclose()

    def redact(self, text: str) -> str:
        """``text`` with this client's key (and anything key-shaped) masked."""
        return redact(text, self._api_key.get_secret_value() if self._api_key else None)


reserve_names(dir(GeminiVisionClient), "GeminiVisionClient")


def _embedder(transport: Transport) -> Any:
    """``transport`` if it carries embeddings (the lean and SDK ones do)."""
    if not (hasattr(transport, "embed") and hasattr(transport, "aembed")):
        msg = (
            f"the transport {transport.name!r} carries no embedding requests: give it "
            "embed() and aembed() methods, or use transport='lean' or 'sdk'"
        )
        raise ConfigurationError(msg)
    return transport


class _StreamEnd:
    """What a stream ends with: the transport's whole response, or one made of its text
    (a transport that streams text alone), counted in the client's usage."""

    def __init__(self, client: GeminiVisionClient) -> None:
        self._client = client
        self._texts: list[str] = []
        self._response: VisionResponse | None = None

    def read(self, piece: str | VisionResponse | None) -> Iterator[str]:
        """The text ``piece`` adds (the response is kept for the end)."""
        if isinstance(piece, VisionResponse):
            self._response = piece
        elif piece:
            self._texts.append(piece)
            yield piece

    def response(self) -> VisionResponse:
        client = self._client
        got = self._response or VisionResponse(
            text="".join(self._texts), api=client.api, model=client.model
        )
        return client._counted(got)


def _kept(outcome: Outcome[Any, M]) -> M | GeminiVisionError:
    """A call's value, or its Gemini error in its place; any other error raises."""
    if isinstance(outcome.error, GeminiVisionError):
        return outcome.error
    return outcome.unwrap()


def _reparsed(task: Task[Any, R], response: VisionResponse | None, call: TaskCall[Any]) -> R | None:
    """The result a cached answer gives today, or ``None`` when it gives none (a miss)."""
    if response is None:
        return None
    try:
        result = task.read(response, call)
    except Exception as error:  # an answer this parser cannot read is asked for again
        logger.warning("result cache: a stored answer no longer parses (%r); calling", error)
        return None
    return result if isinstance(result, task.result) else None


def _identity(image: PreparedImage) -> str:
    """What identifies an image's content in a cache key: its bytes' SHA-256, else the
    URI or Files API name it is sent as."""
    if image.sha256 is not None:
        return f"sha256:{image.sha256}"
    if image.placement == "uri":
        return f"uri:{image.uri}"
    return f"file:{image.file_name or image.uri}"


def _wait_bound(max_wait: float | None, left: float | None) -> float | None:
    """How long a call may wait for its turn: its own bound, within the time it has left."""
    if max_wait is None or left is None:
        return max_wait
    return min(max_wait, max(0.0, left))


def _attempt_timeout(timeout: float | None, left: float | None) -> float | None:
    if left is None:
        return timeout
    if timeout is None:
        return max(0.001, left)
    return max(0.001, min(timeout, left))


def _first(value: T | None, default: T | None) -> T | None:
    """``value``, else ``default`` (a request's own setting wins over the client's)."""
    return value if value is not None else default


def _needs_upload(image: PreparedImage) -> bool:
    """Whether sending ``image`` takes an upload first (its bytes are over the budget)."""
    return image.placement == "inline" and image.needs_upload


def _upload_args(image: PreparedImage) -> tuple[bytes, str, str, str]:
    """What the Files API cache needs to upload ``image``: bytes, MIME type, sha256, label."""
    if image.data is None or image.sha256 is None or image.mime_type is None:
        msg = f"{image.source_label}: an inline image without bytes cannot be uploaded"
        raise ValueError(msg)
    return image.data, image.mime_type, image.sha256, image.source_label
