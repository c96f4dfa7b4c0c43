"""Reading a JSON answer as it arrives (issue 19 item 3): ``parsing.incremental``.

Whatever pieces the text arrives in, each complete item of the detection list is read
as soon as its object closes, through the same item parser as a whole answer, and the
end of the stream gives exactly what :func:`parse_detections` gives for the whole
text. A string under a key (a caption) is handed over as it grows, escapes split
across pieces included. Hostile streams (absurd nesting, millions of items) cost
bounded work and end in the same error or cap as a whole answer.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_gemini_vision.errors import OutputParsingError
from langchain_gemini_vision.parsing import (
    DetectionReader,
    DetectionStream,
    JsonScanner,
    ParsedDetections,
    parse_detections,
)

WH = (640, 480)
ITEMS = [
    {"box_2d": [10, 20, 300, 400], "label": "cat"},
    {"box_2d": [500, 500, 900, 950], "label": "dog", "score": 0.9},
    {"box_2d": [100, 600, 200, 700], "label": "cup"},
]
POLYGONS = [
    {
        "box_2d": [100, 100, 400, 400],
        "label": "square",
        "mask": [[100, 100], [400, 100], [400, 400]],
    },
    {"box_2d": [500, 500, 800, 800], "label": "tri", "mask": [[500, 500], [800, 500], [650, 800]]},
]
LINES = ",\n".join("  " + json.dumps(item) for item in ITEMS)

ANSWERS: dict[str, str] = {
    "bare-list": json.dumps(ITEMS),
    "wrapped": json.dumps({"boxes": ITEMS}),
    "wrapped-other-key": json.dumps({"Detections": ITEMS, "note": "three"}),
    "pretty": f"[\n{LINES}\n]",
    "fenced": f"```json\n[\n{LINES}\n]\n```",
    "prose-then-fence": f"Here are the boxes I found:\n```json\n[\n{LINES}\n]\n```\nDone.",
    "polygons": json.dumps({"boxes": POLYGONS}),
    "truncated-wrapped": json.dumps({"boxes": ITEMS})[:-30],
    "truncated-bare": json.dumps(ITEMS)[:-5],
    "duplicate-and-bad-items": json.dumps(
        [ITEMS[0], ITEMS[0], {"box_2d": [1, 2, 1, 4]}, "junk", 42, ITEMS[1]]
    ),
    "strings-with-brackets": json.dumps(
        [{"box_2d": [10, 10, 50, 50], "label": 'a "[brace}" \\ label'}, ITEMS[2]]
    ),
    "empty": "[]",
    "empty-wrapped": '{"boxes": []}',
    "single-object": json.dumps(ITEMS[0]),
    "unknown-wrapper": json.dumps({"found": ITEMS}),
}


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)] or [""]


def _stream(text: str, size: int, **bounds: Any) -> tuple[list[Any], ParsedDetections]:
    stream = DetectionStream(DetectionReader(WH, **bounds))
    streamed = []
    for piece in _pieces(text, size):
        streamed.extend(stream.feed(piece))
    return streamed, stream.finish(text)


@pytest.mark.parametrize("size", [1, 3, 17, 10_000])
@pytest.mark.parametrize("name", list(ANSWERS))
def test_streamed_detections_are_those_of_the_whole_answer(name: str, size: int) -> None:
    text = ANSWERS[name]
    whole = parse_detections(text, resolution_wh=WH)
    streamed, finished = _stream(text, size)
    assert finished == whole
    assert streamed == whole.detections[: len(streamed)]
    if name not in ("single-object", "unknown-wrapper"):
        assert streamed == whole.detections  # every item was handed over as it completed


def test_each_item_is_read_as_soon_as_its_object_closes() -> None:
    text = json.dumps({"boxes": ITEMS})
    stream = DetectionStream(DetectionReader(WH))
    first_end = text.index("}") + 1
    assert stream.feed(text[: first_end - 1]) == []
    [first] = stream.feed(text[first_end - 1 : first_end])
    assert first.label == "cat"
    assert [d.label for d in stream.feed(text[first_end:])] == ["dog", "cup"]


def test_item_caps_apply_while_streaming() -> None:
    text = json.dumps(
        {"boxes": [{"box_2d": [1, 1, 5 + i % 900, 9], "label": f"o{i}"} for i in range(20_000)]}
    )
    streamed, finished = _stream(text, 4096, max_items=5)
    assert len(streamed) == 5
    assert finished == parse_detections(text, resolution_wh=WH, max_items=5)
    assert any("kept the first 5 of 20000" in w for w in finished.warnings)


@pytest.mark.parametrize(
    "text",
    [
        "[" * 200_000,
        '{"boxes": ' + "[" * 200_000,
        "```json\n" + "[{" * 50_000 + "\n```",
    ],
    ids=["brackets", "wrapped", "fenced"],
)
def test_absurd_nesting_is_refused_as_in_a_whole_answer(text: str) -> None:
    stream = DetectionStream(DetectionReader(WH))
    for piece in _pieces(text, 1000):
        assert stream.feed(piece) == []
    with pytest.raises(OutputParsingError) as streamed:
        stream.finish(text)
    with pytest.raises(OutputParsingError) as whole:
        parse_detections(text, resolution_wh=WH)
    assert str(streamed.value) == str(whole.value)


def test_a_long_item_arriving_in_small_pieces_is_read_once_whole() -> None:
    mask = [[i % 1000, (i * 7) % 1000] for i in range(60_000)]
    text = json.dumps([{"box_2d": [0, 0, 1000, 1000], "label": "big", "mask": mask}])
    streamed, finished = _stream(text, 64)
    assert [d.label for d in streamed] == ["big"]
    assert finished == parse_detections(text, resolution_wh=WH)


CAPTION = 'A "red" circle \u00e9\u4e2d \U0001f600, a back\\slash\nand a tab\t: done.'


@pytest.mark.parametrize("size", [1, 2, 5, 1000])
def test_a_string_field_is_handed_over_as_it_grows(size: int) -> None:
    text = json.dumps({"other": "not this", "caption": CAPTION, "after": "nor this"})
    scanner = JsonScanner(text_key="caption")
    pieces = [scanner.feed(piece).text for piece in _pieces(text, size)]
    assert "".join(pieces) == CAPTION
    if size < len(text):
        assert sum(1 for p in pieces if p) > 1


def test_a_string_field_with_ascii_escapes_split_anywhere() -> None:
    text = json.dumps({"caption": CAPTION}, ensure_ascii=True)
    for cut in range(1, len(text)):
        scanner = JsonScanner(text_key="caption")
        got = scanner.feed(text[:cut]).text + scanner.feed(text[cut:]).text
        assert got == CAPTION, cut


def test_a_string_field_nested_deeper_is_not_the_answer() -> None:
    scanner = JsonScanner(text_key="caption")
    assert scanner.feed(json.dumps({"inner": {"caption": "no"}, "caption": "yes"})).text == "yes"
