"""Gemini image understanding as LangChain Runnables.

Each Runnable wraps one task of :class:`~langchain_gemini_vision.client.GeminiVisionClient`
and returns its typed result, so ``invoke``/``ainvoke``, ``batch``/``abatch``,
``stream``, callbacks, ``with_retry`` and ``with_config`` all work as usual::

    from langchain_gemini_vision import GeminiObjectDetector

    detector = GeminiObjectDetector(query="every price tag")
    result = detector.invoke("https://example.com/shelf.jpg")
    results = detector.batch(["a.jpg", "b.jpg"], config={"max_concurrency": 4})

Input is one image of any kind the client accepts (path, URL, ``gs://`` URI,
Files API name, bytes, PIL image, numpy array, content block, ``PreparedImage``),
or a dict with ``image``/``images`` and ``prompt``/``query``/``question`` (and
``schema`` for :class:`GeminiImageQA`).

**Usage in callbacks.** Each call is reported as a child chat-model run of the
Runnable's chain run, ending with an ``AIMessage`` that carries
``usage_metadata`` and ``response_metadata["model_name"]``. That is the shape
every LangChain consumer of token usage reads: LangSmith's token and cost
columns, ``get_usage_metadata_callback()``, and any handler's ``on_llm_end``.
The typed result carries the same numbers on ``result.usage``.

**Client.** Pass ``client=`` (shared, never serialised), or any client setting
as a field (every field of :class:`~langchain_gemini_vision.settings.GeminiVisionSettings`:
``model``, ``api_key``, ``retry``, ``prompts``, ``allowed_dirs``...). A client is built
from the fields on first use and reused; a setting assigned later takes effect on
the next call, and a misspelt keyword raises (see :mod:`._client_owner`).

**Batches.** ``batch``/``abatch`` put ``config["max_concurrency"]`` requests in
flight, even above the client's ``max_concurrency`` (which is the default).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Generic, TypeVar, cast

from langchain_core.callbacks import (
    AsyncCallbackManagerForChainRun,
    AsyncCallbackManagerForLLMRun,
    CallbackManagerForChainRun,
    CallbackManagerForLLMRun,
)
from langchain_core.messages import AIMessage, HumanMessage
from langchain_core.messages.ai import UsageMetadata
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from langchain_core.runnables.config import get_config_list
from pydantic import BaseModel, ConfigDict, Field

from langchain_gemini_vision._client_owner import ClientOwner
from langchain_gemini_vision.client import ConcurrencyScope, GeminiVisionClient
from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.results import (
    Caption,
    DetectionResult,
    ImageComparison,
    VisualAnswer,
)
from langchain_gemini_vision.settings import GeminiVisionSettings, LocalFilesField
from langchain_gemini_vision.usage import Usage

__all__ = [
    "GeminiImageCaptioner",
    "GeminiImageComparer",
    "GeminiImageQA",
    "GeminiImageSegmenter",
    "GeminiObjectDetector",
    "GeminiVisionSettings",
]

OutputT = TypeVar("OutputT", bound=BaseModel)

_PROVIDER = "google_genai"
_TEXT_KEYS = ("prompt", "query", "question")
_REQUEST_KEYS = frozenset({"image", "images", "schema", "max_objects", *_TEXT_KEYS})


# --------------------------------------------------------------------------- requests


@dataclass
class _Request:
    """One call, normalised from whatever the Runnable was given."""

    images: list[Any]
    text: str | None = None
    max_objects: int | None = None
    schema: Any = None
    extras: dict[str, Any] = field(default_factory=dict)


def _is_request_dict(value: Any) -> bool:
    return isinstance(value, Mapping) and ("image" in value or "images" in value)


def _normalise(value: Any, *, multi: bool) -> _Request:
    """Split a Runnable input into images and the request options."""
    if not _is_request_dict(value):
        if multi and isinstance(value, (list, tuple)):
            return _Request(images=list(value))
        return _Request(images=[value])
    mapping = cast("Mapping[str, Any]", value)
    unknown = sorted(set(mapping) - _REQUEST_KEYS)
    if unknown:
        msg = (
            f"unknown input key(s) {unknown}; expected 'image' or 'images', "
            "'prompt'/'query'/'question', 'max_objects' or 'schema'"
        )
        raise ValueError(msg)
    if "image" in mapping and "images" in mapping:
        msg = "give either 'image' or 'images', not both"
        raise ValueError(msg)
    if "images" in mapping:
        images = mapping["images"]
        image_list = list(images) if isinstance(images, (list, tuple)) else [images]
    else:
        image_list = [mapping["image"]]
    texts = [mapping[k] for k in _TEXT_KEYS if mapping.get(k) is not None]
    if len(texts) > 1:
        msg = "give one of 'prompt', 'query' or 'question', not several"
        raise ValueError(msg)
    return _Request(
        images=image_list,
        text=texts[0] if texts else None,
        max_objects=mapping.get("max_objects"),
        schema=mapping.get("schema"),
    )


def _one_image(request: _Request, task: str) -> Any:
    if len(request.images) != 1:
        raise ImageInputError(
            f"{len(request.images)} images",
            "too_many_images" if request.images else "invalid_reference",
            f"{task} takes exactly one image; use batch() for several",
        )
    return request.images[0]


def _describe_image(image: Any) -> str:
    """A short, payload-free description of an image input for traces."""
    if isinstance(image, str):
        text = image.strip()
        if text.lower().startswith("data:") or len(text) > 300:
            return f"<image data, {len(text)} chars>"
        return text
    if isinstance(image, Path):
        return str(image)
    if isinstance(image, (bytes, bytearray, memoryview)):
        return f"<{type(image).__name__}, {len(image)} bytes>"
    label = getattr(image, "source_label", None)
    if isinstance(label, str):
        return label
    if isinstance(image, Mapping):
        url = image.get("url")
        if isinstance(url, str) and not url.startswith("data:") and len(url) < 300:
            return url
        return f"<content block type={image.get('type')!r}>"
    return f"<{type(image).__name__}>"


# --------------------------------------------------------------------------- usage reporting


def usage_metadata(usage: Usage) -> UsageMetadata:
    """LangChain's ``UsageMetadata`` for a Gemini :class:`Usage` (thinking counts as output)."""
    meta = UsageMetadata(
        input_tokens=usage.input_tokens,
        output_tokens=usage.output_tokens + usage.thought_tokens,
        total_tokens=usage.total_tokens
        or usage.input_tokens + usage.output_tokens + usage.thought_tokens,
    )
    if usage.thought_tokens:
        meta["output_token_details"] = {"reasoning": usage.thought_tokens}
    return meta


