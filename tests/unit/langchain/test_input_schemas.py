"""Each Runnable says what it accepts (issue 19 item 6): ``get_input_schema()`` and
``InputType`` are a union of an image reference and the request dict with the task's
options, read from the task's options model in the registry, never ``Any``."""

from __future__ import annotations

from typing import Any

import jsonschema
import pytest

from langchain_gemini_vision import (
    GeminiAskRunnable,
    GeminiCaptionRunnable,
    GeminiCompareRunnable,
    GeminiDetectRunnable,
    GeminiSegmentRunnable,
    GeminiVisionRunnable,
)
from langchain_gemini_vision.tasks import get_task

RUNNABLES = [
    GeminiCaptionRunnable,
    GeminiCompareRunnable,
    GeminiDetectRunnable,
    GeminiSegmentRunnable,
    GeminiAskRunnable,
]


def _schema(runnable: type[GeminiVisionRunnable[Any]]) -> dict[str, Any]:
    return runnable(api_key="k").get_input_schema().model_json_schema()


def _request_schema(schema: dict[str, Any]) -> dict[str, Any]:
    """The object member of the input union (the request dict), resolved."""
    for member in schema["anyOf"]:
        found = schema["$defs"][member["$ref"].rsplit("/", 1)[-1]] if "$ref" in member else member
        if found.get("type") == "object":
            return found
    raise AssertionError(f"no request object in {schema}")


@pytest.mark.parametrize("runnable", RUNNABLES, ids=lambda r: r.__name__)
def test_the_input_schema_is_not_any(runnable: type[GeminiVisionRunnable[Any]]) -> None:
    schema = _schema(runnable)
    assert schema.get("anyOf"), f"{runnable.__name__} declares no input: {schema}"
    assert runnable(api_key="k").InputType is not Any


@pytest.mark.parametrize("runnable", RUNNABLES, ids=lambda r: r.__name__)
def test_the_request_dict_lists_the_tasks_options(
    runnable: type[GeminiVisionRunnable[Any]],
) -> None:
    task = runnable.task
    request = _request_schema(_schema(runnable))
    image_key = "image" if task.single else "images"
    assert image_key in request["required"]
    options = {info.alias or name for name, info in task.options.model_fields.items()}
    assert set(request["properties"]) == {image_key, *options}
    assert request.get("additionalProperties") is False
    # Each option keeps its description from the task's options model.
    for name, info in task.options.model_fields.items():
        key = info.alias or name
        assert request["properties"][key].get("description"), (name, request["properties"][key])


def test_the_single_image_schema_is_a_reference_or_a_request() -> None:
    schema = _schema(GeminiDetectRunnable)
    kinds = {m.get("type") for m in schema["anyOf"] if "$ref" not in m}
    assert "string" in kinds
    request = _request_schema(schema)
    assert request["properties"]["max_objects"]["anyOf"][0]["minimum"] == 1
    valid = {"image": "https://example.com/shelf.jpg", "query": "price tags", "max_objects": 3}
    jsonschema.validate(valid, schema)
    jsonschema.validate("files/abc123", schema)
    for invalid in ({"image": "a.png", "qurey": "typo"}, {"query": "no image"}, 42):
        with pytest.raises(jsonschema.ValidationError):
            jsonschema.validate(invalid, schema)


def test_the_multi_image_schema_takes_a_list_of_references() -> None:
    schema = _schema(GeminiCompareRunnable)
    jsonschema.validate(["a.png", "b.png"], schema)
    jsonschema.validate({"images": ["a.png", "b.png"], "prompt": "what moved?"}, schema)
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate({"images": ["only-one.png"]}, schema)  # compare takes two or more


def test_the_ask_schema_takes_a_json_schema_for_structured_answers() -> None:
    request = _request_schema(_schema(GeminiAskRunnable))
    assert "question" in request["properties"]
    assert "schema" in request["properties"]  # the option's own name on the wire (its alias)


def test_a_registered_task_gets_its_schema_from_its_options_model() -> None:
    from pydantic import BaseModel

    from langchain_gemini_vision.tasks import Task, TaskOptions, register_task, unregister_task

    class ShapeOptions(TaskOptions):
        shape: str | None = None
        """Which shape to look at."""

    class Shape(BaseModel):
        text: str

    class _ShapeTask(Task[ShapeOptions, Shape], name="schema_probe"):
        """A task for this test only."""

    register_task(_ShapeTask())
    try:
        runnable = GeminiVisionRunnable.for_task("schema_probe")
        request = _request_schema(runnable(api_key="k").get_input_schema().model_json_schema())
        assert request["properties"]["shape"]["description"] == "Which shape to look at."
        assert get_task("schema_probe").options is ShapeOptions
    finally:
        unregister_task("schema_probe")
