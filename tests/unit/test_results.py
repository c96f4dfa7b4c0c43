"""Result types: container behaviour, filters and converters (JSON, COCO, supervision)."""

from __future__ import annotations

import json

import numpy as np
import pytest

from langchain_gemini_vision.masks import Mask
from langchain_gemini_vision.results import (
    Caption,
    Detection,
    DetectionResult,
    ImageComparison,
    VisualAnswer,
    label_class_id,
)
from langchain_gemini_vision.usage import Usage

W, H = 200, 100


def _mask(x0: int, y0: int, w: int, h: int) -> Mask:
    local = np.zeros((h, w), dtype=bool)
    local[1:-1, 1:-1] = True
    return Mask(local, (x0, y0), (W, H))


def _result() -> DetectionResult:
    return DetectionResult(
        detections=[
            Detection(
                label="cat",
                box_2d=(100, 50, 500, 250),
                box=(10.0, 10.0, 50.0, 50.0),
                score=0.9,
                mask=_mask(10, 10, 40, 40),
                extra={"color": "orange"},
            ),
            Detection(
                label="dog", box_2d=(0, 500, 1000, 1000), box=(100.0, 0.0, 200.0, 100.0), score=0.4
            ),
            Detection(label="cat", box_2d=(0, 0, 50, 50), box=(0.0, 0.0, 10.0, 5.0), score=None),
        ],
        image_width=W,
        image_height=H,
        model="gemini-test",
        usage=Usage(input_tokens=10, output_tokens=5, total_tokens=15),
        raw_text="[...]",
        warnings=["item 3: dropped: zero-area box"],
        api="interactions",
        elapsed_s=0.5,
    )


def test_detection_properties() -> None:
    d = Detection(box_2d=(0, 0, 1, 1), box=(10.0, 20.0, 40.0, 60.0))
    assert (d.label, d.width, d.height, d.area, d.center) == (
        "object",
        30.0,
        40.0,
        1200.0,
        (25.0, 40.0),
    )


def test_container_behaviour() -> None:
    result = _result()
    assert len(result) == 3
    assert [d.label for d in result] == ["cat", "dog", "cat"]
    assert result[1].label == "dog"
    assert result[-1].box == (0.0, 0.0, 10.0, 5.0)
    sliced = result[:2]
    assert isinstance(sliced, DetectionResult)
    assert sliced.labels == ["cat", "dog"]
    assert sliced.model == "gemini-test"
    assert sliced.image_width == W
    assert result.labels == ["cat", "dog", "cat"]
    assert result.xyxy.shape == (3, 4)
    assert result.xyxy.dtype == np.float64
    assert result.xyxy[1].tolist() == [100.0, 0.0, 200.0, 100.0]


def test_empty_result_xyxy_shape() -> None:
    empty = DetectionResult(image_width=5, image_height=5)
    assert empty.xyxy.shape == (0, 4)
    assert empty.summary() == "No objects found."


@pytest.mark.parametrize(
    ("kwargs", "labels"),
    [
        ({"labels": ["cat"]}, ["cat", "cat"]),
        ({"min_score": 0.5}, ["cat"]),  # no score: dropped
        ({"min_area": 1000}, ["cat", "dog"]),
        ({"predicate": lambda d: d.center[0] > 50}, ["dog"]),
        ({"labels": ["cat"], "min_area": 100}, ["cat"]),
        ({}, ["cat", "dog", "cat"]),
    ],
    ids=["labels", "min-score", "min-area", "predicate", "combined", "none"],
)
def test_filter(kwargs: dict[str, object], labels: list[str]) -> None:
    filtered = _result().filter(**kwargs)  # type: ignore[arg-type]
    assert filtered.labels == labels
    assert filtered.warnings == _result().warnings


def test_json_round_trip_keeps_masks_and_metadata() -> None:
    result = _result()
    text = result.to_json()
    assert json.loads(text)["detections"][0]["mask"]["offset"] == [10, 10]
    restored = DetectionResult.model_validate_json(text)
    assert restored == result
    assert restored[0].mask is not None
    assert restored[0].mask.area == 38 * 38
    assert restored.usage.total_tokens == 15


