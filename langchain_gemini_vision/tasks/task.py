"""What a task is: its options, its images, how it asks, how it reads the answer.

A :class:`Task` is the one place each layer learns a task from: the client's
``run``/``arun`` (and its ``caption``, ``detect``... methods), the Runnables, the Tools,
batch items and the command line all dispatch through the task objects the registry
(:mod:`langchain_gemini_vision.tasks`) holds. A task does no I/O: ``build`` turns
prepared images and validated options into a
:class:`~langchain_gemini_vision._transport.base.VisionRequest`, and ``parse`` turns
Gemini's :class:`~langchain_gemini_vision._transport.base.VisionResponse` into the
task's result, with what the client lends it (:class:`TaskContext`).
"""

from __future__ import annotations

import functools
import inspect
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar, get_args, get_origin

from pydantic import BaseModel, ConfigDict

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.images import MAX_IMAGES_PER_REQUEST, PreparedImage
from langchain_gemini_vision.masks import DEFAULT_MAX_MASK_BYTES
from langchain_gemini_vision.parsing import DEFAULT_MAX_ITEMS
from langchain_gemini_vision.profiles import ModelProfile, reroute_warning
from langchain_gemini_vision.prompts import Prompts
from langchain_gemini_vision.settings import accepted_names, check_arguments

__all__ = ["OptionsT", "ResultT", "Task", "TaskCall", "TaskContext", "TaskOptions"]

logger = logging.getLogger("langchain_gemini_vision")

OptionsT = TypeVar("OptionsT", bound=BaseModel)
ResultT = TypeVar("ResultT", bound=BaseModel)


@dataclass(frozen=True)
class TaskContext:
    """What a task may read from the client that runs it: its settings, no connection."""

    profile: ModelProfile
    """The model's profile (thinking control, mask form)."""
    model: str = ""
    """The model asked for (the answer says which one answered)."""
    prompts: Prompts | None = None
    """The client's prompts (``None``: each task's defaults)."""
    mask_threshold: int = 127
    max_detection_items: int = DEFAULT_MAX_ITEMS
    max_mask_bytes: int = DEFAULT_MAX_MASK_BYTES


@dataclass(frozen=True)
class TaskCall(Generic[OptionsT]):
    """One call of a task: its prepared images, its validated options, the client's context."""

    images: Sequence[PreparedImage]
    options: OptionsT
    context: TaskContext


