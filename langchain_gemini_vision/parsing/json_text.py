"""The JSON in a model's text: fences, prose, several objects, truncation, absurd nesting.

:func:`extract_json` finds the first JSON value in a model's text: inside or outside
code fences of any case or indentation, with prose around it, and salvages the
complete items of a list cut off at the output limit. Scanning is linear: every
candidate start is tried at most once and failed attempts skip ahead, so a megabyte
of garbage is rejected quickly. Python-style single-quoted dicts are **not**
accepted: Gemini's JSON mode never produces them, and reading them would mean
guessing at apostrophes in prose.

No value nesting deeper than :data:`MAX_JSON_DEPTH` is ever decoded: each candidate's
depth is measured before the decoder starts on it, so ``"[" * 5000`` is an
:class:`~langchain_gemini_vision.errors.OutputParsingError`, found quickly, and no
decoder recurses into it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from langchain_gemini_vision._json_depth import (
    MAX_JSON_DEPTH,
    nesting_exceeds,
    value_nesting_exceeds,
)
from langchain_gemini_vision._json_depth import loads as json_loads
from langchain_gemini_vision.errors import OutputParsingError

__all__ = ["MAX_JSON_DEPTH", "JsonExtraction", "extract_json"]

_DECODER = json.JSONDecoder()
_OPENER = re.compile(r"[\[{]")
_WS = re.compile(r"[ \t\r\n]*")
_WS_COMMAS = re.compile(r"[ \t\r\n,]*")
_OPENER_RUN = re.compile(r"[\[{ \t\r\n]*")
_FENCE = "```"
_FENCE_TAG = re.compile(r"`*[A-Za-z0-9_+.\-]*")
_BACKTICKS = re.compile(r"`*")
_MAX_FENCES = 32
_MAX_SALVAGE_DEPTH = 16
_WINDOW = 8192
# Budgets per region; a real answer needs a handful of failed starts at most.
_MAX_FAILED_ATTEMPTS = 20_000
_MAX_DEEP_ATTEMPTS = 8


@dataclass(frozen=True)
class JsonExtraction:
    """The JSON found in a model's text.

    Example:
        >>> extract_json('Sure!\\n```JSON\\n[{"a": 1}, {"b": 2')
        JsonExtraction(value=[{'a': 1}], truncated=True, warnings=[...])
    """

    value: Any
    """The parsed value (for a truncated answer: what was complete)."""
    truncated: bool = False
    """The text ended inside the JSON; only complete items were kept."""
    warnings: list[str] = field(default_factory=list)
    """What was repaired."""


def _skip(pattern: re.Pattern[str], text: str, pos: int) -> int:
    match = pattern.match(text, pos)
    return match.end() if match else pos


def _fenced_blocks(text: str) -> list[str]:
    """Bodies of code fences in order (any tag, any case, any indentation); an unclosed
    fence runs to the end of the text."""
    blocks: list[str] = []
    pos = 0
    while len(blocks) < _MAX_FENCES:
        start = text.find(_FENCE, pos)
        if start < 0:
            break
        body = _skip(_FENCE_TAG, text, start + len(_FENCE))
        end = text.find(_FENCE, body)
        if end < 0:
            blocks.append(text[body:])
            break
        blocks.append(text[body:end])
        pos = _skip(_BACKTICKS, text, end + len(_FENCE))
    return blocks


def _hits_end(exc: json.JSONDecodeError, text: str, text_end: int) -> bool:
    """Whether decoding failed because the text ran out (``text_end``: its stripped length)."""
    return exc.msg.startswith("Unterminated string") or exc.pos >= text_end


def _decode_at(text: str, pos: int) -> tuple[Any, int] | None:
    if value_nesting_exceeds(text, pos):
        return None
    try:
        value, end = _DECODER.raw_decode(text, pos)
    except (ValueError, RecursionError):
        return None
    return value, end


def _salvage_array(text: str, idx: int) -> list[Any]:
    """Complete leading elements of an array that starts at ``idx`` and never closes."""
    items: list[Any] = []
    pos = _skip(_WS, text, idx + 1)
    while pos < len(text):
        decoded = _decode_at(text, pos)
        if decoded is None:
            break
        value, end = decoded
        pos = _skip(_WS, text, end)
        if pos >= len(text) and isinstance(value, (int, float)) and not isinstance(value, bool):
            break  # a number at the very end may have lost digits
        items.append(value)
        if pos < len(text) and text[pos] == ",":
            pos = _skip(_WS, text, pos + 1)
            continue
        break
    return items


def _salvage_object(text: str, idx: int, depth: int) -> dict[str, Any]:
    """Complete leading members of an object that never closes; a trailing unfinished
    array (or object) member is salvaged in turn."""
    result: dict[str, Any] = {}
    pos = _skip(_WS, text, idx + 1)
    while pos < len(text) and text[pos] == '"':
        decoded = _decode_at(text, pos)
        if decoded is None or not isinstance(decoded[0], str):
            break
        key, end = decoded
        pos = _skip(_WS, text, end)
        if pos >= len(text) or text[pos] != ":":
            break
        pos = _skip(_WS, text, pos + 1)
        member = _decode_at(text, pos)
        if member is None:
            if pos < len(text) and depth < _MAX_SALVAGE_DEPTH:
                if text[pos] == "[":
                    result[key] = _salvage_array(text, pos)
                elif text[pos] == "{":
                    result[key] = _salvage_object(text, pos, depth + 1)
            break
        value, end = member
        pos = _skip(_WS, text, end)
        if pos >= len(text) and isinstance(value, (int, float)) and not isinstance(value, bool):
            break
        result[key] = value
        if pos < len(text) and text[pos] == ",":
            pos = _skip(_WS, text, pos + 1)
            continue
        break
    return result


def _count_items(value: Any) -> int:
    if isinstance(value, list):
        return len(value)
    if isinstance(value, dict):
        lists = [v for v in value.values() if isinstance(v, list)]
        return len(lists[-1]) if lists else len(value)
    return 0


def _salvage(text: str, idx: int) -> JsonExtraction | None:
    if text[idx] == "[":
        value: Any = _salvage_array(text, idx)
    else:
        value = _salvage_object(text, idx, 0)
    if not value:
        return None
    return JsonExtraction(
        value=value,
        truncated=True,
        warnings=[
            f"the JSON was cut off (output limit?); kept {_count_items(value)} complete items"
        ],
    )


def _join_following_objects(text: str, value: Any, end: int) -> tuple[Any, list[str]]:
    """``{...}, {...}`` or JSON Lines: several top-level objects become one list."""
    if not isinstance(value, dict):
        return value, []
    values = [value]
    pos = _skip(_WS_COMMAS, text, end)
    while pos < len(text) and text[pos] == "{":
        decoded = _decode_at(text, pos)
        if decoded is None or not isinstance(decoded[0], dict):
            break
        values.append(decoded[0])
        pos = _skip(_WS_COMMAS, text, decoded[1])
    if len(values) == 1:
        return value, []
    return values, [f"joined {len(values)} top-level JSON objects into a list"]


def _too_deep(region: str, idx: int) -> tuple[str, Any, int]:
    """The ``"deep"`` outcome: resume after the run of openers (see :data:`MAX_JSON_DEPTH`)."""
    return "deep", None, max(idx + 1, _skip(_OPENER_RUN, region, idx))


def _decode_candidate(region: str, idx: int, region_end: int) -> tuple[str, Any, int]:
    """Try to decode one value at ``idx``: ``("ok", value, end)``, ``("fail", None, resume)``,
    ``("cut", None, idx)`` (text ran out) or ``("deep", None, resume)`` (absurd nesting).

    Decoding happens in a window first: a failed ``raw_decode`` costs time
    proportional to its position in the document (``JSONDecodeError`` counts lines),
    so failures are kept local and the whole scan stays linear.
    """
    window = region[idx : idx + _WINDOW]
    whole_rest = idx + len(window) >= len(region)
    if value_nesting_exceeds(window):
        return _too_deep(region, idx)
    try:
        value, end = _DECODER.raw_decode(window, 0)
    except RecursionError:
        return _too_deep(region, idx)
    except json.JSONDecodeError as exc:
        if not _hits_end(exc, window, len(window.rstrip())):
            return "fail", None, max(idx + 1, idx + exc.pos)
        if whole_rest:
            return "cut", None, idx
    except ValueError:  # e.g. an integer literal over Python's digit limit
        return "fail", None, idx + 1
    else:
        return "ok", value, idx + end
    # The value is longer than the window: decode it in place.
    if value_nesting_exceeds(region, idx):
        return _too_deep(region, idx)
    try:
        value, end = _DECODER.raw_decode(region, idx)
    except RecursionError:
        return _too_deep(region, idx)
    except json.JSONDecodeError as exc:
        if _hits_end(exc, region, region_end):
            return "cut", None, idx
        return "fail", None, max(idx + 1, exc.pos)
    except ValueError:
        return "fail", None, idx + 1
    return "ok", value, end


def _is_empty_answer(value: Any) -> bool:
    """``[]``, ``{}`` or ``{"boxes": []}``: an answer that says "nothing"."""
    if isinstance(value, dict):
        return all(isinstance(v, list) and not v for v in value.values())
    return isinstance(value, list) and not value


def _first_value(region: str, accept: Callable[[Any], bool] | None) -> JsonExtraction | None:
    """The first accepted JSON value in ``region``, in one left-to-right pass.

    An empty answer (``[]``, ``{"boxes": []}``) counts only when it is the one JSON-like
    thing in the region: a ``[]`` somewhere in garbage must not read as "no objects".
    """
    stripped = region.strip()
    if stripped and stripped[0] not in "[{":
        # A bare scalar answer ("42", "\"text\"", "true"); never a prose prefix.
        decoded = _decode_at(stripped, 0)
        if (
            decoded is not None
            and decoded[1] == len(stripped)
            and (accept is None or accept(decoded[0]))
        ):
            return JsonExtraction(value=decoded[0])
    region_end = len(region.rstrip())
    pos = 0
    failures = deep = 0
    while failures < _MAX_FAILED_ATTEMPTS and deep < _MAX_DEEP_ATTEMPTS:
        match = _OPENER.search(region, pos)
        if match is None:
            return None
        idx = match.start()
        outcome, value, pos = _decode_candidate(region, idx, region_end)
        if outcome == "ok":
            end = pos
            value, warnings = _join_following_objects(region, value, end)
            if (accept is None or accept(value)) and (
                not _is_empty_answer(value)
                or (failures == 0 and _OPENER.search(region, end) is None)
            ):
                return JsonExtraction(value=value, warnings=warnings)
        elif outcome == "cut":
            salvaged = _salvage(region, idx)
            if salvaged is not None and (accept is None or accept(salvaged.value)):
                return salvaged
            # The rest of the region is one unfinished value: nothing further to find.
            return None
        elif outcome == "deep":
            deep += 1
        else:
            failures += 1
    # A budget no real answer comes near: give up rather than grind through garbage.
    return None


def _whole_value(text: str, accept: Callable[[Any], bool] | None) -> JsonExtraction | None:
    """The text as one JSON array or object and nothing else (a structured answer's
    usual form), decoded at once: what the scan finds in such a text, without the scan.
    ``None`` sends any other text (prose, fences, several values, a cut) to the scan."""
    stripped = text.strip()
    if stripped[:1] not in ("[", "{"):
        return None
    try:
        value = json_loads(stripped)  # too deep is a ValueError too: the scan says why
    except (ValueError, RecursionError):
        return None
    if accept is not None and not accept(value):
        return None
    return JsonExtraction(value=value)


def extract_json(text: str, *, accept: Callable[[Any], bool] | None = None) -> JsonExtraction:
    """Find the first JSON value in a model's answer.

    Looks in code fences first (```` ```json ````, ```` ```JSON ````, indented, no
    language, unclosed), then in the whole text, skipping prose. When the text
    ends inside a list (or inside an object wrapping a list), the complete items
    are kept and ``truncated`` is set. Runs in time linear in the text.

    Args:
        text: The model's text.
        accept: Optional test; values failing it are skipped and the search goes on
            (so a ``[1]`` footnote does not hide the real answer).

    Returns:
        A :class:`JsonExtraction`.

    Raises:
        OutputParsingError: No (accepted) JSON value in the text; ``raw_text`` is the text.

    Example:
        >>> extract_json('Here you go:\\n```json\\n[{"box_2d": [1, 2, 3, 4]}]\\n```').value
        [{'box_2d': [1, 2, 3, 4]}]
    """
    if not isinstance(text, str):
        raise TypeError(f"extract_json() needs a str, got {type(text).__name__}")
    if _FENCE not in text:
        whole = _whole_value(text, accept)
        if whole is not None:
            return whole
    for region in (*_fenced_blocks(text), text):
        found = _first_value(region, accept)
        if found is not None:
            return found
    what = "JSON of the expected shape" if accept is not None else "JSON"
    opener = _OPENER.search(text)
    if opener is not None and nesting_exceeds(text, opener.start()):
        what += f" (it nests deeper than {MAX_JSON_DEPTH} levels)"
    raise OutputParsingError(f"no {what} found in the model's answer", raw_text=text)