def _result_text(result: BaseModel) -> str:
    if isinstance(result, DetectionResult):
        return result.raw_text or result.summary()
    if isinstance(result, ImageComparison):
        return result.summary
    if isinstance(result, (Caption, VisualAnswer)):
        return result.text
    return ""


def _llm_result(result: BaseModel, model: str) -> LLMResult:
    usage = getattr(result, "usage", None)
    usage = usage if isinstance(usage, Usage) else Usage()
    name = str(getattr(result, "model", "") or model)
    message = AIMessage(
        content=_result_text(result),
        usage_metadata=usage_metadata(usage),
        response_metadata={"model_name": name, "model_provider": _PROVIDER},
    )
    return LLMResult(
        generations=[[ChatGeneration(message=message)]],
        llm_output={"model_name": name, "token_usage": usage.model_dump()},
    )


def _model_run_args(client: GeminiVisionClient, task: str, prompt: str) -> dict[str, Any]:
    return {
        "serialized": {
            "name": "GeminiVisionClient",
            "lc": 1,
            "type": "not_implemented",
            "id": ["langchain_gemini_vision", "client", "GeminiVisionClient"],
        },
        "messages": [[HumanMessage(content=prompt)]],
        "invocation_params": {
            "model": client.model,
            "api": client.api,
            "task": task,
            "_type": "gemini-vision",
        },
        "name": client.model,
    }


def _ls_metadata(client: GeminiVisionClient) -> dict[str, Any]:
    return {"ls_provider": _PROVIDER, "ls_model_name": client.model, "ls_model_type": "chat"}