class TaskOptions(BaseModel):
    """The base of a task's options model: frozen, strict about names, each field's
    docstring its description (what the task's tool shows the model)."""

    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Task(Generic[OptionsT, ResultT]):
    """One vision task, and what every layer needs to offer it.

    A task module defines a subclass of ``Task[ItsOptions, ItsResult]`` (the two
    types are its :attr:`options` and :attr:`result`), names it and its tool in the
    class statement, describes it for the model in its docstring, writes :meth:`build`
    and :meth:`parse`, and exports one instance::

        class _Detect(Task[DetectOptions, DetectionResult], name="detect",
                      tool="gemini_detect_objects"):
            \"\"\"Find objects in an image ... (the tool's description).\"\"\"

    :func:`~langchain_gemini_vision.tasks.register_task` makes it a client method, a
    Runnable, a Tool and a batch item.
    """

    name: str
    """The task's name: the client method, ``BatchItem.task``, the CLI command."""
    options: type[OptionsT]
    """Its options besides the images (a pydantic model; field descriptions are what
    its tool shows the model)."""
    result: type[ResultT]
    """What it returns."""
    needs_pixels: bool = False
    """Images are downloaded and measured first (an answer in 0-1000 is mapped to pixels)."""
    min_images: int = 1
    max_images: int | None = 1
    """``None``: as many as Gemini takes in one request (3,600)."""
    text_option: str | None = None
    """The option a Runnable input's ``prompt``/``query``/``question`` and the CLI's
    instruction set (``None``: none)."""
    tool_name: str | None = None
    """The agent tool's name (``None``: no tool)."""
    tool_description: str = ""
    """What the tool tells the model it does (by default the task's docstring)."""
    tool_options: type[BaseModel] | None = None
    """The options a model may set through the tool (``None``: all of :attr:`options`);
    the others are the tool owner's."""
    tool_images_help: str = ""
    """What the tool's ``images`` argument is, before the reference help (several images)."""
    annotates: bool = False
    """Its result can be drawn on the image (``return_annotated_image`` on its tool)."""

    def __init_subclass__(
        cls, *, name: str | None = None, tool: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        for base in getattr(cls, "__orig_bases__", ()):
            types = get_args(base) if get_origin(base) is Task else ()
            if len(types) == 2 and all(isinstance(t, type) for t in types):
                cls.options, cls.result = types
        if name is not None:
            cls.name = name
        if tool is not None:
            cls.tool_name = tool
        if cls.tool_name and not cls.tool_description and cls.__doc__:
            cls.tool_description = " ".join(inspect.cleandoc(cls.__doc__).split())

    def build(self, call: TaskCall[OptionsT]) -> VisionRequest:
        """The request for this call's images and options."""
        raise NotImplementedError

    def parse(self, response: VisionResponse, call: TaskCall[OptionsT]) -> ResultT:
        """The result in Gemini's answer; ``OutputParsingError`` when it holds none."""
        raise NotImplementedError

    def read(self, response: VisionResponse, call: TaskCall[OptionsT]) -> ResultT:
        """:meth:`parse`, plus what any answer may say about itself: every caller (the
        client, batch jobs) reads answers here.

        When another model answered than the one asked for (Gemini reroutes a retired
        model's requests), a result with ``warnings`` carries one naming both.
        """
        result = self.parse(response, call)
        note = reroute_warning(call.context.model, response.model)
        if note is None:
            return result
        _log_once(note)
        warnings = getattr(result, "warnings", None)
        if not isinstance(warnings, list) or note in warnings:
            return result
        return result.model_copy(update={"warnings": [note, *warnings]})

    def tool_text(self, result: ResultT) -> str:
        """The text its tool gives back to the model (the typed result is the artifact)."""
        text = getattr(result, "text", None)
        return text if isinstance(text, str) else result.model_dump_json()

    def __repr__(self) -> str:
        return f"<task {self.name!r}>"

    # -- what every layer shares -----------------------------------------------------

    @property
    def single(self) -> bool:
        """It takes exactly one image."""
        return self.max_images == 1

    def validate_options(self, values: Mapping[str, Any], *, owner: str) -> OptionsT:
        """``values`` as the options model (``None`` meaning "not given").

        Raises:
            UnknownArgumentError: A name the task does not take (a ``TypeError``).
            ValueError: A value it does not take (pydantic's ``ValidationError``).
        """
        if not self._accepted.issuperset(values):
            check_arguments(owner, values, self._accepted)  # raises, naming the closest
        given = {k: v for k, v in values.items() if v is not None}
        if not given and self._defaults is not None:
            return self._defaults  # frozen: one instance serves every call without options
        return self.options.model_validate(given)

    @functools.cached_property
    def _defaults(self) -> OptionsT | None:
        """The options when none is given (``None`` when one is required)."""
        try:
            return self.options.model_validate({})
        except ValueError:
            return None

    @functools.cached_property
    def _accepted(self) -> frozenset[str]:
        """The option names (and aliases) it takes: asked on every call, computed once."""
        return frozenset(accepted_names(self.options))

    def sources(self, images: Any) -> list[Any]:
        """The image sources of one call, counted against what the task takes."""
        if self.single:
            return [images]
        listed = list(images) if isinstance(images, (list, tuple)) else [images]
        limit = self.max_images or MAX_IMAGES_PER_REQUEST
        if len(listed) > limit:
            raise ImageInputError(
                f"{len(listed)} images",
                "too_many_images",
                f"{self.name} takes at most {limit} images per request; split them over "
                "several calls.",
            )
        if len(listed) < self.min_images:
            raise ImageInputError(
                f"{len(listed)} image(s)",
                "invalid_reference",
                f"{self.name} takes at least {self.min_images} images; pass a list of them.",
            )
        return listed


_LOGGED: set[str] = set()


def _log_once(note: str) -> None:
    """A reroute is logged once per process, not once per image of a batch."""
    if note not in _LOGGED:
        _LOGGED.add(note)
        logger.warning("%s", note)
