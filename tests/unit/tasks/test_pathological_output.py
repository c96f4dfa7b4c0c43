"""Absurdly nested model output is an OutputParsingError, never a RecursionError
(issue 15, item 6): at the parser, and served as the model's answer through both transports.
Its nesting is measured before anything decodes it, so no decoder recurses into it and no
finalizer the garbage collector runs meanwhile is starved of stack (the flaky failures
"could not print an error raised during garbage collection": ``_stack_headroom``)."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_gemini_vision import GeminiVisionClient, RetryPolicy
from langchain_gemini_vision._json_depth import (
    MAX_JSON_DEPTH,
    nesting_exceeds,
    value_nesting_exceeds,
)
from langchain_gemini_vision.errors import (
    GeminiVisionAPIError,
    GeminiVisionConnectionError,
    OutputParsingError,
)
from langchain_gemini_vision.parsing import extract_json, parse_detections, parse_json_answer
from langchain_gemini_vision.testing import make_scene
from tests.unit._served import Reply, ServedGemini, model_text
from tests.unit._stack_headroom import watch_collections

PATHOLOGICAL = {
    "brackets": "[" * 5000,
    "objects": "[" + '{"a":' * 2000,
    "wrapped": '{"boxes": ' + "[" * 5000,
    "fenced": "```json\n" + "[" * 5000 + "\n```",
    # Closed, so json.loads alone would build it if the stack allowed.
    "closed": "[" * 3000 + "]" * 3000,
    # Within the interpreter's limit: json.loads builds it without complaint.
    "under_the_limit": "[" * 500 + "]" * 500,
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


@pytest.mark.parametrize("text", PATHOLOGICAL.values(), ids=PATHOLOGICAL.keys())
def test_the_parsers_measure_nesting_before_any_decoder_recurses(text: str) -> None:
    with watch_collections() as watch:
        for parse in (
            lambda: parse_detections(text, resolution_wh=(640, 480)),
            lambda: parse_json_answer(text, {"type": "array"}),
            lambda: extract_json(text),
        ):
            with pytest.raises(OutputParsingError):
                parse()
    assert watch.collections > 0
    assert watch.starved == 0


def test_a_deep_value_after_the_answer_does_not_hide_it() -> None:
    text = 'Found: [{"box_2d": [1, 2, 3, 4], "label": "a"}] and then ' + "[" * 5000
    assert extract_json(text).value == [{"box_2d": [1, 2, 3, 4], "label": "a"}]
    (detection,) = parse_detections(text, resolution_wh=(1000, 1000)).detections
    assert detection.label == "a"


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


def _client(served: ServedGemini, transport: Any, api: Any) -> GeminiVisionClient:
    return GeminiVisionClient(
        api_key="k",
        base_url=served.base_url,
        transport=transport,
        api=api,
        retry=RetryPolicy(max_attempts=1),
    )


SERVED = ["brackets", "objects", "wrapped", "closed", "under_the_limit"]


@pytest.mark.parametrize("transport", ["lean", "sdk"])
@pytest.mark.parametrize("api", ["interactions", "generate_content"])
@pytest.mark.parametrize("name", SERVED)
async def test_a_served_pathological_answer_is_an_output_parsing_error(
    served: ServedGemini, transport: Any, api: Any, name: str
) -> None:
    """No decoder on the way (the transports', google-genai's, the parsers') recurses into
    the answer: a collection starting meanwhile has the stack a finalizer needs (it
    flaked, failing with a RecursionError raised during garbage collection)."""
    served.reply = model_text(PATHOLOGICAL[name])
    client = _client(served, transport, api)
    with watch_collections() as watch:
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
    assert watch.collections > 0
    assert watch.starved == 0


# google-genai reads the body of an Interactions answer and of an error itself.
BODY_READERS = [
    ("lean", "interactions", 200, GeminiVisionConnectionError),
    ("lean", "generate_content", 200, GeminiVisionConnectionError),
    ("sdk", "generate_content", 200, GeminiVisionConnectionError),
    ("lean", "interactions", 400, GeminiVisionAPIError),
    ("lean", "generate_content", 400, GeminiVisionAPIError),
]


@pytest.mark.parametrize(("transport", "api", "status", "raised"), BODY_READERS)
async def test_a_served_body_nested_absurdly_is_measured_before_it_is_decoded(
    served: ServedGemini, transport: Any, api: Any, status: int, raised: type[Exception]
) -> None:
    """Not the answer but the whole HTTP body (a broken or hostile endpoint): read by the
    package, typed as the transport's failure, with no decoder recursing into it."""
    served.reply = lambda _call: Reply(status, b"[" * 5000)
    client = _client(served, transport, api)
    with watch_collections() as watch:
        with pytest.raises(raised):
            client.detect(IMAGE)
        with pytest.raises(raised):
            await client.adetect(IMAGE)
    await client.aclose()
    assert watch.collections > 0
    assert watch.starved == 0


@pytest.mark.parametrize("transport", ["lean", "sdk"])
@pytest.mark.parametrize("api", ["interactions", "generate_content"])
@pytest.mark.parametrize("body", [b"[]", b'"text"', b"null", b"42"])
async def test_a_served_body_that_is_json_but_no_object_is_a_connection_error(
    served: ServedGemini, transport: Any, api: Any, body: bytes
) -> None:
    served.reply = lambda _call: Reply(200, body)
    client = _client(served, transport, api)
    with pytest.raises(GeminiVisionConnectionError, match="not a JSON object"):
        client.detect(IMAGE)
    with pytest.raises(GeminiVisionConnectionError, match="not a JSON object"):
        await client.adetect(IMAGE)
    await client.aclose()


def _deepest(text: str) -> int:
    """The reference: arrays and objects open at once, walked character by character."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            in_string = escaped or char != '"'
            escaped = not escaped and char == "\\"
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _nested(levels: int, padding: str) -> str:
    opener = ('{"a": ', "[")
    text = "".join(opener[i % 2] for i in range(levels)) + "1"
    return text + "".join("}" if i % 2 == 0 else "]" for i in reversed(range(levels))) + padding


@pytest.mark.parametrize("levels", [MAX_JSON_DEPTH - 1, MAX_JSON_DEPTH, MAX_JSON_DEPTH + 1])
@pytest.mark.parametrize(
    "padding",
    ["", ' "[[[[" ' * 20, " [] {}" * 40, " " * 5000, " [1]" * 2000],
    ids=["bare", "brackets_in_strings", "many_shallow", "past_the_first_window", "long_shallow"],
)
def test_the_nesting_measure_agrees_with_a_walk_at_the_bound(levels: int, padding: str) -> None:
    """The measure skips texts holding too few opening brackets to nest past the bound
    (most answers); on either side of that shortcut it answers as a character walk does."""
    text = _nested(levels, padding)
    deeper = _deepest(text) > MAX_JSON_DEPTH
    assert _deepest(text) >= levels
    assert nesting_exceeds(text) is deeper
    assert value_nesting_exceeds(text) is (levels > MAX_JSON_DEPTH)
    assert value_nesting_exceeds(" " + text, 1) is (levels > MAX_JSON_DEPTH)
