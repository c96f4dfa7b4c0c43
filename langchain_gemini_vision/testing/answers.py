"""From a prompt, an optional JSON schema and the analysed images to an answer.

Everything that decides *what* the emulator says lives here; *how* it is
formatted per model generation lives in :mod:`.dialects`.

* :func:`choose_task` picks the task: the response schema's property names
  first, then keywords of the prompt (see its docstring for the exact rules).
* :func:`parse_query` reads what the prompt narrows to (colours, shapes, a
  limit), ignoring quoted text and parentheses, which are format examples.
* :func:`build_answer` computes the answer, and :func:`fill_schema` fills any
  JSON schema from it so the result validates against that schema.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ._palette import Shape, colors_named_in, shapes_named_in
from .vision import (
    Comparison,
    ImageAnalysis,
    VisualObject,
    at_position,
    caption,
    compare,
    object_phrase,
)

__all__ = [
    "Answer",
    "MaskForm",
    "Query",
    "Task",
    "build_answer",
    "choose_task",
    "fill_schema",
    "parse_query",
    "schema_mask_kind",
    "schema_property_names",
]

Task = Literal["detect", "segment", "compare", "caption", "question"]
MaskForm = Literal["png", "polygon", "none"]
QuestionKind = Literal["count", "color", "shape", "presence", "position", "open"]

_COMPARE_NAMES: Final = frozenset(
    {"added", "removed", "moved", "recolored", "recoloured", "differences", "changes",
     "similarities", "difference", "changed"}
)  # fmt: skip
_CAPTION_NAMES: Final = frozenset({"caption", "description", "summary", "alt_text", "alt"})
_BOX_NAMES: Final = frozenset({"box_2d", "bbox_2d", "bbox", "box", "boxes", "bounding_box"})
_LIMIT = re.compile(
    r"\b(?:at most|up to|no more than|maximum of|max(?:imum)?|limit(?:ed)? to|"
    r"only|first|top)\s+(\d+)\b"
)


# ------------------------------------------------------------------ schema helpers


def _resolve(schema: Any, root: Any) -> dict[str, Any]:
    """Follow ``$ref`` and pick the first non-null branch of ``anyOf``/``oneOf``."""
    for _ in range(32):
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target: Any = root
            for part in ref[2:].split("/"):
                target = target.get(part, {}) if isinstance(target, dict) else {}
            merged = {k: v for k, v in schema.items() if k != "$ref"}
            schema = {**target, **merged}
            continue
        for key in ("anyOf", "oneOf", "any_of"):
            branches = schema.get(key)
            if isinstance(branches, list) and branches:
                chosen = next(
                    (b for b in branches if _type_of(_resolve(b, root)) != "null"), branches[0]
                )
                rest = {k: v for k, v in schema.items() if k != key}
                schema = {**rest, **chosen} if isinstance(chosen, dict) else rest
                break
        else:
            all_of = schema.get("allOf")
            if isinstance(all_of, list) and all_of:
                merged_all: dict[str, Any] = {k: v for k, v in schema.items() if k != "allOf"}
                for part in all_of:
                    merged_all.update(_resolve(part, root))
                return merged_all
            return schema
    return schema if isinstance(schema, dict) else {}


def _type_of(schema: dict[str, Any]) -> str:
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if str(k).lower() != "null"), "null")
    if isinstance(kind, str):
        return kind.lower()
    if "properties" in schema:
        return "object"
    if "items" in schema:
        return "array"
    if "enum" in schema:
        return "string"
    return "string"


def _properties(schema: dict[str, Any]) -> dict[str, Any]:
    props = schema.get("properties")
    return props if isinstance(props, dict) else {}


def schema_property_names(schema: Any) -> set[str]:
    """Every property name anywhere in the schema (lower-case), following refs."""
    names: set[str] = set()
    seen: set[int] = set()

    def walk(node: Any) -> None:
        resolved = _resolve(node, schema)
        if id(resolved) in seen or not resolved:
            return
        seen.add(id(resolved))
        for name, sub in _properties(resolved).items():
            names.add(str(name).lower())
            walk(sub)
        items = resolved.get("items")
        if isinstance(items, dict):
            walk(items)

    walk(schema)
    return names


def schema_mask_kind(schema: Any) -> Literal["string", "array"] | None:
    """What the schema's ``mask`` property wants: a PNG string or a polygon array."""
    found: list[Literal["string", "array"]] = []
    seen: set[int] = set()

    def walk(node: Any) -> None:
        resolved = _resolve(node, schema)
        if id(resolved) in seen or not resolved:
            return
        seen.add(id(resolved))
        for name, sub in _properties(resolved).items():
            if str(name).lower() in ("mask", "segmentation", "polygon"):
                kind = _type_of(_resolve(sub, schema))
                found.append("array" if kind == "array" else "string")
            walk(sub)
        items = resolved.get("items")
        if isinstance(items, dict):
            walk(items)

    walk(schema)
    return found[0] if found else None


