"""`GeminiVisionClient`: one place for settings, the key, concurrency, usage and the tasks.

It builds at most one google-genai ``Client`` and keeps it for its whole life (the
SDK closes its transport when that object is garbage-collected). With the default
lean transport that happens lazily, when something first needs it (a Files API or
Batch API call, or reading :attr:`GeminiVisionClient.genai_client`), so a client that
only sends inline images never imports google-genai; with
``transport="sdk"`` at construction; a ``genai_client=`` passed in is used as is.
It offers every task the same call, sync and async: :meth:`GeminiVisionClient.generate`.

Example:
    >>> from langchain_gemini_vision import GeminiVisionClient
    >>> client = GeminiVisionClient()  # reads GEMINI_API_KEY or GOOGLE_API_KEY
    >>> result = client.detect("photo.jpg", query="every price tag")  # doctest: +SKIP
    >>> [d.label for d in result]  # doctest: +SKIP
"""

from __future__ import annotations

import asyncio
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
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar, cast, overload

from pydantic import BaseModel, SecretStr

from langchain_gemini_vision._transport.base import (
    ApiName,
    ImagePart,
    TransportName,
    VisionRequest,
    VisionResponse,
    WireRequest,
)
from langchain_gemini_vision._transport.files import FileCache
from langchain_gemini_vision._transport.lean import LeanTransport
from langchain_gemini_vision._transport.retry import (
    RetryPolicy,
    acall_with_retries,
    call_with_retries,
)
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
from langchain_gemini_vision.usage import Usage

if TYPE_CHECKING:
    from google import genai

    from langchain_gemini_vision._transport.sdk import SdkTransport
    from langchain_gemini_vision._url_safety import UrlPolicy
    from langchain_gemini_vision.prompts import Prompts
    from langchain_gemini_vision.results import (
        Caption,
        DetectionResult,
        ImageComparison,
        VisualAnswer,
    )

logger = logging.getLogger("langchain_gemini_vision")

DEFAULT_MODEL = "gemini-3-flash-preview"
"""The seed guide's model; ``GEMINI_VISION_MODEL`` overrides it."""

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

_INLINE_PREPARE_BYTES = 64 * 1024
"""In-memory images up to this size are prepared on the event loop (see ``aprepare``)."""


def _key_from_env() -> SecretStr | None:
    for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY"):
        value = os.environ.get(name)
        if value:
            return SecretStr(value)
    return None


