"""Results a user can rely on (issue 15, items 18 and 19).

* ``to_supervision()`` and ``to_coco()`` give a label the same class id in every result
  (or the ids the caller names), so trackers and metrics see "dog" as one class across images.
* ``result.draw("kitchen.jpg")`` (the README's own example) draws on the file, upright;
  an image whose shape is not the result's is refused instead of drawn in the wrong place.
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from langchain_gemini_vision.annotate import color_for_label
from langchain_gemini_vision.results import Detection, DetectionResult, label_class_id

W, H = 400, 300


def _result(*labels: str, width: int = W, height: int = H) -> DetectionResult:
    detections = [
        Detection(
            label=label,
            box_2d=(0, 0, 1, 1),
            box=(20.0 + 60 * i, 40.0, 60.0 + 60 * i, 120.0),
        )
        for i, label in enumerate(labels)
    ]
    return DetectionResult(detections=detections, image_width=width, image_height=height)


# ------------------------------------------------------------------ item 18: stable class ids


def _class_ids(result: DetectionResult, **kwargs: object) -> dict[str, int]:
    detections = result.to_supervision(**kwargs)
    names = detections.data["class_name"]
    return {str(name): int(cid) for name, cid in zip(names, detections.class_id, strict=True)}


def test_item18_a_label_has_the_same_class_id_in_every_result() -> None:
    pytest.importorskip("supervision")
    first = _class_ids(_result("dog", "cat"))
    second = _class_ids(_result("dog", "zebra"))
    third = _class_ids(_result("zebra", "aardvark", "dog"))
    assert first["dog"] == second["dog"] == third["dog"]
    assert second["zebra"] == third["zebra"]
    assert len({first["dog"], first["cat"], second["zebra"], third["aardvark"]}) == 4


def test_item18_class_ids_mapping_or_class_list_is_applied() -> None:
    pytest.importorskip("supervision")
    mapping = {"cat": 0, "dog": 1, "zebra": 7}
    assert _class_ids(_result("dog", "cat"), class_ids=mapping) == {"dog": 1, "cat": 0}
    assert _class_ids(_result("zebra", "dog"), class_ids=mapping) == {"zebra": 7, "dog": 1}
    classes = ["person", "dog", "cat"]  # supervision's own convention: the index is the id
    assert _class_ids(_result("cat", "dog"), class_ids=classes) == {"cat": 2, "dog": 1}
    with pytest.raises(ValueError, match=r"not in class_ids: \['horse'\]"):
        _result("dog", "horse").to_supervision(class_ids=mapping)


def _coco_ids(result: DetectionResult, **kwargs: object) -> dict[str, int]:
    coco = result.to_coco(**kwargs)  # type: ignore[arg-type]
    named = {c["id"]: c["name"] for c in coco["categories"]}
    return {named[a["category_id"]]: a["category_id"] for a in coco["annotations"]}


def test_to_coco_gives_a_label_the_same_category_id_in_every_result() -> None:
    first = _coco_ids(_result("dog", "cat"))
    second = _coco_ids(_result("dog", "zebra"))
    third = _coco_ids(_result("zebra", "aardvark", "dog"))
    assert first["dog"] == second["dog"] == third["dog"] == label_class_id("dog")
    assert second["zebra"] == third["zebra"]
    assert len({first["dog"], first["cat"], second["zebra"], third["aardvark"]}) == 4


def test_to_coco_takes_a_mapping_or_a_class_list_as_to_supervision_does() -> None:
    mapping = {"cat": 1, "dog": 2, "zebra": 7}
    assert _coco_ids(_result("dog", "cat"), category_ids=mapping) == {"dog": 2, "cat": 1}
    classes = ["person", "dog", "cat"]
    assert _coco_ids(_result("cat", "dog"), category_ids=classes) == {"cat": 2, "dog": 1}
    with pytest.raises(ValueError, match="horse"):
        _result("dog", "horse").to_coco(category_ids=mapping)


# ------------------------------------------------------------------ item 19: draw on a path


def _photo(path: Path, size: tuple[int, int] = (W, H), *, orientation: int | None = None) -> Path:
    image = Image.new("RGB", size, (255, 255, 255))
    exif = Image.Exif()
    if orientation is not None:
        exif[0x0112] = orientation
    image.save(path, format="JPEG", quality=95, exif=exif.tobytes())
    return path


def test_item19_draw_accepts_a_path_as_the_readme_shows(tmp_path: Path) -> None:
    path = _photo(tmp_path / "kitchen.jpg")
    result = _result("glass")
    drawn = result.draw(str(path))
    assert drawn.size == (W, H)
    assert np.array_equal(np.asarray(drawn), np.asarray(result.draw(path)))  # str or Path
    with Image.open(path) as opened:
        assert np.array_equal(np.asarray(drawn), np.asarray(result.draw(opened.convert("RGB"))))
    colour = np.array(color_for_label("glass", ["glass"]))
    assert np.abs(np.asarray(drawn)[80, 20].astype(int) - colour).max() <= 40  # JPEG noise


def test_item19_draw_on_a_rotated_jpeg_path_draws_on_the_upright_picture(tmp_path: Path) -> None:
    # Stored 300x400 with orientation 6 (rotate 90): upright, it is 400x300 like the result.
    path = _photo(tmp_path / "rotated.jpg", (H, W), orientation=6)
    drawn = _result("glass").draw(path)
    assert drawn.size == (W, H)


def test_item19_draw_scales_to_a_proportional_copy() -> None:
    result = _result("glass")
    half = result.draw(Image.new("RGB", (W // 2, H // 2), (255, 255, 255)))
    colour = color_for_label("glass", ["glass"])
    assert tuple(np.asarray(half)[40, 10]) == colour  # (20, 80) halved: the left edge


@pytest.mark.parametrize("size", [(H, W), (W, W), (W + 100, H)])
def test_item19_draw_refuses_an_image_of_another_shape(size: tuple[int, int]) -> None:
    with pytest.raises(ValueError, match=r"is \d+x\d+ but the result is for a 400x300 image"):
        _result("glass").draw(Image.new("RGB", size, (255, 255, 255)))


def test_item19_draw_of_a_missing_file_says_so(tmp_path: Path) -> None:
    from langchain_gemini_vision.errors import ImageInputError

    with pytest.raises(ImageInputError, match="no such file"):
        _result("glass").draw(str(tmp_path / "missing.jpg"))


def test_item19_draw_on_encoded_bytes_applies_the_orientation() -> None:
    buffer = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6
    Image.new("RGB", (H, W), (255, 255, 255)).save(buffer, format="JPEG", exif=exif.tobytes())
    assert _result("glass").draw(buffer.getvalue()).size == (W, H)
