"""Gemini image understanding as LangChain Tools an agent can call, one per task.

Each task of the registry (:mod:`langchain_gemini_vision.tasks`) that names a tool is a
``BaseTool``: :class:`GeminiCaptionTool`, :class:`GeminiCompareTool`,
:class:`GeminiDetectTool`, :class:`GeminiSegmentTool` and :class:`GeminiAskTool` for
the built-in tasks, ``GeminiVisionTool.for_task("count")`` for one registered later
(its arguments are the image references and the task's options model). Each one:

* takes image **references**, never image data: an ``http(s)://`` or ``gs://`` URL,
  a Files API name (``files/abc``) or URI, an id from the application's
  :class:`~langchain_gemini_vision.image_store.ImageStore` (``"img_1"``) or of an
  image the user attached in the agent's conversation (with
  :class:`~langchain_gemini_vision.attachments.GeminiAttachmentsMiddleware`), a local
  path only inside ``reference_dirs`` (by default no local file is readable), and
  ``"latest"`` (the newest image a user sent in the agent's conversation) when
  ``allow_latest_image=True``. ``data:`` URIs and base64 are refused with a
  message telling the model to use an image id: a reference that names a local
  file must look like a path in an allowed folder and is only ever read as a file,
  and anything that decodes as an image is image data, at any length;
* answers with ``response_format="content_and_artifact"``: a short text for the
  model (``DetectionResult.summary()``, the caption, ...) and the typed result's
  ``model_dump(mode="json")`` as the artifact (``DetectionResult.model_validate(artifact)``
  rebuilds it). ``return_annotated_image=True`` (detection, segmentation) adds the
  image with the boxes drawn, as an image content block, for Gemini and Anthropic agents;
* turns errors the model can act on (a bad or missing image reference, an expired
  Files API file, a path outside ``reference_dirs``, a request the service refused as
  invalid, an unusable answer, a rate limit or outage that outlasted the retries)
  into a ``ToolException`` returned to the model (``handle_tool_error=True``), with
  the owner's key masked; what only the owner can fix raises: a refused key or
  permission, an unknown model, a service that will not serve the caller
  (``FAILED_PRECONDITION``: "User location is not supported"), configuration and
  programming errors;
* is configured only by its owner: every client setting (model, API, key, retry,
  prompts... as :class:`~langchain_gemini_vision.settings.GeminiVisionSettings`
  lists them), ``reference_dirs``, the store and flags are fields, never tool
  arguments, so nothing the model reads (text in an image included) can change them.

Two kinds of images, two rules for local files: images the application gives
(store ids, ``"latest"``) are trusted and read as they are; paths the *model*
chooses are read only inside ``reference_dirs``. (``allowed_dirs``, the client
setting for the application's own paths, is not a tool field: on tools it is the
deprecated old name of ``reference_dirs``; restrict application paths with a
``client=`` built with ``allowed_dirs``.)

Inside a LangGraph agent (``langchain.agents.create_agent``), ``"latest"`` is read
from the agent's messages through the ``runtime`` argument LangGraph injects
(hidden from the model). Only messages from the user are searched.

The names before 0.2 (``GeminiImageCaptionTool``, ``GeminiImageCompareTool``,
``GeminiObjectDetectionTool``, ``GeminiImageSegmentationTool``, ``GeminiImageQATool``)
still work, with a ``DeprecationWarning``.
"""

from __future__ import annotations

import base64
import functools
import io
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, ClassVar, Literal

from langchain_core.callbacks import (
    AsyncCallbackManagerForToolRun,
    CallbackManagerForToolRun,
)
from langchain_core.runnables import RunnableConfig
from langchain_core.tools import BaseTool, InjectedToolArg, ToolException
from langchain_core.tools.base import ToolExceptionHandlerOutput
from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator
from pydantic.fields import FieldInfo

