"""Parser corpus: every output form Gemini generations produce, and the edges around them.

Each row: expected-exception context, the model's text, the image size, then what must
come out (pixel boxes, labels, truncation, warning fragments). Pure functions, so plain
tables rather than cassettes.
"""

from __future__ import annotations

import base64
import io
import json
from contextlib import AbstractContextManager
from contextlib import nullcontext as does_not_raise
from typing import Any

import pytest
from PIL import Image, ImageDraw
from pydantic import BaseModel

from langchain_gemini_vision.errors import OutputParsingError
from langchain_gemini_vision.parsing import (
    MASK_FORMS,
    WRAPPER_KEYS,
    extract_json,
    parse_detections,
    parse_json_answer,
)


def _png(fill: int = 255, *, prefix: bool = True, size: int = 256) -> str:
    image = Image.new("L", (size, size), 0)
    ImageDraw.Draw(image).rectangle((0, 0, size // 2 - 1, size - 1), fill=fill)  # left half
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    data = base64.b64encode(buffer.getvalue()).decode()
    return ("data:image/png;base64," if prefix else "") + data


CAT = '{"box_2d": [100, 200, 500, 600], "label": "cat"}'
DOG = '{"box_2d": [0, 0, 1000, 1000], "label": "dog"}'
TWO = f"[{CAT}, {DOG}]"
# 1000 x 500 image: x scales by 1.0, y by 0.5
RES = (1000, 500)
CAT_PX = (200.0, 50.0, 600.0, 250.0)
DOG_PX = (0.0, 0.0, 1000.0, 500.0)
OK = does_not_raise()


def _raises(match: str) -> Any:
    return pytest.raises(OutputParsingError, match=match)


CASES = [
    # expectation, text, boxes (pixel xyxy), labels, truncated, warning fragments
    # -- fences and prose --
    pytest.param(
        OK, f"```json\n{TWO}\n```", [CAT_PX, DOG_PX], ["cat", "dog"], False, [], id="fence-json"
    ),
    pytest.param(
        OK, f"```JSON\n{TWO}\n```", [CAT_PX, DOG_PX], ["cat", "dog"], False, [], id="fence-upper"
    ),
    pytest.param(
        OK, f"```json5\n{TWO}\n```", [CAT_PX, DOG_PX], ["cat", "dog"], False, [], id="fence-json5"
    ),
    pytest.param(
        OK, f"```\n{TWO}\n```", [CAT_PX, DOG_PX], ["cat", "dog"], False, [], id="fence-no-lang"
    ),
    pytest.param(
        OK,
        f"  ```json\n  {CAT},\n  {DOG}\n  ```".replace(f"  {CAT},", f"  [{CAT},").replace(
            f"  {DOG}\n", f"  {DOG}]\n"
        ),
        [CAT_PX, DOG_PX],
        ["cat", "dog"],
        False,
        [],
        id="fence-indented",
    ),
    pytest.param(
        OK, f"```json{TWO}```", [CAT_PX, DOG_PX], ["cat", "dog"], False, [], id="fence-one-line"
    ),
    pytest.param(
        OK,
        f"Here are the objects:\n```json\n{TWO}\n```\n1. The cat is orange.",
        [CAT_PX, DOG_PX],
        ["cat", "dog"],
        False,
        [],
        id="prose-around-fence",
    ),
    pytest.param(
        OK,
        f"Sure! {TWO} Hope this helps [1].",
        [CAT_PX, DOG_PX],
        ["cat", "dog"],
        False,
        [],
        id="prose-no-fence",
    ),
    pytest.param(
        OK,
        f"See note [1] and {{curly}}: {TWO}",
        [CAT_PX, DOG_PX],
        ["cat", "dog"],
        False,
        [],
        id="brackets-in-prose",
    ),
    pytest.param(
        OK,
        f"```python\nprint('x')\n```\n{TWO}",
        [CAT_PX, DOG_PX],
        ["cat", "dog"],
        False,
        [],
        id="non-json-fence-first",
    ),
    pytest.param(OK, TWO, [CAT_PX, DOG_PX], ["cat", "dog"], False, [], id="bare-list"),
    pytest.param(
        OK, f"{CAT}\n{DOG}", [CAT_PX, DOG_PX], ["cat", "dog"], False, ["joined 2"], id="json-lines"
    ),
    # -- wrappers --
    *[
        pytest.param(
            OK,
            f'{{"{key}": {TWO}}}',
            [CAT_PX, DOG_PX],
            ["cat", "dog"],
            False,
            [],
            id=f"wrapper-{key}",
        )
        for key in WRAPPER_KEYS
    ],
    pytest.param(
        OK,
        f'{{"Boxes": {TWO}}}',
        [CAT_PX, DOG_PX],
        ["cat", "dog"],
        False,
        [],
        id="wrapper-case-insensitive",
    ),
    pytest.param(
        OK,
        f'{{"found": {TWO}}}',
        [CAT_PX, DOG_PX],
        ["cat", "dog"],
        False,
        ["unrecognised key 'found'"],
        id="wrapper-unknown",
    ),
    pytest.param(OK, CAT, [CAT_PX], ["cat"], False, [], id="single-object"),
    pytest.param(
        OK, f'{{"boxes": {CAT}}}', [CAT_PX], ["cat"], False, [], id="wrapper-single-object"
    ),
    # -- box keys and numbers --
    pytest.param(
        OK,
        '[{"bbox_2d": [100, 200, 500, 600], "label": "cat"}]',
        [CAT_PX],
        ["cat"],
        False,
        [],
        id="bbox_2d",
    ),
    pytest.param(
        OK,
        '[{"box": [100, 200, 500, 600], "label": "cat"}]',
        [CAT_PX],
        ["cat"],
        False,
        [],
        id="box",
    ),
    pytest.param(
        OK,
        '[{"BBOX": [100, 200, 500, 600], "label": "cat"}]',
        [CAT_PX],
        ["cat"],
        False,
        [],
        id="bbox-upper",
    ),
    pytest.param(
        OK,
        '[{"box_2d": ["100", " 200 ", "500", "600"], "label": "cat"}]',
        [CAT_PX],
        ["cat"],
        False,
        [],
        id="string-numbers",
    ),
    pytest.param(
        OK,
        '[{"box_2d": [100.5, 200.25, 500, 600.75], "label": "cat"}]',
        [(200.25, 50.25, 600.75, 250.0)],
        ["cat"],
        False,
        [],
        id="floats",
    ),
    pytest.param(
        OK,
        '[{"box_2d": [500, 600, 100, 200], "label": "cat"}]',
        [CAT_PX],
        ["cat"],
        False,
        ["y_min > y_max", "x_min > x_max"],
        id="reversed",
    ),
    pytest.param(
        OK,
        '[{"box_2d": [-20, 200, 1200, 1e308], "label": "cat"}]',
        [(200.0, 0.0, 1000.0, 500.0)],
        ["cat"],
        False,
        ["clamped"],
        id="clamped-negative-huge",
    ),
    # -- dropped items --
    pytest.param(
        OK,
        f'[{{"box_2d": [100, 200, 100, 600], "label": "flat"}}, {CAT}]',
        [CAT_PX],
        ["cat"],
        False,
        ["item 0: dropped: zero-area"],
        id="zero-area",
    ),
    pytest.param(
        OK,
        f'[{{"box_2d": [2000, 0, 3000, 10], "label": "off"}}, {CAT}]',
        [CAT_PX],
        ["cat"],
        False,
        ["zero-area"],
        id="entirely-outside-becomes-zero-area",
    ),
    pytest.param(
        OK,
        f"[{CAT}, {CAT}, {DOG}]",
        [CAT_PX, DOG_PX],
        ["cat", "dog"],
        False,
        ["item 1: dropped: exact duplicate"],
        id="duplicate",
    ),
    pytest.param(
        OK,
        '[{"box_2d": [100, 200, 500, 600], "label": "jar"}, {"box_2d": [100, 200, 500, 600], "label": "lid"}]',
        [CAT_PX, CAT_PX],
        ["jar", "lid"],
        False,
        [],
        id="same-box-different-label-kept",
    ),
    pytest.param(
        OK,
        f'[{{"box_2d": [NaN, 0, 10, 10]}}, {{"box_2d": [0, 0, Infinity, 10]}}, {CAT}]',
        [CAT_PX],
        ["cat"],
        False,
        ["item 0: dropped: box_2d holds NaN", "item 1: dropped"],
        id="nan-inf",
    ),
    pytest.param(
        OK,
        f'[{{"box_2d": [1, 2, 3]}}, {{"point": [1, 2]}}, "cat", {{"box_2d": [true, 0, 5, 5]}}, {CAT}]',
        [CAT_PX],
        ["cat"],
        False,
        [
            "item 0: dropped",
            "item 1: dropped: no box",
            "item 2: dropped: not a JSON object",
            "item 3: dropped",
        ],
        id="invalid-items",
    ),
    # -- labels and scores --
    pytest.param(
        OK, '[{"box_2d": [100, 200, 500, 600]}]', [CAT_PX], ["object"], False, [], id="no-label"
    ),
    pytest.param(
        OK,
        '[{"box_2d": [100, 200, 500, 600], "name": "cat"}]',
        [CAT_PX],
        ["cat"],
        False,
        [],
        id="label-name",
    ),
    pytest.param(
        OK,
        '[{"box_2d": [100, 200, 500, 600], "category": "cat"}]',
        [CAT_PX],
        ["cat"],
        False,
        [],
        id="label-category",
    ),
    pytest.param(
        OK,
        '[{"box_2d": [100, 200, 500, 600], "description": "a cat"}]',
        [CAT_PX],
        ["a cat"],
        False,
        [],
        id="label-description",
    ),
    # -- empty answers --
    pytest.param(OK, "[]", [], [], False, [], id="empty-list"),
    pytest.param(OK, '```json\n{"boxes": []}\n```', [], [], False, [], id="empty-wrapped"),
    pytest.param(
        OK, "There are no cats in this image: []", [], [], False, [], id="empty-after-prose"
    ),
    pytest.param(
        OK,
        f"An empty list [] would mean nothing; here: {TWO}",
        [CAT_PX, DOG_PX],
        ["cat", "dog"],
        False,
        [],
        id="empty-then-real",
    ),
    pytest.param(
        _raises("no JSON"), "x[y] [] z{[", None, None, None, [], id="empty-inside-garbage"
    ),
    # -- truncation --
    pytest.param(
        OK,
        f'```json\n[{CAT}, {{"box_2d": [0, 0, 10',
        [CAT_PX],
        ["cat"],
        True,
        ["cut off", "kept 1"],
        id="truncated-in-number",
    ),
    pytest.param(
        OK,
        f'[{CAT}, {DOG}, {{"box_2d": [0, 0, 10, 10], "label": "unfini',
        [CAT_PX, DOG_PX],
        ["cat", "dog"],
        True,
        ["kept 2"],
        id="truncated-in-string",
    ),
    pytest.param(
        OK,
        f"[{CAT}, {DOG},",
        [CAT_PX, DOG_PX],
        ["cat", "dog"],
        True,
        [],
        id="truncated-after-comma",
    ),
    pytest.param(
        OK, f"[{CAT}, {DOG}", [CAT_PX, DOG_PX], ["cat", "dog"], True, [], id="truncated-after-item"
    ),
    pytest.param(
        OK,
        f'{{"boxes": [{CAT}, {{"box_2d": [1',
        [CAT_PX],
        ["cat"],
        True,
        [],
        id="truncated-wrapped",
    ),
    pytest.param(
        _raises("first complete object"),
        '{"boxes": [{"box_2d": [1',
        None,
        None,
        None,
        [],
        id="truncated-before-first-item",
    ),
    pytest.param(
        _raises("no JSON"),
        '[{"box_2d": [1, 2',
        None,
        None,
        None,
        [],
        id="truncated-nothing-complete",
    ),
    # -- failures --
    pytest.param(
        _raises("no JSON"),
        "I cannot see any objects in this image.",
        None,
        None,
        None,
        [],
        id="prose-only",
    ),
    pytest.param(_raises("no JSON"), "", None, None, None, [], id="empty-text"),
    pytest.param(
        _raises("no JSON"), '{"caption": "a cat"}', None, None, None, [], id="object-without-list"
    ),
    pytest.param(
        _raises("no JSON"), '{"boxes": "none"}', None, None, None, [], id="wrapper-not-a-list"
    ),
    pytest.param(
        _raises("no JSON of the expected shape"),
        '["cat", "dog"]',
        None,
        None,
        None,
        [],
        id="list-of-strings",
    ),
    pytest.param(
        _raises("none of the 1 items"),
        '[{"box_2d": [5, 5, 5, 5]}]',
        None,
        None,
        None,
        [],
        id="all-zero-area",
    ),
    pytest.param(
        _raises("holds 2 point items instead of 2D boxes"),  # issue 21: not "no box"
        '[{"point": [1, 2]}, {"point": [3, 4]}]',
        None,
        None,
        None,
        [],
        id="points-only",
    ),
    pytest.param(
        _raises("no JSON"),
        "{'box_2d': [1, 2, 3, 4], 'label': 'cat'}",
        None,
        None,
        None,
        [],
        id="single-quotes-rejected",
    ),
    pytest.param(
        _raises("no JSON"), "[" * 10_000 + "]" * 10_000, None, None, None, [], id="deep-nesting"
    ),
]


@pytest.mark.parametrize(("expectation", "text", "boxes", "labels", "truncated", "warnings"), CASES)
def test_parse_detections_corpus(
    expectation: AbstractContextManager[Any],
    text: str,
    boxes: list[tuple[float, ...]] | None,
    labels: list[str] | None,
    truncated: bool | None,
    warnings: list[str],
) -> None:
    with expectation as caught:
        parsed = parse_detections(text, resolution_wh=RES)
        assert [d.box for d in parsed.detections] == boxes
        assert [d.label for d in parsed.detections] == labels
        assert parsed.truncated is truncated
        for fragment in warnings:
            assert any(fragment in w for w in parsed.warnings), (fragment, parsed.warnings)
        if not warnings:
            assert not [w for w in parsed.warnings if "dropped" in w], parsed.warnings
    if caught is not None:
        # The raw text always travels with the error (and as LangChain's llm_output).
        assert caught.value.raw_text == text
        assert caught.value.llm_output == text


def test_box_2d_is_kept_as_given_after_clamping() -> None:
    parsed = parse_detections('[{"box_2d": [-5, 20, 1005, 980]}]', resolution_wh=RES)
    assert parsed.detections[0].box_2d == (0.0, 20.0, 1000.0, 980.0)


@pytest.mark.parametrize(
    ("resolution_wh", "box_2d", "expected"),
    [
        ((4000, 3000), [250, 100, 750, 900], (400.0, 750.0, 3600.0, 2250.0)),
        ((3000, 4000), [250, 100, 750, 900], (300.0, 1000.0, 2700.0, 3000.0)),  # portrait
        ((1920, 1080), [0, 500, 1000, 1000], (960.0, 0.0, 1920.0, 1080.0)),
        ((7, 3), [333, 143, 667, 857], (1.001, 0.999, 5.999, 2.001)),  # tiny odd image, floats kept
    ],
    ids=["landscape", "portrait", "hd", "tiny"],
)
def test_non_square_images_map_exactly(
    resolution_wh: tuple[int, int], box_2d: list[int], expected: tuple[float, ...]
) -> None:
    parsed = parse_detections(
        json.dumps([{"box_2d": box_2d, "label": "x"}]), resolution_wh=resolution_wh
    )
    assert parsed.detections[0].box == pytest.approx(expected)


@pytest.mark.parametrize(
    ("raw_score", "expected", "warned"),
    [
        (0.87, 0.87, False),
        (87, 0.87, False),
        ("0.5", 0.5, False),
        ("95%", 0.95, False),
        (1, 1.0, False),
        (250, None, True),
        (-0.1, None, True),
        ("high", None, True),
    ],
    ids=["prob", "percent", "string", "percent-sign", "one", "too-big", "negative", "word"],
)
def test_scores(raw_score: Any, expected: float | None, warned: bool) -> None:
    text = json.dumps([{"box_2d": [1, 2, 300, 400], "label": "a", "confidence": raw_score}])
    parsed = parse_detections(text, resolution_wh=RES)
    assert parsed.detections[0].score == pytest.approx(expected)
    assert any("score" in w for w in parsed.warnings) is warned


def test_extra_fields_are_preserved() -> None:
    text = json.dumps(
        [{"box_2d": [1, 2, 300, 400], "label": "a", "color": "red", "id": 7, "description": "x"}]
    )
    detection = parse_detections(text, resolution_wh=RES).detections[0]
    assert detection.extra == {"color": "red", "id": 7, "description": "x"}
    assert detection.label == "a"


# -- masks ---------------------------------------------------------------------


@pytest.mark.parametrize("prefix", [True, False], ids=["png-data-uri", "png-bare-base64"])
def test_png_masks(prefix: bool) -> None:
    # box 200x100 px at (200, 50); the PNG's left half is set
    text = json.dumps([{"box_2d": [100, 200, 300, 400], "label": "a", "mask": _png(prefix=prefix)}])
    detection = parse_detections(text, resolution_wh=RES, expect_masks=True).detections[0]
    assert detection.mask is not None
    assert detection.mask.offset == (200, 50)
    assert detection.mask.local.shape == (100, 200)
    assert detection.mask.area == pytest.approx(100 * 100, rel=0.02)
    assert detection.mask.local[:, :95].all()
    assert not detection.mask.local[:, 105:].any()


def test_png_mask_threshold_is_configurable() -> None:
    text = json.dumps([{"box_2d": [0, 0, 1000, 1000], "mask": _png(fill=100)}])
    assert parse_detections(text, resolution_wh=(50, 50)).detections[0].mask.area == 0  # type: ignore[union-attr]
    low = parse_detections(text, resolution_wh=(50, 50), mask_threshold=50).detections[0].mask
    assert low is not None
    assert low.area == pytest.approx(25 * 50, rel=0.05)


def test_polygon_mask_xy_pairs() -> None:
    polygon = [[200, 100], [600, 100], [600, 500], [200, 500]]
    text = json.dumps(
        {"boxes": [{"box_2d": [100, 200, 500, 600], "label": "cat", "mask": polygon}]}
    )
    detection = parse_detections(text, resolution_wh=RES).detections[0]
    assert detection.mask is not None
    assert detection.mask.bbox_xyxy == (200, 50, 601, 251)


def test_polygon_mask_flat_list() -> None:
    text = json.dumps(
        [{"box_2d": [100, 200, 500, 600], "mask": [200, 100, 600, 100, 600, 500, 200, 500]}]
    )
    mask = parse_detections(text, resolution_wh=RES).detections[0].mask
    assert mask is not None
    assert mask.bbox_xyxy == (200, 50, 601, 251)


def test_polygon_mask_in_y_x_order_is_detected() -> None:
    polygon_yx = [[100, 200], [100, 600], [500, 600], [500, 200]]
    text = json.dumps([{"box_2d": [100, 200, 500, 600], "mask": polygon_yx}])
    mask = parse_detections(text, resolution_wh=RES).detections[0].mask
    assert mask is not None
    assert mask.bbox_xyxy == (200, 50, 601, 251)


@pytest.mark.parametrize(
    ("mask_value", "fragment"),
    [
        ("<start_of_mask><seg_4><seg_20><seg_63>", "segmentation tokens not decodable"),
        ("data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAAB", "not used"),
        ("data:image/png;base64,@@@@", "not valid base64"),
        ([[1, 2], [3, 4]], "at least 3"),
        ({"rle": "x"}, "unrecognised form"),
        (42, "unrecognised form"),
    ],
    ids=["seg-tokens", "truncated-png", "bad-base64", "short-polygon", "dict", "number"],
)
def test_undecodable_masks_keep_the_box_and_warn(mask_value: Any, fragment: str) -> None:
    text = json.dumps([{"box_2d": [100, 200, 500, 600], "label": "cat", "mask": mask_value}])
    parsed = parse_detections(text, resolution_wh=RES)
    assert [d.box for d in parsed.detections] == [CAT_PX]
    assert parsed.detections[0].mask is None
    assert any(fragment in w and w.startswith("item 0") for w in parsed.warnings), parsed.warnings


@pytest.mark.parametrize("empty", [None, "", []], ids=["null", "empty-string", "empty-list"])
def test_empty_mask_values_mean_no_mask(empty: Any) -> None:
    text = json.dumps([{"box_2d": [100, 200, 500, 600], "mask": empty}])
    assert parse_detections(text, resolution_wh=RES).warnings == []
    warned = parse_detections(text, resolution_wh=RES, expect_masks=True).warnings
    assert warned == ["item 0: no usable mask"]


def test_mask_forms_table_names_each_generation() -> None:
    assert [f.name for f in MASK_FORMS] == ["segmentation tokens", "png", "polygon", "flat polygon"]
    assert all(f.source for f in MASK_FORMS)


# -- truncation hints ----------------------------------------------------------


def test_truncated_hint_marks_a_complete_answer() -> None:
    parsed = parse_detections(TWO, resolution_wh=RES, truncated_hint=True)
    assert parsed.truncated is True
    assert len(parsed.detections) == 2
    assert any("output limit" in w for w in parsed.warnings)


def test_truncation_at_every_position_never_invents_items() -> None:
    text = "```json\n" + json.dumps([json.loads(CAT), json.loads(DOG)], indent=2) + "\n```"
    for cut in range(len(text)):
        try:
            parsed = parse_detections(text[:cut], resolution_wh=RES)
        except OutputParsingError:
            continue
        # Whatever survives is a prefix of the real answer.
        assert [d.label for d in parsed.detections] == ["cat", "dog"][: len(parsed.detections)]
        assert parsed.truncated or len(parsed.detections) == 2


# -- extract_json --------------------------------------------------------------


@pytest.mark.parametrize(
    ("expectation", "text", "value", "truncated"),
    [
        (OK, '{"a": 1}', {"a": 1}, False),
        (OK, "prefix ```json\n[1, 2]\n``` suffix", [1, 2], False),
        (OK, "42", 42, False),
        (OK, '"just a string"', "just a string", False),
        (OK, "[1, 2, 3", [1, 2], True),  # the last number may have lost digits: dropped
        (OK, '[{"a": 1}, {"b": 2}', [{"a": 1}, {"b": 2}], True),  # a closed object is complete
        (OK, '{"a": {"b": [1, 2,', {"a": {"b": [1, 2]}}, True),  # nested wrappers salvaged
        (_raises("no JSON"), "nothing here", None, None),
        (_raises("no JSON"), "[", None, None),
    ],
    ids=[
        "object",
        "fenced",
        "number",
        "string",
        "truncated-numbers",
        "truncated-objects",
        "nested",
        "none",
        "lone-bracket",
    ],
)
def test_extract_json(
    expectation: AbstractContextManager[Any], text: str, value: Any, truncated: bool | None
) -> None:
    with expectation:
        extraction = extract_json(text)
        assert extraction.value == value
        assert extraction.truncated is truncated


def test_extract_json_accept_skips_footnotes() -> None:
    extraction = extract_json(
        '[1] first [{"x": 1}]',
        accept=lambda v: isinstance(v, list) and bool(v) and isinstance(v[0], dict),
    )
    assert extraction.value == [{"x": 1}]


# -- parse_json_answer ---------------------------------------------------------


class _Caption(BaseModel):
    caption: str
    tags: list[str] = []


@pytest.mark.parametrize(
    ("expectation", "text", "schema", "expected"),
    [
        (OK, '```json\n{"caption": "a cat"}\n```', _Caption, _Caption(caption="a cat")),
        (
            OK,
            'Answer: {"caption": "a cat", "tags": ["pet"]}',
            _Caption,
            _Caption(caption="a cat", tags=["pet"]),
        ),
        (_raises("does not match _Caption"), '{"title": "a cat"}', _Caption, None),
        (_raises("cut off"), '{"caption": "a cat", "tags": ["pet",', _Caption, None),
        (_raises("no JSON"), "A cat on a mat.", _Caption, None),
        (
            OK,
            '{"caption": "a cat"}',
            {"type": "object", "required": ["caption"]},
            {"caption": "a cat"},
        ),
        (
            _raises("required keys: caption"),
            '{"text": "a cat"}',
            {"type": "object", "required": ["caption"]},
            None,
        ),
        (OK, "note [1]: [3, 4]", {"type": "array"}, [1]),
        (OK, 'count: {"n": 1} then [3]', {"type": "array"}, [3]),
        (OK, "A cat on a mat.", {"type": "string"}, "A cat on a mat."),
        (OK, "7", {"type": "integer"}, 7),
        (_raises("no JSON"), "true", {"type": "integer"}, None),
    ],
    ids=[
        "model-fenced",
        "model-prose",
        "model-invalid",
        "model-truncated",
        "model-no-json",
        "schema-object",
        "schema-missing-key",
        "schema-array-first",
        "schema-array-skip-object",
        "schema-string-plain-text",
        "schema-integer",
        "schema-bool-is-not-integer",
    ],
)
def test_parse_json_answer(
    expectation: AbstractContextManager[Any], text: str, schema: Any, expected: Any
) -> None:
    with expectation as caught:
        assert parse_json_answer(text, schema) == expected
    if caught is not None:
        assert caught.value.raw_text == text