# ------------------------------------------------------------------ task and query


def choose_task(prompt: str, schema: Any, image_count: int) -> Task:
    """Decide what is being asked, in this order (first match wins).

    From the response schema's property names (anywhere in the schema):
      1. ``mask`` -> ``segment``;
      2. ``box_2d``, ``bbox_2d``, ``bbox``, ``box``, ``boxes``, ``bounding_box`` -> ``detect``;
      3. with 2+ images, ``added``/``removed``/``moved``/``recolo(u)red``/``changes``/
         ``differences``/``similarities`` -> ``compare``;
      4. ``caption``/``description``/``summary``/``alt_text`` -> ``caption``;
      5. ``answer`` -> ``question``.
    Then from the prompt (case-insensitive):
      6. "segment", "segmentation", "mask" -> ``segment``;
      7. "bounding box", "box_2d", "detect", "locate", "localize" -> ``detect``;
      8. with 2+ images, "compare", "comparison", "difference", "differ", "changed",
         "what changed" -> ``compare``;
      9. "caption", "describe", "description" -> ``caption``;
      10. a question mark, or a schema (any other) -> ``question``;
      11. otherwise ``caption``.
    """
    names = schema_property_names(schema) if schema else set()
    if "mask" in names:
        return "segment"
    if names & _BOX_NAMES:
        return "detect"
    if image_count >= 2 and names & _COMPARE_NAMES:
        return "compare"
    if names & _CAPTION_NAMES:
        return "caption"
    if "answer" in names:
        return "question"
    text = prompt.lower()
    if re.search(r"\bsegment|\bmasks?\b", text):
        return "segment"
    if re.search(r"bounding box|box_2d|\bdetect|\blocate|\blocali[sz]e", text):
        return "detect"
    if image_count >= 2 and re.search(r"\bcompar|\bdiffer|\bchanged?\b", text):
        return "compare"
    if re.search(r"\bcaption|\bdescri", text):
        return "caption"
    if "?" in text or schema:
        return "question"
    return "caption"


@dataclass(frozen=True)
class Query:
    """What the prompt narrows the answer to.

    Attributes:
        colors: Palette colours named outside quotes/parentheses.
        shapes: Shapes named outside quotes/parentheses.
        limit: "at most N", "up to N", "limit to N"... or ``None``.
        kind: For questions, what is asked.
        wants_polygon: The prompt asks for polygons.
    """

    colors: frozenset[str] = frozenset()
    shapes: frozenset[Shape] = frozenset()
    limit: int | None = None
    kind: QuestionKind = "open"
    wants_polygon: bool = False


def _question_kind(text: str) -> QuestionKind:
    if "how many" in text or re.search(r"\bcount\b|\bnumber of\b", text):
        return "count"
    if re.search(r"\b(what|which)\s+colou?r", text):
        return "color"
    if re.search(r"\b(what|which)\s+(kind of\s+)?shape", text):
        return "shape"
    if re.search(r"\bwhere\b", text):
        return "position"
    if re.search(
        r"\b(is|are)\s+there\b|\bdoes\b|\bdo you see\b|\bcan you see\b|\bcontains?\b|"
        r"\bany\b|^\s*(is|are)\b",
        text,
    ):
        return "presence"
    return "open"


@functools.lru_cache(maxsize=1024)  # batch jobs repeat one prompt: read it once
def parse_query(prompt: str) -> Query:
    """Read colours, shapes, a limit and the question kind from the prompt."""
    text = prompt.lower()
    limit_match = _LIMIT.search(text)
    return Query(
        colors=frozenset(colors_named_in(prompt)),
        shapes=frozenset(shapes_named_in(prompt)),
        limit=int(limit_match.group(1)) if limit_match else None,
        kind=_question_kind(text),
        wants_polygon="polygon" in text,
    )


# ------------------------------------------------------------------ facts


