"""Gemini image understanding as LangChain Runnables, one per task.

Each Runnable runs one task of the registry (:mod:`langchain_gemini_vision.tasks`)
through :class:`~langchain_gemini_vision.client.GeminiVisionClient` and returns its
typed result, so ``invoke``/``ainvoke``, ``batch``/``abatch``, ``stream``, callbacks,
``with_retry`` and ``with_config`` all work as usual::

    from langchain_gemini_vision import GeminiDetectRunnable

    detector = GeminiDetectRunnable(query="every price tag")
    result = detector.invoke("https://example.com/shelf.jpg")
    results = detector.batch(["a.jpg", "b.jpg"], config={"max_concurrency": 4})

The five built-in tasks have their classes (``Gemini<Task>Runnable``:
:class:`GeminiCaptionRunnable`, :class:`GeminiCompareRunnable`,
:class:`GeminiDetectRunnable`, :class:`GeminiSegmentRunnable`,
:class:`GeminiAskRunnable`); any registered task has one too:
``GeminiVisionRunnable.for_task("count")``. Their fields are the task's options,
used when an input does not give them.

Input is one image of any kind the client accepts (path, URL, ``gs://`` URI,
Files API name, bytes, PIL image, numpy array, content block, ``PreparedImage``),
a list of images for a task that takes several, or a dict with ``image``/``images``
and the task's options by name (``prompt``/``query``/``question`` name the task's
text, whatever it is called; ``schema`` for :class:`GeminiAskRunnable`).

**Usage in callbacks** (:mod:`._model_runs`). Each call is reported as a child
chat-model run of the Runnable's chain run, ending with an ``AIMessage`` that carries
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

The names before 0.2 (``GeminiImageCaptioner``, ``GeminiImageComparer``,
``GeminiObjectDetector``, ``GeminiImageSegmenter``, ``GeminiImageQA``) still work,
with a ``DeprecationWarning``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any, ClassVar, Generic, TypeVar, cast

from langchain_core.callbacks import (
    AsyncCallbackManagerForChainRun,
    CallbackManagerForChainRun,
)
from langchain_core.runnables import RunnableConfig, RunnableSerializable
from langchain_core.runnables.config import get_config_list
from pydantic import BaseModel, ConfigDict, Field
from pydantic.fields import FieldInfo

from langchain_gemini_vision._client_owner import ClientOwner
from langchain_gemini_vision._lazy import renamed_names
from langchain_gemini_vision._model_runs import (
    astart_model_runs,
    model_result,
    start_model_runs,
    trace_prompt,
    usage_metadata,
)
from langchain_gemini_vision.client import ConcurrencyScope
from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.results import (
    Caption,
    DetectionResult,
    ImageComparison,
    VisualAnswer,
)
from langchain_gemini_vision.settings import GeminiVisionSettings, LocalFilesField, accepted_names
from langchain_gemini_vision.tasks import ASK, CAPTION, COMPARE, DETECT, SEGMENT, Task, get_task
from langchain_gemini_vision.tasks.ask import Schema

__all__ = [
    "GeminiAskRunnable",
    "GeminiCaptionRunnable",
    "GeminiCompareRunnable",
    "GeminiDetectRunnable",
    "GeminiPointRunnable",
    "GeminiSegmentRunnable",
    "GeminiVisionRunnable",
    "GeminiVisionSettings",
    "usage_metadata",
]

OutputT = TypeVar("OutputT", bound=BaseModel)

_TEXT_KEYS = ("prompt", "query", "question")
"""Input keys that name a task's text option, whatever the task calls it."""
_IMAGE_KEYS = frozenset({"image", "images"})


# --------------------------------------------------------------------------- requests


def _is_request_dict(value: Any) -> bool:
    return isinstance(value, Mapping) and not _IMAGE_KEYS.isdisjoint(value)


def _split_input(task: Task[Any, Any], value: Any) -> tuple[list[Any], dict[str, Any]]:
    """A Runnable input as its images and the options it gives (``None``: not given)."""
    if not _is_request_dict(value):
        if not task.single and isinstance(value, (list, tuple)):
            return list(value), {}
        return [value], {}
    mapping: Mapping[str, Any] = value
    text_keys = set(_TEXT_KEYS) if task.text_option else set()
    option_keys = accepted_names(task.options)
    unknown = sorted(set(mapping) - _IMAGE_KEYS - text_keys - option_keys)
    if unknown:
        named = ", ".join(repr(k) for k in sorted(option_keys | text_keys))
        msg = f"unknown input key(s) {unknown}; expected 'image' or 'images' and {named}"
        raise ValueError(msg)
    if "image" in mapping and "images" in mapping:
        msg = "give either 'image' or 'images', not both"
        raise ValueError(msg)
    if "images" in mapping:
        images = mapping["images"]
        image_list = list(images) if isinstance(images, (list, tuple)) else [images]
    else:
        image_list = [mapping["image"]]
    options = {k: v for k, v in mapping.items() if k in option_keys and k not in text_keys}
    spelled = sorted(text_keys | ({task.text_option} if task.text_option else set()))
    texts = [mapping[k] for k in spelled if mapping.get(k) is not None]
    if len(texts) > 1:
        msg = f"give one of {', '.join(repr(k) for k in spelled)}, not several"
        raise ValueError(msg)
    if texts and task.text_option:
        options[task.text_option] = texts[0]
    return image_list, options


