"""`GeminiVisionClient`: the key, concurrency, usage and the tasks, built from one settings object.

Its settings (:class:`~langchain_gemini_vision.settings.GeminiVisionSettings`) are
fixed for its life: a client with other settings is another client. It builds a
google-genai ``Client`` only when the SDK transport, the Files API or the Batch
API first needs one, keeps it for its whole life (the SDK closes its transport
when that object is garbage-collected), and offers every task the same call,
sync and async: :meth:`GeminiVisionClient.generate`.

Example:
    >>> from langchain_gemini_vision import GeminiVisionClient
    >>> client = GeminiVisionClient()  # reads GOOGLE_API_KEY or GEMINI_API_KEY
    >>> result = client.detect("photo.jpg", query="every price tag")  # doctest: +SKIP
    >>> [d.label for d in result]  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
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
from langchain_gemini_vision._transport.base import (
    ApiName,
    ImagePart,
    Transport,
    TransportName,
    VisionRequest,
    VisionResponse,
    WireRequest,
)
from langchain_gemini_vision._transport.files import FileCache
from langchain_gemini_vision._transport.lean import LeanTransport, check_base_url
from langchain_gemini_vision._transport.retry import (
    RetryPolicy,
    acall_with_retries,
    call_with_retries,
)
from langchain_gemini_vision.decode_budget import DecodeBudget
from langchain_gemini_vision.errors import (
    ConfigurationError,
    GeminiVisionAuthError,
    GeminiVisionError,
    GeminiVisionNotFoundError,
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
    GeminiVisionSettings,
    env_base_url,
    key_from_env,
)
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


class ConcurrencyScope:
    """A batch's own bound on one client's requests in flight.

    Made by :meth:`GeminiVisionClient.concurrency`.
    """

    def __init__(self, client: GeminiVisionClient, limit: int) -> None:
        self.limit = limit
        # At or under the client's bound the client's own slots do: nothing to set.
        self._value = (client, _Slots(limit)) if limit > client.max_concurrency else None

    @contextlib.contextmanager
    def active(self) -> Iterator[None]:
        """Calls of the client inside this block (and in the threads and tasks it starts
        with a copy of its context) share this scope's bound instead of the client's."""
        if self._value is None:
            yield
            return
        token = _SCOPE.set(self._value)
        try:
            yield
        finally:
            _SCOPE.reset(token)


_FIXED_ATTRIBUTES = frozenset(
    {*GeminiVisionSettings.model_fields, "settings", "transport_name", "files", "decode_budget"}
)
"""What a client is built from: set once, in ``__init__``."""


class GeminiVisionClient:
    """Gemini image understanding, sync and async, through either Gemini API.

    Args:
        settings: A :class:`~langchain_gemini_vision.settings.GeminiVisionSettings`
            (every setting, documented there); ``None``: the defaults.
        genai_client: An existing ``google.genai.Client`` to use instead of building one
            (it carries its own key and endpoint; the transport is then ``"sdk"``).
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
        **fields: Any,
    ) -> None:
        settings = GeminiVisionSettings.build(settings, owner=type(self).__name__, **fields)
        self.settings = settings
        self.model = settings.model or os.environ.get("GEMINI_VISION_MODEL") or DEFAULT_MODEL
        self.api: ApiName = settings.api
        self.timeout = settings.timeout
        self.retry = settings.retry or RetryPolicy()
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
        self._own_slots = _Slots(self.max_concurrency)
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

    def _add_usage(self, usage: Usage) -> None:
        with self._usage_lock:
            self._usage = self._usage + usage

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

    def prepare_many(self, sources: Iterable[Any]) -> list[PreparedImage]:
        """Load several images for one request (at most 3,600)."""
        items = list(sources)
        if len(items) > MAX_IMAGES_PER_REQUEST:
            from langchain_gemini_vision.errors import ImageInputError

            raise ImageInputError(
                f"{len(items)} images",
                "too_many_images",
                f"Gemini accepts at most {MAX_IMAGES_PER_REQUEST} images per request; "
                "split them over several calls.",
            )
        return [self.prepare(item) for item in items]

    def _inline_limit(self) -> int:
        return self.inline_limit_bytes or self.profile.inline_limit_bytes

    def _plan(self, images: Sequence[PreparedImage]) -> list[PreparedImage]:
        if len(images) > MAX_IMAGES_PER_REQUEST:
            return self.prepare_many(images)  # raises with the right message
        return fit_inline_budget(list(images), self._inline_limit())

    def _image_part(self, image: PreparedImage, resolution: MediaResolution | None) -> ImagePart:
        """An image that needs no network call to reference."""
        return ImagePart(
            mime_type=image.mime_type,
            data_base64=image.base64_data if image.placement == "inline" else None,
            uri=image.uri if image.placement == "uri" else None,
            resolution=resolution,
        )

    def _resolve_parts(
        self, images: Sequence[PreparedImage], resolution: MediaResolution | None
    ) -> list[ImagePart]:
        parts = []
        for image in self._plan(images):
            if image.placement == "files_api":
                cached = self.files.resolve_name(image.file_name or image.uri or "")
                parts.append(
                    ImagePart(mime_type=cached.mime_type, uri=cached.uri, resolution=resolution)
                )
            elif image.placement == "inline" and image.needs_upload:
                cached = self.files.upload(*_upload_args(image))
                parts.append(
                    ImagePart(mime_type=cached.mime_type, uri=cached.uri, resolution=resolution)
                )
            else:
                parts.append(self._image_part(image, resolution))
        return parts

    async def _aresolve_parts(
        self, images: Sequence[PreparedImage], resolution: MediaResolution | None
    ) -> list[ImagePart]:
        planned = self._plan(images)
        if not any(_needs_files_api(image) for image in planned):
            # The usual case (inline bytes, URIs): no upload to wait for, no task to start.
            return [self._image_part(image, resolution) for image in planned]

        async def resolve(image: PreparedImage) -> ImagePart:
            if image.placement == "files_api":
                cached = await self.files.aresolve_name(image.file_name or image.uri or "")
            elif image.placement == "inline" and image.needs_upload:
                cached = await self.files.aupload(*_upload_args(image))
            else:
                return self._image_part(image, resolution)
            return ImagePart(mime_type=cached.mime_type, uri=cached.uri, resolution=resolution)

        return list(await asyncio.gather(*(resolve(image) for image in planned)))

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
        profile = self.profile
        thinking_level = thinking_budget = None
        if request.thinking == "low":
            thinking_level = profile.low_thinking_level
            if (api or self.api) == "generate_content":
                thinking_budget = profile.low_thinking_budget
        return WireRequest(
            model=self.model,
            prompt=request.prompt,
            parts=tuple(parts),
            response_schema=request.response_schema,
            system_instruction=request.system_instruction,
            thinking_level=thinking_level,
            thinking_budget=thinking_budget,
            max_output_tokens=request.max_output_tokens,
            temperature=request.temperature,
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

    @staticmethod
    def _uploaded_uris(parts: Sequence[ImagePart], images: Sequence[PreparedImage]) -> list[str]:
        inline_uris = {image.uri for image in images if image.placement == "uri"}
        return [p.uri for p in parts if p.uri is not None and p.uri not in inline_uris]

    def generate(self, request: VisionRequest) -> VisionResponse:
        """Send one request (images resolved, retried, bounded) and return Gemini's answer.

        Raises:
            GeminiVisionAPIError: and its subclasses, once the retry policy gives up.
            ResponseBlockedError: the answer was blocked (safety, recitation, ...).
            EmptyResponseError: no candidates or no text.
        """
        images: list[PreparedImage] = list(request.images)
        resolution = self._resolution(request)
        with self._slots().threads:
            parts = self._resolve_parts(images, resolution)
            wire = self.wire_request(request, parts)
            try:
                response = self._send(wire)
            except (GeminiVisionAuthError, GeminiVisionNotFoundError):
                # A cached upload expired or was deleted: upload again, once.
                stale = self._uploaded_uris(parts, images)
                if not stale or not any(self.files.invalidate_uri(uri) for uri in stale):
                    raise
                logger.info("re-uploading %d expired file(s) and retrying once", len(stale))
                parts = self._resolve_parts(images, resolution)
                response = self._send(self.wire_request(request, parts))
        self._add_usage(response.usage)
        return response

    def _send(self, wire: WireRequest) -> VisionResponse:
        return call_with_retries(
            lambda left: self.transport.send(
                wire, self.api, timeout=_attempt_timeout(self.timeout, left)
            ),
            self.retry,
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

    async def agenerate(self, request: VisionRequest) -> VisionResponse:
        """Async twin of :meth:`generate`."""
        images: list[PreparedImage] = list(request.images)
        resolution = self._resolution(request)
        async with self._slots().for_loop():
            parts = await self._aresolve_parts(images, resolution)
            wire = self.wire_request(request, parts)
            try:
                response = await self._asend(wire)
            except (GeminiVisionAuthError, GeminiVisionNotFoundError):
                stale = self._uploaded_uris(parts, images)
                if not stale or not any(self.files.invalidate_uri(uri) for uri in stale):
                    raise
                logger.info("re-uploading %d expired file(s) and retrying once", len(stale))
                parts = await self._aresolve_parts(images, resolution)
                response = await self._asend(self.wire_request(request, parts))
        self._add_usage(response.usage)
        return response

    async def _asend(self, wire: WireRequest) -> VisionResponse:
        return await acall_with_retries(
            lambda left: self.transport.asend(
                wire, self.api, timeout=_attempt_timeout(self.timeout, left)
            ),
            self.retry,
        )

    def stream(self, request: VisionRequest) -> Iterator[str]:
        """Yield the answer's text as it arrives (no retries once text has started)."""
        parts = self._resolve_parts(list(request.images), self._resolution(request))
        with self._slots().threads:
            wire = self.wire_request(request, parts)
            yield from self.transport.stream_text(wire, self.api, timeout=self.timeout)

    async def astream(self, request: VisionRequest) -> AsyncIterator[str]:
        """Async twin of :meth:`stream`."""
        parts = await self._aresolve_parts(list(request.images), self._resolution(request))
        async with self._slots().for_loop():
            wire = self.wire_request(request, parts)
            async for delta in self.transport.astream_text(wire, self.api, timeout=self.timeout):
                yield delta

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

    def caption(self, image: Any, *, prompt: str | None = None) -> Caption:
        """Describe one image. See :mod:`langchain_gemini_vision.tasks.caption`."""
        from langchain_gemini_vision.tasks import caption

        prepared = self.prepare(image)
        request = caption.build_request(prepared, prompt=prompt, prompts=self.prompts)
        return caption.parse_response(self.generate(request))

    async def acaption(self, image: Any, *, prompt: str | None = None) -> Caption:
        """Async twin of :meth:`caption`."""
        from langchain_gemini_vision.tasks import caption

        prepared = await self.aprepare(image)
        request = caption.build_request(prepared, prompt=prompt, prompts=self.prompts)
        return caption.parse_response(await self.agenerate(request))

    def compare(self, images: Sequence[Any], *, prompt: str | None = None) -> ImageComparison:
        """Compare two or more images in one request."""
        from langchain_gemini_vision.tasks import compare

        prepared = self.prepare_many(images)
        request = compare.build_request(prepared, prompt=prompt, prompts=self.prompts)
        return compare.parse_response(self.generate(request))

    async def acompare(
        self, images: Sequence[Any], *, prompt: str | None = None
    ) -> ImageComparison:
        """Async twin of :meth:`compare`."""
        from langchain_gemini_vision.tasks import compare

        prepared = await asyncio.to_thread(self.prepare_many, images)
        request = compare.build_request(prepared, prompt=prompt, prompts=self.prompts)
        return compare.parse_response(await self.agenerate(request))

    def detect(
        self, image: Any, *, query: str | None = None, max_objects: int | None = None
    ) -> DetectionResult:
        """Find objects and their boxes (pixels of the original image)."""
        from langchain_gemini_vision.tasks import detect

        prepared = self.prepare(image, fetch=True)
        request = detect.build_request(
            prepared, query=query, max_objects=max_objects, prompts=self.prompts
        )
        return detect.parse_response(
            self.generate(request),
            prepared,
            mask_threshold=self.mask_threshold,
            max_objects=max_objects,
        )

    async def adetect(
        self, image: Any, *, query: str | None = None, max_objects: int | None = None
    ) -> DetectionResult:
        """Async twin of :meth:`detect`."""
        from langchain_gemini_vision.tasks import detect

        prepared = await self.aprepare(image, fetch=True)
        request = detect.build_request(
            prepared, query=query, max_objects=max_objects, prompts=self.prompts
        )
        return detect.parse_response(
            await self.agenerate(request),
            prepared,
            mask_threshold=self.mask_threshold,
            max_objects=max_objects,
        )

    def segment(self, image: Any, *, query: str | None = None) -> DetectionResult:
        """Find objects with their masks (PNG maps or polygons, as the model gives them)."""
        from langchain_gemini_vision.tasks import segment

        prepared = self.prepare(image, fetch=True)
        request = segment.build_request(
            prepared, query=query, profile=self.profile, prompts=self.prompts
        )
        return segment.parse_response(
            self.generate(request),
            prepared,
            profile=self.profile,
            mask_threshold=self.mask_threshold,
        )

    async def asegment(self, image: Any, *, query: str | None = None) -> DetectionResult:
        """Async twin of :meth:`segment`."""
        from langchain_gemini_vision.tasks import segment

        prepared = await self.aprepare(image, fetch=True)
        request = segment.build_request(
            prepared, query=query, profile=self.profile, prompts=self.prompts
        )
        return segment.parse_response(
            await self.agenerate(request),
            prepared,
            profile=self.profile,
            mask_threshold=self.mask_threshold,
        )

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
        from langchain_gemini_vision.tasks import ask

        prepared = self.prepare_many(_as_list(images))
        request = ask.build_request(prepared, question, schema=schema, prompts=self.prompts)
        return ask.parse_response(self.generate(request), schema=schema)

    async def aask(
        self, images: Any, question: str, *, schema: type[M] | dict[str, Any] | None = None
    ) -> VisualAnswer:
        """Async twin of :meth:`ask`."""
        from langchain_gemini_vision.tasks import ask

        prepared = await asyncio.to_thread(self.prepare_many, _as_list(images))
        request = ask.build_request(prepared, question, schema=schema, prompts=self.prompts)
        return ask.parse_response(await self.agenerate(request), schema=schema)

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


def _kept(outcome: Outcome[Any, M]) -> M | GeminiVisionError:
    """A call's value, or its Gemini error in its place; any other error raises."""
    if isinstance(outcome.error, GeminiVisionError):
        return outcome.error
    return outcome.unwrap()


def _attempt_timeout(timeout: float | None, left: float | None) -> float | None:
    if left is None:
        return timeout
    if timeout is None:
        return max(0.001, left)
    return max(0.001, min(timeout, left))


def _needs_files_api(image: PreparedImage) -> bool:
    """Whether sending ``image`` takes a Files API call (a lookup or an upload) first."""
    return image.placement == "files_api" or (image.placement == "inline" and image.needs_upload)


def _upload_args(image: PreparedImage) -> tuple[bytes, str, str, str]:
    """What the Files API cache needs to upload ``image``: bytes, MIME type, sha256, label."""
    if image.data is None or image.sha256 is None or image.mime_type is None:
        msg = f"{image.source_label}: an inline image without bytes cannot be uploaded"
        raise ValueError(msg)
    return image.data, image.mime_type, image.sha256, image.source_label


def _as_list(images: Any) -> list[Any]:
    if isinstance(images, (list, tuple)):
        return list(images)
    return [images]
