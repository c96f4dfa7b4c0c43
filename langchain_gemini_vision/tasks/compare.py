"""Comparison: two or more images in one request ("Prompting with multiple images")."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.parsing import parse_json_answer
from langchain_gemini_vision.prompts import COMPARISON_SCHEMA, DEFAULT_PROMPTS, Prompts
from langchain_gemini_vision.results import ImageComparison

from .streams import TextStream
from .task import Task, TaskCall, TaskOptions

__all__ = ["COMPARE", "CompareOptions", "build_request", "comparison_text", "parse_response"]


def build_request(
    images: Sequence[PreparedImage], *, prompt: str | None = None, prompts: Prompts | None = None
) -> VisionRequest:
    """Ask for a summary, differences and similarities of the images, in order."""
    if len(images) < 2:
        raise ImageInputError(
            f"{len(images)} image(s)",
            "invalid_reference",
            "comparison needs at least two images; pass a list of two or more.",
        )
    text = prompt or (prompts or DEFAULT_PROMPTS).compare
    return VisionRequest(prompt=text, images=tuple(images), response_schema=COMPARISON_SCHEMA)


def parse_response(response: VisionResponse) -> ImageComparison:
    """Read the comparison; raises ``OutputParsingError`` when the answer is not one."""
    data = parse_json_answer(response.text, COMPARISON_SCHEMA)
    return ImageComparison(
        summary=str(data["summary"]).strip(),
        differences=[str(item) for item in data.get("differences") or []],
        similarities=[str(item) for item in data.get("similarities") or []],
        model=response.model,
        usage=response.usage,
    )


def comparison_text(result: ImageComparison) -> str:
    """The summary, then the differences and similarities, one line each."""
    parts = [result.summary]
    if result.differences:
        parts.append("Differences: " + "; ".join(result.differences))
    if result.similarities:
        parts.append("Similarities: " + "; ".join(result.similarities))
    return "\n".join(parts)


class CompareOptions(TaskOptions):
    """What a comparison takes besides its images."""

    prompt: str | None = None
    """Optional focus for the comparison, e.g. 'what moved between them?'."""


class _Compare(Task[CompareOptions, ImageComparison], name="compare", tool="gemini_compare_images"):
    """Compare two or more images: a short summary, then what differs (objects added,
    removed, moved or changed) and what they share. Pass the images by reference (image
    ids like 'img_1', URLs or Files API names), in order."""

    min_images = 2
    max_images = None
    text_option = "prompt"
    tool_images_help = "Two or more image references, in order. "

    def build(self, call: TaskCall[CompareOptions]) -> VisionRequest:
        return build_request(call.images, prompt=call.options.prompt, prompts=call.context.prompts)

    def parse(self, response: VisionResponse, call: TaskCall[CompareOptions]) -> ImageComparison:
        return parse_response(response)

    def streamer(self, call: TaskCall[CompareOptions]) -> TextStream[ImageComparison]:
        return TextStream("summary", json_key="summary")

    def tool_text(self, result: ImageComparison) -> str:
        return comparison_text(result)


COMPARE = _Compare()
"""The comparison task."""
