"""Visual questions and classification, free text or structured through a schema."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ValidationError

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.errors import OutputParsingError
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.parsing import parse_json_answer
from langchain_gemini_vision.prompts import DEFAULT_PROMPTS, Prompts
from langchain_gemini_vision.results import VisualAnswer

Schema = type[BaseModel] | dict[str, Any]


def json_schema_of(schema: Schema | None) -> dict[str, Any] | None:
    """The JSON schema to send for a pydantic model or a JSON schema."""
    if schema is None:
        return None
    if isinstance(schema, dict):
        return schema
    return schema.model_json_schema()


def build_request(
    images: Sequence[PreparedImage],
    question: str,
    *,
    schema: Schema | None = None,
    prompts: Prompts | None = None,
) -> VisionRequest:
    """The question first, then the images; structured output when a schema is given."""
    if not question.strip():
        msg = "the question is empty; ask something about the image"
        raise ValueError(msg)
    return VisionRequest(
        prompt=question.strip(),
        images=tuple(images),
        response_schema=json_schema_of(schema),
        system_instruction=(prompts or DEFAULT_PROMPTS).ask_system,
    )


def parse_response(response: VisionResponse, *, schema: Schema | None = None) -> VisualAnswer:
    """Free text as is; structured answers validated against the schema or model."""
    if schema is None:
        return VisualAnswer(
            text=response.text.strip(), data=None, model=response.model, usage=response.usage
        )
    data: Any = parse_json_answer(response.text, json_schema_of(schema) or {})
    if isinstance(schema, type):
        try:
            data = schema.model_validate(data)
        except ValidationError as exc:
            raise OutputParsingError(
                f"the answer does not match {schema.__name__}: {exc.error_count()} error(s)",
                raw_text=response.text,
            ) from exc
    return VisualAnswer(
        text=response.text.strip(), data=data, model=response.model, usage=response.usage
    )
