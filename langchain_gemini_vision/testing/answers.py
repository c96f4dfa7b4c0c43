"""From a prompt, an optional JSON schema and the analysed images to an answer.

Everything that decides *what* the emulator says lives here; *how* it is
formatted per model generation lives in :mod:`.dialects`.

* :func:`choose_task` picks the task: the response schema's property names
  first, then keywords of the prompt (see its docstring for the exact rules).
* :func:`parse_query` reads what the prompt narrows to (colours, shapes, a
  limit), ignoring quoted text and parentheses, which are format examples.
* :func:`build_answer` computes the answer; :func:`~._schema_fill.fill_schema` then
  fills any JSON schema from its facts so the result validates against that schema.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ._palette import Shape, colors_named_in, shapes_named_in
from ._schemas import BOX_NAMES, POINT_NAMES, schema_property_names
from .degrade import Degradation
from .descriptions import Comparison, caption, compare, join_words, object_phrase
from .vision import ImageAnalysis, VisualObject, at_position

__all__ = [
    "SPATIAL_TASKS",
    "Answer",
    "MaskForm",
    "Query",
    "Task",
    "build_answer",
    "choose_task",
    "parse_query",
]

Task = Literal["detect", "segment", "point", "compare", "caption", "question"]
SPATIAL_TASKS: Final[frozenset[str]] = frozenset({"detect", "segment", "point"})
"""The tasks that answer a list of objects with coordinates."""
MaskForm = Literal["png", "polygon", "none"]
QuestionKind = Literal["count", "color", "shape", "presence", "position", "open"]

_COMPARE_NAMES: Final = frozenset(
    {"added", "removed", "moved", "recolored", "recoloured", "differences", "changes",
     "similarities", "difference", "changed"}
)  # fmt: skip
_CAPTION_NAMES: Final = frozenset({"caption", "description", "summary", "alt_text", "alt"})
_LIMIT = re.compile(
    r"\b(?:at most|up to|no more than|maximum of|max(?:imum)?|limit(?:ed)? to|"
    r"only|first|top)\s+(\d+)\b"
)


# ------------------------------------------------------------------ task and query


def choose_task(prompt: str, schema: Any, image_count: int) -> Task:
    """Decide what is being asked, in this order (first match wins).

    From the response schema's property names (anywhere in the schema):
      1. ``mask`` -> ``segment``;
      2. ``point``, ``points`` -> ``point``;
      3. ``box_2d``, ``bbox_2d``, ``bbox``, ``box``, ``boxes``, ``bounding_box`` -> ``detect``;
      4. with 2+ images, ``added``/``removed``/``moved``/``recolo(u)red``/``changes``/
         ``differences``/``similarities`` -> ``compare``;
      5. ``caption``/``description``/``summary``/``alt_text`` -> ``caption``;
      6. ``answer`` -> ``question``.
    Then from the prompt (case-insensitive):
      7. "segment", "segmentation", "mask" -> ``segment``;
      8. "point to", "point at", "points" with "[y, x]" -> ``point``;
      9. "bounding box", "box_2d", "detect", "locate", "localize" -> ``detect``;
      10. with 2+ images, "compare", "comparison", "difference", "differ", "changed",
          "what changed" -> ``compare``;
      11. "caption", "describe", "description" -> ``caption``;
      12. a question mark, or a schema (any other) -> ``question``;
      13. otherwise ``caption``.
    """
    names = schema_property_names(schema) if schema else set()
    if "mask" in names:
        return "segment"
    if names & POINT_NAMES:
        return "point"
    if names & BOX_NAMES:
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
    if re.search(r"\bpoint (?:to|at)\b|\bpoints? in \[y, ?x\]", text):
        return "point"
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
class Found:
    """One object seen in one of the request's images."""

    obj: VisualObject
    analysis: ImageAnalysis
    image_index: int


def _select(query: Query, found: list[Found], *, use_colors: bool = True) -> list[Found]:
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


