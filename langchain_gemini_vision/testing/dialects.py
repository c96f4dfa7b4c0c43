"""How each Gemini generation formats the same answer: one table.

The emulator computes one answer from the pixels (:mod:`.answers`); the
dialect of the requested model decides how it is written down, as the real
generations do (see the reference notes on model outputs):

============================  ======  ==============  ============  ========================
family (longest prefix wins)  fence   prose before    masks         thinking accepted
============================  ======  ==============  ============  ========================
``gemini-2.0``                yes     sometimes       none (boxes)  none
``gemini-2.5``                yes     never           PNG 256x256   budget 0-24576
``gemini-2.5-pro``            yes     never           PNG 256x256   budget 128-32768
``gemini-3``                  no      never           PNG; polygon  levels minimal..high,
                                                      when asked    budget >= 1
``gemini-3-pro``              no      never           as gemini-3   levels low, high
``gemini-3.1-pro``            no      never           as gemini-3   levels low..high
``gemini-3.7`` / ``3.8``      no      never           as gemini-3   levels low..high
``gemini-3.8-flash-lite``     no      never           none (boxes)  levels low..high
============================  ======  ==============  ============  ========================

Rules shared by every dialect:

* With a JSON response schema the answer is bare JSON that validates against
  it (constrained decoding): no fence, no prose, any wrapper the schema asks
  for (``{"boxes": [...]}``), polygons when the schema's ``mask`` is an array.
  A model without masks fills a required ``mask`` with ``""`` or ``[]``.
* With ``application/json`` and no schema the answer is bare JSON.
* In text mode detections and points are a JSON list (fenced per the table); captions,
  answers and comparisons are plain sentences.
* "Sometimes" is decided by a hash of the request, so it is deterministic.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, replace
from typing import Any, Final, Literal

from .answers import SPATIAL_TASKS, Answer, MaskForm

__all__ = ["DIALECTS", "Dialect", "dialect_for", "render_text", "resolve_mask_form"]

_ALL_LEVELS: Final = frozenset({"minimal", "low", "medium", "high"})
_NO_MINIMAL: Final = frozenset({"low", "medium", "high"})


@dataclass(frozen=True)
class Dialect:
    """How one model family writes its answers.

    Attributes:
        family: Model-name prefix (the longest matching prefix wins).
        fence_json: In text mode, JSON goes inside a ```` ```json ```` fence.
        prose_before_json: In text mode, a sentence of prose sometimes precedes it.
        mask_form: Masks in text mode and for string ``mask`` schemas (``"none"``: boxes only).
        polygon_on_request: Answers polygons when the prompt asks for them in text mode.
        png_mask_size: Side of the PNG probability maps.
        thinking_levels: ``thinking_level`` values accepted (empty: the parameter is rejected).
        thinking_budget: Inclusive ``thinking_budget`` range, ``None`` if rejected
            (``-1``, dynamic, is accepted whenever a range is).
        default_thought_tokens: Thought tokens reported when thinking is left on.
    """

    family: str
    fence_json: bool
    prose_before_json: bool = False
    mask_form: MaskForm = "png"
    polygon_on_request: bool = False
    png_mask_size: int = 256
    thinking_levels: frozenset[str] = frozenset()
    thinking_budget: tuple[int, int] | None = None
    default_thought_tokens: int = 0


_GEMINI_3: Final = Dialect(
    "gemini-3",
    fence_json=False,
    polygon_on_request=True,
    thinking_levels=_ALL_LEVELS,
    thinking_budget=(1, 32768),
    default_thought_tokens=128,
)
"""How Gemini 3 answers; later families answer the same way but for what they name."""

DIALECTS: Final[tuple[Dialect, ...]] = (
    Dialect("gemini-2.0", fence_json=True, prose_before_json=True, mask_form="none"),
    Dialect("gemini-2.5", fence_json=True, thinking_budget=(0, 24576), default_thought_tokens=96),
    Dialect(
        "gemini-2.5-pro", fence_json=True, thinking_budget=(128, 32768), default_thought_tokens=160
    ),
    _GEMINI_3,
    replace(
        _GEMINI_3,
        family="gemini-3-pro",
        thinking_levels=frozenset({"low", "high"}),
        thinking_budget=(128, 32768),
        default_thought_tokens=192,
    ),
    replace(
        _GEMINI_3,
        family="gemini-3.1-pro",
        thinking_levels=_NO_MINIMAL,
        thinking_budget=(128, 32768),
        default_thought_tokens=192,
    ),
    *(
        replace(_GEMINI_3, family=family, thinking_levels=_NO_MINIMAL)
        for family in ("gemini-3.7", "gemini-3.8")
    ),
    replace(
        _GEMINI_3,
        family="gemini-3.8-flash-lite",
        mask_form="none",
        polygon_on_request=False,
        thinking_levels=_NO_MINIMAL,
        thinking_budget=(1, 24576),
        default_thought_tokens=64,
    ),
)
"""Every dialect; unknown ``gemini-*`` names speak like ``gemini-3``."""

_DEFAULT: Final = _GEMINI_3


def dialect_for(model: str) -> Dialect:
    """The dialect of the longest family prefix of ``model`` (``models/`` stripped)."""
    name = model.removeprefix("models/").lower()
    matches = [d for d in DIALECTS if name.startswith(d.family)]
    return max(matches, key=lambda d: len(d.family)) if matches else _DEFAULT


def resolve_mask_form(
    dialect: Dialect, schema_kind: Literal["string", "array"] | None, wants_polygon: bool
) -> MaskForm:
    """The mask form to answer with: the schema wins, then the prompt, then the dialect."""
    if dialect.mask_form == "none":
        return "none"
    if schema_kind == "array":
        return "polygon"
    if schema_kind == "string":
        return "png"
    if wants_polygon and dialect.polygon_on_request:
        return "polygon"
    return dialect.mask_form


_PROSE: Final[dict[str, str]] = {
    "detect": "Here are the bounding boxes of the objects I found:",
    "segment": "Here are the bounding boxes of the objects in the image:",
    "point": "Here are the points of the objects I found:",
}


def _pretty(value: Any) -> str:
    """One item per line, as Gemini writes detection lists."""
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        lines = ",\n".join("  " + json.dumps(v, ensure_ascii=False) for v in value)
        return f"[\n{lines}\n]"
    return json.dumps(value, ensure_ascii=False, indent=2)


def render_text(
    answer: Answer,
    dialect: Dialect,
    *,
    schema_value: Any = None,
    has_schema: bool = False,
    json_mode: bool = False,
    request_digest: str = "",
) -> str:
    """Write ``answer`` the way ``dialect`` does.

    Args:
        answer: The computed answer.
        dialect: The model's dialect.
        schema_value: The schema-filled value, when a schema was given.
        has_schema: A JSON response schema was given (constrained decoding).
        json_mode: ``application/json`` was asked without a schema.
        request_digest: A digest of the request, for the deterministic "sometimes".
    """
    if has_schema:
        return json.dumps(schema_value, ensure_ascii=False)
    if json_mode:
        return _pretty(answer.value)
    if answer.task not in SPATIAL_TASKS:
        return answer.text
    body = _pretty(answer.value)
    if not dialect.fence_json:
        return body
    fenced = f"```json\n{body}\n```"
    digest = hashlib.sha256(request_digest.encode()).digest()
    if dialect.prose_before_json and digest[0] % 2 == 0:
        return f"{_PROSE[answer.task]}\n{fenced}"
    return fenced
