"""Every image a user attaches is addressable, and only in its own conversation (issue 19 item 2).

``GeminiAttachmentsMiddleware`` registers each image a user sends in the conversation's
state (LangGraph's thread), shows the model a stable id after each one ("image img_2"),
and the vision tools resolve those ids through the agent runtime: two attachments in one
message can be compared, and a second conversation on the same toolkit cannot reach the
first one's images.
"""

from __future__ import annotations

import base64
from typing import Any

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from langgraph.checkpoint.memory import InMemorySaver

from langchain_gemini_vision import GeminiAttachmentsMiddleware, GeminiVisionToolkit, ImageStore
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.results import DetectionResult, ImageComparison
from langchain_gemini_vision.testing import Scene, make_scene

from ._scripted import ScriptedChatModel, tool_call


def _block(data: bytes) -> dict[str, str]:
    return {"type": "image", "base64": base64.b64encode(data).decode(), "mime_type": "image/png"}


def _attach(text: str, *images: bytes) -> HumanMessage:
    return HumanMessage([{"type": "text", "text": text}, *(_block(i) for i in images)])


def _tool_messages(state: dict[str, Any]) -> list[ToolMessage]:
    return [m for m in state["messages"] if isinstance(m, ToolMessage)]


def _texts(message: BaseMessage) -> list[str]:
    return [b["text"] for b in message.content_blocks if b.get("type") == "text"]


def _remembering_agent(model: ScriptedChatModel, tools: list[Any]) -> Any:
    """An agent with the middleware and a checkpointer: conversations are threads."""
    return create_agent(
        model,
        tools=tools,
        middleware=[GeminiAttachmentsMiddleware()],
        checkpointer=InMemorySaver(),
    )


@pytest.fixture(scope="module")
def before() -> Scene:
    return make_scene(320, 240, objects=2, seed=11)


@pytest.fixture(scope="module")
def after() -> Scene:
    return make_scene(320, 240, objects=4, seed=12)


def test_compare_latest_latest_is_refused_instead_of_comparing_an_image_with_itself(
    client: GeminiVisionClient, before: Scene, after: Scene
) -> None:
    """The defect: with two attachments, 'latest' twice compared the second with itself."""
    tools = GeminiVisionToolkit(
        client=client, allow_latest_image=True, include=["compare"]
    ).get_tools()
    model = ScriptedChatModel(
        steps=[
            tool_call("gemini_compare_images", {"images": ["latest", "latest"]}, "c1"),
            lambda _messages: AIMessage("done"),
        ]
    )
    state = create_agent(model, tools=tools).invoke(
        {"messages": [_attach("what changed?", before.data, after.data)]}
    )
    (message,) = _tool_messages(state)
    assert message.status == "error", message.content
    assert "latest" in str(message.content) and "id" in str(message.content)


def test_the_model_compares_the_two_images_a_user_attached_in_one_message(
    client: GeminiVisionClient, before: Scene, after: Scene
) -> None:
    tools = GeminiVisionToolkit(client=client).get_tools()

    def compare_what_it_was_shown(messages: list[BaseMessage]) -> AIMessage:
        # The model reads the ids the middleware wrote after each image, nothing else.
        shown = [t for t in _texts(messages[-1]) if t.startswith("image ")]
        assert shown == ["image img_1", "image img_2"], _texts(messages[-1])
        ids = [t.removeprefix("image ") for t in shown]
        return AIMessage(
            content="",
            tool_calls=[{"name": "gemini_compare_images", "args": {"images": ids}, "id": "c1"}],
        )

    def detect_each(messages: list[BaseMessage]) -> AIMessage:
        return AIMessage(
            content="",
            tool_calls=[
                {"name": "gemini_detect_objects", "args": {"image": "img_1"}, "id": "d1"},
                {"name": "gemini_detect_objects", "args": {"image": "img_2"}, "id": "d2"},
            ],
        )

    model = ScriptedChatModel(
        steps=[compare_what_it_was_shown, detect_each, lambda _m: AIMessage("done")]
    )
    agent = create_agent(model, tools=tools, middleware=[GeminiAttachmentsMiddleware()])
    state = agent.invoke({"messages": [_attach("what changed?", before.data, after.data)]})

    compared, first, second = _tool_messages(state)
    assert compared.status == "success", compared.content
    comparison = ImageComparison.model_validate(compared.artifact)
    assert comparison.differences, "two different images compare with differences"
    # Each id named its own attachment: the detections match each scene's ground truth.
    assert sorted(DetectionResult.model_validate(first.artifact).labels) == sorted(
        o.label for o in before.objects
    )
    assert sorted(DetectionResult.model_validate(second.artifact).labels) == sorted(
        o.label for o in after.objects
    )
    # The conversation the application keeps is the user's, unchanged: the ids were
    # shown to the model, and recorded in the state, not written into the messages.
    user = state["messages"][0]
    assert [t for t in _texts(user) if t.startswith("image ")] == []
    assert set(state["image_attachments"]) == {"img_1", "img_2"}


