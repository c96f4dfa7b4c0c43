"""The scene generator: ground truth matches the pixels, EXIF stores the upright scene."""

from __future__ import annotations

import io

import numpy as np
import pytest
from PIL import Image, ImageOps

from langchain_gemini_vision.testing import SceneObject, make_noise_image, make_scene
from langchain_gemini_vision.testing._palette import PALETTE
from langchain_gemini_vision.testing.scenes import ImageFormat


def test_objects_are_drawn_where_the_truth_says() -> None:
    scene = make_scene(640, 360, 5, seed=7)
    pixels = np.asarray(scene.image)
    assert len(scene.objects) == 5
    for obj in scene.objects:
        x0, y0, x1, y1 = obj.box
        ys, xs = np.nonzero(obj.mask)
        assert (xs.min(), ys.min(), xs.max() + 1, ys.max() + 1) == (x0, y0, x1, y1)
        assert (pixels[obj.mask] == PALETTE[obj.color]).all()
        assert obj.label == f"{obj.color} {obj.shape}"
    union = np.zeros((360, 640), dtype=int)
    for obj in scene.objects:
        union += obj.mask
    assert union.max() == 1  # no overlap


def test_seed_makes_scenes_reproducible() -> None:
    assert make_scene(300, 500, seed=3).data == make_scene(300, 500, seed=3).data
    assert make_scene(300, 500, seed=3).data != make_scene(300, 500, seed=4).data


def test_explicit_objects_and_formats() -> None:
    specs = [
        SceneObject("circle", "red", (10, 10, 60, 60)),
        SceneObject("triangle", "blue"),
    ]
    formats: list[tuple[ImageFormat, bytes]] = [
        ("PNG", b"\x89PNG"),
        ("JPEG", b"\xff\xd8"),
        ("WEBP", b"RIFF"),
    ]
    for fmt, magic in formats:
        scene = make_scene(200, 150, specs, format=fmt, background="gray")
        assert scene.data.startswith(magic)
        assert scene.objects[0].box == (10, 10, 60, 60)
        assert [o.label for o in scene.objects] == ["red circle", "blue triangle"]
        assert scene.background == "gray"


@pytest.mark.parametrize("orientation", [2, 3, 4, 5, 6, 7, 8])
def test_exif_orientation_transposes_back_to_the_upright_scene(orientation: int) -> None:
    scene = make_scene(320, 200, 3, seed=1, exif_orientation=orientation)
    stored = Image.open(io.BytesIO(scene.data))
    assert stored.getexif()[0x0112] == orientation
    if orientation >= 5:
        assert stored.size == (200, 320)  # stored sideways
    upright = ImageOps.exif_transpose(stored)
    assert upright.size == (320, 200)
    assert np.array_equal(np.asarray(upright.convert("RGB")), np.asarray(scene.image))


def test_noise_image_has_no_objects_and_too_many_objects_fail() -> None:
    noise = make_noise_image(64, 48, seed=2)
    assert noise.objects == []
    assert Image.open(io.BytesIO(noise.data)).size == (64, 48)
    with pytest.raises(ValueError, match="without overlap"):
        make_scene(60, 60, 40)
    with pytest.raises(ValueError, match="unknown colour"):
        make_scene(60, 60, [SceneObject("circle", "chartreuse")])
