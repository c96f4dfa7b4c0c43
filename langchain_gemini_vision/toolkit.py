"""`GeminiVisionToolkit`: every vision tool, sharing one client and one image store.

Example:
    >>> from langchain_gemini_vision import GeminiVisionToolkit, ImageStore
    >>> store = ImageStore()
    >>> toolkit = GeminiVisionToolkit(image_store=store, model="gemini-3-flash-preview")
    >>> [tool.name for tool in toolkit.get_tools()]  # doctest: +SKIP
    ['gemini_caption_image', 'gemini_compare_images', 'gemini_detect_objects',
     'gemini_segment_objects', 'gemini_ask_about_images']
"""

from __future__ import annotations

from typing import Any, Literal

from langchain_core.tools import BaseTool, BaseToolkit
from pydantic import ConfigDict, Field, field_validator

from langchain_gemini_vision._client_owner import ClientOwner
from langchain_gemini_vision.image_store import ImageStore
from langchain_gemini_vision.tasks import find_task, task_names
from langchain_gemini_vision.tools import GeminiVisionTool, ReferenceDirs

__all__ = ["GeminiVisionToolkit", "ToolName"]

ToolName = Literal["caption", "compare", "detect", "segment", "ask"]
"""The built-in tools' short names (``include`` takes any registered task's too)."""


def _tool_tasks() -> list[str]:
    """Every registered task that has a tool, the built-in ones first."""
    return [name for name in task_names() if (task := find_task(name)) and task.tool_name]


class GeminiVisionToolkit(ReferenceDirs, ClientOwner, BaseToolkit):
    """The Gemini vision tools, built around one shared client.

    One tool per registered task that has one (the five built-in tasks, and any
    registered since). The client settings (every field of
    :class:`~langchain_gemini_vision.settings.GeminiVisionSettings` but ``allowed_dirs``:
    ``model``, ``api``, ``api_key``, ``retry``, ``prompts``...) or a ready ``client``
    are given once; every tool from :meth:`get_tools` uses the same
    :class:`~langchain_gemini_vision.client.GeminiVisionClient`, so concurrency limits,
    connection pools and usage totals are shared. A setting changed on the toolkit
    reaches the tools of the next :meth:`get_tools` call.
    """

    model_config = ConfigDict(extra="forbid")

    image_store: ImageStore | None = Field(default=None, exclude=True)
    """The store the application fills; tools resolve image ids in it."""
    allow_latest_image: bool = False
    """Let the model pass ``"latest"`` for the newest image a user sent (agents only)."""
    return_annotated_image: bool = False
    """The tools whose results draw on the image (detection, segmentation) also return
    the annotated image as a content block."""
    include: list[str] | None = None
    """Which tools to build, by task name (``"caption"``, ``"detect"``...); every
    registered task's when unset."""
    tool_kwargs: dict[str, dict[str, Any]] = Field(default_factory=dict)
    """Extra fields per tool, by short name, e.g. ``{"ask": {"answer_schema": Count}}``."""

    @field_validator("include")
    @classmethod
    def _known_tools(cls, names: list[str] | None) -> list[str] | None:
        unknown = sorted(set(names or ()) - set(_tool_tasks()))
        if unknown:
            msg = f"no such tool(s) {unknown}; use any of {', '.join(_tool_tasks())}"
            raise ValueError(msg)
        return names

    def get_tools(self) -> list[BaseTool]:
        """The tools, sharing this toolkit's client (built on the first call).

        Raises:
            ConfigurationError: No key and no Vertex AI settings.
            ValueError: ``tool_kwargs`` names a tool that is not built.
            UnknownArgumentError: ``tool_kwargs`` gives a tool a field it does not have.
        """
        names = list(self.include) if self.include is not None else _tool_tasks()
        stray = sorted(set(self.tool_kwargs) - set(names))
        if stray:
            msg = f"tool_kwargs for tools that are not included: {stray}"
            raise ValueError(msg)
        client = self.get_client()
        shared: dict[str, Any] = {
            "client": client,
            "image_store": self.image_store,
            "reference_dirs": self.reference_dirs,
            "allow_latest_image": self.allow_latest_image,
        }
        tools: list[BaseTool] = []
        for name in names:
            tool_class = GeminiVisionTool.for_task(name)
            kwargs = {**shared, **self.tool_kwargs.get(name, {})}
            if "return_annotated_image" in tool_class.model_fields:
                kwargs.setdefault("return_annotated_image", self.return_annotated_image)
            tools.append(tool_class(**kwargs))
        return tools
