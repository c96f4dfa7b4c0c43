"""A JSON answer read as its text arrives: each complete item, a string as it grows.

:class:`JsonScanner` walks the text once, piece by piece, keeping only its place
(the open arrays and objects, whether it is inside a string) and the text of the
item it is in. It finds the answer's first JSON value (prose and a code fence before
it are passed over, as :func:`~.json_text.extract_json` does) and reports, as soon as
each is complete, the elements of the answer's list (a bare list, or the list under
one of the given keys of an object), and the string under a given key of the object
as it grows (escapes split between pieces are held until they are whole).

:class:`DetectionStream` reads a detection answer with it: each item goes through the
same :class:`~.detections.DetectionReader` a whole answer goes through, so the end of
the stream gives what :func:`~.detections.parse_detections` gives for the whole text.

Bounded on hostile streams: the work is linear in the text (strings and whitespace are
skipped by regular expressions, not character by character), an item is decoded once,
when it closes, and never deeper than :data:`~.json_text.MAX_JSON_DEPTH` levels (past
that the scanner stops reporting and the whole answer's reading says what is wrong),
and items past the reader's ``max_items`` are only counted.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from langchain_gemini_vision._json_depth import MAX_JSON_DEPTH
from langchain_gemini_vision.results import Detection

from .detections import WRAPPER_KEYS, DetectionReader, ParsedDetections

__all__ = ["DetectionStream", "JsonScanner", "ScanStep"]

_OPENER = re.compile(r"[\[{]")
_STRUCTURE = re.compile(r'[\[\]{}",:]')
_VALUE = re.compile(r"[^ \t\r\n]")
_STRING_END = re.compile(r'["\\]')
# An escape that has not fully arrived: a lone backslash, or \u with under four digits.
_OPEN_ESCAPE = re.compile(r"\\(?:u[0-9a-fA-F]{0,3})?\Z")
# A high surrogate waits for its low half, which may itself be arriving.
_HIGH_SURROGATE_END = re.compile(r"\\u[dD][89abAB][0-9a-fA-F]{2}(?:\\(?:u[0-9a-fA-F]{0,3})?)?\Z")
_MAX_KEY_CHARS = 256
_DECODER = json.JSONDecoder()


@dataclass
class ScanStep:
    """What one piece of text completed."""

    items: list[Any] = field(default_factory=list)
    """Elements of the answer's list that closed in this piece, decoded."""
    text: str = ""
    """What this piece added to the string under the scanner's ``text_key``."""


