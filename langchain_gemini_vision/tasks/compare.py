"""Comparison: two or more images in one request ("Prompting with multiple images")."""

from __future__ import annotations

from collections.abc import Sequence

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.parsing import parse_json_answer
from langchain_gemini_vision.prompts import COMPARISON_SCHEMA, DEFAULT_PROMPTS, Prompts
from langchain_gemini_vision.results import ImageComparison


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