def _one_image(task: Task[Any, Any], images: list[Any]) -> list[Any]:
    if task.single and len(images) != 1:
        raise ImageInputError(
            f"{len(images)} images",
            "too_many_images" if images else "invalid_reference",
            f"{task.name} takes exactly one image; use batch() for several",
        )
    return images


# --------------------------------------------------------------------------- base


class GeminiVisionRunnable(
    LocalFilesField, ClientOwner, RunnableSerializable[Any, OutputT], Generic[OutputT]
):
    """A task of the registry as a Runnable: settings, input handling, tracing, batching.

    Subclasses name their task (``task = DETECT``) and declare its options as fields
    (their defaults); :meth:`for_task` makes that class for any registered task.
    """

    model_config = ConfigDict(extra="forbid")

    task: ClassVar[Task[Any, Any]]
    """The task this Runnable runs."""

    @classmethod
    def is_lc_serializable(cls) -> bool:
        """Runnables serialise (without the key or the client)."""
        return True

    @classmethod
    def for_task(cls, task: str | Task[Any, Any]) -> type[GeminiVisionRunnable[Any]]:
        """The Runnable class of a registered task (the built-in ones' own classes).

        Its fields are the task's options, each optional: an input's value wins.
        """
        spec = get_task(task)
        built_in = _BUILT_IN.get(spec.name)
        return built_in if built_in is not None and built_in.task is spec else _runnable_for(spec)

    @property
    def InputType(self) -> Any:  # noqa: N802
        """Any image (a list for a task that takes several), or a dict of the images and options."""
        return Any

    @property
    def OutputType(self) -> type[OutputT]:  # noqa: N802
        """The task's result type."""
        return cast("type[OutputT]", self.task.result)

    # -- one call --------------------------------------------------------

    def _request(self, value: Any) -> tuple[list[Any], dict[str, Any]]:
        """The images and options of one input, the Runnable's fields as defaults."""
        task = self.task
        images, options = _split_input(task, value)
        for name in task.options.model_fields.keys() & type(self).model_fields.keys():
            if options.get(name) is None:
                options[name] = getattr(self, name)
        text = task.text_option
        if text is not None and options.get(text) is None and _required(task, text):
            msg = f"no {text}: pass {{'image': ..., '{text}': ...}} or set {text}= on the Runnable"
            raise ValueError(msg)
        return _one_image(task, images), options

    def _sources(self, images: list[Any]) -> Any:
        return images[0] if self.task.single else images

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
        images, options = self._request(value)
        client = self.get_client()
        prompt = trace_prompt(self.task, images, options)
        llm_runs = start_model_runs(run_manager, client, self.task.name, prompt)
        try:
            result: OutputT = client.run(self.task, self._sources(images), **options)
        except BaseException as error:
            for llm_run in llm_runs:
                llm_run.on_llm_error(error)
            raise
        for llm_run in llm_runs:
            llm_run.on_llm_end(model_result(self.task, result, client.model))
        return result

    async def _ainvoke(self, value: Any, run_manager: AsyncCallbackManagerForChainRun) -> OutputT:
        images, options = self._request(value)
        client = self.get_client()
        prompt = trace_prompt(self.task, images, options)
        llm_runs = await astart_model_runs(run_manager, client, self.task.name, prompt)
        try:
            result: OutputT = await client.arun(self.task, self._sources(images), **options)
        except BaseException as error:
            for llm_run in llm_runs:
                await llm_run.on_llm_error(error)
            raise
        for llm_run in llm_runs:
            await llm_run.on_llm_end(model_result(self.task, result, client.model))
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


def _required(task: Task[Any, Any], name: str) -> bool:
    field = task.options.model_fields.get(name)
    return field is not None and field.is_required()


