"""Segmentation: boxes with masks, as PNG probability maps or polygons, thinking turned down."""

from __future__ import annotations

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.profiles import ModelProfile
from langchain_gemini_vision.prompts import DEFAULT_PROMPTS, Prompts, segmentation_schema
from langchain_gemini_vision.results import DetectionResult

from . import detect

NO_MASKS_WARNING = (
    "the model returned no masks (its profile says it does not segment); boxes are kept"
)


def build_request(
    image: PreparedImage,
    *,
    query: str | None = None,
    profile: ModelProfile,
    prompts: Prompts | None = None,
    structured: bool = True,
) -> VisionRequest:
    """Ask for masks in the form the model's profile gives (polygons or PNG maps)."""
    texts = prompts or DEFAULT_PROMPTS
    text = texts.segment.format(query=(query or "").strip() or texts.segment_default_query)
    return VisionRequest(
        prompt=text,
        images=(image,),
        response_schema=segmentation_schema(profile.mask_form) if structured else None,
        thinking="low",
    )


def parse_response(
    response: VisionResponse,
    image: PreparedImage,
    *,
    profile: ModelProfile,
    mask_threshold: int = 127,
) -> DetectionResult:
    """Read boxes and decode masks; a model without masks gives boxes and a warning."""
    result = detect.parse_response(
        response, image, mask_threshold=mask_threshold, expect_masks=True
    )
    if result.detections and all(d.mask is None for d in result.detections):
        reason = NO_MASKS_WARNING if profile.mask_form == "none" else "the model returned no masks"
        if not any("mask" in w for w in result.warnings):
            return result.model_copy(update={"warnings": [*result.warnings, reason]})
    return result
