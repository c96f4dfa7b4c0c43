"""Pointing: one image in, a labelled point ``[y, x]`` (0-1000) per object out.

The prompt is the Gemini Robotics-ER guide's; any Gemini 3 model answers it. Points
map to pixels of the original image (:class:`~langchain_gemini_vision.spatial.PointResult`).
Everything the task needs is here and in the registry's list: ``client.point(...)``,
``GeminiVisionRunnable.for_task("point")`` and ``GeminiVisionTool.for_task("point")``
come from the registry.
"""

from __future__ import annotations

from typing import Any

from pydantic import Field

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.parsing import parse_points
from langchain_gemini_vision.spatial import PointResult

from .detect import image_size
from .task import Task, TaskCall, TaskOptions

__all__ = ["POINT", "PointOptions", "build_request", "parse_response", "point_prompt"]

MAX_POINTS = 500
"""The most points one request may ask for."""

POINT_SCHEMA: dict[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {
            "point": {"type": "array", "items": {"type": "integer"}},
            "label": {"type": "string"},
        },
        "required": ["point", "label"],
    },
}
"""``[{"point": [y, x], "label": ...}, ...]``."""


def point_prompt(query: str | None, max_points: int | None) -> str:
    """The Robotics-ER guide's pointing instruction, narrowed by ``query``."""
    what = query.strip() if query and query.strip() else "the prominent objects"
    cap = f"no more than {max_points} items. " if max_points else ""
    return (
        f"Point to {cap}{what} in the image. The label returned should be an identifying "
        'name for the object detected. The answer should follow the json format: [{"point": '
        '<point>, "label": <label1>}, ...]. The points are in [y, x] format normalized to 0-1000.'
    )


def build_request(
    image: PreparedImage, *, query: str | None = None, max_points: int | None = None
) -> VisionRequest:
    """Ask for points with the schema, thinking turned down (as detection does)."""
    return VisionRequest(
        prompt=point_prompt(query, max_points),
        images=(image,),
        response_schema=POINT_SCHEMA,
        thinking="low",
    )


def parse_response(
    response: VisionResponse, image: PreparedImage, *, max_points: int | None = None
) -> PointResult:
    """Read the points; ``OutputParsingError`` (with the raw text) when there are none."""
    width, height = image_size(image)
    parsed = parse_points(
        response.text, resolution_wh=(width, height), truncated_hint=response.truncated
    )
    points, warnings = parsed.points, list(parsed.warnings)
    if max_points is not None and len(points) > max_points:
        warnings.append(f"the model returned {len(points)} points; kept the first {max_points}")
        points = points[:max_points]
    return PointResult(
        points=points,
        image_width=width,
        image_height=height,
        model=response.model,
        usage=response.usage,
        raw_text=response.text,
        truncated=parsed.truncated,
        warnings=warnings,
        elapsed_s=response.elapsed_s,
    )


class PointOptions(TaskOptions):
    """What pointing takes besides its image."""

    query: str | None = None
    """What to point at, e.g. 'every cup'. Omit to point at all prominent objects."""
    max_points: int | None = Field(default=None, ge=1, le=MAX_POINTS)
    """Optional cap on the number of points returned."""


class _Point(Task[PointOptions, PointResult], name="point", tool="gemini_point_objects"):
    """Point at objects in an image: each one's label and a point (x, y) in pixels at
    its centre. Use it to locate things to pick, tap or count. Pass the image by
    reference (an image id like 'img_1', a URL or a Files API name)."""

    needs_pixels = True
    text_option = "query"

    def build(self, call: TaskCall[PointOptions]) -> VisionRequest:
        return build_request(
            call.images[0], query=call.options.query, max_points=call.options.max_points
        )

    def parse(self, response: VisionResponse, call: TaskCall[PointOptions]) -> PointResult:
        return parse_response(response, call.images[0], max_points=call.options.max_points)

    def tool_text(self, result: PointResult) -> str:
        text = f"Image {result.image_width}x{result.image_height} px. {result.summary()}"
        return text + (" Warnings: " + "; ".join(result.warnings) if result.warnings else "")


POINT = _Point()
"""The point task."""
