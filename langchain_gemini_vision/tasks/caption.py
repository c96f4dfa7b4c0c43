"""Captioning: one image in, a caption out."""

from __future__ import annotations

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.parsing import parse_json_answer
from langchain_gemini_vision.prompts import CAPTION_SCHEMA, DEFAULT_PROMPTS, Prompts
from langchain_gemini_vision.results import Caption

from .streams import TextStream
from .task import Task, TaskCall, TaskOptions

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


class CaptionOptions(TaskOptions):
    """What a caption takes besides its image."""

    prompt: str | None = None
    """Optional instruction for the caption, e.g. 'mention any text on signs'."""


class _Caption(Task[CaptionOptions, Caption], name="caption", tool="gemini_caption_image"):
    """Describe an image in one or two sentences: the main objects, their colours and
    where they are. Pass the image by reference (an image id like 'img_1', a URL or a
    Files API name)."""

    text_option = "prompt"

    def build(self, call: TaskCall[CaptionOptions]) -> VisionRequest:
        return build_request(
            call.images[0], prompt=call.options.prompt, prompts=call.context.prompts
        )

    def parse(self, response: VisionResponse, call: TaskCall[CaptionOptions]) -> Caption:
        return parse_response(response)

    def streamer(self, call: TaskCall[CaptionOptions]) -> TextStream[Caption]:
        return TextStream("text", json_key="caption")


CAPTION = _Caption()
"""The caption task."""
