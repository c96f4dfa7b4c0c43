"""A task registered by a module the MCP server imports (``gemini-vision mcp --import``)."""

from __future__ import annotations

from pydantic import BaseModel

from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.parsing import parse_json_answer
from langchain_gemini_vision.tasks import Task, TaskCall, TaskOptions, find_task, register_task


class CountOptions(TaskOptions):
    shape: str | None = None
    """Which shape to count (every object if omitted)."""


class ShapeCount(BaseModel):
    count: int


class _CountTask(Task[CountOptions, ShapeCount], name="count_shapes", tool="gemini_count_shapes"):
    """Count the shapes in an image. Pass the image by reference."""

    def build(self, call: TaskCall[CountOptions]) -> VisionRequest:
        what = f"{call.options.shape}s" if call.options.shape else "objects"
        return VisionRequest(
            prompt=f"How many {what} are there?",
            images=tuple(call.images),
            response_schema=ShapeCount.model_json_schema(),
        )

    def parse(self, response: VisionResponse, call: TaskCall[CountOptions]) -> ShapeCount:
        return parse_json_answer(response.text, ShapeCount)

    def tool_text(self, result: ShapeCount) -> str:
        return f"{result.count} shapes"


if find_task("count_shapes") is None:
    register_task(_CountTask())