class GeminiVisionClient:
    """Gemini image understanding, sync and async, through either Gemini API.

    Args:
        model: Model name; defaults to ``GEMINI_VISION_MODEL`` or ``gemini-3-flash-preview``.
        api: ``"interactions"`` (the guide's API, default) or ``"generate_content"``.
        transport: ``"lean"`` (direct HTTP, the default with an API key) or ``"sdk"``
            (google-genai's own calls; the default for Vertex AI or a passed ``genai_client``).
        api_key: Gemini API key; read from ``GEMINI_API_KEY`` or ``GOOGLE_API_KEY`` when not given.
            Never shown in ``repr``, logs or errors.
        vertexai, project, location: Vertex AI, as google-genai takes them.
        base_url, api_version: Another endpoint (a proxy, or the local emulator).
        timeout: Seconds for one attempt.
        retry: The :class:`RetryPolicy` (attempts, backoff, deadline).
        max_concurrency: Requests in flight at once, per client, sync and async alike.
        genai_client: An existing ``google.genai.Client`` to use instead of building one.
        inline_limit_bytes: Request size above which images go through the Files API.
        media_resolution: Default per-image resolution (Gemini 3): low, medium, high, ultra_high.
        profile: Override the model profile (thinking control, mask form, limits).
        allowed_dirs: Local folders images may be read from (``None``: any path the caller names).
        url_policy: Rules for the rare downloads (private hosts refused by default).
        max_side, max_pixels: Downscale images before sending, to save tokens.
        mask_threshold: Probability (0-255) above which a PNG mask pixel is foreground.
        prompts: Override the default prompts.
    """

    def __init__(
        self,
        *,
        model: str | None = None,
        api: ApiName = "interactions",
        transport: TransportName | None = None,
        api_key: str | SecretStr | None = None,
        vertexai: bool | None = None,
        project: str | None = None,
        location: str | None = None,
        base_url: str | None = None,
        api_version: str | None = None,
        timeout: float | None = 60.0,
        retry: RetryPolicy | None = None,
        max_concurrency: int = 16,
        genai_client: genai.Client | None = None,
        inline_limit_bytes: int | None = None,
        media_resolution: MediaResolution | None = None,
        profile: ModelProfile | None = None,
        allowed_dirs: Sequence[str | Path] | None = None,
        url_policy: UrlPolicy | None = None,
        max_side: int | None = None,
        max_pixels: int | None = None,
        mask_threshold: int = 127,
        prompts: Prompts | None = None,
    ) -> None:
        if api not in ("interactions", "generate_content"):
            msg = f"api must be 'interactions' or 'generate_content', not {api!r}"
            raise ConfigurationError(msg)
        if max_concurrency < 1:
            msg = "max_concurrency must be at least 1"
            raise ConfigurationError(msg)
        if not 0 <= mask_threshold <= 255:
            msg = "mask_threshold must be between 0 and 255"
            raise ConfigurationError(msg)
        self.model = model or os.environ.get("GEMINI_VISION_MODEL") or DEFAULT_MODEL
        self.api: ApiName = api
        self.timeout = timeout
        self.retry = retry or RetryPolicy()
        self.max_concurrency = max_concurrency
        self.media_resolution: MediaResolution | None = media_resolution
        self._profile_override = profile
        self.inline_limit_bytes = inline_limit_bytes
        self.allowed_dirs = tuple(allowed_dirs) if allowed_dirs is not None else None
        self.url_policy = url_policy
        self.max_side = max_side
        self.max_pixels = max_pixels
        self.mask_threshold = mask_threshold
        self.prompts = prompts
        self.base_url = base_url
        self.api_version = api_version

        key = SecretStr(api_key) if isinstance(api_key, str) else api_key
        self._api_key: SecretStr | None = key or _key_from_env()
        use_vertex = bool(vertexai)
        if genai_client is None and not use_vertex and self._api_key is None:
            msg = (
                "No Gemini API key: set GEMINI_API_KEY (or GOOGLE_API_KEY), pass api_key=..., "
                "or use Vertex AI with vertexai=True, project=... and location=..."
            )
            raise ConfigurationError(msg)
        # Built on first use (SDK transport, Files API, Batch API): the lean
        # transport alone never imports google-genai, whose types module is the
        # largest thing a process would otherwise load for this package.
        self._genai: genai.Client | None = genai_client
        self._genai_settings = (use_vertex, project, location)
        self._genai_lock = threading.Lock()
        if transport is None:
            # A genai.Client passed in carries its own settings: use it, as documented.
            lean = self._api_key is not None and not use_vertex and genai_client is None
            transport = "lean" if lean else "sdk"
        if transport == "lean" and (self._api_key is None or use_vertex):
            msg = "transport='lean' needs an API key (Vertex AI goes through transport='sdk')"
            raise ConfigurationError(msg)
        self.transport_name: TransportName = transport
        self._transport: LeanTransport | SdkTransport
        if transport == "lean":
            assert self._api_key is not None  # checked just above
            self._transport = LeanTransport(
                api_key=self._api_key,
                base_url=base_url,
                api_version=api_version,
                timeout=timeout,
                max_connections=max_concurrency,
            )
        else:
            from langchain_gemini_vision._transport.sdk import SdkTransport

            self._transport = SdkTransport(self.genai_client)
        self.files = FileCache(lambda: self.genai_client, retry=self.retry)
        self._usage = Usage()
        self._usage_lock = threading.Lock()
        self._thread_slots = threading.BoundedSemaphore(max_concurrency)
        self._loop_slots: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, asyncio.Semaphore
        ] = weakref.WeakKeyDictionary()

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

    def _load_options(self) -> dict[str, Any]:
        return {
            "allowed_dirs": self.allowed_dirs,
            "max_side": self.max_side,
            "max_pixels": self.max_pixels,
            "url_policy": self.url_policy,
            "inline_limit_bytes": self._inline_limit(),
        }

    def prepare(self, source: Any, *, fetch: bool = False) -> PreparedImage:
        """Load one image with this client's allowed directories, URL policy and downscale.

        ``fetch=True`` downloads http(s) URLs (through the URL policy) instead of
        passing them as URIs: detection and segmentation need the image's size to
        map boxes to pixels.
        """
        return load_image(source, fetch=fetch, **self._load_options())

    async def aprepare(self, source: Any, *, fetch: bool = False) -> PreparedImage:
        """Async :meth:`prepare`: downloads async, file and pixel work off the event loop.

        A prepared image needs nothing; small in-memory bytes are prepared in place:
        reading their header costs less than the hop to a worker thread and back.
        """
        if isinstance(source, PreparedImage):
            return source
        if isinstance(source, (bytes, bytearray)) and len(source) <= _INLINE_PREPARE_BYTES:
            return self.prepare(source, fetch=fetch)
        return await aload_image(source, fetch=fetch, **self._load_options())

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
            data_base64=image.base64_data if image.transport == "inline" else None,
            uri=image.uri if image.transport == "uri" else None,
            resolution=resolution,
        )

    def _resolve_parts(
        self, images: Sequence[PreparedImage], resolution: MediaResolution | None
    ) -> list[ImagePart]:
        parts = []
        for image in self._plan(images):
            if image.transport == "files_api":
                cached = self.files.resolve_name(image.file_name or image.uri or "")
                parts.append(
                    ImagePart(mime_type=cached.mime_type, uri=cached.uri, resolution=resolution)
                )
            elif image.transport == "inline" and image.needs_upload:
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
            if image.transport == "files_api":
                cached = await self.files.aresolve_name(image.file_name or image.uri or "")
            elif image.transport == "inline" and image.needs_upload:
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
        inline_uris = {image.uri for image in images if image.transport == "uri"}
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
        with self._thread_slots:
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
            lambda left: self._transport.send(
                wire, self.api, timeout=_attempt_timeout(self.timeout, left)
            ),
            self.retry,
        )

    def _slots(self) -> asyncio.Semaphore:
        loop = asyncio.get_running_loop()
        slots = self._loop_slots.get(loop)
        if slots is None:
            slots = asyncio.Semaphore(self.max_concurrency)
            self._loop_slots[loop] = slots
        return slots

    async def agenerate(self, request: VisionRequest) -> VisionResponse:
        """Async twin of :meth:`generate`."""
        images: list[PreparedImage] = list(request.images)
        resolution = self._resolution(request)
        async with self._slots():
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
            lambda left: self._transport.asend(
                wire, self.api, timeout=_attempt_timeout(self.timeout, left)
            ),
            self.retry,
        )

    def stream(self, request: VisionRequest) -> Iterator[str]:
        """Yield the answer's text as it arrives (no retries once text has started)."""
        parts = self._resolve_parts(list(request.images), self._resolution(request))
        with self._thread_slots:
            yield from self._transport.stream_text(self.wire_request(request, parts), self.api)

    async def astream(self, request: VisionRequest) -> AsyncIterator[str]:
        """Async twin of :meth:`stream`."""
        parts = await self._aresolve_parts(list(request.images), self._resolution(request))
        async with self._slots():
            async for delta in self._transport.astream_text(
                self.wire_request(request, parts), self.api
            ):
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

        A failed item gives its error in its place; the other items are not lost.
        """
        from concurrent.futures import ThreadPoolExecutor

        workers = max(1, min(max_concurrency or self.max_concurrency, len(items) or 1))

        def run(item: T) -> M | GeminiVisionError:
            try:
                return fn(item)
            except GeminiVisionError as error:
                return error

        with ThreadPoolExecutor(max_workers=workers) as pool:
            return list(pool.map(run, items))

    async def amap(
        self,
        fn: Callable[[T], Awaitable[M]],
        items: Sequence[T],
        *,
        max_concurrency: int | None = None,
    ) -> list[M | GeminiVisionError]:
        """Async twin of :meth:`map`: ``max_concurrency`` calls in flight, input order kept."""
        results: list[M | GeminiVisionError | None] = [None] * len(items)
        pending = iter(enumerate(items))

        # A fixed set of workers, each taking the next item: no task, future or
        # semaphore wait per item, however long the list.
        async def worker() -> None:
            for index, item in pending:
                try:
                    results[index] = await fn(item)
                except GeminiVisionError as error:
                    results[index] = error

        workers = max(1, min(max_concurrency or self.max_concurrency, len(items)))
        await asyncio.gather(*(worker() for _ in range(workers)))
        return cast("list[M | GeminiVisionError]", results)

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
            self.generate(request), prepared, mask_threshold=self.mask_threshold
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
            await self.agenerate(request), prepared, mask_threshold=self.mask_threshold
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
        self._transport.close()

    async def aclose(self) -> None:
        """Close connections from async code."""
        await self._transport.aclose()

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


def _attempt_timeout(timeout: float | None, left: float | None) -> float | None:
    if left is None:
        return timeout
    if timeout is None:
        return max(0.001, left)
    return max(0.001, min(timeout, left))


def _needs_files_api(image: PreparedImage) -> bool:
    """Whether sending ``image`` takes a Files API call (a lookup or an upload) first."""
    return image.transport == "files_api" or (image.transport == "inline" and image.needs_upload)


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
