"""Captions, comparisons and free answers: the JSON found, validated against a model or schema."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar, overload

from pydantic import BaseModel, RootModel, ValidationError

from langchain_gemini_vision.errors import OutputParsingError
from langchain_gemini_vision.parsing.json_text import JsonExtraction, extract_json

__all__ = ["parse_json_answer"]

ModelT = TypeVar("ModelT", bound=BaseModel)

#: JSON-schema top-level types and the Python values that satisfy them.
_JSON_TYPES: dict[str, Callable[[Any], bool]] = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "number": lambda v: isinstance(v, (int, float)) and not isinstance(v, bool),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}


def _schema_accepts(schema: Mapping[str, Any]) -> Callable[[Any], bool]:
    declared = schema.get("type")
    names = [declared] if isinstance(declared, str) else list(declared or [])
    checks = [_JSON_TYPES[n] for n in names if n in _JSON_TYPES]
    if not checks:
        return lambda v: True
    return lambda v: any(check(v) for check in checks)


@overload
def parse_json_answer(text: str, schema_or_model: type[ModelT]) -> ModelT: ...
@overload
def parse_json_answer(text: str, schema_or_model: Mapping[str, Any]) -> Any: ...
def parse_json_answer(text: str, schema_or_model: type[BaseModel] | Mapping[str, Any]) -> Any:
    """Extract the JSON answer from ``text`` and validate it.

    Args:
        text: The model's text.
        schema_or_model: A pydantic model class (validated with ``model_validate``) or a
            JSON schema dict (its top-level ``type`` and ``required`` keys are checked).

    Returns:
        The model instance, or the parsed JSON value. For a ``{"type": "string"}``
        schema, plain text without JSON is the answer itself.

    Raises:
        OutputParsingError: No JSON, truncated JSON, or JSON that does not validate.

    Example:
        >>> parse_json_answer('```json\\n{"text": "a cat"}\\n```', {"type": "object"})
        {'text': 'a cat'}
    """
    if isinstance(schema_or_model, type) and issubclass(schema_or_model, BaseModel):
        model = schema_or_model
        accept = None if issubclass(model, RootModel) else (lambda v: isinstance(v, dict))
        extraction = extract_json(text, accept=accept)
        _reject_truncated(extraction, text)
        try:
            return model.model_validate(extraction.value)
        except ValidationError as exc:
            details = "; ".join(
                f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5]
            )
            raise OutputParsingError(
                f"the answer does not match {model.__name__} "
                f"({exc.error_count()} errors): {details}",
                raw_text=text,
            ) from exc

    schema = schema_or_model
    accept_schema = _schema_accepts(schema)
    try:
        extraction = extract_json(text, accept=accept_schema)
    except OutputParsingError:
        if accept_schema("") and text.strip() and not accept_schema({}):
            return text.strip()
        raise
    _reject_truncated(extraction, text)
    value = extraction.value
    if isinstance(value, dict):
        missing = [k for k in schema.get("required", ()) if k not in value]
        if missing:
            raise OutputParsingError(
                f"the answer lacks required keys: {', '.join(map(str, missing))}", raw_text=text
            )
    return value


def _reject_truncated(extraction: JsonExtraction, text: str) -> None:
    if extraction.truncated:
        raise OutputParsingError(
            "the answer was cut off at the output limit; raise max_output_tokens",
            raw_text=text,
        )
