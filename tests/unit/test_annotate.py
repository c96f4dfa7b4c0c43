"""Drawing: boxes change the pixels they cover, labels are legible, masks tint box-locally."""

from __future__ import annotations

import io
from typing import Any

import numpy as np
import pytest
from PIL import Image

from langchain_gemini_vision.annotate import PALETTE, color_for_label, draw_detections
from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.masks import Mask
from langchain_gemini_vision.results import Detection, DetectionResult

W, H = 400, 300


def _result(*, with_mask: bool = False) -> DetectionResult:
    mask = None
    if with_mask:
        local = np.zeros((100, 100), dtype=bool)
        local[25:75, 25:75] = True
        mask = Mask(local, (250, 150), (W, H))
    return DetectionResult(
        detections=[
            Detection(
                label="cat", box_2d=(0, 0, 1, 1), box=(50.0, 100.0, 150.0, 200.0), score=0.75
            ),
            Detection(
                label="dog", box_2d=(0, 0, 1, 1), box=(250.0, 150.0, 350.0, 250.0), mask=mask
            ),
        ],
        image_width=W,
        image_height=H,
    )


def _arr(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("RGB")).astype(int)


def test_boxes_change_pixels_on_their_edges_only() -> None:
    base = Image.new("RGB", (W, H), (255, 255, 255))
    out = _arr(draw_detections(base, _result()))
    cat = color_for_label("cat", ["cat", "dog"])
    assert tuple(out[150, 50]) == cat  # left edge of the cat box
    assert tuple(out[150, 100]) == (255, 255, 255)  # inside stays untouched
    assert tuple(out[20, 380]) == (255, 255, 255)  # far from any box
    assert np.asarray(base).min() == 255  # the input is not modified


def test_label_is_drawn_on_a_filled_background_with_contrasting_text() -> None:
    out = _arr(draw_detections(Image.new("RGB", (W, H), (255, 255, 255)), _result()))
    cat = np.array(color_for_label("cat", ["cat", "dog"]))
    # The label sits just above the cat box (y < 100), starting at its left edge.
    strip = out[70:100, 50:150]
    filled = (strip == cat).all(axis=2)
    assert filled.sum() > 200  # a background patch in the label colour
    text_pixels = (np.abs(strip - cat).sum(axis=2) > 150).sum()
    assert text_pixels > 20  # glyphs in a contrasting colour on that patch


def test_mask_tints_only_mask_pixels() -> None:
    base = Image.new("RGB", (W, H), (255, 255, 255))
    out = _arr(draw_detections(base, _result(with_mask=True), mask_alpha=0.5))
    dog = np.array(color_for_label("dog", ["cat", "dog"]))
    inside = out[200, 300]  # mask centre
    expected = np.round(0.5 * dog + 0.5 * 255)
    assert np.abs(inside - expected).max() <= 2
    assert tuple(out[160, 260]) == (255, 255, 255)  # in the box, outside the mask
    no_tint = _arr(draw_detections(base, _result(with_mask=True), mask_alpha=0.0))
    assert tuple(no_tint[200, 300]) == (255, 255, 255)


@pytest.mark.parametrize("mode", ["RGB", "RGBA", "L", "P"])
def test_input_modes(mode: str) -> None:
    base = Image.new(mode, (W, H), 200 if mode in {"L", "P"} else (200, 200, 200, 255)[: len(mode)])
    out = draw_detections(base, _result(with_mask=True))
    assert out.size == (W, H)
    assert out.mode == ("RGBA" if mode == "RGBA" else "RGB")
    assert (np.asarray(out.convert("RGB")) != np.asarray(base.convert("RGB"))).any()


@pytest.mark.parametrize("kind", ["bytes", "array", "bool-array"])
def test_input_types(kind: str) -> None:
    image = Image.new("RGB", (W, H), (10, 20, 30))
    source: Any
    if kind == "bytes":
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        source = buffer.getvalue()
    elif kind == "array":
        source = np.asarray(image)
    else:
        source = np.zeros((H, W), dtype=bool)
    out = draw_detections(source, _result())
    assert out.size == (W, H)
    cat = color_for_label("cat", ["cat", "dog"])
    assert tuple(np.asarray(out.convert("RGB"))[150, 50]) == cat


def test_smaller_image_scales_boxes() -> None:
    out = _arr(
        draw_detections(
            Image.new("RGB", (W // 2, H // 2), (255, 255, 255)), _result(with_mask=True)
        )
    )
    cat = color_for_label("cat", ["cat", "dog"])
    assert tuple(out[75, 25]) == cat  # (50, 150) halved
    assert tuple(out[100, 150]) != (255, 255, 255)  # mask centre (300, 200) halved is tinted


def test_palette_colours_are_distinct_per_label() -> None:
    labels = [f"label{i}" for i in range(len(PALETTE))]
    assert len({color_for_label(label, labels) for label in labels}) == len(PALETTE)


def test_result_draw_delegates() -> None:
    base = Image.new("RGB", (W, H), (255, 255, 255))
    assert np.array_equal(_arr(_result().draw(base)), _arr(draw_detections(base, _result())))


def test_rejects_unknown_input() -> None:
    with pytest.raises(TypeError, match="cannot draw"):
        draw_detections(42, _result())  # type: ignore[arg-type]
    with pytest.raises(ImageInputError, match="not an image"):
        draw_detections("not an image", _result())  # a string is a path, a URL or base64
