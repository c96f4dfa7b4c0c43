"""A LangChain agent (create_agent) driving the tools, with a scripted model."""

from __future__ import annotations

import base64
from typing import Any

from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.image_store import ImageStore
from langchain_gemini_vision.results import DetectionResult
from langchain_gemini_vision.testing import Scene
from langchain_gemini_vision.toolkit import GeminiVisionToolkit

from ._scripted import ScriptedChatModel, tool_call


def answer_from_last_detection(messages: list[BaseMessage]) -> AIMessage:
    """The scripted model's final turn: count what the detection artifact says."""
    last = messages[-1]
    assert isinstance(last, ToolMessage)
    assert last.status == "success"
    result = DetectionResult.model_validate(last.artifact)
    return AIMessage(
        content=f"There are {len(result)} objects: {', '.join(sorted(result.labels))}."
    )


def _tool_messages(state: dict[str, Any]) -> list[ToolMessage]:
    return [m for m in state["messages"] if isinstance(m, ToolMessage)]


def test_agent_counts_objects_by_image_id_and_recovers_from_tool_errors(
    client: GeminiVisionClient, scene5: Scene
) -> None:
    store = ImageStore()
    image_id = store.add(scene5.data)
    tools = GeminiVisionToolkit(client=client, image_store=store).get_tools()
    model = ScriptedChatModel(
        steps=[
            tool_call("gemini_detect_objects", {"image": "img_7"}, "c1"),  # missing id
            tool_call("gemini_detect_objects", {"image": "/etc/passwd"}, "c2"),  # local path
            tool_call(
                "gemini_detect_objects", {"image": "https://localhost/x.png"}, "c3"
            ),  # bad URL
            tool_call("gemini_detect_objects", {"image": image_id}, "c4"),
            answer_from_last_detection,
        ]
    )
    agent = create_agent(model, tools=tools)
    state = agent.invoke({"messages": [HumanMessage(f"Image {image_id}: how many objects?")]})

    errors = _tool_messages(state)[:3]
    assert [m.status for m in errors] == ["error"] * 3
    assert "no image is registered under this id" in str(errors[0].content)
    assert "does not read local files" in str(errors[1].content)
    assert "non-public address" in str(errors[2].content)
    assert all(m.artifact is None for m in errors)

    detection = _tool_messages(state)[3]
    assert detection.status == "success"
    assert str(detection.content).startswith(f"Image 400x300 px. {len(scene5.objects)} objects")

    final = state["messages"][-1]
    assert isinstance(final, AIMessage)
    assert final.text.startswith(f"There are {len(scene5.objects)} objects")
    assert sorted(o.label for o in scene5.objects) == sorted(
        DetectionResult.model_validate(detection.artifact).labels
    )
    # The model saw concise text, never the image bytes or the artifact.
    seen = str([m.content for m in model.seen[-1]])
    assert base64.b64encode(scene5.data[:30]).decode()[:20] not in seen
    assert "box_2d" not in seen


def test_agent_uses_the_latest_user_image_through_the_injected_runtime(
    client: GeminiVisionClient, scene: Scene, scene5: Scene
) -> None:
    tools = GeminiVisionToolkit(
        client=client, allow_latest_image=True, include=["detect"]
    ).get_tools()
    model = ScriptedChatModel(
        steps=[
            tool_call("gemini_detect_objects", {"image": "latest"}, "c1"),
            answer_from_last_detection,
        ]
    )
    agent = create_agent(model, tools=tools)

    def image_block(data: bytes) -> dict[str, str]:
        return {
            "type": "image",
            "base64": base64.b64encode(data).decode(),
            "mime_type": "image/png",
        }

    state = agent.invoke(
        {
            "messages": [
                HumanMessage([{"type": "text", "text": "old photo"}, image_block(scene.data)]),
                AIMessage("noted"),
                HumanMessage(
                    [{"type": "text", "text": "how many objects here?"}, image_block(scene5.data)]
                ),
            ]
        }
    )
    assert state["messages"][-1].text.startswith(f"There are {len(scene5.objects)} objects")


async def test_agent_runs_the_tools_natively_async(
    client: GeminiVisionClient, scene: Scene
) -> None:
    store = ImageStore({"photo": scene.data})
    tools = GeminiVisionToolkit(client=client, image_store=store).get_tools()
    model = ScriptedChatModel(
        steps=[
            tool_call("gemini_detect_objects", {"image": "photo"}, "c1"),
            answer_from_last_detection,
        ]
    )
    state = await create_agent(model, tools=tools).ainvoke(
        {"messages": [HumanMessage("count, photo")]}
    )
    assert state["messages"][-1].text.startswith(f"There are {len(scene.objects)} objects")
