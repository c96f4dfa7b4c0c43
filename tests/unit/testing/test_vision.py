"""The pixel "model": shapes found, boxes and masks against ground truth, comparisons."""

from __future__ import annotations

import pytest

from langchain_gemini_vision.testing import SceneObject, analyse_image, make_noise_image, make_scene
from langchain_gemini_vision.testing.descriptions import caption, compare
from langchain_gemini_vision.testing.scenes import ImageFormat
from langchain_gemini_vision.testing.vision import ImageDecodeError

from .helpers import box_2d_to_xyxy, box_iou, mask_iou, png_mask_to_full, polygon_to_full

SIZES = [(640, 360), (300, 500)]


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
@pytest.mark.parametrize(("width", "height"), SIZES)
def test_every_object_is_found_with_its_box_and_masks(
    fmt: ImageFormat, width: int, height: int
) -> None:
    for seed in range(3):
        scene = make_scene(width, height, 5, seed=seed, format=fmt, quality=85)
        analysis = analyse_image(scene.data)
        assert sorted(o.label for o in analysis.objects) == sorted(o.label for o in scene.objects)
        assert analysis.background == "white"
        for obj in analysis.objects:
            box = box_2d_to_xyxy(analysis.box_2d(obj), width, height)
            truth = max(
                (t for t in scene.objects if t.label == obj.label),
                key=lambda t: box_iou(box, t.box),
            )
            assert box_iou(box, truth.box) >= 0.9
            item_png = {"box_2d": analysis.box_2d(obj), "mask": analysis.png_mask(obj)}
            assert mask_iou(png_mask_to_full(item_png, width, height), truth.mask) >= 0.9
            polygon = analysis.polygon(obj)
            assert 3 <= len(polygon) <= 96
            item_poly = {"box_2d": analysis.box_2d(obj), "mask": polygon}
            assert mask_iou(polygon_to_full(item_poly, width, height), truth.mask) >= 0.9


def test_large_images_are_analysed_downscaled_with_the_same_normalised_boxes() -> None:
    scene = make_scene(2400, 1350, 4, seed=5)
    analysis = analyse_image(scene.data)
    assert (analysis.width, analysis.height) == (2400, 1350)
    assert analysis.frame_width == 1024
    for obj in analysis.objects:
        box = box_2d_to_xyxy(analysis.box_2d(obj), 2400, 1350)
        assert max(box_iou(box, t.box) for t in scene.objects if t.label == obj.label) >= 0.9


@pytest.mark.parametrize("fmt", ["PNG", "JPEG"])
def test_noise_and_plain_images_have_no_objects(fmt: ImageFormat) -> None:
    for seed in range(3):
        noise = analyse_image(make_noise_image(320, 240, seed=seed, format=fmt).data)
        assert noise.objects == ()
        assert caption(noise).startswith("No distinct objects found")
    plain = analyse_image(make_scene(100, 100, [], background="blue").data)
    assert plain.objects == ()
    assert caption(plain) == "No distinct objects found: the image shows only a blue background."


def test_caption_lists_count_colours_shapes_and_positions() -> None:
    scene = make_scene(
        600,
        600,
        [
            SceneObject("circle", "red", (20, 20, 120, 120)),
            SceneObject("square", "blue", (250, 250, 350, 350)),
            SceneObject("triangle", "green", (480, 480, 580, 580)),
        ],
    )
    assert caption(analyse_image(scene.data)) == (
        "3 objects on a white background: a red circle at the top left, "
        "a blue square in the center and a green triangle at the bottom right."
    )


def test_comparison_names_added_removed_moved_and_recoloured() -> None:
    before = make_scene(
        600,
        400,
        [
            SceneObject("circle", "red", (20, 20, 100, 100)),
            SceneObject("square", "blue", (250, 150, 330, 230)),
            SceneObject("triangle", "green", (480, 300, 560, 380)),
            SceneObject("rectangle", "orange", (20, 300, 156, 380)),
        ],
    )
    after = make_scene(
        600,
        400,
        [
            SceneObject("circle", "red", (450, 20, 530, 100)),  # moved
            SceneObject("square", "yellow", (250, 150, 330, 230)),  # recoloured
            SceneObject("rectangle", "orange", (20, 300, 156, 380)),  # unchanged
            SceneObject("circle", "purple", (250, 300, 330, 380)),  # added
        ],  # the green triangle is gone
    )
    result = compare([analyse_image(before.data), analyse_image(after.data)])
    kinds = {c.kind: c for c in result.changes}
    assert set(kinds) == {"added", "removed", "moved", "recolored"}
    assert kinds["moved"].label == "red circle"
    assert kinds["moved"].description == "The red circle moved from the top left to the top right."
    assert kinds["recolored"].description.endswith("changed colour from blue to yellow.")
    assert kinds["removed"].label == "green triangle"
    assert kinds["added"].label == "purple circle"
    assert "The orange rectangle at the bottom left is in both images." in result.similarities
    same = compare([analyse_image(before.data), analyse_image(before.data)])
    assert same.changes == []
    assert same.summary.startswith("No differences found")


def test_undecodable_bytes_raise() -> None:
    with pytest.raises(ImageDecodeError):
        analyse_image(b"\x89PNG\r\n\x1a\nnot really")