from langchain_gemini_vision._client_owner import ClientOwner
from langchain_gemini_vision._lazy import renamed_names
from langchain_gemini_vision._tool_references import LATEST, ReferenceDirs, read_reference
from langchain_gemini_vision._tool_references import take_references as _references
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.errors import (
    GeminiVisionAPIError,
    GeminiVisionConnectionError,
    GeminiVisionInvalidRequestError,
    GeminiVisionRateLimitError,
    GeminiVisionServerError,
    GeminiVisionTimeoutError,
    ImageInputError,
    ResponseError,
    redact,
)
from langchain_gemini_vision.image_store import ImageStore
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.runnables import GeminiVisionRunnable
from langchain_gemini_vision.tasks import ASK, CAPTION, COMPARE, DETECT, SEGMENT, Task, get_task
from langchain_gemini_vision.tasks.ask import Schema

__all__ = [
    "LATEST",
    "AskInput",
    "CaptionInput",
    "CompareInput",
    "DetectInput",
    "GeminiAskTool",
    "GeminiCaptionTool",
    "GeminiCompareTool",
    "GeminiDetectTool",
    "GeminiPointTool",
    "GeminiSegmentTool",
    "GeminiVisionTool",
    "ImageQAInput",
    "ImageReferenceInput",
    "ReferenceDirs",
    "SegmentInput",
    "tool_arguments",
]

_TRANSIENT = (
    GeminiVisionRateLimitError,
    GeminiVisionServerError,
    GeminiVisionTimeoutError,
    GeminiVisionConnectionError,
)
"""Failures that outlasted the retries: the model can wait, or go on without the tool."""
_RECOVERABLE = (ImageInputError, ResponseError, GeminiVisionInvalidRequestError, *_TRANSIENT)
"""Errors the model can act on (OutputParsingError is a ResponseError; an unknown Files
API name is an ImageInputError). Auth, permission, not-found (the model name) and
configuration errors are the owner's to fix: they raise."""
_OWNERS_CODES = frozenset({"FAILED_PRECONDITION"})
"""Invalid requests only the owner can fix: the service will not serve this caller as
things stand ("User location is not supported", billing to set up). They raise, as auth
errors do."""
_MAX_IMAGES = 16

_IMAGE_HELP = (
    "An image reference: an image id from the conversation (like 'img_1'), an http(s):// "
    "or gs:// URL, a Gemini Files API name ('files/abc123'), or 'latest' for the newest "
    "image the user sent (when enabled). Never image data or base64."
)


# --------------------------------------------------------------------------- schemas

# LangGraph's ToolNode injects its ToolRuntime into a field named ``runtime``; the
# InjectedToolArg marker hides it from the model's schema. Typed as Any so that
# LangGraph stays an optional dependency.
RuntimeArg = Annotated[Any, InjectedToolArg()]


