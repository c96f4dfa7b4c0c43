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

Why one module: :class:`GeminiVisionRunnable` is one class whose ``invoke``, ``stream``
and ``batch`` paths share its input reading and its chat-model run reporting; the
per-task classes below are a few lines each on top of it.
"""

from __future__ import annotations

import functools
import inspect
from collections.abc import AsyncIterator, Iterable, Iterator
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
    token_chunk,
    usage_metadata,
)
from langchain_gemini_vision._runnable_inputs import input_type, one_image, split_input
from langchain_gemini_vision._trace_images import describe_input, describe_result
from langchain_gemini_vision.client import ConcurrencyScope
from langchain_gemini_vision.results import (
    Caption,
    DetectionResult,
    ImageComparison,
    VisualAnswer,
)
from langchain_gemini_vision.settings import GeminiVisionSettings, LocalFilesField
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
    "input_type",
    "usage_metadata",
]

OutputT = TypeVar("OutputT", bound=BaseModel)


class _TracedCall(functools.partial[Any]):
    """One ``invoke``'s work as langchain-core's ``_call_with_config`` runs it: traced
    with the described input, called with the real one (bound here).

    langchain-core reads the signature of what it calls twice per call; a partial's
    is worked out from its function's each time, at a cost near the package's own
    per-call work, so this partial carries its signature ready.
    """

    __signature__ = inspect.Signature(
        [
            inspect.Parameter("traced", inspect.Parameter.POSITIONAL_ONLY),
            inspect.Parameter("run_manager", inspect.Parameter.KEYWORD_ONLY),
        ]
    )


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
        """An image reference (a list for a task that takes several), or the request dict
        of the images and the task's options (:func:`input_type`)."""
        return input_type(self.task)

    @property
    def OutputType(self) -> type[OutputT]:  # noqa: N802
        """The task's result type."""
        return cast("type[OutputT]", self.task.result)

    # -- one call --------------------------------------------------------

    def _request(self, value: Any) -> tuple[list[Any], dict[str, Any]]:
        """The images and options of one input, the Runnable's fields as defaults."""
        task = self.task
        images, options = split_input(task, value)
        for name in task.options.model_fields.keys() & type(self).model_fields.keys():
            if options.get(name) is None:
                options[name] = getattr(self, name)
        text = task.text_option
        if text is not None and options.get(text) is None and _required(task, text):
            msg = f"no {text}: pass {{'image': ..., '{text}': ...}} or set {text}= on the Runnable"
            raise ValueError(msg)
        return one_image(task, images), options

    def _sources(self, images: list[Any]) -> Any:
        return images[0] if self.task.single else images

    # -- Runnable --------------------------------------------------------

    def invoke(self, input: Any, config: RunnableConfig | None = None, **kwargs: Any) -> OutputT:
        """Run the task on one input; see the module docstring for accepted inputs."""
        # Callbacks see the input and the result with their images described
        # (describe_input, describe_result); the call gets the input, the caller the result.
        traced = describe_input(input, several=not self.task.single)
        results: list[OutputT] = []
        call = _TracedCall(self._invoke, value=input, results=results)
        self._call_with_config(call, traced, config, **kwargs)
        return results[0]

    async def ainvoke(
        self,
        input: Any,
        config: RunnableConfig | None = None,
        **kwargs: Any,
    ) -> OutputT:
        """Async :meth:`invoke`, on the client's native async path."""
        traced = describe_input(input, several=not self.task.single)
        results: list[OutputT] = []
        call = _TracedCall(self._ainvoke, value=input, results=results)
        await self._acall_with_config(call, traced, config, **kwargs)
        return results[0]

    def _invoke(
        self,
        _traced: Any,
        run_manager: CallbackManagerForChainRun,
        *,
        value: Any,
        results: list[OutputT],
    ) -> dict[str, Any]:
        images, options = self._request(value)
        client = self.get_client()
        llm_runs = start_model_runs(run_manager, client, (self.task, images, options))
        try:
            result: OutputT = client.run(self.task, self._sources(images), **options)
        except BaseException as error:
            for llm_run in llm_runs:
                llm_run.on_llm_error(error)
            raise
        for llm_run in llm_runs:
            llm_run.on_llm_end(model_result(self.task, result, client.model))
        results.append(result)
        return describe_result(result) if run_manager.handlers else {}  # for listeners only

    async def _ainvoke(
        self,
        _traced: Any,
        run_manager: AsyncCallbackManagerForChainRun,
        *,
        value: Any,
        results: list[OutputT],
    ) -> dict[str, Any]:
        images, options = self._request(value)
        client = self.get_client()
        llm_runs = await astart_model_runs(run_manager, client, (self.task, images, options))
        try:
            result: OutputT = await client.arun(self.task, self._sources(images), **options)
        except BaseException as error:
            for llm_run in llm_runs:
                await llm_run.on_llm_error(error)
            raise
        for llm_run in llm_runs:
            await llm_run.on_llm_end(model_result(self.task, result, client.model))
        results.append(result)
        return describe_result(result) if run_manager.handlers else {}  # for listeners only

    # -- streaming -------------------------------------------------------

    def stream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any | None
    ) -> Iterator[Any]:
        """The task's chunks as the answer arrives (text as it grows, each detection as
        its object closes), then its result: the one :meth:`invoke` returns.

        A task without a streaming form yields its result alone. The chat-model run
        the callbacks see gets each piece of the model's text (``on_llm_new_token``).
        """
        yield from self.transform(iter([input]), config, **kwargs)

    async def astream(
        self, input: Any, config: RunnableConfig | None = None, **kwargs: Any | None
    ) -> AsyncIterator[Any]:
        """Async :meth:`stream`."""

        async def one() -> AsyncIterator[Any]:
            yield input

        async for output in self.atransform(one(), config, **kwargs):
            yield output

    def transform(
        self, input: Iterator[Any], config: RunnableConfig | None = None, **kwargs: Any | None
    ) -> Iterator[Any]:
        """Stream the task on the input its upstream streams (its pieces joined first)."""
        yield from self._transform_stream_with_config(input, self._stream, config, **kwargs)

    async def atransform(
        self,
        input: AsyncIterator[Any],
        config: RunnableConfig | None = None,
        **kwargs: Any | None,
    ) -> AsyncIterator[Any]:
        """Async :meth:`transform`."""
        async for output in self._atransform_stream_with_config(
            input, self._astream, config, **kwargs
        ):
            yield output

    def _stream(
        self, inputs: Iterator[Any], run_manager: CallbackManagerForChainRun
    ) -> Iterator[Any]:
        value = _joined(inputs)
        images, options = self._request(value)
        client = self.get_client()
        llm_runs = start_model_runs(run_manager, client, (self.task, images, options))

        def on_text(text: str) -> None:
            for llm_run in llm_runs:
                llm_run.on_llm_new_token(text, chunk=token_chunk(text))

        try:
            for output in client.run_stream(
                self.task, self._sources(images), on_text=on_text, **options
            ):
                if isinstance(output, self.task.result):
                    for llm_run in llm_runs:
                        llm_run.on_llm_end(model_result(self.task, output, client.model))
                yield output
        except BaseException as error:
            for llm_run in llm_runs:
                llm_run.on_llm_error(error)
            raise

    async def _astream(
        self, inputs: AsyncIterator[Any], run_manager: AsyncCallbackManagerForChainRun
    ) -> AsyncIterator[Any]:
        value = _joined([item async for item in inputs])
        images, options = self._request(value)
        client = self.get_client()
        llm_runs = await astart_model_runs(run_manager, client, (self.task, images, options))

        async def on_text(text: str) -> None:
            for llm_run in llm_runs:
                await llm_run.on_llm_new_token(text, chunk=token_chunk(text))

        try:
            async for output in client.arun_stream(
                self.task, self._sources(images), on_text=on_text, **options
            ):
                if isinstance(output, self.task.result):
                    for llm_run in llm_runs:
                        await llm_run.on_llm_end(model_result(self.task, output, client.model))
                yield output
        except BaseException as error:
            for llm_run in llm_runs:
                await llm_run.on_llm_error(error)
            raise

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


def _joined(inputs: Iterable[Any]) -> Any:
    """One input from the pieces an upstream streamed, joined as LangChain joins them."""
    joined: Any = None
    for index, piece in enumerate(inputs):
        try:
            joined = piece if index == 0 else joined + piece
        except TypeError:
            joined = piece  # pieces that do not add up: the last one is the input
    return joined


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
