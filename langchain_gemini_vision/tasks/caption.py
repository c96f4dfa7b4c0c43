"""Captioning: one image in, a caption out."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.parsing import parse_json_answer
from langchain_gemini_vision.prompts import CAPTION_SCHEMA, DEFAULT_PROMPTS, Prompts
from langchain_gemini_vision.results import Caption

from .task import Task, TaskContext

__all__ = ["CAPTION", "CaptionOptions", "build_request", "parse_response"]


def build_request(
    image: PreparedImage, *, prompt: str | None = None, prompts: Prompts | None = None
) -> VisionRequest:
    """Ask for a caption with the caption schema."""
    text = prompt or (prompts or DEFAULT_PROMPTS).caption
    return VisionRequest(prompt=text, images=(image,), response_schema=CAPTION_SCHEMA)


def parse_response(response: VisionResponse) -> Caption:
    """Read ``{"caption": ...}``; raises ``OutputParsingError`` when the answer is not that."""
    data = parse_json_answer(response.text, CAPTION_SCHEMA)
    return Caption(
        text=str(data["caption"]).strip(),
        model=response.model,
        usage=response.usage,
    )


class CaptionOptions(BaseModel):
    """What a caption takes besides its image."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt: str | None = Field(
        default=None,
        description="Optional instruction for the caption, e.g. 'mention any text on signs'.",
    )


class _Caption(Task[CaptionOptions, Caption]):
    """Describe one image in a sentence or two."""

    name = "caption"
    options = CaptionOptions
    result = Caption
    text_option = "prompt"
    tool_name = "gemini_caption_image"
    tool_description = (
        "Describe an image in one or two sentences: the main objects, their colours and "
        "where they are. Pass the image by reference (an image id like 'img_1', a URL or "
        "a Files API name)."
    )

    def build(
        self, images: Sequence[PreparedImage], options: CaptionOptions, context: TaskContext
    ) -> VisionRequest:
        return build_request(images[0], prompt=options.prompt, prompts=context.prompts)

    def parse(
        self,
        response: VisionResponse,
        images: Sequence[PreparedImage],
        options: CaptionOptions,
        context: TaskContext,
    ) -> Caption:
        return parse_response(response)


CAPTION = _Caption()
"""The caption task."""
