"""Property tests: whatever the text, the parser raises only OutputParsingError and never
yields a box outside the image. Bounded (200 examples, no deadline) to stay quick."""

from __future__ import annotations

import contextlib
import json
import random
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from langchain_gemini_vision.errors import OutputParsingError
from langchain_gemini_vision.parsing import extract_json, parse_detections, parse_json_answer
from langchain_gemini_vision.parsing.json_text import _fenced_blocks, _first_value

FUZZ = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])

resolutions = st.tuples(st.integers(1, 5000), st.integers(1, 5000))
# Numbers as they appear in model output, including the hostile ones.
numbers = st.one_of(
    st.integers(-5000, 5000),
    st.floats(allow_nan=True, allow_infinity=True),
    st.sampled_from([1e308, -1e308, 10**400, "12", " 7.5 ", "nan", "inf", "x", "", None, True]),
)
json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), st.text(max_size=10))
json_values = st.recursive(
    json_leaf,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
keys = st.sampled_from(
    ["box_2d", "bbox_2d", "box", "bbox", "BOX_2D", "b0x", "label", "mask", "score", "name"]
)
items = st.dictionaries(
    keys,
    st.one_of(
        st.lists(numbers, min_size=0, max_size=6), numbers, st.text(max_size=20), json_values
    ),
    max_size=5,
)
wrappers = st.sampled_from([None, "boxes", "detections", "Objects", "results", "unknown"])
fences = st.sampled_from(
    ["", "```json\n", "```JSON\n", "   ```\n", "```json5 ", "Here you go:\n```json\n"]
)


def _check(text: str, resolution_wh: tuple[int, int]) -> None:
    width, height = resolution_wh
    try:
        parsed = parse_detections(text, resolution_wh=resolution_wh)
    except OutputParsingError as exc:
        raw_text = exc.raw_text
        parsed = None
    if parsed is None:
        assert raw_text == text
        return
    for detection in parsed.detections:
        x0, y0, x1, y1 = detection.box
        assert 0 <= x0 < x1 <= width, detection.box
        assert 0 <= y0 < y1 <= height, detection.box
        assert all(0 <= v <= 1000 for v in detection.box_2d)
        if detection.mask is not None:
            mx0, my0, mx1, my1 = detection.mask.bbox_xyxy
            assert 0 <= mx0 <= mx1 <= width
            assert 0 <= my0 <= my1 <= height


@FUZZ
@given(text=st.text(max_size=300), resolution_wh=resolutions)
def test_arbitrary_text(text: str, resolution_wh: tuple[int, int]) -> None:
    _check(text, resolution_wh)


@FUZZ
@given(
    body=st.lists(items, max_size=5),
    wrapper=wrappers,
    fence=fences,
    close=st.booleans(),
    resolution_wh=resolutions,
)
def test_mutated_outputs(
    body: list[dict[str, Any]],
    wrapper: str | None,
    fence: str,
    close: bool,
    resolution_wh: tuple[int, int],
) -> None:
    payload: Any = body if wrapper is None else {wrapper: body}
    text = fence + json.dumps(payload) + ("\n```" if fence and close else "")
    _check(text, resolution_wh)


@FUZZ
@given(value=json_values, resolution_wh=resolutions)
def test_any_json_value(value: Any, resolution_wh: tuple[int, int]) -> None:
    _check(json.dumps(value), resolution_wh)


@FUZZ
@given(
    boxes=st.lists(st.lists(numbers, min_size=4, max_size=4), min_size=1, max_size=6),
    resolution_wh=resolutions,
    cut=st.integers(0, 10_000),
)
def test_truncation_of_valid_outputs(
    boxes: list[list[Any]], resolution_wh: tuple[int, int], cut: int
) -> None:
    text = (
        "```json\n"
        + json.dumps([{"box_2d": b, "label": f"o{i}"} for i, b in enumerate(boxes)])
        + "\n```"
    )
    _check(text[: cut % (len(text) + 1)], resolution_wh)


@FUZZ
@given(
    text=st.text(alphabet='[]{}",:0123456789.eE-+ntrufalsNI`\n ', max_size=400),
    resolution_wh=resolutions,
)
def test_json_like_noise(text: str, resolution_wh: tuple[int, int]) -> None:
    _check(text, resolution_wh)


@FUZZ
@given(
    text=st.text(max_size=200),
    schema=st.sampled_from([{"type": "object"}, {"type": "array"}, {"type": "string"}, {}]),
)
def test_parse_json_answer_raises_only_output_parsing_error(
    text: str, schema: dict[str, Any]
) -> None:
    with contextlib.suppress(OutputParsingError):
        parse_json_answer(text, schema)


def test_truncation_at_every_position_of_a_segmentation_answer() -> None:
    answer = json.dumps(
        {
            "boxes": [
                {
                    "box_2d": [10, 20, 300, 400],
                    "label": "a",
                    "mask": [[20, 10], [400, 10], [400, 300]],
                },
                {
                    "box_2d": [500, 500, 900, 950],
                    "label": "b",
                    "score": 0.9,
                    "mask": "<start_of_mask><seg_1>",
                },
                {"box_2d": ["1", "2", "3", "4"], "label": "c"},
            ]
        },
        indent=1,
    )
    text = "Sure:\n```json\n" + answer + "\n```\n"
    outcomes: set[int | str] = set()
    for cut in range(len(text) + 1):
        try:
            parsed = parse_detections(text[:cut], resolution_wh=(640, 480))
        except OutputParsingError:
            outcomes.add("error")
            continue
        outcomes.add(len(parsed.detections))
        assert [d.label for d in parsed.detections] == ["a", "b", "c"][: len(parsed.detections)]
        assert parsed.truncated == (len(parsed.detections) < 3 or cut < len(text) - 5)
    assert outcomes == {"error", 1, 2, 3}


@pytest.mark.parametrize(
    "text",
    [
        "[" * 10_000 + "]" * 10_000,
        "{" + '"a":{' * 10_000,
        '[{"a":[' * 10_000,
        "[" * 1_000_000,
    ],
    ids=["deep-list", "deep-object-truncated", "deep-mixed", "million-brackets"],
)
def test_deep_nesting_never_escapes_as_recursion_error(text: str) -> None:
    with pytest.raises(OutputParsingError):
        parse_detections(text, resolution_wh=(10, 10))
    with pytest.raises(OutputParsingError):
        extract_json(text)


@pytest.mark.timeout(60)  # a hang guard; the time it takes is figure 11's to show
def test_one_megabyte_of_garbage_is_rejected() -> None:
    rng = random.Random(0)
    samples = [
        "".join(rng.choice('[]{}",:abc 0123\n`') for _ in range(1_000_000)),
        "[1" * 500_000,
        '{"a":' * 200_000,
        "```" * 330_000,
        "[" + "1," * 400_000 + "x",
        '[{"a": 1}, ' * 90_000 + "oops",
    ]
    for garbage in samples:
        with pytest.raises(OutputParsingError):
            parse_detections(garbage, resolution_wh=(100, 100))


def _scanned(text: str, accept: Any) -> Any:
    """What the left-to-right scan alone finds (the fenced blocks first, then the text)."""
    for region in (*_fenced_blocks(text), text):
        found = _first_value(region, accept)
        if found is not None:
            return found
    return None


@FUZZ
@given(
    value=json_values,
    padding=st.sampled_from(["", " ", "\n", "\n\n  "]),
    accept_lists=st.booleans(),
)
def test_a_text_that_is_one_json_value_reads_as_the_scan_reads_it(
    value: Any, padding: str, accept_lists: bool
) -> None:
    """A structured answer (one JSON value and nothing else) is decoded at once; what it
    gives is what the full scan gives, accepted or not, whatever the value holds."""
    text = padding + json.dumps(value) + padding

    def accept(found: Any) -> bool:
        return isinstance(found, list) is accept_lists

    for check in (None, accept):
        expected = _scanned(text, check)
        try:
            got = extract_json(text, accept=check)
        except OutputParsingError:
            assert expected is None
        else:
            assert expected is not None
            # Compared as JSON: NaN is not equal to itself.
            assert (json.dumps(got.value), got.truncated, got.warnings) == (
                json.dumps(expected.value),
                expected.truncated,
                expected.warnings,
            )
