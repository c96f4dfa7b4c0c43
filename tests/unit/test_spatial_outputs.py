"""Spatial answers beyond 2D boxes (issue 21 item 5): points and 3D boxes.

A detection answer made of points (``{"point": [y, x]}``) or of 3D boxes (``box_3d``)
is not "no box found": it is a typed error naming what was found, carrying it.
"""

from __future__ import annotations

import pytest

from langchain_gemini_vision.errors import OutputParsingError
from langchain_gemini_vision.parsing import parse_detections

POINTS = (
    '```json\n[{"point": [250, 500], "label": "cup"}, {"point": [700, 120], "label": "spoon"}]\n```'
)
BOX_3D = (
    '[{"label": "chair", "box_3d": [0.2, 0.1, 2.5, 0.6, 0.9, 0.6, 0, 0, 30]},'
    ' {"label": "table", "box_3d": [-0.4, 0.3, 3.1, 1.2, 0.7, 0.8, 0, 0, -5]}]'
)


def test_points_in_a_detection_answer_are_named_not_no_box() -> None:
    with pytest.raises(OutputParsingError) as caught:
        parse_detections(POINTS, resolution_wh=(640, 480))
    error = caught.value
    assert "no box" not in str(error)
    assert "point" in str(error)
    assert getattr(error, "form", None) == "point"
    assert len(getattr(error, "items", [])) == 2


def test_3d_boxes_in_a_detection_answer_are_typed_not_no_box() -> None:
    with pytest.raises(OutputParsingError) as caught:
        parse_detections(BOX_3D, resolution_wh=(640, 480))
    error = caught.value
    assert "no box" not in str(error)
    assert "box_3d" in str(error)
    assert getattr(error, "form", None) == "box_3d"
    boxes = getattr(error, "items", [])
    assert [b.label for b in boxes] == ["chair", "table"]
    assert boxes[0].center == (0.2, 0.1, 2.5)
    assert boxes[0].size == (0.6, 0.9, 0.6)
    assert boxes[0].rotation == (0.0, 0.0, 30.0)


def test_a_point_task_is_registered() -> None:
    from langchain_gemini_vision.tasks import find_task

    assert find_task("point") is not None