def test_to_coco_structure() -> None:
    coco = _result().to_coco(image_id=7)
    assert coco["images"] == [{"id": 7, "width": W, "height": H}]
    # Each label's stable id (issue 17: the same in every result), not 1, 2 per result.
    cat, dog = label_class_id("cat"), label_class_id("dog")
    expected = [{"id": cat, "name": "cat"}, {"id": dog, "name": "dog"}]
    assert coco["categories"] == sorted(expected, key=lambda c: c["id"])
    first, second, third = coco["annotations"]
    assert first["bbox"] == [10.0, 10.0, 40.0, 40.0]
    assert first["category_id"] == cat
    assert first["image_id"] == 7
    assert first["score"] == 0.9
    assert first["area"] == 38 * 38  # the mask's pixels, not the box
    assert first["segmentation"]["size"] == [H, W]
    assert sum(first["segmentation"]["counts"]) == W * H
    assert Mask.from_rle(first["segmentation"]) == _result()[0].mask
    assert second["area"] == 100 * 100
    assert "segmentation" not in second
    assert "score" not in third
    json.dumps(coco)  # plain JSON


def test_to_coco_with_category_ids() -> None:
    coco = _result().to_coco(category_ids={"dog": 18, "cat": 17, "bird": 16})
    assert [a["category_id"] for a in coco["annotations"]] == [17, 18, 17]
    assert [c["id"] for c in coco["categories"]] == [16, 17, 18]
    with pytest.raises(ValueError, match="dog"):
        _result().to_coco(category_ids={"cat": 1})


def test_to_supervision_and_back() -> None:
    sv = pytest.importorskip("supervision")
    detections = _result().to_supervision()
    assert isinstance(detections, sv.Detections)
    assert detections.xyxy.shape == (3, 4)
    assert detections.mask is not None
    assert detections.mask.shape == (3, H, W)
    assert detections.mask.dtype == bool
    assert detections.mask[0].sum() == 38 * 38
    assert detections.mask[1].sum() == 0
    # Stable per label (issue 15, item 18): the same in every result.
    assert detections.class_id.tolist() == [label_class_id(x) for x in ("cat", "dog", "cat")]
    assert detections.confidence is None  # one detection has no score
    assert detections.data["class_name"].tolist() == ["cat", "dog", "cat"]

    back = DetectionResult.from_supervision(detections, model="m")
    assert back.labels == ["cat", "dog", "cat"]
    assert back.resolution_wh == (W, H)
    assert back.xyxy.tolist() == _result().xyxy.tolist()
    assert back[0].mask == _result()[0].mask
    assert back[0].box_2d == pytest.approx((100, 50, 500, 250))


def test_to_supervision_with_scores_and_no_masks() -> None:
    pytest.importorskip("supervision")
    result = _result().filter(predicate=lambda d: d.score is not None and d.mask is None)
    detections = result.to_supervision()
    assert detections.mask is None
    assert detections.confidence.tolist() == pytest.approx([0.4])
    with pytest.raises(ValueError, match="resolution_wh"):
        DetectionResult.from_supervision(detections)
    back = DetectionResult.from_supervision(detections, resolution_wh=(W, H))
    assert back[0].score == pytest.approx(0.4)


def test_summary_is_short_and_pixel_based() -> None:
    summary = _result().summary()
    assert summary.startswith("3 objects: cat (0.90) at (10, 10, 50, 50) px with mask; ")
    assert "dog (0.40) at (100, 0, 200, 100) px" in summary
    truncated = _result().model_copy(update={"truncated": True})
    assert truncated.summary().endswith("(the answer was truncated; some objects may be missing)")
    assert _result().summary(max_items=1).endswith("; and 2 more")


def test_results_are_frozen() -> None:
    with pytest.raises(ValueError, match="frozen"):
        _result().model = "x"  # type: ignore[misc]


def test_small_result_models_round_trip() -> None:
    for model in (
        Caption(text="a cat", model="m", usage=Usage(input_tokens=1)),
        ImageComparison(summary="alike", differences=["hat"], similarities=["cat"]),
        VisualAnswer(text='{"n": 2}', data={"n": 2}),
    ):
        assert type(model).model_validate_json(model.model_dump_json()) == model
