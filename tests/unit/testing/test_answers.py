"""Choosing the task, reading the prompt, and filling JSON schemas from the analysis."""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_gemini_vision.testing import SceneObject, analyse_image, choose_task, make_scene
from langchain_gemini_vision.testing._schema_fill import fill_schema
from langchain_gemini_vision.testing.answers import build_answer, parse_query

jsonschema = pytest.importorskip("jsonschema")

SCENE = make_scene(
    600,
    400,
    [
        SceneObject("circle", "red", (20, 20, 100, 100)),
        SceneObject("circle", "green", (250, 150, 330, 230)),
        SceneObject("square", "green", (480, 300, 560, 380)),
        SceneObject("triangle", "blue", (20, 300, 100, 380)),
    ],
)
ANALYSIS = analyse_image(SCENE.data)


@pytest.mark.parametrize(
    ("prompt", "schema", "images", "task"),
    [
        (
            "anything",
            {"properties": {"boxes": {"items": {"properties": {"mask": {}}}}}},
            1,
            "segment",
        ),
        ("anything", {"properties": {"box_2d": {}}}, 1, "detect"),
        ("anything", {"properties": {"differences": {}}}, 2, "compare"),
        ("anything", {"properties": {"differences": {}}}, 1, "question"),  # 1 image: no compare
        ("anything", {"properties": {"caption": {}}}, 1, "caption"),
        ("Give the segmentation masks for the circles.", None, 1, "segment"),
        ("Detect all of the prominent items in the image.", None, 1, "detect"),
        ("Return bounding boxes of the squares", None, 1, "detect"),
        ("What is different between these two images?", None, 2, "compare"),
        ("Caption this image.", None, 1, "caption"),
        ("Describe the picture", None, 1, "caption"),
        ("How many red circles are there?", None, 1, "question"),
        ("hello", None, 1, "caption"),
    ],
)
def test_choose_task(prompt: str, schema: Any, images: int, task: str) -> None:
    assert choose_task(prompt, schema, images) == task


def test_parse_query_ignores_quoted_examples_and_reads_limits() -> None:
    query = parse_query('Detect the green objects, at most 3. Label like "red circle" (e.g. blue).')
    assert query.colors == {"green"}
    assert query.shapes == frozenset()
    assert query.limit == 3
    assert parse_query("Find rectangles. Limit to 25 objects.").shapes == {"rectangle", "square"}


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("How many green objects are there?", "There are 2 green objects."),
        ("How many circles?", "There are 2 circles."),
        ("How many purple objects?", "There are no purple objects."),
        ("What colour is the square?", "The square is green."),
        ("What color are the circles?", "The circles are red and green."),
        (
            "Is there a blue triangle?",
            "Yes, there is 1 blue triangle: a blue triangle at the bottom left.",
        ),
        ("Is there a red square?", "No, there is no red square."),
        ("Where is the red circle?", "The red circle is at the top left."),
        ("What shape is the blue object?", "The blue object is a triangle."),
    ],
)
def test_questions_are_answered_from_the_pixels(question: str, expected: str) -> None:
    answer = build_answer(prompt=question, analyses=[ANALYSIS], task="question")
    assert answer.text == expected


def _fill(prompt: str, schema: dict[str, Any], task: str | None = None) -> Any:
    chosen = task or choose_task(prompt, schema, 1)
    answer = build_answer(prompt=prompt, analyses=[ANALYSIS], task=chosen)  # type: ignore[arg-type]
    value = fill_schema(schema, answer)
    jsonschema.validate(value, schema)
    json.dumps(value)
    return value


def test_schema_count_boolean_and_string_fields() -> None:
    schema = {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "present": {"type": "boolean"},
            "answer": {"type": "string"},
        },
        "required": ["count", "present", "answer"],
    }
    assert _fill("How many circles are there?", schema) == {
        "count": 2,
        "present": True,
        "answer": "There are 2 circles.",
    }
    assert _fill("Is there a yellow square?", schema)["present"] is False


def test_schema_enum_classifies_by_the_dominant_object() -> None:
    schema = {
        "type": "object",
        "properties": {"dominant_color": {"type": "string", "enum": ["blue", "green", "red"]}},
        "required": ["dominant_color"],
    }
    # Two green objects and the largest objects are equal: green wins on both counts.
    assert _fill("Which colour dominates?", schema)["dominant_color"] in ("green", "red")
    yes_no = {"type": "object", "properties": {"answer": {"enum": ["yes", "no"]}}}
    assert _fill("Is there a blue triangle?", yes_no) == {"answer": "yes"}
    assert _fill("Is there a pink circle?", yes_no) == {"answer": "no"}


def test_pydantic_style_schema_with_refs_and_wrapped_boxes() -> None:
    schema = {
        "$defs": {
            "Box": {
                "type": "object",
                "properties": {
                    "box_2d": {"type": "array", "items": {"type": "integer"}},
                    "label": {"type": "string"},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                },
                "required": ["box_2d", "label"],
            }
        },
        "type": "object",
        "properties": {"boxes": {"type": "array", "items": {"$ref": "#/$defs/Box"}}},
        "required": ["boxes"],
    }
    value = _fill("Detect the green objects.", schema)
    assert [b["label"] for b in value["boxes"]] == ["green circle", "green square"]
    assert all(len(b["box_2d"]) == 4 for b in value["boxes"])


def test_openapi_style_uppercase_schema() -> None:
    schema = {
        "type": "OBJECT",
        "properties": {"caption": {"type": "STRING"}, "object_count": {"type": "INTEGER"}},
    }
    answer = build_answer(prompt="Caption this image.", analyses=[ANALYSIS], task="caption")
    value = fill_schema(schema, answer)
    assert value["object_count"] == 4
    assert value["caption"].startswith("4 objects on a white background")
