"""Object detection: ``box_2d`` ``[ymin, xmin, ymax, xmax]`` on 0-1000, mapped to pixels."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from pydantic import Field

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.masks import DEFAULT_MAX_MASK_BYTES
from langchain_gemini_vision.parsing import DEFAULT_MAX_ITEMS, DetectionReader, parse_detections
from langchain_gemini_vision.prompts import DEFAULT_PROMPTS, Prompts, detection_schema
from langchain_gemini_vision.results import DetectionResult

from .streams import DetectionStream
from .task import Task, TaskCall, TaskContext, TaskOptions

T = TypeVar("T")

__all__ = [
    "DETECT",
    "DetectOptions",
    "answer_fields",
    "build_request",
    "detection_prompt",
    "detection_text",
    "image_size",
    "kept_first",
    "parse_response",
]

MAX_TOOL_OBJECTS = 500
"""The most objects a model may ask the detection tool for."""


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
) -> VisionRequest:
    """Ask for boxes with the guide's ``BoundingBoxes`` schema, thinking turned down."""
    return VisionRequest(
        prompt=detection_prompt(query, max_objects, prompts),
        images=(image,),
        response_schema=detection_schema(),
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
    max_items: int = DEFAULT_MAX_ITEMS,
    max_mask_bytes: int = DEFAULT_MAX_MASK_BYTES,
    reader: DetectionReader | None = None,
) -> DetectionResult:
    """Read boxes (and masks) from any output form real models produce.

    ``max_objects`` is applied here, with a warning on the result, because a model
    does not always obey the prompt's cap; interactive calls and batch jobs both
    parse through this function. ``max_items`` and ``max_mask_bytes`` bound what one
    answer may cost (the client's ``max_detection_items`` and ``max_mask_bytes``).
    Raises ``OutputParsingError`` (with the raw text) when nothing usable parses; an
    explicit empty list is a valid "no objects" answer. ``reader``: the one a stream
    read the answer's items with (made with these bounds), so they are read once.
    """
    width, height = image_size(image)
    if reader is not None:
        parsed = reader.finish(response.text, truncated_hint=response.truncated)
    else:
        parsed = parse_detections(
            response.text,
            resolution_wh=(width, height),
            mask_threshold=mask_threshold,
            expect_masks=expect_masks,
            truncated_hint=response.truncated,
            max_items=max_items,
            max_mask_bytes=max_mask_bytes,
        )
    detections = parsed.detections
    warnings = list(parsed.warnings)
    return DetectionResult(
        detections=kept_first(detections, max_objects, "items", warnings),
        truncated=parsed.truncated or response.truncated,
        warnings=warnings,
        api=response.api,
        **answer_fields(response, width, height),
    )


def kept_first(items: list[T], cap: int | None, what: str, warnings: list[str]) -> list[T]:
    """The first ``cap`` of ``items``, with a warning in ``warnings`` when any are dropped."""
    if cap is None or len(items) <= cap:
        return items
    warnings.append(f"the model returned {len(items)} {what}; kept the first {cap}")
    return items[:cap]


def answer_fields(response: VisionResponse, width: int, height: int) -> dict[str, Any]:
    """What every spatial result takes from the answer and the image as they are."""
    return {
        "image_width": width,
        "image_height": height,
        "model": response.model,
        "usage": response.usage,
        "raw_text": response.text,
        "elapsed_s": response.elapsed_s,
    }


def detection_streamer(
    image: PreparedImage,
    context: TaskContext,
    parse: Callable[[VisionResponse, DetectionReader], DetectionResult],
    *,
    max_objects: int | None = None,
    expect_masks: bool = False,
) -> DetectionStream[DetectionResult]:
    """Each detection as its object closes, read with the bounds :func:`parse_response` has
    (``parse`` reads the whole response through the same reader)."""
    reader = DetectionReader(
        image_size(image),
        mask_threshold=context.mask_threshold,
        expect_masks=expect_masks,
        max_items=context.max_detection_items,
        max_mask_bytes=context.max_mask_bytes,
    )
    return DetectionStream(reader, parse, max_objects=max_objects)


def detection_text(result: DetectionResult) -> str:
    """What a tool tells the model: the image's size, each object, any warning."""
    text = f"Image {result.image_width}x{result.image_height} px. {result.summary()}"
    if result.warnings:
        text += " Warnings: " + "; ".join(result.warnings)
    return text


class DetectOptions(TaskOptions):
    """What a detection takes besides its image."""

    query: str | None = None
    """What to detect, e.g. 'every red circle' or 'price tags'. Omit to detect all
    prominent objects."""
    max_objects: int | None = Field(default=None, ge=1)
    """Optional cap on the number of objects returned."""


class DetectToolOptions(DetectOptions):
    """What a model may ask the detection tool for: a bounded cap."""

    max_objects: int | None = Field(default=None, ge=1, le=MAX_TOOL_OBJECTS)
    """Optional cap on the number of objects returned."""


class _Detect(Task[DetectOptions, DetectionResult], name="detect", tool="gemini_detect_objects"):
    """Find objects in an image and return each one's label and bounding box in pixels
    (x_min, y_min, x_max, y_max). Use it to count, locate or list objects. Pass the
    image by reference (an image id like 'img_1', a URL or a Files API name)."""

    needs_pixels = True
    text_option = "query"
    tool_options = DetectToolOptions
    annotates = True

    def build(self, call: TaskCall[DetectOptions]) -> VisionRequest:
        options, prompts = call.options, call.context.prompts
        return build_request(
            call.images[0], query=options.query, max_objects=options.max_objects, prompts=prompts
        )

    def parse(
        self,
        response: VisionResponse,
        call: TaskCall[DetectOptions],
        reader: DetectionReader | None = None,
    ) -> DetectionResult:
        context = call.context
        return parse_response(
            response,
            call.images[0],
            mask_threshold=context.mask_threshold,
            max_objects=call.options.max_objects,
            max_items=context.max_detection_items,
            max_mask_bytes=context.max_mask_bytes,
            reader=reader,
        )

    def streamer(self, call: TaskCall[DetectOptions]) -> DetectionStream[DetectionResult]:
        return detection_streamer(
            call.images[0],
            call.context,
            lambda response, reader: self.parse(response, call, reader),
            max_objects=call.options.max_objects,
        )

    def tool_text(self, result: DetectionResult) -> str:
        return detection_text(result)


DETECT = _Detect()
"""The detection task."""