@functools.cache
def _runnable_for(task: Task[Any, Any]) -> type[GeminiVisionRunnable[Any]]:
    """A Runnable class for a registered task: its options as optional fields."""
    fields: dict[str, Any] = {}
    annotations: dict[str, Any] = {}
    for name, info in task.options.model_fields.items():
        annotations[name] = info.annotation | None
        fields[name] = FieldInfo(default=None, description=info.description, exclude=info.exclude)
    title = "".join(part.title() for part in task.name.split("_"))
    namespace = {
        "__annotations__": annotations,
        "__doc__": f"The {task.name!r} task as a Runnable; returns {task.result.__name__}.",
        "__module__": __name__,
        "task": task,
        **fields,
    }
    base: type[GeminiVisionRunnable[Any]] = GeminiVisionRunnable
    runnable: type[GeminiVisionRunnable[Any]] = type(f"Gemini{title}Runnable", (base,), namespace)
    globals().setdefault(runnable.__name__, runnable)  # found by name, so its objects pickle
    return runnable


# --------------------------------------------------------------------------- the tasks


class GeminiCaptionRunnable(GeminiVisionRunnable[Caption]):
    """Caption one image with Gemini; returns a :class:`~langchain_gemini_vision.results.Caption`.

    Example:
        >>> captioner = GeminiCaptionRunnable(model="gemini-3-flash-preview")
        >>> captioner.invoke("https://example.com/cat.jpg").text  # doctest: +SKIP
        >>> request = {"image": "cat.jpg", "prompt": "Describe the colours"}
        >>> captioner.invoke(request)  # doctest: +SKIP
    """

    task = CAPTION

    prompt: str | None = None
    """Default caption instruction; an input's ``prompt`` overrides it."""


class GeminiCompareRunnable(GeminiVisionRunnable[ImageComparison]):
    """Compare two or more images in one request; returns an ``ImageComparison``.

    Example:
        >>> comparer = GeminiCompareRunnable()
        >>> comparer.invoke(["before.png", "after.png"]).differences  # doctest: +SKIP
    """

    task = COMPARE

    prompt: str | None = None
    """Default comparison instruction; an input's ``prompt`` overrides it."""


class GeminiDetectRunnable(GeminiVisionRunnable[DetectionResult]):
    """Detect objects with pixel boxes; returns a ``DetectionResult``.

    Example:
        >>> detector = GeminiDetectRunnable(query="every red circle")
        >>> result = detector.invoke(scene_bytes)  # doctest: +SKIP
        >>> result.summary()  # doctest: +SKIP
        '2 objects: red circle at (12, 40, 118, 150) px; ...'
    """

    task = DETECT

    query: str | None = None
    """What to detect by default (e.g. ``"every price tag"``); all prominent objects if unset."""
    max_objects: int | None = Field(default=None, ge=1)
    """Ask for at most this many objects."""


class GeminiSegmentRunnable(GeminiVisionRunnable[DetectionResult]):
    """Segment objects (boxes plus box-local masks); returns a ``DetectionResult``.

    Example:
        >>> segmenter = GeminiSegmentRunnable(query="the shapes")
        >>> [d.mask.area for d in segmenter.invoke("scene.png")]  # doctest: +SKIP
    """

    task = SEGMENT

    query: str | None = None
    """What to segment by default; the prominent items if unset."""


class GeminiAskRunnable(GeminiVisionRunnable[VisualAnswer]):
    """Answer a question about one or more images; returns a ``VisualAnswer``.

    With ``answer_schema`` (a pydantic model or a JSON schema) the answer's ``data``
    holds the structured answer.

    Example:
        >>> qa = GeminiAskRunnable(question="How many circles are there?")
        >>> qa.invoke("scene.png").text  # doctest: +SKIP
        >>> class Count(BaseModel):
        ...     circles: int
        >>> request = {"image": "scene.png", "question": "Count", "schema": Count}
        >>> qa.invoke(request).data  # doctest: +SKIP
        Count(circles=2)
    """

    task = ASK

    question: str | None = None
    """Default question; an input's ``question`` (or ``prompt``/``query``) overrides it."""
    answer_schema: Schema | None = Field(default=None, exclude=True)
    """Default structured-output schema; an input's ``schema`` overrides it."""


_BUILT_IN: dict[str, type[GeminiVisionRunnable[Any]]] = {
    runnable.task.name: runnable
    for runnable in (
        GeminiCaptionRunnable,
        GeminiCompareRunnable,
        GeminiDetectRunnable,
        GeminiSegmentRunnable,
        GeminiAskRunnable,
    )
}

GeminiPointRunnable = GeminiVisionRunnable.for_task("point")
"""Point at objects (``[y, x]`` mapped to pixels); returns a ``PointResult``. Made by the
registry from the ``point`` task alone: its fields are the task's options."""

RENAMED = {
    "GeminiImageCaptioner": "GeminiCaptionRunnable",
    "GeminiImageComparer": "GeminiCompareRunnable",
    "GeminiObjectDetector": "GeminiDetectRunnable",
    "GeminiImageSegmenter": "GeminiSegmentRunnable",
    "GeminiImageQA": "GeminiAskRunnable",
}
"""The names before 0.2, still answered with a ``DeprecationWarning``."""

__getattr__ = renamed_names(__name__, RENAMED, globals())