@dataclass(frozen=True)
class _Found:
    obj: VisualObject
    analysis: ImageAnalysis
    image_index: int


def _select(query: Query, found: list[_Found], *, use_colors: bool = True) -> list[_Found]:
    # A colour that is only the background ("on the white background") narrows nothing.
    backgrounds = {f.analysis.background for f in found}
    present = {f.obj.color for f in found}
    colors = {c for c in query.colors if c not in backgrounds or c in present}
    return [
        f
        for f in found
        if (not use_colors or not colors or f.obj.color in colors)
        and (not query.shapes or f.obj.shape in query.shapes)
    ]


def _noun(query: Query, count: int, *, use_colors: bool = True) -> str:
    colors = sorted(query.colors) if use_colors else []
    shapes = sorted(query.shapes)
    if "rectangle" in shapes and "square" in shapes:
        shapes.remove("square")
    color = " or ".join(colors)
    if len(shapes) == 1:
        shape = shapes[0] if count == 1 else shapes[0] + "s"
    elif shapes:
        shape = " or ".join(s + "s" for s in shapes)
    else:
        shape = "object" if count == 1 else "objects"
    return f"{color} {shape}".strip()


def _answer_question(query: Query, found: list[_Found], caption_text: str) -> tuple[str, int, bool]:
    if query.kind == "color":
        matched = _select(query, found, use_colors=False) if query.shapes else _select(query, found)
        noun = _noun(query, len(matched), use_colors=False)
        if not matched:
            return f"There is no {_noun(query, 1, use_colors=False)} in the image.", 0, False
        colors = list(dict.fromkeys(f.obj.color for f in matched))
        verb = "is" if len(matched) == 1 else "are"
        return f"The {noun} {verb} {_join(colors)}.", len(matched), True
    matched = _select(query, found)
    count = len(matched)
    present = count > 0
    noun = _noun(query, count)
    if query.kind == "count":
        if count == 0:
            return f"There are no {_noun(query, 2)}.", 0, False
        verb = "is" if count == 1 else "are"
        return f"There {verb} {count} {noun}.", count, True
    if query.kind == "shape":
        if not matched:
            return f"There is no {_noun(query, 1)} in the image.", 0, False
        shapes = [f"a {f.obj.shape}" for f in matched]
        verb = "is" if count == 1 else "are"
        return f"The {noun} {verb} {_join(shapes)}.", count, True
    if query.kind == "position":
        if not matched:
            return f"There is no {_noun(query, 1)} in the image.", 0, False
        text = _join([f"the {f.obj.label} is {at_position(f.obj.position)}" for f in matched])
        return text[0].upper() + text[1:] + ".", count, True
    if query.kind == "presence" or query.colors or query.shapes:
        if not present:
            return f"No, there is no {_noun(query, 1)}.", 0, False
        where = _join([object_phrase(f.obj) for f in matched])
        verb = "is" if count == 1 else "are"
        return f"Yes, there {verb} {count} {noun}: {where}.", count, True
    return caption_text, len(found), bool(found)


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


@dataclass
class Answer:
    """The computed answer, before any dialect formats it.

    Attributes:
        task: What was answered.
        text: The plain-language answer (captions, questions, comparisons).
        value: The natural JSON value (a list of detections, or an object).
        facts: Named facts :func:`fill_schema` draws on.
    """

    task: Task
    text: str
    value: Any
    facts: _Facts = field(repr=False)


@dataclass
class _Facts:
    task: Task
    text: str
    caption: str
    count: int
    present: bool
    selected: list[_Found]
    all_found: list[_Found]
    analyses: Sequence[ImageAnalysis]
    comparison: Comparison | None
    mask_form: MaskForm
    png_mask_size: int | None
    scalars: dict[str, Any] = field(default_factory=dict)

    def object_record(self, found: _Found, *, with_mask: bool) -> dict[str, Any]:
        obj, analysis = found.obj, found.analysis
        record: dict[str, Any] = {
            "box_2d": analysis.box_2d(obj),
            "label": obj.label,
            "color": obj.color,
            "shape": obj.shape,
            "position": obj.position,
            "description": object_phrase(obj),
            "area": obj.area,
            "image_index": found.image_index,
        }
        if with_mask:
            record["mask"] = self.mask_value(found, self.mask_form)
        return record

    def mask_value(self, found: _Found, form: MaskForm) -> Any:
        if form == "polygon":
            return found.analysis.polygon(found.obj)
        if form == "png":
            return found.analysis.png_mask(found.obj, size=self.png_mask_size)
        return None

    def change_records(self, kind: str | None = None) -> list[dict[str, Any]]:
        if self.comparison is None:
            return []
        records = []
        for change in self.comparison.changes:
            if kind is not None and change.kind != kind:
                continue
            after, before = change.after, change.before
            main = after or before
            record: dict[str, Any] = {
                "kind": change.kind,
                "label": change.label,
                "description": change.description,
                "image_index": change.image_index,
                "color": main.color if main else "",
                "shape": main.shape if main else "",
                "position": main.position if main else "",
                "from_position": before.position if before else "",
                "to_position": after.position if after else "",
                "from_color": before.color if before else "",
                "to_color": after.color if after else "",
            }
            analysis = self.analyses[change.image_index if after else change.image_index - 1]
            if main is not None:
                record["box_2d"] = analysis.box_2d(main)
            records.append(record)
        return records