# --------------------------------------------------------------------------- base


class _GeminiVisionRunnable(
    LocalFilesField, ClientOwner, RunnableSerializable[Any, OutputT], Generic[OutputT]
):
    """What every task Runnable shares: settings, input handling, tracing, batching."""

    model_config = ConfigDict(extra="forbid")

    _task: str = "vision"

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Runnables serialise (without the key or the client)."""
        return True

    # -- per task --------------------------------------------------------

    def _request(self, value: Any) -> _Request:
        raise NotImplementedError

    def _call(self, client: GeminiVisionClient, request: _Request) -> OutputT:
        raise NotImplementedError

    async def _acall(self, client: GeminiVisionClient, request: _Request) -> OutputT:
        raise NotImplementedError

    def _trace_prompt(self, request: _Request) -> str:
        images = ", ".join(_describe_image(image) for image in request.images)
        text = f"{self._task}: {request.text}" if request.text else self._task
        return f"{text}\n[images: {images}]"

    # -- Runnable --------------------------------------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> OutputT:
        """Run the task on one input; see the module docstring for accepted inputs."""
        return self._call_with_config(self._invoke, input, config, **kwargs)

    async def ainvoke(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> OutputT:
        """Async :meth:`invoke`, on the client's native async path."""
        return await self._acall_with_config(self._ainvoke, input, config, **kwargs)

    def _invoke(self, value: Any, run_manager: CallbackManagerForChainRun) -> OutputT:
        request = self._request(value)
        client = self.get_client()
        child = run_manager.get_child()
        child.add_metadata(_ls_metadata(client), inherit=False)
        args = _model_run_args(client, self._task, self._trace_prompt(request))
        llm_runs: list[CallbackManagerForLLMRun] = child.on_chat_model_start(
            args["serialized"],
            args["messages"],
            invocation_params=args["invocation_params"],
            name=args["name"],
        )
        try:
            result = self._call(client, request)
        except BaseException as error:
            for llm_run in llm_runs:
                llm_run.on_llm_error(error)
            raise
        for llm_run in llm_runs:
            llm_run.on_llm_end(_llm_result(result, client.model))
        return result

    async def _ainvoke(self, value: Any, run_manager: AsyncCallbackManagerForChainRun) -> OutputT:
        request = self._request(value)
        client = self.get_client()
        child = run_manager.get_child()
        child.add_metadata(_ls_metadata(client), inherit=False)
        args = _model_run_args(client, self._task, self._trace_prompt(request))
        llm_runs: list[AsyncCallbackManagerForLLMRun] = await child.on_chat_model_start(
            args["serialized"],
            args["messages"],
            invocation_params=args["invocation_params"],
            name=args["name"],
        )
        try:
            result = await self._acall(client, request)
        except BaseException as error:
            for llm_run in llm_runs:
                await llm_run.on_llm_error(error)
            raise
        for llm_run in llm_runs:
            await llm_run.on_llm_end(_llm_result(result, client.model))
        return result

    def _batch_configs(
        self, config: RunnableConfig | list[RunnableConfig] | None, n: int
    ) -> tuple[list[RunnableConfig], ConcurrencyScope]:
        """Each config, ``max_concurrency`` defaulting to the client's, and the batch's scope.

        LangChain's executor takes the first config's ``max_concurrency``: the scope lets
        the client put that many requests in flight, even above its own bound.
        """
        configs = get_config_list(config, n)
        client = self.get_client()
        limit = configs[0].get("max_concurrency") or client.max_concurrency
        filled: list[RunnableConfig] = [
            c if c.get("max_concurrency") else {**c, "max_concurrency": limit} for c in configs
        ]
        return filled, client.concurrency(limit)

    def batch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any | None,
    ) -> list[OutputT]:
        """Run many inputs on threads, ``max_concurrency`` in flight, results in input order.

        ``max_concurrency`` comes from the config (granted even above the client's own
        bound), else from the client. With
        ``return_exceptions=True`` a failed input gives its exception in its place.
        """
        if not inputs:
            return []
        configs, scope = self._batch_configs(config, len(inputs))
        with scope.active():
            return super().batch(inputs, configs, return_exceptions=return_exceptions, **kwargs)

    async def abatch(
        self,
        inputs: list[Any],
        config: RunnableConfig | list[RunnableConfig] | None = None,
        *,
        return_exceptions: bool = False,
        **kwargs: Any | None,
    ) -> list[OutputT]:
        """Async :meth:`batch`: ``max_concurrency`` calls in flight, results in input order."""
        if not inputs:
            return []
        configs, scope = self._batch_configs(config, len(inputs))
        with scope.active():
            return await super().abatch(
                inputs, configs, return_exceptions=return_exceptions, **kwargs
            )


