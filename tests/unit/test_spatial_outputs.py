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


# --------------------------------------------------------------------------- the point task


def test_the_point_task_points_at_each_shapes_centre_in_pixels() -> None:
    """The emulator points at each shape's centroid; the client maps [y, x] to pixels."""
    from langchain_gemini_vision import GeminiPointRunnable, GeminiVisionClient, PointResult
    from langchain_gemini_vision.testing import GeminiEmulator, make_scene

    scene = make_scene(320, 240, objects=3, seed=5)
    with GeminiEmulator() as emu:
        for api in ("interactions", "generate_content"):
            with GeminiVisionClient(api_key="k", base_url=emu.base_url, api=api) as client:
                result = client.point(scene.data)
            assert isinstance(result, PointResult)
            assert sorted(result.labels) == sorted(o.label for o in scene.objects)
            for truth in scene.objects:
                ys, xs = truth.mask.nonzero()
                near = [p for p in result if p.label == truth.label]
                # Within 1 % of the frame (the 0-1000 grid's rounding) of the centroid.
                assert any(
                    abs(p.xy[0] - xs.mean()) < 4 and abs(p.xy[1] - ys.mean()) < 4 for p in near
                ), (truth.label, near)
        runnable = GeminiPointRunnable(api_key="k", base_url=emu.base_url, query="every shape")
        assert len(runnable.invoke(scene.data)) == 3


def test_points_export_to_json_supervision_and_a_drawing() -> None:
    from PIL import Image

    from langchain_gemini_vision.parsing import parse_points
    from langchain_gemini_vision.spatial import PointResult

    parsed = parse_points(POINTS, resolution_wh=(640, 480))
    result = PointResult(points=parsed.points, image_width=640, image_height=480)
    assert [p.xy for p in result] == [(320.0, 120.0), (76.8, 336.0)]
    assert PointResult.model_validate_json(result.to_json()) == result
    keypoints = result.to_supervision()
    assert keypoints.xy.shape == (2, 1, 2)
    assert keypoints.xy[1, 0].tolist() == pytest.approx([76.8, 336.0])
    assert list(keypoints.data["class_name"]) == ["cup", "spoon"]
    drawn = result.draw(Image.new("RGB", (640, 480), "white"))
    assert drawn.getpixel((320, 120)) != (255, 255, 255)
    assert drawn.getpixel((10, 10)) == (255, 255, 255)


def test_the_point_tool_and_runnable_come_from_the_registry_alone() -> None:
    from langchain_gemini_vision import GeminiPointRunnable, GeminiPointTool
    from langchain_gemini_vision.runnables import GeminiVisionRunnable
    from langchain_gemini_vision.tools import GeminiVisionTool

    assert GeminiVisionRunnable.for_task("point") is GeminiPointRunnable
    assert GeminiVisionTool.for_task("point") is GeminiPointTool
    assert GeminiPointTool(api_key="k").name == "gemini_point_objects"


def test_an_answer_without_any_point_is_a_clear_error() -> None:
    from langchain_gemini_vision.parsing import parse_points

    with pytest.raises(OutputParsingError, match=r"point \[y, x\]"):
        parse_points('[{"box_2d": [1, 2, 3, 4]}]', resolution_wh=(10, 10))
