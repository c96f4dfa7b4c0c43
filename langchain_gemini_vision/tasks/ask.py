"""Visual questions and classification, free text or structured through a schema."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.errors import OutputParsingError
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.parsing import parse_json_answer
from langchain_gemini_vision.prompts import DEFAULT_PROMPTS, Prompts
from langchain_gemini_vision.results import VisualAnswer

from .streams import TextStream
from .task import Task, TaskCall, TaskOptions

__all__ = [
    "ASK",
    "AskOptions",
    "Schema",
    "answer_text",
    "build_request",
    "json_schema_of",
    "parse_response",
]

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
    data: Any = None
    if schema is not None:
        data = parse_json_answer(response.text, json_schema_of(schema) or {})
    if isinstance(schema, type):
        try:
            data = schema.model_validate(data)
        except ValidationError as exc:
            raise OutputParsingError(
                f"the answer does not match {schema.__name__}: {exc.error_count()} error(s)",
                raw_text=response.text,
            ) from exc
    return VisualAnswer(
        text=response.text.strip(),
        data=data,
        model=response.model,
        usage=response.usage,
        truncated=response.truncated,
    )


def answer_text(result: VisualAnswer) -> str:
    """The answer for a model to read: the text, or the structured answer as JSON."""
    if result.data is None:
        return result.text
    data = (
        result.data.model_dump(mode="json") if isinstance(result.data, BaseModel) else result.data
    )
    return json.dumps(data, ensure_ascii=False)


class AskOptions(TaskOptions):
    """What a question takes besides its images."""

    model_config = ConfigDict(populate_by_name=True)

    question: str = Field(min_length=1)
    """The question to answer about the image(s)."""
    answer_schema: Schema | None = Field(default=None, alias="schema")
    """Structured output: a pydantic model (the answer's ``data`` is an instance) or a
    JSON schema (``schema=`` is accepted too)."""


class AskToolOptions(TaskOptions):
    """What a model may set through the question tool (the schema is the owner's)."""

    question: str = Field(min_length=1)
    """The question to answer about the image(s)."""


class _Ask(Task[AskOptions, VisualAnswer], name="ask", tool="gemini_ask_about_images"):
    """Answer a question about one or more images (what is shown, text in the image,
    colours, positions, counts). Pass the images by reference (image ids like 'img_1',
    URLs or Files API names)."""

    max_images = None
    text_option = "question"
    tool_options = AskToolOptions
    tool_images_help = "One or more image references the question is about. "

    def build(self, call: TaskCall[AskOptions]) -> VisionRequest:
        options = call.options
        schema, prompts = options.answer_schema, call.context.prompts
        return build_request(call.images, options.question, schema=schema, prompts=prompts)

    def parse(self, response: VisionResponse, call: TaskCall[AskOptions]) -> VisualAnswer:
        return parse_response(response, schema=call.options.answer_schema)

    def streamer(self, call: TaskCall[AskOptions]) -> TextStream[VisualAnswer]:
        return TextStream("text")  # the answer's whole text, JSON or not

    def tool_text(self, result: VisualAnswer) -> str:
        return answer_text(result)


ASK = _Ask()
"""The question task."""