def test_ids_stay_stable_across_turns_and_count_on(
    client: GeminiVisionClient, before: Scene, after: Scene, scene5: Scene
) -> None:
    tools = GeminiVisionToolkit(client=client, include=["detect"]).get_tools()
    seen: list[list[str]] = []

    def remember(messages: list[BaseMessage]) -> AIMessage:
        seen.append([t for m in messages for t in _texts(m) if t.startswith("image ")])
        return AIMessage("noted")

    model = ScriptedChatModel(
        steps=[
            remember,
            remember,
            tool_call("gemini_detect_objects", {"image": "img_1"}, "c1"),
            lambda _m: AIMessage("done"),
        ]
    )
    agent = _remembering_agent(model, tools)
    config: Any = {"configurable": {"thread_id": "one"}}
    agent.invoke({"messages": [_attach("first", before.data, after.data)]}, config)
    state = agent.invoke({"messages": [_attach("and this one", scene5.data)]}, config)
    assert seen == [
        ["image img_1", "image img_2"],
        ["image img_1", "image img_2", "image img_3"],
    ]
    agent.invoke({"messages": [HumanMessage("count img_1")]}, config)
    state = agent.get_state(config).values
    detection = _tool_messages(state)[-1]
    assert detection.status == "success", detection.content
    assert sorted(DetectionResult.model_validate(detection.artifact).labels) == sorted(
        o.label for o in before.objects
    )


def test_a_second_conversation_on_the_same_toolkit_cannot_reach_the_first_ones_images(
    client: GeminiVisionClient, before: Scene, after: Scene, scene5: Scene
) -> None:
    store = ImageStore(prefix="app_")  # the application's own images stay shared
    store.add(scene5.data)
    toolkit = GeminiVisionToolkit(client=client, image_store=store, include=["detect"])
    tools = toolkit.get_tools()
    model = ScriptedChatModel(
        steps=[
            lambda _m: AIMessage("noted"),  # conversation one: two attachments
            tool_call("gemini_detect_objects", {"image": "img_2"}, "x1"),  # two asks for img_2
            tool_call("gemini_detect_objects", {"image": "img_1"}, "x2"),  # its own img_1
            tool_call("gemini_detect_objects", {"image": "app_1"}, "x3"),  # the app's image
            lambda _m: AIMessage("done"),
        ]
    )
    agent = _remembering_agent(model, tools)
    agent.invoke(
        {"messages": [_attach("keep these", before.data, after.data)]},
        {"configurable": {"thread_id": "alice"}},
    )
    state = agent.invoke(
        {"messages": [_attach("mine", scene5.data)]}, {"configurable": {"thread_id": "bob"}}
    )
    stolen, own, shared = _tool_messages(state)
    assert stolen.status == "error"
    assert "img_2" in str(stolen.content) and "img_1" in str(stolen.content)  # bob's ids only
    assert own.status == "success"
    assert sorted(DetectionResult.model_validate(own.artifact).labels) == sorted(
        o.label for o in scene5.objects
    ), "bob's img_1 is bob's own attachment, never alice's"
    assert shared.status == "success"


