"""Every task end to end on the emulator's scenes, both APIs, against ground truth.

Boxes and masks must reach IoU >= 0.9 with what was drawn, for non-square
images, an EXIF-rotated JPEG, and an image downscaled before sending (results
are mapped back to the original pixels).
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from langchain_gemini_vision import GeminiVisionClient, ModelProfile
from langchain_gemini_vision.geometry import iou_xyxy
from langchain_gemini_vision.testing import GeminiEmulator, Scene, SceneObject, make_scene


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emu:
        yield emu


@pytest.fixture(params=["interactions", "generate_content"])
def api(request: pytest.FixtureRequest) -> str:
    return str(request.param)


SCENES = {
    "wide-png": lambda: make_scene(640, 360, objects=3, seed=41),
    "tall-jpeg": lambda: make_scene(300, 500, objects=3, seed=42, format="JPEG"),
    "exif-rotated-jpeg": lambda: make_scene(
        480, 320, objects=3, seed=43, format="JPEG", exif_orientation=6
    ),
    "mirrored-png": lambda: make_scene(400, 260, objects=2, seed=44, exif_orientation=2),
    "webp": lambda: make_scene(360, 240, objects=2, seed=45, format="WEBP"),
}


def _mask_iou(mask: np.ndarray, truth: np.ndarray) -> float:
    inter = np.logical_and(mask, truth).sum()
    union = np.logical_or(mask, truth).sum()
    return float(inter / union)


def _check_boxes(result: object, scene: Scene) -> None:
    detections = list(result)  # type: ignore[call-overload]
    assert len(detections) == len(scene.objects)
    for truth in scene.objects:
        same_label = [d for d in detections if d.label == truth.label]
        assert same_label, f"{truth.label} not found in {[d.label for d in detections]}"
        assert max(iou_xyxy(d.box, truth.box) for d in same_label) >= 0.9, truth.label


@pytest.mark.parametrize("name", list(SCENES))
def test_detect_matches_truth(emulator: GeminiEmulator, api: str, name: str) -> None:
    scene = SCENES[name]()
    with GeminiVisionClient(api_key="k", base_url=emulator.base_url, api=api) as client:  # type: ignore[arg-type]
        result = client.detect(scene.data)
    assert (result.image_width, result.image_height) == scene.image.size
    _check_boxes(result, scene)


@pytest.mark.parametrize("mask_form", ["polygon", "png"])
@pytest.mark.parametrize("name", ["wide-png", "exif-rotated-jpeg", "tall-jpeg"])
def test_segment_masks_match_truth(
    emulator: GeminiEmulator, api: str, name: str, mask_form: str
) -> None:
    scene = SCENES[name]()
    profile = ModelProfile(family="test", low_thinking_level="minimal", mask_form=mask_form)  # type: ignore[arg-type]
    with GeminiVisionClient(
        api_key="k",
        base_url=emulator.base_url,
        api=api,
        profile=profile,  # type: ignore[arg-type]
    ) as client:
        result = client.segment(scene.data)
    _check_boxes(result, scene)
    for truth in scene.objects:
        detection = next(d for d in result if d.label == truth.label)
        assert detection.mask is not None, result.warnings
        assert _mask_iou(detection.mask.to_full(), truth.mask) >= 0.9, truth.label


def test_gemini_25_png_masks(emulator: GeminiEmulator, api: str) -> None:
    scene = make_scene(500, 300, objects=3, seed=46)
    with GeminiVisionClient(
        api_key="k",
        base_url=emulator.base_url,
        api=api,
        model="gemini-2.5-flash",  # type: ignore[arg-type]
    ) as client:
        result = client.segment(scene.data)
    for truth in scene.objects:
        detection = next(d for d in result if d.label == truth.label)
        assert detection.mask is not None
        assert _mask_iou(detection.mask.to_full(), truth.mask) >= 0.9


def test_model_without_masks_gives_boxes_and_a_warning(emulator: GeminiEmulator) -> None:
    scene = make_scene(400, 300, objects=2, seed=47)
    with GeminiVisionClient(api_key="k", base_url=emulator.base_url, model="gemini-2.0-flash") as c:
        result = c.segment(scene.data)
    _check_boxes(result, scene)
    assert all(d.mask is None for d in result)
    assert any("mask" in w for w in result.warnings)


@pytest.mark.parametrize("max_side", [320, 200])
def test_downscaled_image_maps_back_to_original_pixels(
    emulator: GeminiEmulator, api: str, max_side: int
) -> None:
    scene = make_scene(960, 540, objects=3, seed=48)
    with GeminiVisionClient(
        api_key="k",
        base_url=emulator.base_url,
        api=api,
        max_side=max_side,  # type: ignore[arg-type]
    ) as client:
        prepared = client.prepare(scene.data)
        assert prepared.downscaled and max(prepared.width or 0, prepared.height or 0) == max_side
        result = client.segment(scene.data)
    assert (result.image_width, result.image_height) == (960, 540)
    _check_boxes(result, scene)
    for truth in scene.objects:
        detection = next(d for d in result if d.label == truth.label)
        assert detection.mask is not None
        assert _mask_iou(detection.mask.to_full(), truth.mask) >= 0.85


def test_detection_narrowed_by_query(emulator: GeminiEmulator, api: str) -> None:
    scene = make_scene(
        500,
        300,
        objects=[
            SceneObject("circle", "green", (20, 20, 100, 100)),
            SceneObject("square", "red", (200, 40, 280, 120)),
            SceneObject("triangle", "green", (340, 150, 440, 250)),
        ],
    )
    with GeminiVisionClient(api_key="k", base_url=emulator.base_url, api=api) as client:  # type: ignore[arg-type]
        green = client.detect(scene.data, query="green objects")
        one = client.detect(scene.data, max_objects=1)
    assert sorted(d.label for d in green) == ["green circle", "green triangle"]
    assert len(one) == 1


def test_comparison_names_what_changed(emulator: GeminiEmulator, api: str) -> None:
    before = make_scene(
        400,
        240,
        objects=[
            SceneObject("circle", "red", (20, 20, 80, 80)),
            SceneObject("square", "blue", (200, 60, 260, 120)),
            SceneObject("triangle", "yellow", (300, 150, 360, 210)),
        ],
    )
    after = make_scene(
        400,
        240,
        objects=[
            SceneObject("circle", "red", (20, 20, 80, 80)),
            SceneObject("square", "blue", (100, 140, 160, 200)),
            SceneObject("circle", "green", (300, 20, 360, 80)),
        ],
    )
    with GeminiVisionClient(api_key="k", base_url=emulator.base_url, api=api) as client:  # type: ignore[arg-type]
        comparison = client.compare([before.data, after.data])
    differences = " ".join(comparison.differences).lower()
    assert "yellow triangle" in differences  # removed
    assert "green circle" in differences  # added
    assert "blue square" in differences  # moved
    assert any("red circle" in s.lower() for s in comparison.similarities)


def test_caption_and_question(emulator: GeminiEmulator, api: str) -> None:
    scene = make_scene(
        400,
        240,
        objects=[
            SceneObject("circle", "red", (20, 20, 80, 80)),
            SceneObject("circle", "red", (300, 150, 360, 210)),
            SceneObject("square", "blue", (200, 60, 260, 120)),
        ],
    )
    with GeminiVisionClient(api_key="k", base_url=emulator.base_url, api=api) as client:  # type: ignore[arg-type]
        caption = client.caption(scene.data)
        answer = client.ask(scene.data, "How many red circles are there?")
        schema = {
            "type": "object",
            "properties": {"count": {"type": "integer"}},
            "required": ["count"],
        }
        structured = client.ask(scene.data, "How many red circles are there?", schema=schema)
    assert "3 objects" in caption.text
    assert "2" in answer.text
    assert structured.data == {"count": 2}


def test_no_objects_is_an_empty_result_not_an_error(emulator: GeminiEmulator) -> None:
    from langchain_gemini_vision.testing import make_noise_image

    with GeminiVisionClient(api_key="k", base_url=emulator.base_url) as client:
        result = client.detect(make_noise_image(200, 150).data)
    assert len(result) == 0
    assert not result.truncated


def test_answer_cut_at_the_output_limit_keeps_complete_items(
    emulator: GeminiEmulator, api: str
) -> None:
    from langchain_gemini_vision._transport.base import VisionRequest
    from langchain_gemini_vision.tasks import detect

    scene = make_scene(640, 360, objects=4, seed=49)
    with GeminiVisionClient(api_key="k", base_url=emulator.base_url, api=api) as client:  # type: ignore[arg-type]
        image = client.prepare(scene.data)
        full = detect.build_request(image)
        cut = VisionRequest(**{**full.model_dump(), "images": full.images, "max_output_tokens": 40})
        response = client.generate(cut)
    assert response.truncated
    result = detect.parse_response(response, image)
    assert result.truncated
    assert 0 < len(result) < len(scene.objects)
    for d in result:
        truth = next(o for o in scene.objects if o.label == d.label)
        assert iou_xyxy(d.box, truth.box) >= 0.9
