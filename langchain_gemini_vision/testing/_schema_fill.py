"""Writing an answer into any response schema, so the reply validates against it.

:func:`fill_schema` fills every property (required or not) from the answer's facts:
enums take the matching option, arrays of objects become the detections (or, for
comparisons, the changes), names are matched through synonyms (``colour``, ``bbox``...).
"""

from __future__ import annotations

import re
from typing import Any, Final

from ._schemas import BOX_NAMES, properties, resolve, type_of
from .answers import Answer, Facts, Found, MaskForm

__all__ = ["fill_schema"]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def _tokens(name: str) -> set[str]:
    return {t for t in re.split(r"[^a-z0-9]+", _CAMEL.sub("_", name).lower()) if t}


_RECORD_SYNONYMS: Final[dict[str, tuple[str, ...]]] = {
    "kind": ("type", "change", "change_type", "kind", "action", "category"),
    "label": ("label", "name", "object", "class", "class_name", "category", "item", "title"),
    "box_2d": ("box_2d", "bbox_2d", "bbox", "box", "bounding_box", "box2d"),
    "color": ("color", "colour"),
    "description": ("description", "details", "explanation", "text", "summary", "reason"),
    "position": ("position", "location", "where", "place", "region"),
    "from_color": ("from_color", "old_color", "previous_color", "before_color", "color_before"),
    "to_color": ("to_color", "new_color", "after_color", "color_after", "current_color"),
    "from_position": ("from_position", "old_position", "previous_position", "position_before"),
    "to_position": ("to_position", "new_position", "position_after", "current_position"),
    "mask": ("mask", "segmentation", "polygon"),
}


def _record_key(name: str, record: dict[str, Any]) -> str | None:
    low = name.lower()
    if low in record:
        return low
    for key, synonyms in _RECORD_SYNONYMS.items():
        if low in synonyms and key in record:
            return key
    words = _tokens(name)
    for key in record:
        if _tokens(key) and _tokens(key) <= words:
            return key
    return None


def _pick_enum(options: list[Any], candidates: list[Any]) -> Any:
    texts = [str(o) for o in options]
    for candidate in candidates:
        if candidate is None or candidate == "":
            continue
        needle = str(candidate).lower()
        for option, text in zip(options, texts, strict=True):
            if text.lower() == needle:
                return option
        for option, text in zip(options, texts, strict=True):
            low = text.lower()
            if re.search(rf"\b{re.escape(needle)}\b", low) or (
                len(low) > 2 and re.search(rf"\b{re.escape(low)}\b", needle)
            ):
                return option
    for fallback in ("none", "unknown", "other", "no"):
        for option, text in zip(options, texts, strict=True):
            if text.lower() == fallback:
                return option
    return options[0]