async def test_the_middleware_works_natively_async(
    client: GeminiVisionClient, before: Scene, after: Scene
) -> None:
    tools = GeminiVisionToolkit(client=client, include=["compare"]).get_tools()
    model = ScriptedChatModel(
        steps=[
            tool_call("gemini_compare_images", {"images": ["img_1", "img_2"]}, "c1"),
            lambda _m: AIMessage("done"),
        ]
    )
    agent = create_agent(model, tools=tools, middleware=[GeminiAttachmentsMiddleware()])
    state = await agent.ainvoke({"messages": [_attach("diff", before.data, after.data)]})
    (compared,) = _tool_messages(state)
    assert compared.status == "success", compared.content


def test_attachments_are_only_ever_image_blocks_never_a_path_from_the_input(
    client: GeminiVisionClient, before: Scene, tmp_path: Any
) -> None:
    """The state key is not part of the agent's input, and a stored attachment is read
    only as a content block (which never names a local file), never as a path."""
    secret = tmp_path / "secret.png"
    secret.write_bytes(before.data)
    tools = GeminiVisionToolkit(client=client, include=["detect"]).get_tools()
    model = ScriptedChatModel(
        steps=[
            tool_call("gemini_detect_objects", {"image": "img_9"}, "c1"),
            lambda _m: AIMessage("done"),
        ]
    )
    agent = create_agent(model, tools=tools, middleware=[GeminiAttachmentsMiddleware()])
    forged = {"img_9": {"image": str(secret), "message_id": "m", "index": 0}}
    schema = agent.get_input_jsonschema()
    assert "image_attachments" not in schema["properties"]
    state = agent.invoke({"messages": [HumanMessage("look")], "image_attachments": forged})
    (message,) = _tool_messages(state)
    assert message.status == "error", message.content
    assert "no image is registered" in str(message.content), message.content


def test_an_attachment_that_is_not_an_image_block_is_refused(tmp_path: Any) -> None:
    """Were the state to hold a path (another node wrote it), it is never read as one."""
    from types import SimpleNamespace

    from langchain_gemini_vision._tool_references import read_reference
    from langchain_gemini_vision.errors import ImageInputError

    forged = {"img_1": {"image": str(tmp_path / "secret.png"), "message_id": "m", "index": 0}}
    runtime = SimpleNamespace(state={"messages": [], "image_attachments": forged})
    with pytest.raises(ImageInputError, match="holds no image"):
        read_reference("img_1", runtime, store=None, allow_latest=False, reference_dirs=[tmp_path])


def test_openai_style_image_url_blocks_get_ids_and_keep_their_form(
    client: GeminiVisionClient, before: Scene, after: Scene
) -> None:
    def url_block(data: bytes) -> dict[str, Any]:
        encoded = base64.b64encode(data).decode()
        return {"type": "image_url", "image_url": {"url": f"data:image/png;base64,{encoded}"}}

    shown: list[Any] = []

    def detect_the_second(messages: list[BaseMessage]) -> AIMessage:
        shown.extend(messages[-1].content)
        return tool_call("gemini_detect_objects", {"image": "img_2"}, "d1")(messages)

    model = ScriptedChatModel(steps=[detect_the_second, lambda _m: AIMessage("done")])
    tools = GeminiVisionToolkit(client=client, include=["detect"]).get_tools()
    agent = create_agent(model, tools=tools, middleware=[GeminiAttachmentsMiddleware()])
    message = HumanMessage(
        [{"type": "text", "text": "two"}, url_block(before.data), url_block(after.data)]
    )
    state = agent.invoke({"messages": [message]})
    # The model's copy keeps the provider's own blocks, each followed by its id.
    assert [b["type"] for b in shown] == ["text", "image_url", "text", "image_url", "text"]
    assert [b["text"] for b in shown if b["type"] == "text"][1:] == ["image img_1", "image img_2"]
    (detected,) = _tool_messages(state)
    assert detected.status == "success", detected.content
    assert sorted(DetectionResult.model_validate(detected.artifact).labels) == sorted(
        o.label for o in after.objects
    )
