"""Every task, both APIs, sync and async, replayed from cassettes.

The cassettes were recorded from the local emulator (each response carries an
``x-emulator`` header); see ``tests/integration/conftest.py`` to re-record.
"""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel, Field

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.geometry import iou_xyxy as _iou

from .conftest import asset

pytestmark = pytest.mark.vcr


def _assert_inside(result: Any) -> None:
    for d in result:
        x0, y0, x1, y1 = d.box
        assert 0 <= x0 < x1 <= result.image_width
        assert 0 <= y0 < y1 <= result.image_height


def test_caption(vision_client: GeminiVisionClient) -> None:
    caption = vision_client.caption(asset("scene_wide.png"))
    assert caption.text
    assert caption.usage.input_tokens > 0


@pytest.mark.emulator_only
def test_caption_names_the_objects(
    vision_client: GeminiVisionClient, truth: dict[str, Any]
) -> None:
    caption = vision_client.caption(asset("scene_wide.png"))
    for obj in truth["scene_wide.png"]["objects"]:
        assert obj["label"] in caption.text


async def test_detect_async(vision_client: GeminiVisionClient, truth: dict[str, Any]) -> None:
    result = await vision_client.adetect(asset("scene_tall.jpg"))
    _assert_inside(result)
    assert (result.image_width, result.image_height) == (180, 280)


@pytest.mark.emulator_only
@pytest.mark.parametrize("name", ["scene_wide.png", "scene_tall.jpg", "scene_rotated.jpg"])
def test_detect_matches_truth(
    vision_client: GeminiVisionClient, truth: dict[str, Any], name: str
) -> None:
    result = vision_client.detect(asset(name))
    expected = truth[name]
    assert (result.image_width, result.image_height) == (expected["width"], expected["height"])
    assert len(result) == len(expected["objects"])
    for obj in expected["objects"]:
        best = max(_iou(d.box, obj["box"]) for d in result if d.label == obj["label"])
        assert best >= 0.9, obj


@pytest.mark.emulator_only
def test_detect_with_query(vision_client: GeminiVisionClient) -> None:
    result = vision_client.detect(asset("pair_after.png"), query="green objects")
    assert [d.label for d in result] == ["green triangle"]


def test_segment(vision_client: GeminiVisionClient) -> None:
    result = vision_client.segment(asset("scene_wide.png"))
    _assert_inside(result)
    assert len(result) > 0


@pytest.mark.emulator_only
def test_segment_masks_cover_the_objects(vision_client: GeminiVisionClient) -> None:
    result = vision_client.segment(asset("pair_after.png"))
    assert len(result) == 3
    for d in result:
        assert d.mask is not None, result.warnings
        assert d.mask.area > 0.3 * d.area


def test_compare(vision_client: GeminiVisionClient) -> None:
    comparison = vision_client.compare([asset("pair_before.png"), asset("pair_after.png")])
    assert comparison.summary
    assert comparison.differences


@pytest.mark.emulator_only
async def test_compare_names_what_changed(vision_client: GeminiVisionClient) -> None:
    comparison = await vision_client.acompare([asset("pair_before.png"), asset("pair_after.png")])
    text = " ".join(comparison.differences).lower()
    assert "green triangle" in text
    assert "blue square" in text


def test_ask_free_text(vision_client: GeminiVisionClient) -> None:
    answer = vision_client.ask(asset("pair_after.png"), "How many objects are in this image?")
    assert answer.text
    assert answer.data is None


class Census(BaseModel):
    count: int = Field(description="How many objects are in the image.")


class Presence(BaseModel):
    present: bool = Field(description="Whether the asked-for object is in the image.")


@pytest.mark.emulator_only
def test_ask_structured(vision_client: GeminiVisionClient) -> None:
    answer = vision_client.ask(
        asset("pair_after.png"), "How many objects are in this image?", schema=Census
    )
    assert isinstance(answer.data, Census)
    assert answer.data.count == 3


@pytest.mark.emulator_only
@pytest.mark.parametrize(
    ("question", "expected"), [("a green triangle", True), ("a red square", False)]
)
def test_ask_classification(
    vision_client: GeminiVisionClient, question: str, expected: bool
) -> None:
    answer = vision_client.ask(
        [asset("pair_after.png")], f"Is there {question} in this image?", schema=Presence
    )
    assert isinstance(answer.data, Presence)
    assert answer.data.present is expected