# --------------------------------------------------------------------------- the tasks


class GeminiImageCaptioner(_GeminiVisionRunnable[Caption]):
    """Caption one image with Gemini; returns a :class:`~langchain_gemini_vision.results.Caption`.

    Example:
        >>> captioner = GeminiImageCaptioner(model="gemini-3-flash-preview")
        >>> captioner.invoke("https://example.com/cat.jpg").text  # doctest: +SKIP
        >>> request = {"image": "cat.jpg", "prompt": "Describe the colours"}
        >>> captioner.invoke(request)  # doctest: +SKIP
    """

    prompt: str | None = None
    """Default caption instruction; an input's ``prompt`` overrides it."""

    _task = "caption"

    @property
    def InputType(self) -> Any:  # noqa: N802
        """Any image, or ``{"image": ..., "prompt": ...}``."""
        return Any

    @property
    def OutputType(self) -> type[Caption]:  # noqa: N802
        """:class:`Caption`."""
        return Caption

    def _request(self, value: Any) -> _Request:
        request = _normalise(value, multi=False)
        request.text = request.text or self.prompt
        return request

    def _call(self, client: GeminiVisionClient, request: _Request) -> Caption:
        return client.caption(_one_image(request, "caption"), prompt=request.text)

    async def _acall(self, client: GeminiVisionClient, request: _Request) -> Caption:
        return await client.acaption(_one_image(request, "caption"), prompt=request.text)


class GeminiImageComparer(_GeminiVisionRunnable[ImageComparison]):
    """Compare two or more images in one request; returns an ``ImageComparison``.

    Example:
        >>> comparer = GeminiImageComparer()
        >>> comparer.invoke(["before.png", "after.png"]).differences  # doctest: +SKIP
    """

    prompt: str | None = None
    """Default comparison instruction; an input's ``prompt`` overrides it."""

    _task = "compare"

    @property
    def InputType(self) -> Any:  # noqa: N802
        """A list of images, or ``{"images": [...], "prompt": ...}``."""
        return Any

    @property
    def OutputType(self) -> type[ImageComparison]:  # noqa: N802
        """:class:`ImageComparison`."""
        return ImageComparison

    def _request(self, value: Any) -> _Request:
        request = _normalise(value, multi=True)
        request.text = request.text or self.prompt
        return request

    def _call(self, client: GeminiVisionClient, request: _Request) -> ImageComparison:
        return client.compare(request.images, prompt=request.text)

    async def _acall(self, client: GeminiVisionClient, request: _Request) -> ImageComparison:
        return await client.acompare(request.images, prompt=request.text)


