"""Model text to validated data: fences, wrappers, truncation, drift between generations.

Pure functions, no I/O, one module per kind of answer:

* :mod:`.json_text`: :func:`extract_json` finds the first JSON value in a model's text
  (fences, prose, several objects) and salvages the complete items of a list cut off at
  the output limit, in linear time, refusing absurd nesting;
* :mod:`.detections`: :func:`parse_detections` turns detection/segmentation text into
  :class:`~langchain_gemini_vision.results.Detection` objects, repairing what can be
  repaired (with a warning); what differs between model generations lives in its tables;
* :mod:`.answers`: :func:`parse_json_answer` validates captions, comparisons and free
  answers against a pydantic model or a JSON schema.
"""

from __future__ import annotations

from langchain_gemini_vision.parsing.answers import parse_json_answer
from langchain_gemini_vision.parsing.detections import (
    BOX_KEYS,
    DEFAULT_MAX_ITEMS,
    LABEL_KEYS,
    MASK_FORMS,
    MASK_KEYS,
    SCORE_KEYS,
    WRAPPER_KEYS,
    MaskForm,
    ParsedDetections,
    parse_detections,
)
from langchain_gemini_vision.parsing.json_text import MAX_JSON_DEPTH, JsonExtraction, extract_json

__all__ = [
    "BOX_KEYS",
    "DEFAULT_MAX_ITEMS",
    "LABEL_KEYS",
    "MASK_FORMS",
    "MASK_KEYS",
    "MAX_JSON_DEPTH",
    "SCORE_KEYS",
    "WRAPPER_KEYS",
    "JsonExtraction",
    "MaskForm",
    "ParsedDetections",
    "extract_json",
    "parse_detections",
    "parse_json_answer",
]