class _Filler:
    def __init__(self, facts: Facts, root: Any) -> None:
        self.facts = facts
        self.root = root

    # The dominant object: the largest selected one (or of all, when none is selected).
    def _dominant(self) -> Found | None:
        pool = self.facts.selected or self.facts.all_found
        return max(pool, key=lambda f: f.obj.area) if pool else None

    def _candidates(self, record: dict[str, Any] | None) -> list[Any]:
        facts = self.facts
        out: list[Any] = []
        if record:
            out += [record.get(k) for k in ("kind", "label", "shape", "color", "position")]
        if facts.task == "question":
            out.append("yes" if facts.present else "no")
            out.append("true" if facts.present else "false")
            out.append(str(facts.count))
        dominant = self._dominant()
        if dominant is not None:
            out += [dominant.obj.label, dominant.obj.color, dominant.obj.shape]
        by_area = sorted(facts.selected or facts.all_found, key=lambda f: -f.obj.area)
        out += [f.obj.label for f in by_area] + [f.obj.color for f in by_area]
        out += [f.obj.shape for f in by_area]
        if not facts.all_found:
            out += ["none", "empty", "no objects", "nothing"]
        if facts.comparison is not None:
            out += [c.kind for c in facts.comparison.changes]
            out.append("different" if facts.comparison.changes else "same")
        out.append(facts.task)
        return out

    def fill(self, schema: Any, name: str, record: dict[str, Any] | None) -> Any:
        resolved = resolve(schema, self.root)
        if "const" in resolved:
            return resolved["const"]
        kind = type_of(resolved)
        key = _record_key(name, record) if record and name else None
        if record is not None and (key == "mask" or name.lower() in _RECORD_SYNONYMS["mask"]):
            return self._mask(resolved, record)
        if "enum" in resolved and isinstance(resolved["enum"], list) and resolved["enum"]:
            candidates = ([record[key]] if record and key else []) + self._candidates(record)
            return _pick_enum(resolved["enum"], candidates)
        if kind == "object":
            return self._object(resolved, record)
        if kind == "array":
            return self._array(resolved, name, record, key)
        if kind in ("integer", "number"):
            return self._number(resolved, name, record, key, integer=kind == "integer")
        if kind == "boolean":
            return self._boolean(name, record)
        if kind == "null":
            return None
        return self._string(resolved, name, record, key)

    def _object(self, schema: dict[str, Any], record: dict[str, Any] | None) -> dict[str, Any]:
        props = properties(schema)
        if not props:
            return dict(self.facts.scalars) if record is None else dict(record)
        return {name: self.fill(sub, name, record) for name, sub in props.items()}

    def _mask(self, schema: dict[str, Any], record: dict[str, Any]) -> Any:
        index = record.get("_found")
        kind = type_of(schema)
        form: MaskForm = "polygon" if kind == "array" else "png"
        if self.facts.mask_form == "none" or not isinstance(index, int):
            return [] if kind == "array" else ""
        return self.facts.mask_value(self.facts.selected[index], form)

    def _records_for(self, name: str, items: dict[str, Any]) -> list[dict[str, Any]] | None:
        facts = self.facts
        words = _tokens(name)
        for kind, names in (
            ("added", {"added", "new", "appeared"}),
            ("removed", {"removed", "missing", "disappeared", "deleted"}),
            ("moved", {"moved", "moves", "relocated"}),
            ("recolored", {"recolored", "recoloured", "recolor", "recolour"}),
        ):
            if words & names:
                return facts.change_records(kind)
        if words & {"differences", "changes", "difference", "change", "diffs"}:
            return facts.change_records()
        props = {p.lower() for p in properties(items)}
        wants_objects = bool(props & (BOX_NAMES | {"mask", "label"})) or words & {
            "boxes", "detections", "objects", "items", "results", "segmentations", "masks",
            "predictions", "instances", "shapes",
        }  # fmt: skip
        if facts.task == "compare" and not wants_objects:
            return facts.change_records()
        records = []
        for index, found in enumerate(facts.selected):
            record = facts.object_record(found, with_mask=False)
            record["_found"] = index
            records.append(record)
        return records

    def _array(
        self, schema: dict[str, Any], name: str, record: dict[str, Any] | None, key: str | None
    ) -> list[Any]:
        items = resolve(schema.get("items", {}), self.root)
        item_kind = type_of(items)
        value: list[Any]
        if record is not None and key is not None and isinstance(record[key], list):
            value = list(record[key])
        elif item_kind == "object":
            records = self._records_for(name, items) or []
            value = [self.fill(items, "", r) for r in records]
        elif item_kind == "string" and "enum" not in items:
            value = self._string_list(name)
        elif item_kind in ("integer", "number"):
            value = [self._number(items, name, record, None, integer=item_kind == "integer")]
        else:
            value = [self.fill(items, name, record)]
        max_items = schema.get("maxItems")
        if isinstance(max_items, int):
            value = value[:max_items]
        return value

    def _string_list(self, name: str) -> list[str]:
        facts = self.facts
        words = _tokens(name)
        comparison = facts.comparison
        if comparison is not None:
            for kind, names in (
                ("added", {"added"}), ("removed", {"removed"}), ("moved", {"moved"}),
                ("recolored", {"recolored", "recoloured"}),
            ):  # fmt: skip
                if words & names:
                    return [c.description for c in comparison.of_kind(kind)]  # type: ignore[arg-type]
            if words & {"similarities", "similar", "same", "common", "shared", "unchanged"}:
                return list(comparison.similarities)
            if not words & {"colors", "colours", "shapes", "labels", "objects"}:
                return [c.description for c in comparison.changes]
        if words & {"colors", "colours"}:
            return list(dict.fromkeys(f.obj.color for f in facts.selected))
        if words & {"shapes"}:
            return list(dict.fromkeys(f.obj.shape for f in facts.selected))
        return [f.obj.label for f in facts.selected]

    def _number(
        self,
        schema: dict[str, Any],
        name: str,
        record: dict[str, Any] | None,
        key: str | None,
        *,
        integer: bool,
    ) -> int | float:
        facts = self.facts
        words = _tokens(name)
        value: float
        if record is not None and key is not None and isinstance(record[key], int | float):
            value = record[key]
        elif words & {"confidence", "score", "probability", "certainty"}:
            value = 0.95
        elif words & {"width"} and facts.analyses:
            value = facts.analyses[0].width
        elif words & {"height"} and facts.analyses:
            value = facts.analyses[0].height
        elif facts.comparison is not None and words & {"differences", "changes", "difference"}:
            value = len(facts.comparison.changes)
        else:
            value = facts.count
        lo, hi = schema.get("minimum"), schema.get("maximum")
        if isinstance(lo, int | float):
            value = max(value, lo)
        if isinstance(hi, int | float):
            value = min(value, hi)
        return round(value) if integer else float(value)

    def _boolean(self, name: str, record: dict[str, Any] | None) -> bool:
        facts = self.facts
        words = _tokens(name)
        if facts.comparison is not None:
            changed = bool(facts.comparison.changes)
            if words & {"same", "identical", "equal", "unchanged"}:
                return not changed
            if words & {"changed", "different", "differ", "differs", "changes", "modified"}:
                return changed
        return facts.present

    def _string(
        self, schema: dict[str, Any], name: str, record: dict[str, Any] | None, key: str | None
    ) -> str:
        facts = self.facts
        if record is not None and key is not None and not isinstance(record[key], list | dict):
            return str(record[key])
        words = _tokens(name)
        dominant = self._dominant()
        value: str
        if words & {"color", "colour"}:
            value = dominant.obj.color if dominant else "none"
        elif words & {"shape"}:
            value = dominant.obj.shape if dominant else "none"
        elif words & {"background"}:
            first = facts.analyses[0].background if facts.analyses else None
            value = first or "none"
        elif words & {"label", "name", "class", "category", "object"}:
            value = dominant.obj.label if dominant else "none"
        elif words & {"position", "location", "where"}:
            value = dominant.obj.position if dominant else "none"
        elif words & {"caption", "alt"} and facts.task != "question":
            value = facts.caption
        elif facts.transcribed is not None and words & {"text", "transcription", "lines"}:
            value = facts.transcribed
        else:
            value = facts.text
        max_length = schema.get("maxLength")
        if isinstance(max_length, int):
            value = value[:max_length]
        return value


def fill_schema(schema: Any, answer: Answer) -> Any:
    """Fill ``schema`` (JSON Schema or the API's OpenAPI subset) from the answer.

    The value validates against the schema: every property is filled (required
    or not), enums take the matching option, arrays of objects become the
    detections (or, for comparisons, the changes).
    """
    filler = _Filler(answer.facts, schema)
    return _strip_private(filler.fill(schema, "", None))


def _strip_private(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _strip_private(v) for k, v in value.items() if not str(k).startswith("_")}
    if isinstance(value, list):
        return [_strip_private(v) for v in value]
    return value