class GeminiObjectDetector(_GeminiVisionRunnable[DetectionResult]):
    """Detect objects with pixel boxes; returns a ``DetectionResult``.

    Example:
        >>> detector = GeminiObjectDetector(query="every red circle")
        >>> result = detector.invoke(scene_bytes)  # doctest: +SKIP
        >>> result.summary()  # doctest: +SKIP
        '2 objects: red circle at (12, 40, 118, 150) px; ...'
    """

    query: str | None = None
    """What to detect by default (e.g. ``"every price tag"``); all prominent objects if unset."""
    max_objects: int | None = Field(default=None, ge=1)
    """Ask for at most this many objects."""

    _task = "detect"

    @property
    def InputType(self) -> Any:  # noqa: N802
        """Any image, or ``{"image": ..., "query": ..., "max_objects": ...}``."""
        return Any

    @property
    def OutputType(self) -> type[DetectionResult]:  # noqa: N802
        """:class:`DetectionResult`."""
        return DetectionResult

    def _request(self, value: Any) -> _Request:
        request = _normalise(value, multi=False)
        request.text = request.text or self.query
        request.max_objects = request.max_objects or self.max_objects
        return request

    def _call(self, client: GeminiVisionClient, request: _Request) -> DetectionResult:
        return client.detect(
            _one_image(request, "detection"), query=request.text, max_objects=request.max_objects
        )

    async def _acall(self, client: GeminiVisionClient, request: _Request) -> DetectionResult:
        return await client.adetect(
            _one_image(request, "detection"), query=request.text, max_objects=request.max_objects
        )


class GeminiImageSegmenter(_GeminiVisionRunnable[DetectionResult]):
    """Segment objects (boxes plus box-local masks); returns a ``DetectionResult``.

    Example:
        >>> segmenter = GeminiImageSegmenter(query="the shapes")
        >>> [d.mask.area for d in segmenter.invoke("scene.png")]  # doctest: +SKIP
    """

    query: str | None = None
    """What to segment by default; the prominent items if unset."""

    _task = "segment"

    @property
    def InputType(self) -> Any:  # noqa: N802
        """Any image, or ``{"image": ..., "query": ...}``."""
        return Any

    @property
    def OutputType(self) -> type[DetectionResult]:  # noqa: N802
        """:class:`DetectionResult`."""
        return DetectionResult

    def _request(self, value: Any) -> _Request:
        request = _normalise(value, multi=False)
        request.text = request.text or self.query
        return request

    def _call(self, client: GeminiVisionClient, request: _Request) -> DetectionResult:
        return client.segment(_one_image(request, "segmentation"), query=request.text)

    async def _acall(self, client: GeminiVisionClient, request: _Request) -> DetectionResult:
        return await client.asegment(_one_image(request, "segmentation"), query=request.text)


class GeminiImageQA(_GeminiVisionRunnable[VisualAnswer]):
    """Answer a question about one or more images; returns a ``VisualAnswer``.

    With ``answer_schema`` (a pydantic model or a JSON schema) the answer's ``data``
    holds the structured answer.

    Example:
        >>> qa = GeminiImageQA(question="How many circles are there?")
        >>> qa.invoke("scene.png").text  # doctest: +SKIP
        >>> class Count(BaseModel):
        ...     circles: int
        >>> request = {"image": "scene.png", "question": "Count", "schema": Count}
        >>> qa.invoke(request).data  # doctest: +SKIP
        Count(circles=2)
    """

    question: str | None = None
    """Default question; an input's ``question`` (or ``prompt``/``query``) overrides it."""
    answer_schema: type[BaseModel] | dict[str, Any] | None = Field(default=None, exclude=True)
    """Default structured-output schema; an input's ``schema`` overrides it."""

    _task = "ask"

    @property
    def InputType(self) -> Any:  # noqa: N802
        """Images, or ``{"image"|"images": ..., "question": ..., "schema": ...}``."""
        return Any

    @property
    def OutputType(self) -> type[VisualAnswer]:  # noqa: N802
        """:class:`VisualAnswer`."""
        return VisualAnswer

    def _request(self, value: Any) -> _Request:
        request = _normalise(value, multi=True)
        request.text = request.text or self.question
        if not request.text or not str(request.text).strip():
            msg = (
                "no question: pass {'image': ..., 'question': ...} or set question= on the Runnable"
            )
            raise ValueError(msg)
        request.schema = request.schema if request.schema is not None else self.answer_schema
        return request

    def _call(self, client: GeminiVisionClient, request: _Request) -> VisualAnswer:
        assert request.text is not None  # checked in _request
        return client.ask(request.images, request.text, schema=request.schema)

    async def _acall(self, client: GeminiVisionClient, request: _Request) -> VisualAnswer:
        assert request.text is not None
        return await client.aask(request.images, request.text, schema=request.schema)
