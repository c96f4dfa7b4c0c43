"""Default prompts and response schemas, close to the image-understanding guide's wording.

Every prompt can be overridden per client (``GeminiVisionClient(prompts=Prompts(...))``)
and per call (``prompt=`` / ``query=``).
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from langchain_gemini_vision.profiles import MaskForm

BOX_2D_DESCRIPTION = (
    "The 2D bounding box of the item as [ymin, xmin, ymax, xmax] normalized to 0-1000."
)


class Prompts(BaseModel):
    """The instruction texts the tasks send. ``{query}`` and ``{max_objects}`` are filled in."""

    model_config = ConfigDict(frozen=True)

    caption: str = (
        "Caption this image. Describe the main objects, their colours, shapes and "
        "where they are in the image, in one or two sentences."
    )
    compare: str = (
        "Compare these images. Give a short summary, then list the differences between "
        "them (objects added, removed, moved or changed) and what they have in common."
    )
    detect: str = (
        "Detect all of the prominent items in the image. "
        "The box_2d should be [ymin, xmin, ymax, xmax] normalized to 0-1000."
    )
    detect_query: str = (
        "Detect {query} in the image. "
        "The box_2d should be [ymin, xmin, ymax, xmax] normalized to 0-1000."
    )
    max_objects: str = " Return at most {max_objects} items."
    segment: str = (
        "Give the segmentation masks for {query}. Output a JSON list of segmentation masks "
        'where each entry contains the 2D bounding box in the key "box_2d", the segmentation '
        'mask in key "mask", and the text label in the key "label". Use descriptive labels.'
    )
    segment_default_query: str = "the prominent items"
    ask_system: str | None = None
    """An optional system instruction for visual questions."""


DEFAULT_PROMPTS = Prompts()

CAPTION_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {"caption": {"type": "string", "description": "The caption of the image."}},
    "required": ["caption"],
}

COMPARISON_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "summary": {
            "type": "string",
            "description": "One or two sentences on how the images relate.",
        },
        "differences": {
            "type": "array",
            "items": {"type": "string"},
            "description": "Each difference between the images, one per item.",
        },
        "similarities": {
            "type": "array",
            "items": {"type": "string"},
            "description": "What the images have in common, one per item.",
        },
    },
    "required": ["summary", "differences", "similarities"],
}


def _box_item(mask: dict[str, Any] | None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "box_2d": {
            "type": "array",
            "items": {"type": "integer"},
            "description": BOX_2D_DESCRIPTION,
        },
    }
    required = ["box_2d", "label"]
    if mask is not None:
        properties["mask"] = mask
        required = ["box_2d", "mask", "label"]
    properties["label"] = {"type": "string", "description": "A descriptive label for the item."}
    return {"type": "object", "properties": properties, "required": required}


def detection_schema() -> dict[str, Any]:
    """The guide's ``BoundingBoxes`` schema: ``{"boxes": [{"box_2d", "label"}]}``."""
    return {
        "type": "object",
        "properties": {"boxes": {"type": "array", "items": _box_item(None)}},
        "required": ["boxes"],
    }


_MASK_SCHEMAS: dict[MaskForm, dict[str, Any]] = {
    "polygon": {
        "type": "array",
        "items": {"type": "array", "items": {"type": "integer"}},
        "description": (
            "The segmentation mask of the item as a polygon of [x,y] coordinates, "
            "normalized to 0-1000."
        ),
    },
    "png": {
        "type": "string",
        "description": (
            "The segmentation mask inside the bounding box, as a base64 encoded PNG "
            "probability map with values between 0 and 255 (data:image/png;base64,...)."
        ),
    },
}
_MASK_SCHEMAS["none"] = _MASK_SCHEMAS["png"]


def segmentation_schema(mask_form: MaskForm) -> dict[str, Any]:
    """The guide's segmentation schema, with masks as polygons or PNG maps per the profile."""
    return {
        "type": "object",
        "properties": {"boxes": {"type": "array", "items": _box_item(_MASK_SCHEMAS[mask_form])}},
        "required": ["boxes"],
    }
