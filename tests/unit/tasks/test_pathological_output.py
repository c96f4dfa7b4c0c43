"""Absurdly nested model output is an OutputParsingError, never a RecursionError
(issue 15, item 6): at the parser, and served as the model's answer through both transports."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_gemini_vision import GeminiVisionClient, RetryPolicy
from langchain_gemini_vision.errors import OutputParsingError
from langchain_gemini_vision.parsing import extract_json, parse_detections, parse_json_answer
from langchain_gemini_vision.testing import make_scene
from tests.unit._served import ServedGemini, model_text

PATHOLOGICAL = {
    "brackets": "[" * 5000,
    "objects": "[" + '{"a":' * 2000,
    "wrapped": '{"boxes": ' + "[" * 5000,
    "fenced": "```json\n" + "[" * 5000 + "\n```",
    # Closed, so json.loads alone would build it if the stack allowed.
    "closed": "[" * 3000 + "]" * 3000,
}


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_the_parsers_refuse_absurd_nesting_with_a_typed_error(text: str) -> None:
    with pytest.raises(OutputParsingError) as info:
        parse_detections(text, resolution_wh=(640, 480))
    assert info.value.raw_text == text
    with pytest.raises(OutputParsingError):
        parse_json_answer(text, {"type": "array"})
    with pytest.raises(OutputParsingError):
        extract_json(text)


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    text = '[{"label": "' + "[" * 5000 + '", "box_2d": [100, 200, 300, 400]}]'
    (detection,) = parse_detections(text, resolution_wh=(100, 100)).detections
    assert detection.label == "[" * 5000


def test_nesting_deeper_than_the_bound_is_refused_even_within_the_interpreter_stack() -> None:
    from langchain_gemini_vision.parsing import MAX_JSON_DEPTH

    assert sys.getrecursionlimit() // 4 > MAX_JSON_DEPTH
    deep = "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1)
    with pytest.raises(OutputParsingError, match="deeper than"):
        parse_json_answer(deep, {"type": "array"})
    at_bound = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    assert parse_json_answer(at_bound, {"type": "array"}) == extract_json(at_bound).value


@pytest.fixture(scope="module")
def served() -> Iterator[ServedGemini]:
    with ServedGemini() as endpoint:
        yield endpoint


IMAGE = make_scene(64, 48, objects=1).data
SERVED = ["brackets", "objects", "wrapped", "closed"]


@pytest.mark.parametrize("transport", ["lean", "sdk"])
@pytest.mark.parametrize("api", ["interactions", "generate_content"])
@pytest.mark.parametrize("name", SERVED)
async def test_a_served_pathological_answer_is_an_output_parsing_error(
    served: ServedGemini, transport: Any, api: Any, name: str
) -> None:
    served.reply = model_text(PATHOLOGICAL[name])
    client = GeminiVisionClient(
        api_key="k",
        base_url=served.base_url,
        transport=transport,
        api=api,
        retry=RetryPolicy(max_attempts=1),
    )
    with pytest.raises(OutputParsingError):
        client.detect(IMAGE)
    with pytest.raises(OutputParsingError):
        await client.adetect(IMAGE)
    with pytest.raises(OutputParsingError):
        client.segment(IMAGE)
    with pytest.raises(OutputParsingError):
        client.ask(IMAGE, "which shapes?", schema={"type": "array"})
    with pytest.raises(OutputParsingError):
        await client.aask(IMAGE, "which shapes?", schema={"type": "object"})
    await client.aclose()
