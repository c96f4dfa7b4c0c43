"""End to end through the SDK: boxes and masks against the scene's ground truth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from google import genai
from google.genai import types

from langchain_gemini_vision.testing import SceneObject, make_scene
from langchain_gemini_vision.testing.scenes import ImageFormat, Scene

from .conftest import create
from .helpers import (
    b64,
    box_2d_to_xyxy,
    box_iou,
    load_items,
    mask_iou,
    png_mask_to_full,
    polygon_to_full,
)

CASES = [
    (fmt, width, height) for fmt in ("PNG", "JPEG") for width, height in ((640, 360), (300, 500))
]
BOX_ITEM: dict[str, Any] = {
    "type": "object",
    "properties": {
        "box_2d": {"type": "array", "items": {"type": "integer"}},
        "mask": {"type": "array", "items": {"type": "array", "items": {"type": "integer"}}},
        "label": {"type": "string"},
    },
    "required": ["box_2d", "mask", "label"],
}
POLYGON_SCHEMA = {
    "type": "object",
    "properties": {"boxes": {"type": "array", "items": BOX_ITEM}},
    "required": ["boxes"],
}


def _interaction_text(
    client: genai.Client, model: str, prompt: str, scene: Scene, **kw: Any
) -> str:
    result = create(
        client,
        model=model,
        input=[
            {"type": "text", "text": prompt},
            {"type": "image", "data": b64(scene.data), "mime_type": scene.mime_type},
        ],
        **kw,
    )
    return result.output_text or ""


def _match(scene: Scene, items: list[dict[str, Any]]) -> list[tuple[dict[str, Any], Any]]:
    assert sorted(i["label"] for i in items) == sorted(o.label for o in scene.objects)
    pairs = []
    for item in items:
        box = box_2d_to_xyxy(item["box_2d"], scene.width, scene.height)
        truth = max(
            (o for o in scene.objects if o.label == item["label"]),
            key=lambda o: box_iou(box, o.box),
        )
        assert box_iou(box, truth.box) >= 0.9, item
        pairs.append((item, truth))
    return pairs


@pytest.mark.parametrize(("fmt", "width", "height"), CASES)
def test_detection_boxes_match_ground_truth(
    client: genai.Client, fmt: ImageFormat, width: int, height: int
) -> None:
    scene = make_scene(width, height, 5, seed=21, format=fmt)
    text = _interaction_text(
        client, "gemini-3-flash-preview", "Detect all of the prominent items in the image.", scene
    )
    _match(scene, load_items(text))


@pytest.mark.parametrize(("fmt", "width", "height"), CASES)
def test_png_masks_match_ground_truth(
    client: genai.Client, fmt: ImageFormat, width: int, height: int
) -> None:
    scene = make_scene(width, height, 4, seed=22, format=fmt)
    contents: list[types.PartUnionDict] = [
        "Give the segmentation masks for the prominent items.",
        types.Part.from_bytes(data=scene.data, mime_type=scene.mime_type),
    ]
    response = client.models.generate_content(model="gemini-2.5-flash", contents=contents)
    text = response.text or ""
    assert text.startswith("```json\n")
    for item, truth in _match(scene, load_items(text)):
        assert mask_iou(png_mask_to_full(item, width, height), truth.mask) >= 0.9


@pytest.mark.parametrize(("fmt", "width", "height"), CASES)
def test_polygon_masks_match_ground_truth(
    client: genai.Client, fmt: ImageFormat, width: int, height: int
) -> None:
    scene = make_scene(width, height, 4, seed=23, format=fmt)
    text = _interaction_text(
        client,
        "gemini-3-flash-preview",
        "Give the segmentation masks for the prominent items.",
        scene,
        response_format={"type": "text", "mime_type": "application/json", "schema": POLYGON_SCHEMA},
    )
    value = json.loads(text)
    for item, truth in _match(scene, value["boxes"]):
        assert mask_iou(polygon_to_full(item, width, height), truth.mask) >= 0.9


NARROW_SCENE = make_scene(
    640,
    360,
    [
        SceneObject("circle", "green", (30, 30, 110, 110)),
        SceneObject("square", "red", (300, 140, 380, 220)),
        SceneObject("triangle", "green", (520, 240, 600, 320)),
        SceneObject("circle", "blue", (40, 250, 120, 330)),
    ],
)


@pytest.mark.parametrize(
    ("prompt", "labels"),
    [
        ("Show bounding boxes of all green objects in this image.", ["green circle", "green triangle"]),
        ("Detect the circles.", ["green circle", "blue circle"]),
        ("Detect the red square.", ["red square"]),
        ("Detect all of the prominent items in the image. Return at most 2 items.",
         ["green circle", "red square"]),
        ("Detect the purple objects.", []),
    ],
)  # fmt: skip
def test_detection_is_narrowed_by_the_prompt(
    client: genai.Client, prompt: str, labels: list[str]
) -> None:
    text = _interaction_text(client, "gemini-3-flash-preview", prompt, NARROW_SCENE)
    assert [i["label"] for i in load_items(text)] == labels


def test_comparison_names_what_changed(client: genai.Client) -> None:
    after = make_scene(
        640,
        360,
        [
            SceneObject("circle", "green", (30, 30, 110, 110)),
            SceneObject("square", "red", (300, 140, 380, 220)),
            SceneObject("triangle", "yellow", (520, 240, 600, 320)),
        ],  # blue circle removed, green triangle turned yellow
    )
    schema = {
        "type": "object",
        "properties": {
            "summary": {"type": "string"},
            "differences": {"type": "array", "items": {"type": "string"}},
            "similarities": {"type": "array", "items": {"type": "string"}},
        },
        "required": ["summary", "differences", "similarities"],
    }
    result = create(
        client,
        model="gemini-3-flash-preview",
        input=[
            {"type": "text", "text": "Compare these images."},
            {"type": "image", "data": b64(NARROW_SCENE.data), "mime_type": "image/png"},
            {"type": "image", "data": b64(after.data), "mime_type": "image/png"},
        ],
        response_format={"type": "text", "mime_type": "application/json", "schema": schema},
    )
    value = json.loads(result.output_text or "")
    assert value["differences"] == [
        "The triangle at the bottom right changed colour from green to yellow.",
        "The blue circle at the bottom left was removed.",
    ]
    assert "The green circle at the top left is in both images." in value["similarities"]
    assert value["summary"].startswith("2 differences:")


def test_noise_image_detection_is_an_empty_list(client: genai.Client) -> None:
    from langchain_gemini_vision.testing import make_noise_image

    noise = make_noise_image(320, 240, format="JPEG")
    text = _interaction_text(client, "gemini-3-flash-preview", "Detect all objects.", noise)
    assert json.loads(text) == []
    caption = _interaction_text(client, "gemini-3-flash-preview", "Caption this image.", noise)
    assert caption.startswith("No distinct objects found")
