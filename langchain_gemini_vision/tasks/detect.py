"""Object detection: ``box_2d`` ``[ymin, xmin, ymax, xmax]`` on 0-1000, mapped to pixels."""

from __future__ import annotations

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.parsing import parse_detections
from langchain_gemini_vision.prompts import DEFAULT_PROMPTS, Prompts, detection_schema
from langchain_gemini_vision.results import DetectionResult


def detection_prompt(query: str | None, max_objects: int | None, prompts: Prompts | None) -> str:
    """The detection instruction, narrowed by ``query`` and capped by ``max_objects``."""
    texts = prompts or DEFAULT_PROMPTS
    text = texts.detect_query.format(query=query.strip()) if query else texts.detect
    if max_objects is not None:
        if max_objects < 1:
            msg = "max_objects must be at least 1"
            raise ValueError(msg)
        text += texts.max_objects.format(max_objects=max_objects)
    return text


def build_request(
    image: PreparedImage,
    *,
    query: str | None = None,
    max_objects: int | None = None,
    prompts: Prompts | None = None,
    structured: bool = True,
) -> VisionRequest:
    """Ask for boxes with the guide's ``BoundingBoxes`` schema, thinking turned down."""
    return VisionRequest(
        prompt=detection_prompt(query, max_objects, prompts),
        images=(image,),
        response_schema=detection_schema() if structured else None,
        thinking="low",
    )


def image_size(image: PreparedImage) -> tuple[int, int]:
    """The upright original size that boxes are mapped onto."""
    width = image.original_width or image.width
    height = image.original_height or image.height
    if not width or not height:
        raise ImageInputError(
            image.source_label,
            "unsupported",
            "its size is unknown, so boxes cannot be mapped to pixels; "
            "pass the image itself, or load it with fetch=True.",
        )
    return width, height


def parse_response(
    response: VisionResponse,
    image: PreparedImage,
    *,
    mask_threshold: int = 127,
    expect_masks: bool = False,
    max_objects: int | None = None,
) -> DetectionResult:
    """Read boxes (and masks) from any output form real models produce.

    ``max_objects`` is applied here, with a warning on the result, because a model
    does not always obey the prompt's cap; interactive calls and batch jobs both
    parse through this function. Raises ``OutputParsingError`` (with the raw text)
    when nothing usable parses; an explicit empty list is a valid "no objects" answer.
    """
    width, height = image_size(image)
    parsed = parse_detections(
        response.text,
        resolution_wh=(width, height),
        mask_threshold=mask_threshold,
        expect_masks=expect_masks,
        truncated_hint=response.truncated,
    )
    detections = parsed.detections
    warnings = list(parsed.warnings)
    if max_objects is not None and len(detections) > max_objects:
        warnings.append(f"the model returned {len(detections)} items; kept the first {max_objects}")
        detections = detections[:max_objects]
    return DetectionResult(
        detections=detections,
        image_width=width,
        image_height=height,
        model=response.model,
        usage=response.usage,
        raw_text=response.text,
        truncated=parsed.truncated or response.truncated,
        warnings=warnings,
        api=response.api,
        elapsed_s=response.elapsed_s,
    )