class _ToolArguments(BaseModel):
    """What every tool's arguments share: references may be given one or as a list."""

    @field_validator("images", mode="before", check_fields=False)
    @classmethod
    def _one_reference_is_a_list(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


@functools.cache
def tool_arguments(task: Task[Any, Any]) -> type[BaseModel]:
    """A task's tool arguments: its image reference(s), the options a model may set
    (descriptions from the task's options model), and the injected ``runtime``."""
    if task.single:
        images: Any = (str, Field(description=_IMAGE_HELP, min_length=1))
        fields: dict[str, Any] = {"image": images}
    else:
        limit = min(task.max_images or _MAX_IMAGES, _MAX_IMAGES)
        help_text = task.tool_images_help + _IMAGE_HELP
        listed = Field(min_length=task.min_images, max_length=limit, description=help_text)
        fields = {"images": (list[str], listed)}
    options = task.tool_options or task.options
    for name, info in options.model_fields.items():
        fields[name] = (info.annotation, info)
    fields["runtime"] = (
        RuntimeArg,
        Field(default=None, description="Injected by the agent runtime."),
    )
    title = "".join(part.title() for part in task.name.split("_"))
    model: type[BaseModel] = create_model(
        f"{title}Input",
        __base__=_ToolArguments,
        __doc__=f"Arguments of the {task.name} tool.",
        __module__=__name__,
        **fields,
    )
    globals().setdefault(model.__name__, model)  # found by name, so tools that use it pickle
    return model


CaptionInput = ImageReferenceInput = tool_arguments(CAPTION)
CompareInput = tool_arguments(COMPARE)
DetectInput = tool_arguments(DETECT)
SegmentInput = tool_arguments(SEGMENT)
AskInput = ImageQAInput = tool_arguments(ASK)


class GeminiVisionTool(ReferenceDirs, ClientOwner, BaseTool):
    """A task of the registry as an agent tool: settings, references, errors.

    Subclasses name their task (``task = DETECT``); :meth:`for_task` makes the class for
    any registered task. Its arguments are :func:`tool_arguments`; its answer is the
    task's :meth:`~langchain_gemini_vision.tasks.Task.tool_text` for the model and the
    typed result as the artifact.
    """

    model_config = ConfigDict(extra="forbid")

    task: ClassVar[Task[Any, Any]]
    """The task this tool runs."""

    response_format: Literal["content", "content_and_artifact"] = "content_and_artifact"
    handle_tool_error: bool | str | Callable[[ToolException], ToolExceptionHandlerOutput] | None = (
        True
    )
    image_store: ImageStore | None = Field(default=None, exclude=True)
    """Where the application keeps the images the model refers to by id."""
    allow_latest_image: bool = False
    """Let the model pass ``"latest"`` for the newest image a user sent (agents only)."""

    @classmethod
    def for_task(cls, task: str | Task[Any, Any]) -> type[GeminiVisionTool]:
        """The tool class of a registered task (the built-in ones' own classes).

        Raises:
            ValueError: The task is not registered, or names no tool.
        """
        spec = get_task(task)
        if spec.tool_name is None:
            msg = f"task {spec.name!r} has no tool (its tool_name is None)"
            raise ValueError(msg)
        built_in = _BUILT_IN.get(spec.name)
        return built_in if built_in is not None and built_in.task is spec else _tool_for(spec)

    def _run(self, run_manager: _SyncRun = None, runtime: Any = None, **given: Any) -> _Answer:
        try:
            refs, pixels = _references(given), self.task.needs_pixels
            sources = [self._resolve(ref, runtime, need_pixels=pixels) for ref in refs]
            result = self._runnable().invoke({"images": sources, **given}, _child(run_manager))
        except _RECOVERABLE as error:
            raise self._tool_error(error) from error
        return self._content(result, sources), _artifact(result)

    async def _arun(
        self, run_manager: _AsyncRun = None, runtime: Any = None, **given: Any
    ) -> _Answer:
        try:
            refs, pixels = _references(given), self.task.needs_pixels
            sources = [await self._aresolve(ref, runtime, need_pixels=pixels) for ref in refs]
            result = await self._runnable().ainvoke(
                {"images": sources, **given}, _child(run_manager)
            )
        except _RECOVERABLE as error:
            raise self._tool_error(error) from error
        return self._content(result, sources), _artifact(result)

    def _runnable(self) -> GeminiVisionRunnable[Any]:
        """The task's Runnable on the tool's client, with the owner's own options."""
        runnable = GeminiVisionRunnable.for_task(self.task)
        owned = self.task.options.model_fields.keys() & type(self).model_fields.keys()
        return runnable(client=self._owner_client(), **{k: getattr(self, k) for k in owned})

    def _content(self, result: BaseModel, sources: list[Any]) -> str | list[str | dict[str, Any]]:
        """The model's text; with ``return_annotated_image``, the drawn image after it."""
        text = self.task.tool_text(result)
        image = sources[0] if sources else None
        if not getattr(self, "return_annotated_image", False) or not isinstance(
            image, PreparedImage
        ):
            return text
        block = _annotated_block(result, image)
        return [{"type": "text", "text": text}, block] if block is not None else text

    def _owner_client(self) -> GeminiVisionClient:
        return self.get_client()

    # -- references --------------------------------------------------------

    def _classify(self, reference: str, runtime: Any) -> tuple[str, Any]:
        return read_reference(
            reference,
            runtime,
            store=self.image_store,
            allow_latest=self.allow_latest_image,
            reference_dirs=self.reference_dirs,
        )

    def _resolve(self, reference: str, runtime: Any, *, need_pixels: bool = False) -> Any:
        """A source the client may load: never a model-chosen path outside ``reference_dirs``."""
        kind, source = self._classify(reference, runtime)
        client = self._owner_client()
        if kind == "trusted":
            if not need_pixels:
                return source
            return client.prepare(source, fetch=True)
        # A URL or a path in reference_dirs: loaded with the tool's folders in place of
        # the client's allowed_dirs, which never apply to model-chosen strings.
        return client.prepare(source, fetch=need_pixels, allowed_dirs=self._model_dirs())

    async def _aresolve(self, reference: str, runtime: Any, *, need_pixels: bool = False) -> Any:
        kind, source = self._classify(reference, runtime)
        client = self._owner_client()
        if kind == "trusted":
            if not need_pixels:
                return source
            return await client.aprepare(source, fetch=True)
        return await client.aprepare(source, fetch=need_pixels, allowed_dirs=self._model_dirs())

    def _model_dirs(self) -> list[Path]:
        return list(self.reference_dirs or ())

    def _tool_error(self, error: Exception) -> ToolException:
        if isinstance(error, GeminiVisionAPIError) and (error.code or "").upper() in _OWNERS_CODES:
            raise error
        # The owner's key, whatever its shape, never reaches the model (an endpoint may echo it).
        client = self.client
        text = client.redact(str(error)) if client is not None else redact(str(error), self.api_key)
        if isinstance(error, GeminiVisionRateLimitError):
            text += " (rate limited; wait before trying again)"
        elif isinstance(error, _TRANSIENT):
            text += " (a temporary failure; try again later or go on without this tool)"
        return ToolException(f"{type(error).__name__}: {text}")


_SyncRun = CallbackManagerForToolRun | None
_AsyncRun = AsyncCallbackManagerForToolRun | None
_Answer = tuple[Any, dict[str, Any]]
"""The model's content and the typed result as JSON-ready data (the artifact)."""


def _child(run_manager: _SyncRun | _AsyncRun) -> RunnableConfig:
    """The config that makes the task's run a child of the tool's."""
    return {"callbacks": run_manager.get_child()} if run_manager is not None else {}


def _artifact(result: BaseModel) -> dict[str, Any]:
    return result.model_dump(mode="json")


def _annotated_block(result: BaseModel, image: PreparedImage) -> dict[str, Any] | None:
    """The image with the result drawn on it, as a v1 image content block."""
    draw = getattr(result, "draw", None)
    if image.data is None or draw is None:
        return None
    drawn = draw(image.data)
    buffer = io.BytesIO()
    drawn.save(buffer, format="PNG")
    return {
        "type": "image",
        "base64": base64.b64encode(buffer.getvalue()).decode("ascii"),
        "mime_type": "image/png",
    }


@functools.cache
def _tool_for(task: Task[Any, Any]) -> type[GeminiVisionTool]:
    """A tool class for a registered task: its name, description and arguments; the
    options the model may not set are the owner's fields."""
    annotations: dict[str, Any] = {
        "name": str,
        "description": str,
        "args_schema": type[BaseModel],
    }
    namespace: dict[str, Any] = {
        "name": task.tool_name,
        "description": task.tool_description,
        "args_schema": tool_arguments(task),
    }
    for name, info in _owner_options(task).items():
        annotations[name] = info.annotation
        namespace[name] = FieldInfo(default=info.default, description=info.description)
    if task.annotates:
        annotations["return_annotated_image"] = bool
        namespace["return_annotated_image"] = False
    title = "".join(part.title() for part in task.name.split("_"))
    namespace.update(
        __annotations__=annotations,
        __doc__=f"The {task.name!r} task as an agent tool: {task.tool_description}",
        __module__=__name__,
        task=task,
    )
    tool: type[GeminiVisionTool] = type(f"Gemini{title}Tool", (GeminiVisionTool,), namespace)
    globals().setdefault(tool.__name__, tool)  # found by name, so its tools pickle
    return tool


def _owner_options(task: Task[Any, Any]) -> dict[str, FieldInfo]:
    """The task's options its tool does not let the model set."""
    shown = (task.tool_options or task.options).model_fields
    return {k: v for k, v in task.options.model_fields.items() if k not in shown}


# --------------------------------------------------------------------------- tools


class GeminiCaptionTool(GeminiVisionTool):
    """Caption an image with Gemini.

    Content: the caption. Artifact: the :class:`~langchain_gemini_vision.results.Caption`
    as JSON-ready data.

    Example:
        >>> store = ImageStore()
        >>> image_id = store.add(photo_bytes)  # doctest: +SKIP
        >>> tool = GeminiCaptionTool(image_store=store)
        >>> tool.invoke({"image": image_id})  # doctest: +SKIP
    """

    task = CAPTION
    name: str = CAPTION.tool_name or ""
    description: str = CAPTION.tool_description
    args_schema: type[BaseModel] = ImageReferenceInput


class GeminiCompareTool(GeminiVisionTool):
    """Compare two or more images in one Gemini request.

    Content: the summary, differences and similarities. Artifact: the
    :class:`~langchain_gemini_vision.results.ImageComparison` as JSON-ready data.
    """

    task = COMPARE
    name: str = COMPARE.tool_name or ""
    description: str = COMPARE.tool_description
    args_schema: type[BaseModel] = CompareInput


class GeminiDetectTool(GeminiVisionTool):
    """Detect objects in an image and return labelled pixel boxes.

    Content: ``"Image WxH px. 3 objects: red circle at (12, 40, 118, 150) px; ..."``.
    Artifact: the :class:`~langchain_gemini_vision.results.DetectionResult` as
    JSON-ready data (``DetectionResult.model_validate(artifact)`` rebuilds it).
    """

    task = DETECT
    name: str = DETECT.tool_name or ""
    description: str = DETECT.tool_description
    args_schema: type[BaseModel] = DetectInput
    return_annotated_image: bool = False
    """Also return the image with the boxes drawn, as an image content block (for
    models that accept images in tool results: Gemini, Anthropic)."""


class GeminiSegmentTool(GeminiVisionTool):
    """Segment objects in an image: labelled pixel boxes plus masks.

    Content: the summary (which objects have masks). Artifact: the
    :class:`~langchain_gemini_vision.results.DetectionResult` as JSON-ready data,
    masks as box-local RLE.
    """

    task = SEGMENT
    name: str = SEGMENT.tool_name or ""
    description: str = SEGMENT.tool_description
    args_schema: type[BaseModel] = SegmentInput
    return_annotated_image: bool = False
    """Also return the image with the masks drawn, as an image content block."""


class GeminiAskTool(GeminiVisionTool):
    """Answer a question about one or more images.

    ``answer_schema`` (set by the owner, not the model) makes the answer structured:
    the content is then the JSON answer and the artifact's ``data`` holds it.
    """

    task = ASK
    name: str = ASK.tool_name or ""
    description: str = ASK.tool_description
    args_schema: type[BaseModel] = ImageQAInput
    answer_schema: Schema | None = Field(default=None, exclude=True)
    """Optional structured-output schema for every answer (a pydantic model or JSON schema)."""


_BUILT_IN: dict[str, type[GeminiVisionTool]] = {
    tool.task.name: tool
    for tool in (
        GeminiCaptionTool,
        GeminiCompareTool,
        GeminiDetectTool,
        GeminiSegmentTool,
        GeminiAskTool,
    )
}

GeminiPointTool = GeminiVisionTool.for_task("point")
"""Point at objects: labelled pixel points. Made by the registry from the ``point`` task
alone."""

RENAMED = {
    "GeminiImageCaptionTool": "GeminiCaptionTool",
    "GeminiImageCompareTool": "GeminiCompareTool",
    "GeminiObjectDetectionTool": "GeminiDetectTool",
    "GeminiImageSegmentationTool": "GeminiSegmentTool",
    "GeminiImageQATool": "GeminiAskTool",
}
"""The names before 0.2, still answered with a ``DeprecationWarning``."""

__getattr__ = renamed_names(__name__, RENAMED, globals())
