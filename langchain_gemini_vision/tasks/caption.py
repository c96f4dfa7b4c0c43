"""Captioning: one image in, a caption out."""

from __future__ import annotations

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.parsing import parse_json_answer
from langchain_gemini_vision.prompts import CAPTION_SCHEMA, DEFAULT_PROMPTS, Prompts
from langchain_gemini_vision.results import Caption


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
