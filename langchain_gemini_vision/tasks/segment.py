"""Segmentation: boxes with masks, as PNG probability maps or polygons, thinking turned down."""

from __future__ import annotations

from typing import Any

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.masks import DEFAULT_MAX_MASK_BYTES
from langchain_gemini_vision.parsing import DEFAULT_MAX_ITEMS
from langchain_gemini_vision.profiles import ModelProfile, answered_by_another, profile_for
from langchain_gemini_vision.prompts import DEFAULT_PROMPTS, Prompts, segmentation_schema
from langchain_gemini_vision.results import DetectionResult

from . import detect
from .task import Task, TaskCall, TaskContext, TaskOptions

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
    asked_model: str = "",
) -> DetectionResult:
    """Read boxes and decode masks; a model without masks gives boxes and a warning.

    When another model answered than ``asked_model`` (a reroute) and its profile says
    it gives no masks, the warning names both.
    """
    result = detect.parse_response(
        response,
        image,
        mask_threshold=mask_threshold,
        expect_masks=True,
        max_items=max_items,
        max_mask_bytes=max_mask_bytes,
    )
    if not result.detections or any(d.mask is not None for d in result.detections):
        return result
    answered = response.model
    if answered_by_another(asked_model, answered) and not profile_for(answered).segmentation:
        reason = (
            f"no masks: masks were asked of {asked_model}, but {answered} answered and it "
            "gives no segmentation masks; boxes are kept"
        )
        return result.model_copy(update={"warnings": [*result.warnings, reason]})
    reason = NO_MASKS_WARNING if not profile.segmentation else "the model returned no masks"
    if not any("mask" in w for w in result.warnings):
        return result.model_copy(update={"warnings": [*result.warnings, reason]})
    return result


class SegmentOptions(TaskOptions):
    """What a segmentation takes besides its image."""

    query: str | None = None
    """What to segment, e.g. 'the cars'. Omit to segment all prominent objects."""


class _Segment(
    Task[SegmentOptions, DetectionResult], name="segment", tool="gemini_segment_objects"
):
    """Outline objects in an image: each one's label, bounding box in pixels and
    segmentation mask. Use it when the exact shape or area of objects matters. Pass the
    image by reference (an image id like 'img_1', a URL or a Files API name)."""

    needs_pixels = True
    text_option = "query"
    annotates = True

    def build(self, call: TaskCall[SegmentOptions]) -> VisionRequest:
        query, context = call.options.query, call.context
        return build_request(
            call.images[0], query=query, profile=context.profile, prompts=context.prompts
        )

    def parse(self, response: VisionResponse, call: TaskCall[SegmentOptions]) -> DetectionResult:
        return parse_response(response, call.images[0], **_bounds(call.context))

    def tool_text(self, result: DetectionResult) -> str:
        return detect.detection_text(result)


def _bounds(context: TaskContext) -> dict[str, Any]:
    """What segmentation parsing takes from the client."""
    return {
        "profile": context.profile,
        "mask_threshold": context.mask_threshold,
        "max_items": context.max_detection_items,
        "max_mask_bytes": context.max_mask_bytes,
        "asked_model": context.model,
    }


SEGMENT = _Segment()
"""The segmentation task."""
