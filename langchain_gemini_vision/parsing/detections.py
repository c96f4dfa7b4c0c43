"""Detection and segmentation answers to :class:`~langchain_gemini_vision.results.Detection`.

:func:`parse_detections` reads a bare list, a list under any wrapper key, or one
detection object, repairing what can be repaired (with a warning) and raising
:class:`~langchain_gemini_vision.errors.OutputParsingError` -- never returning an
empty list -- when nothing usable is there. ``[]`` is a valid "no objects".

What differs between model generations (wrapper keys, key aliases, mask forms) lives
in the tables below, not in branches.

Why one module: an answer's items are read by one reader (:class:`DetectionReader`,
for a whole answer and for a stream alike) through one item parser and the tables it
consults; apart, the reader, the parser and the tables would each import the others'
private repairs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from langchain_gemini_vision.errors import OutputParsingError, SpatialFormError
from langchain_gemini_vision.geometry import NORMALISED_MAX, BoxXYXY, box_2d_to_xyxy
from langchain_gemini_vision.masks import (
    DEFAULT_MASK_THRESHOLD,
    DEFAULT_MAX_MASK_BYTES,
    Mask,
    MaskDecodeError,
    decode_png_mask,
    rasterize_polygon,
)
from langchain_gemini_vision.parsing.json_text import extract_json
from langchain_gemini_vision.parsing.spatial import spatial_form
from langchain_gemini_vision.results import Detection

__all__ = [
    "BOX_KEYS",
    "DEFAULT_LABEL",
    "DEFAULT_MAX_ITEMS",
    "LABEL_KEYS",
    "MASK_FORMS",
    "MASK_KEYS",
    "SCORE_KEYS",
    "WRAPPER_KEYS",
    "DetectionReader",
    "MaskForm",
    "ParsedDetections",
    "parse_detections",
]


# ---------------------------------------------------------------------------
# Tables: what each model generation (and common prompt wording) produces.
# Keys are matched case-insensitively; the first key present wins.
# ---------------------------------------------------------------------------

#: Top-level object keys that wrap the list of detections, with where they come from.
WRAPPER_KEYS: dict[str, str] = {
    "boxes": "Gemini 3.6/3.7 structured output; the guide's response schema",
    "detections": "prompts asking for 'detections'; roboflow/inference",
    "objects": "prompts asking for 'objects'",
    "segmentations": "segmentation prompts",
    "segmentation_masks": "Gemini 2.5 segmentation (third-party parsers)",
    "masks": "Gemini 2.5 segmentation (third-party parsers)",
    "items": "generic JSON answers",
    "results": "generic JSON answers",
    "bounding_boxes": "prompts asking for 'bounding boxes'",
}

#: Box keys: ``[y_min, x_min, y_max, x_max]`` on 0-1000 under every name.
BOX_KEYS: tuple[str, ...] = ("box_2d", "bbox_2d", "box", "bbox", "bounding_box")
#: Label keys, in order of preference (default label: ``"object"``).
LABEL_KEYS: tuple[str, ...] = ("label", "name", "class", "class_name", "category", "description")
#: Score keys; ``[0, 1]`` as is, ``(1, 100]`` read as a percentage.
SCORE_KEYS: tuple[str, ...] = ("score", "confidence", "probability")
#: Mask keys.
MASK_KEYS: tuple[str, ...] = ("mask", "segmentation", "segmentation_mask", "polygon")

DEFAULT_LABEL = "object"
"""The label of a detection that names none."""

DEFAULT_MAX_ITEMS = 1000
"""Items of one detection answer parsed; the rest are dropped with a warning (the
Gemini guide's prompts ask for a few dozen; a hostile answer can hold millions)."""

_SEG_TOKEN_MARKERS = ("<start_of_mask>", "<seg_")


@dataclass(frozen=True)
class MaskForm:
    """One way a model writes a mask: how to recognise it and how to decode it."""

    name: str
    """Short name used in warnings."""
    source: str
    """Which generation produces it."""
    matches: Callable[[Any], bool]
    """Whether a ``mask`` value has this form."""
    decode: Callable[[Any, BoxXYXY, tuple[int, int], int, int], Mask]
    """``(value, box_xyxy_px, resolution_wh, threshold, max_bytes) -> Mask``; raises
    ``MaskDecodeError`` (also for a mask of more than ``max_bytes``)."""


def _is_seg_tokens(value: Any) -> bool:
    return isinstance(value, str) and any(m in value for m in _SEG_TOKEN_MARKERS)


def _is_nested_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and isinstance(value[0], list)


def _is_flat_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and not isinstance(value[0], (list, dict))


def _decode_seg_tokens(
    value: Any, box: BoxXYXY, resolution_wh: tuple[int, int], _: int, __: int
) -> Mask:
    raise MaskDecodeError("segmentation tokens not decodable (<start_of_mask><seg_N>...)")


def _decode_png(
    value: Any, box: BoxXYXY, resolution_wh: tuple[int, int], threshold: int, max_bytes: int
) -> Mask:
    return decode_png_mask(value, box, resolution_wh, threshold=threshold, max_bytes=max_bytes)


def _decode_polygon(
    value: Any, box: BoxXYXY, resolution_wh: tuple[int, int], _: int, max_bytes: int
) -> Mask:
    return rasterize_polygon(value, resolution_wh, box_xyxy_px=box, max_bytes=max_bytes)


#: Mask forms, tried in order on the value of a mask key.
MASK_FORMS: tuple[MaskForm, ...] = (
    MaskForm(
        "segmentation tokens",
        "Gemini 2.5 since mid-2025 and on Vertex: '<start_of_mask><seg_N>...'",
        _is_seg_tokens,
        _decode_seg_tokens,
    ),
    MaskForm(
        "png",
        "Gemini 2.5 Flash/Pro: base64 PNG probability map, with or without a data URI",
        lambda v: isinstance(v, str),
        _decode_png,
    ),
    MaskForm(
        "polygon",
        "Gemini 3.5+/3.6/3.7 and Robotics-ER: [[x, y], ...] on 0-1000 (or a list of them)",
        _is_nested_list,
        _decode_polygon,
    ),
    MaskForm(
        "flat polygon",
        "flat [x1, y1, x2, y2, ...] on 0-1000",
        _is_flat_list,
        _decode_polygon,
    ),
)

# Mask values that mean "no mask" rather than a broken one.
_EMPTY_MASK_VALUES: tuple[Any, ...] = (None, "", [], {})


@dataclass(frozen=True)
class ParsedDetections:
    """Detections read from one answer, and what was repaired on the way."""

    detections: list[Detection]
    """Valid detections, in the model's order, all inside the image."""
    truncated: bool = False
    """The answer was cut off; later objects may be missing."""
    warnings: list[str] = field(default_factory=list)
    """One line per repair or dropped item."""


class _DroppedItem(Exception):  # noqa: N818 - control flow, never escapes
    """An item that cannot become a detection."""


def _lower_keys(item: Mapping[str, Any]) -> dict[str, str]:
    return {k.lower(): k for k in item if isinstance(k, str)}


def _first_key(keys: dict[str, str], names: Sequence[str]) -> str | None:
    for name in names:
        if name in keys:
            return keys[name]
    return None


def _read_number(value: Any) -> float | None:
    """A finite or infinite float from a number or numeric string; ``None`` otherwise."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        try:
            return float(value)
        except OverflowError:
            return math.inf if value > 0 else -math.inf
    if isinstance(value, float):
        return value
    if isinstance(value, str):
        try:
            return float(value.strip().rstrip("%").strip())
        except (ValueError, OverflowError):
            return None
    return None


def _looks_like_item(value: Any) -> bool:
    return isinstance(value, dict) and _first_key(_lower_keys(value), BOX_KEYS) is not None


def _items_of(value: Any) -> tuple[list[Any] | None, list[str]]:
    """The list of candidate items in a JSON value, or ``None`` for the wrong shape."""
    if isinstance(value, list):
        return value, []
    if not isinstance(value, dict):
        return None, []
    keys = _lower_keys(value)
    wrapper = _first_key(keys, tuple(WRAPPER_KEYS))
    if wrapper is not None:
        inner = value[wrapper]
        if isinstance(inner, list):
            return inner, []
        if _looks_like_item(inner):
            return [inner], []
        return None, []
    if _looks_like_item(value):
        return [value], []
    # An unknown wrapper: exactly one member holding a list of box-bearing objects.
    candidates = [
        k for k, v in value.items() if isinstance(v, list) and v and all(map(_looks_like_item, v))
    ]
    if len(candidates) == 1:
        key = candidates[0]
        return value[key], [f"read detections from the unrecognised key {key!r}"]
    return None, []


def _accept_detections(value: Any) -> bool:
    """Skip JSON that cannot be the answer (a ``[1]`` footnote, a list of words)."""
    items = _items_of(value)[0]
    return items is not None and (not items or any(isinstance(i, dict) for i in items))


def _parse_box(raw: Any, warn: Callable[[str], None]) -> tuple[float, float, float, float]:
    if not isinstance(raw, (list, tuple)) or len(raw) != 4:
        raise _DroppedItem("box_2d is not a list of 4 numbers")
    y0, x0, y1, x1 = (_read_number(v) for v in raw)
    if y0 is None or x0 is None or y1 is None or x1 is None:
        raise _DroppedItem("box_2d holds something that is not a number")
    isfinite = math.isfinite
    if not (isfinite(y0) and isfinite(x0) and isfinite(y1) and isfinite(x1)):
        raise _DroppedItem("box_2d holds NaN or infinity")
    if y0 > y1:
        y0, y1 = y1, y0
        warn("y_min > y_max in box_2d; swapped")
    if x0 > x1:
        x0, x1 = x1, x0
        warn("x_min > x_max in box_2d; swapped")
    clamped = [min(max(v, 0.0), NORMALISED_MAX) for v in (y0, x0, y1, x1)]
    if clamped != [y0, x0, y1, x1]:
        warn("box_2d outside 0-1000; clamped to the image")
    y0, x0, y1, x1 = clamped
    if y0 == y1 or x0 == x1:
        raise _DroppedItem("zero-area box")
    return (y0, x0, y1, x1)


def _parse_label(item: dict[str, Any], keys: dict[str, str], used: set[str]) -> str:
    for name in LABEL_KEYS:
        key = keys.get(name)
        if key is None:
            continue
        value = item[key]
        if isinstance(value, str) and value.strip():
            used.add(key)
            return value.strip()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            used.add(key)
            return str(value)
    return DEFAULT_LABEL


def _parse_score(
    item: dict[str, Any], keys: dict[str, str], used: set[str], warn: Callable[[str], None]
) -> float | None:
    key = _first_key(keys, SCORE_KEYS)
    if key is None:
        return None
    used.add(key)
    score = _read_number(item[key])
    if score is None or not math.isfinite(score) or score < 0 or score > 100:
        warn(f"score {item[key]!r} is not a probability; ignored")
        return None
    return score / 100 if score > 1 else score


def _parse_mask(
    value: Any,
    box: BoxXYXY,
    resolution_wh: tuple[int, int],
    threshold: int,
    *,
    budget: list[int],
    warn: Callable[[str], None],
) -> Mask | None:
    """Decode one mask; ``budget[0]``, the mask bytes the answer has left, is spent."""
    if any(value is empty or value == empty for empty in _EMPTY_MASK_VALUES):
        return None
    for form in MASK_FORMS:
        if form.matches(value):
            try:
                mask = form.decode(value, box, resolution_wh, threshold, budget[0])
            except MaskDecodeError as exc:
                warn(f"mask ({form.name}) not used, box kept: {exc}")
                return None
            budget[0] -= mask.local.nbytes
            return mask
    warn(f"mask of unrecognised form ({type(value).__name__}) not used, box kept")
    return None


def _parse_item(
    item: Any,
    *,
    resolution_wh: tuple[int, int],
    threshold: int,
    mask_budget: list[int],
    warn: Callable[[str], None],
) -> Detection:
    if not isinstance(item, dict):
        raise _DroppedItem(f"not a JSON object ({type(item).__name__})")
    keys = _lower_keys(item)
    box_key = _first_key(keys, BOX_KEYS)
    if box_key is None:
        raise _DroppedItem(f"no box ({'/'.join(BOX_KEYS)})")
    used = {box_key}
    box_2d = _parse_box(item[box_key], warn)
    box = box_2d_to_xyxy(box_2d, resolution_wh)
    if box[2] <= box[0] or box[3] <= box[1]:  # sub-ulp boxes vanish when scaled
        raise _DroppedItem("zero-area box")
    label = _parse_label(item, keys, used)
    score = _parse_score(item, keys, used, warn)
    mask = None
    mask_key = _first_key(keys, MASK_KEYS)
    if mask_key is not None:
        used.add(mask_key)
        mask = _parse_mask(
            item[mask_key], box, resolution_wh, threshold, budget=mask_budget, warn=warn
        )
    extra = {k: v for k, v in item.items() if k not in used}
    return Detection(label=label, box_2d=box_2d, box=box, score=score, mask=mask, extra=extra)


class DetectionReader:
    """Turns a detection answer's items into detections, one item at a time.

    The one place items are read: each is repaired or dropped (with a warning), exact
    duplicates are dropped, and the answer's bounds hold (``max_items`` items read,
    ``max_mask_bytes`` of masks decoded). :func:`parse_detections` feeds it a whole
    answer's items; a stream (:mod:`.incremental`) feeds it each item as its object
    closes, then :meth:`finish` reads the whole text for what only the end can say
    (truncation, wrappers) and reads any item the stream could not hand over.

    Args:
        resolution_wh: ``(width, height)`` of the original upright image.
        mask_threshold: PNG probability maps are foreground above this value.
        expect_masks: Warn about detections that came without a usable mask.
        max_items: Items read; the rest are counted and dropped with a warning.
        max_mask_bytes: Box-local mask bytes decoded for the whole answer.
    """

    def __init__(
        self,
        resolution_wh: tuple[int, int],
        *,
        mask_threshold: int = DEFAULT_MASK_THRESHOLD,
        expect_masks: bool = False,
        max_items: int = DEFAULT_MAX_ITEMS,
        max_mask_bytes: int = DEFAULT_MAX_MASK_BYTES,
    ) -> None:
        width, height = resolution_wh
        if width <= 0 or height <= 0:
            raise ValueError(
                f"resolution_wh must be positive (width, height), got {resolution_wh!r}"
            )
        self.resolution_wh = (width, height)
        self.mask_threshold = mask_threshold
        self.expect_masks = expect_masks
        self.max_items = max_items
        self.max_mask_bytes = max_mask_bytes
        self._restart()

    def _restart(self) -> None:
        self.detections: list[Detection] = []
        """Valid detections so far, in the model's order."""
        self.items_seen = 0
        """Items offered, the dropped and the uncounted ones included."""
        self._read: list[Any] = []
        self._warnings: list[str] = []
        self._dropped: list[str] = []
        self._seen: set[tuple[str, tuple[float, float, float, float]]] = set()
        self._mask_budget = [self.max_mask_bytes]

    @property
    def full(self) -> bool:
        """``max_items`` items were read: later ones are only counted."""
        return self.items_seen >= self.max_items

    def add(self, item: Any) -> Detection | None:
        """Read the answer's next item: its detection, or ``None`` (dropped, or past the cap)."""
        index = self.items_seen
        self.items_seen += 1
        if index >= self.max_items:
            return None
        self._read.append(item)

        def warn(message: str) -> None:
            self._warnings.append(f"item {index}: {message}")

        try:
            detection = _parse_item(
                item,
                resolution_wh=self.resolution_wh,
                threshold=self.mask_threshold,
                mask_budget=self._mask_budget,
                warn=warn,
            )
        except _DroppedItem as exc:
            self._dropped.append(f"item {index}: {exc}")
            warn(f"dropped: {exc}")
            return None
        key = (detection.label, detection.box_2d)
        if key in self._seen:
            warn("dropped: exact duplicate of an earlier item")
            return None
        self._seen.add(key)
        if self.expect_masks and detection.mask is None:
            warn("no usable mask")
        self.detections.append(detection)
        return detection

    def finish(self, text: str, *, truncated_hint: bool = False) -> ParsedDetections:
        """The whole answer read: the detections of :func:`parse_detections`.

        The items already read are kept when they are where the whole text puts them
        (a stream's case), and only the rest is read; otherwise reading starts over, so
        the result is always the whole answer's.

        Raises:
            OutputParsingError: As :func:`parse_detections`.
        """
        extraction = extract_json(text, accept=_accept_detections)
        items, unwrap_warnings = _items_of(extraction.value)
        if items is None:  # pragma: no cover - guaranteed by ``accept``
            raise OutputParsingError("the JSON holds no list of detections", raw_text=text)
        warnings = [*extraction.warnings, *unwrap_warnings]
        truncated = extraction.truncated or truncated_hint
        if truncated_hint and not extraction.truncated:
            warnings.append("the model stopped at its output limit; objects may be missing")
        if truncated and not items:
            raise OutputParsingError(
                "the answer was cut off before its first complete object", raw_text=text
            )
        done = len(self._read)
        if self.items_seen > len(items) or items[:done] != self._read:
            self._restart()  # what was read is not this answer's list: read it again
            done = 0
        for item in items[max(done, self.items_seen) :]:
            self.add(item)
        if self.items_seen > self.max_items:
            warnings.append(
                f"kept the first {self.max_items} of {self.items_seen} items "
                f"(max_items={self.max_items})"
            )
        read = min(self.items_seen, self.max_items)
        if read and not self.detections:
            other = spatial_form(items[: self.max_items], self.resolution_wh)
            if other is not None:
                form, found = other
                hint = "use the point task" if form == "point" else "3D boxes are not 2D detections"
                raise SpatialFormError(
                    f"the answer holds {len(found)} {form} items instead of 2D boxes: {hint}",
                    form=form,
                    items=found,
                    raw_text=text,
                )
            raise OutputParsingError(
                f"none of the {read} items is a usable detection: " + "; ".join(self._dropped[:5]),
                raw_text=text,
            )
        return ParsedDetections(
            detections=list(self.detections),
            truncated=truncated,
            warnings=[*warnings, *self._warnings],
        )