class JsonScanner:
    """Reads a model's JSON answer piece by piece (see the module docstring).

    Args:
        list_keys: Keys (any case) of an object whose list value holds the items; a
            bare list's elements are items whatever these are.
        text_key: The key of the object whose string value is handed over as it grows.
        max_depth: Most arrays and objects open at once before the scanner stops.
    """

    def __init__(
        self,
        *,
        list_keys: Iterable[str] = (),
        text_key: str | None = None,
        max_depth: int = MAX_JSON_DEPTH,
    ) -> None:
        self._list_keys = frozenset(k.lower() for k in list_keys)
        self._text_key = text_key
        self._max_depth = max_depth
        self._stack: list[str] = []
        self._started = False
        self.stopped = False
        """The scanner reports nothing more: the answer's value ended, nested too deep,
        or held an item that does not decode (the whole text's reading decides)."""
        # Where the scanner is.
        self._in_string = False
        self._escaped = False
        self._string_role: str | None = None  # "key", "text" or None (skipped)
        self._raw: list[str] = []  # a collected string's raw content not yet decoded
        self._expect_key = False  # inside the top object, the next string is a key
        self._key: str | None = None  # the top object's current key
        self._list_depth: int | None = None  # stack depth inside the list of items
        self._list_done = False
        self._await_item = False  # next value at the list's depth starts an item
        self._item: list[str] | None = None  # the current item's text so far
        self._item_start = 0  # where the current item starts in the current piece

    def feed(self, piece: str) -> ScanStep:
        """Read the next piece of the answer; what it completed."""
        step = ScanStep()
        if self.stopped or not piece:
            return step
        self._item_start = 0
        pos = 0
        if not self._started:
            opener = _OPENER.search(piece)
            if opener is None:
                return step
            self._started = True
            pos = opener.start()
        while pos < len(piece) and not self.stopped:
            read = self._string if self._in_string else self._next
            pos = read(piece, pos, step)
        if self._item is not None and not self.stopped:
            self._item.append(piece[self._item_start :])
        return step

    # -- outside strings -------------------------------------------------------------

    def _next(self, piece: str, pos: int, step: ScanStep) -> int:
        """Handle the next structural character at or after ``pos``; where to go on."""
        if self._await_item:
            found = _VALUE.search(piece, pos)
            if found is None:
                return len(piece)
            pos = found.start()
            self._await_item = False
            if piece[pos] != "]":
                self._item, self._item_start = [], pos
        match = _STRUCTURE.search(piece, pos)
        if match is None:
            return len(piece)
        pos = match.start()
        char = piece[pos]
        depth = len(self._stack)
        if char == '"':
            self._open_string(depth)
        elif char in "[{":
            self._open(char, depth)
        elif char in "]}":
            self._close(piece, pos, depth, step)
        elif char == ",":
            self._comma(piece, pos, depth, step)
        elif depth == 1:  # ":" in the top object
            self._expect_key = False
        return pos + 1

    def _open(self, char: str, depth: int) -> None:
        if depth >= self._max_depth:
            self.stopped = True
            return
        if (
            char == "["
            and self._list_depth is None
            and not self._list_done
            and (depth == 0 or (depth == 1 and (self._key or "").lower() in self._list_keys))
        ):
            self._list_depth = depth + 1
            self._await_item = True
        self._stack.append(char)
        if char == "{" and depth == 0:
            self._expect_key = True

    def _close(self, piece: str, pos: int, depth: int, step: ScanStep) -> None:
        if depth == self._list_depth:
            self._end_item(piece, pos, step)  # a scalar item ends at the list's end
            self._list_depth, self._list_done = None, True
        if depth:
            self._stack.pop()
        if depth - 1 == self._list_depth and self._item is not None:
            self._end_item(piece, pos + 1, step)
        if depth <= 1:
            self.stopped = True  # the answer's value is complete

    def _comma(self, piece: str, pos: int, depth: int, step: ScanStep) -> None:
        if depth == self._list_depth:
            self._end_item(piece, pos, step)
            self._await_item = True
        elif depth == 1:
            self._expect_key = True

    def _end_item(self, piece: str, end: int, step: ScanStep) -> None:
        if self._item is None:
            return
        parts, self._item = self._item, None
        parts.append(piece[self._item_start : end])
        text = "".join(parts).strip()
        if not text:
            return
        try:
            step.items.append(_DECODER.decode(text))
        except (ValueError, RecursionError):
            self.stopped = True  # the whole text's reading says what is wrong

    # -- strings -----------------------------------------------------------------------

    def _open_string(self, depth: int) -> None:
        self._in_string = True
        self._string_role = None
        if depth == 1 and self._stack[0] == "{":
            if self._expect_key:
                self._string_role = "key"
            elif self._key is not None and self._key == self._text_key:
                self._string_role = "text"
        if depth == self._list_depth and self._item is None:
            self._await_item = False
        self._raw = []

    def _string(self, piece: str, pos: int, step: ScanStep) -> int:
        """Pass over string content from ``pos``; collect it when it is a key or the text."""
        if self._escaped:  # the piece before ended with a backslash
            self._collect(piece[pos])
            pos, self._escaped = pos + 1, False
        while pos < len(piece):
            match = _STRING_END.search(piece, pos)
            end = len(piece) if match is None else match.start()
            if match is not None and piece[end] == "\\":
                self._escaped = end + 1 == len(piece)
                end = min(end + 2, len(piece))  # the escaped character is content
                self._collect(piece[pos:end])
                pos = end
                continue
            self._collect(piece[pos:end])
            if match is None:
                break
            self._end_string(step)
            return end + 1
        if self._string_role == "text":
            step.text += self._decoded(final=False)
        return len(piece)

    def _collect(self, raw: str) -> None:
        if self._string_role == "key" and sum(map(len, self._raw)) > _MAX_KEY_CHARS:
            self._string_role = None  # no key of interest is that long
        if self._string_role is not None and raw:
            self._raw.append(raw)

    def _end_string(self, step: ScanStep) -> None:
        self._in_string = False
        if self._string_role == "key":
            self._key = self._decoded(final=True)
            self._expect_key = False
        elif self._string_role == "text":
            step.text += self._decoded(final=True)
            self._text_key = None  # the first value under the key is the text
        self._string_role = None

    def _decoded(self, *, final: bool) -> str:
        """The collected raw content that decodes whole; the rest waits for more text."""
        raw = "".join(self._raw)
        cut = len(raw)
        if not final:
            escape = _HIGH_SURROGATE_END.search(raw) or _OPEN_ESCAPE.search(raw)
            if escape is not None and _escaping(raw, escape.start()):
                cut = escape.start()
        self._raw = [raw[cut:]] if cut < len(raw) else []
        if not cut:
            return ""
        try:
            value = json.loads(f'"{raw[:cut]}"')
        except ValueError:
            self._string_role = None  # not JSON text: nothing more is handed over
            return ""
        return str(value)


def _escaping(raw: str, index: int) -> bool:
    """Whether the backslash at ``index`` starts an escape (it is not itself escaped)."""
    run = len(raw[:index]) - len(raw[:index].rstrip("\\"))
    return run % 2 == 0


class DetectionStream:
    """A detection answer read as it arrives: each detection as its object closes.

    Items are read by ``reader`` (:class:`~.detections.DetectionReader`): repairs,
    drops, duplicates, mask decoding and the item cap are those of a whole answer, and
    :meth:`finish` gives exactly what :func:`~.detections.parse_detections` gives for
    the whole text.
    """

    def __init__(self, reader: DetectionReader) -> None:
        self.reader = reader
        self._scanner = JsonScanner(list_keys=WRAPPER_KEYS)

    def feed(self, piece: str) -> list[Detection]:
        """The detections this piece of the answer completed."""
        found: list[Detection] = []
        for item in self._scanner.feed(piece).items:
            detection = self.reader.add(item)
            if detection is not None:
                found.append(detection)
        return found

    def finish(self, text: str, *, truncated_hint: bool = False) -> ParsedDetections:
        """The whole answer's detections (``text``: everything that arrived).

        Raises:
            OutputParsingError: As :func:`~.detections.parse_detections`.
        """
        return self.reader.finish(text, truncated_hint=truncated_hint)