def build_answer(
    *,
    prompt: str,
    analyses: Sequence[ImageAnalysis],
    task: Task,
    mask_form: MaskForm = "png",
    png_mask_size: int | None = 256,
) -> Answer:
    """Compute the answer to ``prompt`` about ``analyses`` for ``task``."""
    query = parse_query(prompt)
    found = [
        _Found(obj, analysis, index)
        for index, analysis in enumerate(analyses)
        for obj in analysis.objects
    ]
    caption_text = " ".join(caption(a) for a in analyses[:1]) if analyses else "No image given."
    if len(analyses) > 1 and task != "compare":
        caption_text = " ".join(f"Image {i + 1}: {caption(a)}" for i, a in enumerate(analyses))
    comparison = compare(analyses) if task == "compare" and len(analyses) >= 2 else None
    # Detection and segmentation look at the first image, like Gemini answering
    # about "the image"; questions count across every image given.
    if task in ("detect", "segment"):
        selected = _select(query, [f for f in found if f.image_index == 0])
        if query.limit is not None:
            selected = selected[: query.limit]
        count, present = len(selected), bool(selected)
        text = caption_text
    elif task == "question":
        text, count, present = _answer_question(query, found, caption_text)
        selected = _select(query, found)
    else:
        selected = _select(query, found)
        count, present = len(selected), bool(selected)
        text = comparison.summary if comparison else caption_text
        if comparison is not None and comparison.similarities:
            text += " Similarities: " + " ".join(comparison.similarities)
    facts = _Facts(
        task=task,
        text=text,
        caption=caption_text,
        count=count,
        present=present,
        selected=selected,
        all_found=found,
        analyses=analyses,
        comparison=comparison,
        mask_form=mask_form if task == "segment" else "none",
        png_mask_size=png_mask_size,
    )
    value: Any
    if task in ("detect", "segment"):
        with_mask = task == "segment" and mask_form != "none"
        value = [facts.object_record(f, with_mask=with_mask) for f in selected]
        value = [{k: r[k] for k in ("box_2d", "mask", "label") if k in r} for r in value]
    elif task == "compare" and comparison is not None:
        value = {
            "summary": comparison.summary,
            "differences": [c.description for c in comparison.changes],
            "similarities": comparison.similarities,
        }
    elif task == "question":
        value = {"answer": text, "count": count, "present": present}
    else:
        value = {"caption": text}
    return Answer(task, text, value, facts)


# ------------------------------------------------------------------ schema filling

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
    def __init__(self, facts: _Facts, root: Any) -> None:
        self.facts = facts
        self.root = root

    # The dominant object: the largest selected one (or of all, when none is selected).
    def _dominant(self) -> _Found | None:
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
        resolved = _resolve(schema, self.root)
        if "const" in resolved:
            return resolved["const"]
        kind = _type_of(resolved)
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
        props = _properties(schema)
        if not props:
            return dict(self.facts.scalars) if record is None else dict(record)
        return {name: self.fill(sub, name, record) for name, sub in props.items()}

    def _mask(self, schema: dict[str, Any], record: dict[str, Any]) -> Any:
        index = record.get("_found")
        kind = _type_of(schema)
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
        props = {p.lower() for p in _properties(items)}
        wants_objects = bool(props & (_BOX_NAMES | {"mask", "label"})) or words & {
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
        items = _resolve(schema.get("items", {}), self.root)
        item_kind = _type_of(items)
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