def parse_detections(
    text: str,
    *,
    resolution_wh: tuple[int, int],
    mask_threshold: int = DEFAULT_MASK_THRESHOLD,
    expect_masks: bool = False,
    truncated_hint: bool = False,
    max_items: int = DEFAULT_MAX_ITEMS,
    max_mask_bytes: int = DEFAULT_MAX_MASK_BYTES,
) -> ParsedDetections:
    """Read Gemini's detection or segmentation answer.

    Accepts a bare list, a list wrapped in any of :data:`WRAPPER_KEYS`, or a single
    detection object; boxes under any of :data:`BOX_KEYS` (``[y_min, x_min, y_max,
    x_max]`` on 0-1000, numbers or numeric strings); masks in any of
    :data:`MASK_FORMS`. Repairs, each with a warning: reversed corners are swapped,
    values outside 0-1000 clamped, undecodable masks dropped (box kept). Dropped,
    each with a warning: items without a usable box, NaN/infinite values,
    zero-area boxes, exact duplicates (same label and box). Boxes map straight onto
    ``resolution_wh`` (the original upright image), so none leaves the image.

    Args:
        text: The model's text.
        resolution_wh: ``(width, height)`` of the original upright image.
        mask_threshold: PNG probability maps are foreground above this value.
        expect_masks: Warn about detections that came without a usable mask.
        truncated_hint: The service said the output limit was hit (``MAX_TOKENS``).
        max_items: Items parsed; the rest are dropped with a warning.
        max_mask_bytes: Box-local mask bytes decoded for the whole answer (one a
            pixel); masks past it are not decoded (box kept, warning).

    Returns:
        :class:`ParsedDetections`; an empty list only for an explicit empty answer.

    Raises:
        OutputParsingError: No JSON, JSON of the wrong shape, an answer cut off before
            its first complete item, or items none of which is usable. ``raw_text``
            holds the text.

    Example:
        >>> p = parse_detections('[{"box_2d": [0, 0, 500, 1000], "label": "sky"}]',
        ...                      resolution_wh=(640, 480))
        >>> p.detections[0].box
        (0.0, 0.0, 640.0, 240.0)
    """
    reader = DetectionReader(
        resolution_wh,
        mask_threshold=mask_threshold,
        expect_masks=expect_masks,
        max_items=max_items,
        max_mask_bytes=max_mask_bytes,
    )
    return reader.finish(text, truncated_hint=truncated_hint)
