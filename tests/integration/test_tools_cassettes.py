"""The tools and an agent, on both APIs, sync and async, replayed from cassettes.

Recorded from the local emulator (each response carries ``x-emulator``); see
``tests/integration/conftest.py`` to re-record. Ground-truth checks are marked
``emulator_only``.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import HumanMessage, ToolMessage
from langchain_core.tools import BaseTool

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.image_store import ImageStore
from langchain_gemini_vision.results import Caption, DetectionResult, ImageComparison, VisualAnswer
from langchain_gemini_vision.toolkit import GeminiVisionToolkit
from tests.unit.langchain._scripted import ScriptedChatModel, tool_call

from .conftest import asset

pytestmark = pytest.mark.vcr


@pytest.fixture
def tools(vision_client: GeminiVisionClient) -> dict[str, BaseTool]:
    store = ImageStore(
        {
            "wide": asset("scene_wide.png").read_bytes(),
            "tall": asset("scene_tall.jpg").read_bytes(),
            "before": asset("pair_before.png").read_bytes(),
            "after": asset("pair_after.png").read_bytes(),
        }
    )
    toolkit = GeminiVisionToolkit(client=vision_client, image_store=store)
    return {tool.name: tool for tool in toolkit.get_tools()}


def _call(tool: BaseTool, **args: Any) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "id": "call_1", "name": tool.name, "args": args})
    assert isinstance(message, ToolMessage)
    return message


async def _acall(tool: BaseTool, **args: Any) -> ToolMessage:
    message = await tool.ainvoke(
        {"type": "tool_call", "id": "call_1", "name": tool.name, "args": args}
    )
    assert isinstance(message, ToolMessage)
    return message


def _labels(truth: dict[str, Any], name: str) -> list[str]:
    return sorted(o["label"] for o in truth[name]["objects"])


@pytest.mark.emulator_only
def test_detection_tool_matches_truth(tools: dict[str, BaseTool], truth: dict[str, Any]) -> None:
    message = _call(tools["gemini_detect_objects"], image="wide")
    result = DetectionResult.model_validate(message.artifact)
    assert sorted(result.labels) == _labels(truth, "scene_wide.png")
    assert str(message.content).startswith("Image 320x180 px. 3 objects: ")


@pytest.mark.emulator_only
async def test_detection_tool_async_matches_truth(
    tools: dict[str, BaseTool], truth: dict[str, Any]
) -> None:
    message = await _acall(tools["gemini_detect_objects"], image="tall")
    result = DetectionResult.model_validate(message.artifact)
    assert sorted(result.labels) == _labels(truth, "scene_tall.jpg")
    assert (result.image_width, result.image_height) == (180, 280)


def test_caption_tool(tools: dict[str, BaseTool]) -> None:
    message = _call(tools["gemini_caption_image"], image="wide")
    assert message.status == "success"
    assert Caption.model_validate(message.artifact).text == message.content


@pytest.mark.emulator_only
def test_compare_tool_names_the_added_object(tools: dict[str, BaseTool]) -> None:
    message = _call(tools["gemini_compare_images"], images=["before", "after"])
    comparison = ImageComparison.model_validate(message.artifact)
    assert any("green triangle" in d for d in comparison.differences)
    assert "Differences:" in str(message.content)


async def test_qa_tool_async(tools: dict[str, BaseTool]) -> None:
    message = await _acall(
        tools["gemini_ask_about_images"], images=["wide"], question="How many shapes are there?"
    )
    assert message.status == "success"
    assert VisualAnswer.model_validate(message.artifact).text == message.content


def test_segmentation_tool(tools: dict[str, BaseTool], truth: dict[str, Any]) -> None:
    message = _call(tools["gemini_segment_objects"], image="wide", query="the shapes")
    result = DetectionResult.model_validate(message.artifact)
    assert len(result) == len(truth["scene_wide.png"]["objects"])


@pytest.mark.emulator_only
def test_agent_counts_objects_by_image_id(
    vision_client: GeminiVisionClient, truth: dict[str, Any]
) -> None:
    store = ImageStore()
    image_id = store.add(asset("scene_wide.png").read_bytes())
    tools = GeminiVisionToolkit(client=vision_client, image_store=store).get_tools()

    def answer(messages: list[Any]) -> Any:
        from langchain_core.messages import AIMessage

        result = DetectionResult.model_validate(messages[-1].artifact)
        return AIMessage(content=f"I count {len(result)} objects.")

    model = ScriptedChatModel(
        steps=[
            tool_call("gemini_detect_objects", {"image": "img_404"}, "c1"),
            tool_call("gemini_detect_objects", {"image": image_id}, "c2"),
            answer,
        ]
    )
    state = create_agent(model, tools=tools).invoke(
        {"messages": [HumanMessage(f"{image_id}: how many?")]}
    )
    error, detection = [m for m in state["messages"] if isinstance(m, ToolMessage)]
    assert error.status == "error"
    assert "img_404" in str(error.content)
    assert detection.status == "success"
    assert (
        state["messages"][-1].text == f"I count {len(truth['scene_wide.png']['objects'])} objects."
    )
