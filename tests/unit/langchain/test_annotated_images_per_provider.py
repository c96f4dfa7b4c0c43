"""Where an annotated image a tool returns lands, per chat integration (issue 19 item 7).

A real agent run (the toolkit with ``return_annotated_image=True`` against the emulator,
a scripted model) gives a conversation whose last ``ToolMessage`` carries the drawn
image; each LangChain chat integration's own request converter (offline, no call) turns
that conversation into its provider's request, and each provider SDK's typed request
model says whether the result is one the provider takes. The README's table is this file.
"""

from __future__ import annotations

import base64
import io

import pytest
from langchain.agents import create_agent
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
from PIL import Image
from pydantic import TypeAdapter

from langchain_gemini_vision import GeminiVisionToolkit, ImageStore
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.testing import Scene

from ._scripted import ScriptedChatModel, tool_call


@pytest.fixture
def conversation(client: GeminiVisionClient, scene: Scene) -> list[BaseMessage]:
    """The messages of an agent run whose detection returned the annotated image."""
    store = ImageStore()
    image_id = store.add(scene.data)
    tools = GeminiVisionToolkit(
        client=client, image_store=store, return_annotated_image=True, include=["detect"]
    ).get_tools()
    model = ScriptedChatModel(
        steps=[
            tool_call("gemini_detect_objects", {"image": image_id}, "call_1"),
            lambda _m: AIMessage("done"),
        ]
    )
    state = create_agent(model, tools=tools).invoke(
        {"messages": [HumanMessage(f"Draw the objects of {image_id}")]}
    )
    messages = list(state["messages"][:-1])  # up to the tool's answer
    assert isinstance(messages[-1], ToolMessage)
    return messages


def _drawn(conversation: list[BaseMessage]) -> str:
    """The annotated image's base64, as the tool returned it."""
    (block,) = [b for b in conversation[-1].content_blocks if b.get("type") == "image"]
    data = str(block["base64"])
    assert Image.open(io.BytesIO(base64.b64decode(data))).size == (320, 240)
    return data


def test_the_tool_returns_a_standard_image_block(conversation: list[BaseMessage]) -> None:
    (text, image) = conversation[-1].content  # type: ignore[misc]
    assert text["type"] == "text" and text["text"].startswith("Image 320x240 px.")
    assert image == {"type": "image", "base64": _drawn(conversation), "mime_type": "image/png"}


def test_anthropic_puts_the_image_inside_the_tool_result(conversation: list[BaseMessage]) -> None:
    from anthropic.types.tool_result_block_param import Content, ToolResultBlockParam
    from langchain_anthropic.chat_models import _format_messages

    _, messages = _format_messages(conversation, model="claude-sonnet-4-5")
    last = messages[-1]
    (result,) = last["content"]
    assert result["type"] == "tool_result" and result["tool_use_id"] == "call_1"
    images = [b for b in result["content"] if b["type"] == "image"]
    assert images == [
        {
            "type": "image",
            "source": {"type": "base64", "media_type": "image/png", "data": _drawn(conversation)},
        }
    ]
    # Anthropic's own request types (an Iterable is validated lazily: each item here).
    TypeAdapter(ToolResultBlockParam).validate_python(result)
    for block in result["content"]:
        TypeAdapter(Content).validate_python(block, strict=True)


def test_openai_responses_puts_the_image_inside_the_function_call_output(
    conversation: list[BaseMessage],
) -> None:
    from langchain_openai.chat_models.base import _construct_responses_api_input
    from openai.types.responses.response_input_item_param import FunctionCallOutput

    items = _construct_responses_api_input(conversation)
    (output,) = [i for i in items if i.get("type") == "function_call_output"]
    assert output["call_id"] == "call_1"
    images = [p for p in output["output"] if p["type"] == "input_image"]
    assert images == [
        {"type": "input_image", "image_url": "data:image/png;base64," + _drawn(conversation)}
    ]
    TypeAdapter(FunctionCallOutput).validate_python(output, strict=True)


def test_openai_chat_completions_cannot_take_an_image_in_a_tool_message(
    conversation: list[BaseMessage],
) -> None:
    """Chat Completions' tool messages take text only: the converter passes the image
    through, and OpenAI's own type for a tool message refuses it (use the Responses API)."""
    from langchain_openai.chat_models.base import _convert_message_to_dict
    from openai.types.chat import ChatCompletionContentPartTextParam
    from pydantic import ValidationError

    tool_message = _convert_message_to_dict(conversation[-1])
    assert tool_message["role"] == "tool"
    text, image = tool_message["content"]
    assert image["type"] == "image_url"
    # ChatCompletionToolMessageParam.content: str | Iterable[ChatCompletionContentPartTextParam].
    part = TypeAdapter(ChatCompletionContentPartTextParam)
    part.validate_python(text, strict=True)
    with pytest.raises(ValidationError):
        part.validate_python(image, strict=True)


def test_google_genai_sends_the_image_in_the_function_response_turn(
    conversation: list[BaseMessage],
) -> None:
    """langchain-google-genai puts a tool message's images beside its ``functionResponse``,
    in the same user turn (its converter never nests them in ``FunctionResponse.parts``)."""
    from google.genai import types
    from langchain_google_genai.chat_models import _parse_chat_history

    _, history = _parse_chat_history(conversation, model="gemini-3-flash-preview")
    turn = history[-1]
    assert turn.role == "user"
    kinds = [
        "image"
        if p.inline_data is not None
        else "function_response"
        if p.function_response
        else "?"
        for p in turn.parts or []
    ]
    assert kinds == ["image", "function_response"]
    image = (turn.parts or [])[0].inline_data
    assert image is not None and image.mime_type == "image/png"
    assert base64.b64encode(image.data or b"").decode() == _drawn(conversation)
    response = (turn.parts or [])[1].function_response
    assert response is not None and response.name == "gemini_detect_objects"
    assert response.parts is None  # not nested
    types.Content.model_validate(turn.model_dump())