def _answer_question(query: Query, found: list[Found], caption_text: str) -> tuple[str, int, bool]:
    if query.kind == "color":
        matched = _select(query, found, use_colors=False) if query.shapes else _select(query, found)
        noun = _noun(query, len(matched), use_colors=False)
        if not matched:
            return f"There is no {_noun(query, 1, use_colors=False)} in the image.", 0, False
        colors = list(dict.fromkeys(f.obj.color for f in matched))
        verb = "is" if len(matched) == 1 else "are"
        return f"The {noun} {verb} {join_words(colors)}.", len(matched), True
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
        return f"The {noun} {verb} {join_words(shapes)}.", count, True
    if query.kind == "position":
        if not matched:
            return f"There is no {_noun(query, 1)} in the image.", 0, False
        text = join_words([f"the {f.obj.label} is {at_position(f.obj.position)}" for f in matched])
        return text[0].upper() + text[1:] + ".", count, True
    if query.kind == "presence" or query.colors or query.shapes:
        if not present:
            return f"No, there is no {_noun(query, 1)}.", 0, False
        where = join_words([object_phrase(f.obj) for f in matched])
        verb = "is" if count == 1 else "are"
        return f"Yes, there {verb} {count} {noun}: {where}.", count, True
    return caption_text, len(found), bool(found)


@dataclass
class Answer:
    """The computed answer, before any dialect formats it.

    Attributes:
        task: What was answered.
        text: The plain-language answer (captions, questions, comparisons).
        value: The natural JSON value (a list of detections, or an object).
        facts: Named facts :func:`~._schema_fill.fill_schema` draws on.
    """

    task: Task
    text: str
    value: Any
    facts: Facts = field(repr=False)


@dataclass
class Facts:
    """What an answer knows, named for the schema filler to draw on."""

    task: Task
    text: str
    caption: str
    count: int
    present: bool
    selected: list[Found]
    all_found: list[Found]
    analyses: Sequence[ImageAnalysis]
    comparison: Comparison | None
    mask_form: MaskForm
    png_mask_size: int | None
    scalars: dict[str, Any] = field(default_factory=dict)

    def object_record(self, found: Found, *, with_mask: bool) -> dict[str, Any]:
        obj, analysis = found.obj, found.analysis
        record: dict[str, Any] = {
            "box_2d": analysis.box_2d(obj),
            "point": analysis.point(obj),
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

    def mask_value(self, found: Found, form: MaskForm) -> Any:
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
    degradation: Degradation | None = None,
) -> Answer:
    """Compute the answer to ``prompt`` about ``analyses`` for ``task``; a spatial
    answer spoiled by ``degradation`` when one is given."""
    query = parse_query(prompt)
    found = [
        Found(obj, analysis, index)
        for index, analysis in enumerate(analyses)
        for obj in analysis.objects
    ]
    caption_text = " ".join(caption(a) for a in analyses[:1]) if analyses else "No image given."
    if len(analyses) > 1 and task != "compare":
        caption_text = " ".join(f"Image {i + 1}: {caption(a)}" for i, a in enumerate(analyses))
    comparison = compare(analyses) if task == "compare" and len(analyses) >= 2 else None
    # Detection and segmentation look at the first image, like Gemini answering
    # about "the image"; questions count across every image given.
    if task in SPATIAL_TASKS:
        selected = _select(query, [f for f in found if f.image_index == 0])
        if query.limit is not None:
            selected = selected[: query.limit]
        if degradation is not None and selected:
            first = analyses[0]
            spoiled = degradation.apply([f.obj for f in selected], first.frame_width)
            selected = [Found(obj, first, 0) for obj in spoiled]
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
    facts = Facts(
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
    if task in SPATIAL_TASKS:
        with_mask = task == "segment" and mask_form != "none"
        value = [facts.object_record(f, with_mask=with_mask) for f in selected]
        keys = ("point", "label") if task == "point" else ("box_2d", "mask", "label")
        value = [{k: r[k] for k in keys if k in r} for r in value]
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
