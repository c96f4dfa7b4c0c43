"""Segmentation: boxes with masks, as PNG probability maps or polygons, thinking turned down."""

from __future__ import annotations

from collections.abc import Sequence

from pydantic import BaseModel, ConfigDict, Field

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.masks import DEFAULT_MAX_MASK_BYTES
from langchain_gemini_vision.parsing import DEFAULT_MAX_ITEMS
from langchain_gemini_vision.profiles import ModelProfile
from langchain_gemini_vision.prompts import DEFAULT_PROMPTS, Prompts, segmentation_schema
from langchain_gemini_vision.results import DetectionResult

from . import detect
from .task import Task, TaskContext

__all__ = ["NO_MASKS_WARNING", "SEGMENT", "SegmentOptions", "build_request", "parse_response"]

NO_MASKS_WARNING = (
    "the model returned no masks (its profile says it does not segment); boxes are kept"
)


def build_request(
    image: PreparedImage,
    *,
    query: str | None = None,
    profile: ModelProfile,
    prompts: Prompts | None = None,
) -> VisionRequest:
    """Ask for masks in the form the model's profile gives (polygons or PNG maps)."""
    texts = prompts or DEFAULT_PROMPTS
    text = texts.segment.format(query=(query or "").strip() or texts.segment_default_query)
    return VisionRequest(
        prompt=text,
        images=(image,),
        response_schema=segmentation_schema(profile.mask_form),
        thinking="low",
    )


def parse_response(
    response: VisionResponse,
    image: PreparedImage,
    *,
    profile: ModelProfile,
    mask_threshold: int = 127,
    max_items: int = DEFAULT_MAX_ITEMS,
    max_mask_bytes: int = DEFAULT_MAX_MASK_BYTES,
) -> DetectionResult:
    """Read boxes and decode masks; a model without masks gives boxes and a warning."""
    result = detect.parse_response(
        response,
        image,
        mask_threshold=mask_threshold,
        expect_masks=True,
        max_items=max_items,
        max_mask_bytes=max_mask_bytes,
    )
    if result.detections and all(d.mask is None for d in result.detections):
        reason = NO_MASKS_WARNING if profile.mask_form == "none" else "the model returned no masks"
        if not any("mask" in w for w in result.warnings):
            return result.model_copy(update={"warnings": [*result.warnings, reason]})
    return result


class SegmentOptions(BaseModel):
    """What a segmentation takes besides its image."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    query: str | None = Field(
        default=None,
        description="What to segment, e.g. 'the cars'. Omit to segment all prominent objects.",
    )


class _Segment(Task[SegmentOptions, DetectionResult]):
    """Find objects with their masks (PNG maps or polygons, as the model gives them)."""

    name = "segment"
    options = SegmentOptions
    result = DetectionResult
    needs_pixels = True
    text_option = "query"
    tool_name = "gemini_segment_objects"
    tool_description = (
        "Outline objects in an image: each one's label, bounding box in pixels and "
        "segmentation mask. Use it when the exact shape or area of objects matters. Pass "
        "the image by reference (an image id like 'img_1', a URL or a Files API name)."
    )
    annotates = True

    def build(
        self, images: Sequence[PreparedImage], options: SegmentOptions, context: TaskContext
    ) -> VisionRequest:
        return build_request(
            images[0], query=options.query, profile=context.profile, prompts=context.prompts
        )

    def parse(
        self,
        response: VisionResponse,
        images: Sequence[PreparedImage],
        options: SegmentOptions,
        context: TaskContext,
    ) -> DetectionResult:
        return parse_response(
            response,
            images[0],
            profile=context.profile,
            mask_threshold=context.mask_threshold,
            max_items=context.max_detection_items,
            max_mask_bytes=context.max_mask_bytes,
        )

    def tool_text(self, result: DetectionResult) -> str:
        return detect.detection_text(result)


SEGMENT = _Segment()
"""The segmentation task."""
