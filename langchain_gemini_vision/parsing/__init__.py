"""Model text to validated data: fences, wrappers, truncation, drift between generations.

Pure functions, no I/O, one module per kind of answer:

* :mod:`.json_text`: :func:`extract_json` finds the first JSON value in a model's text
  (fences, prose, several objects) and salvages the complete items of a list cut off at
  the output limit, in linear time, refusing absurd nesting;
* :mod:`.detections`: :func:`parse_detections` turns detection/segmentation text into
  :class:`~langchain_gemini_vision.results.Detection` objects, repairing what can be
  repaired (with a warning); what differs between model generations lives in its tables;
* :mod:`.spatial`: :func:`parse_points` reads point answers (``[y, x]`` on 0-1000), and
  the readers that tell a detection answer made of points or 3D boxes from "no box";
* :mod:`.answers`: :func:`parse_json_answer` validates captions, comparisons and free
  answers against a pydantic model or a JSON schema.
"""

from __future__ import annotations

from langchain_gemini_vision.parsing import answers, detections, json_text, spatial
from langchain_gemini_vision.parsing.answers import *  # noqa: F403 - the package's face
from langchain_gemini_vision.parsing.answers import ModelT as ModelT
from langchain_gemini_vision.parsing.detections import *  # noqa: F403
from langchain_gemini_vision.parsing.json_text import *  # noqa: F403
from langchain_gemini_vision.parsing.spatial import *  # noqa: F403

__all__ = json_text.__all__ + detections.__all__ + answers.__all__ + spatial.__all__
