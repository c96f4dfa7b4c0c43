"""The real google-genai SDK (unpatched) against the emulator: Interactions API."""

from __future__ import annotations

import json

import pytest
from google import genai
from google.genai import _interactions, interactions

from langchain_gemini_vision.testing import GeminiEmulator, SceneObject, make_scene

from .conftest import acreate, create, sdk_client
from .helpers import b64

SCENE = make_scene(
    640,
    360,
    [
        SceneObject("circle", "red", (40, 40, 140, 140)),
        SceneObject("square", "green", (500, 220, 600, 320)),
    ],
)
MODEL = "gemini-3-flash-preview"


def _image() -> dict[str, str]:
    return {"type": "image", "data": b64(SCENE.data), "mime_type": "image/png"}


EXPECTED_CAPTION = (
    "2 objects on a white background: a red circle at the top left and "
    "a green square at the bottom right."
)


def test_create_sync_returns_a_completed_interaction(
    client: genai.Client, gemini_emulator: GeminiEmulator
) -> None:
    result = create(
        client, model=MODEL, input=[{"type": "text", "text": "Caption this image."}, _image()]
    )
    assert result.status == "completed"
    assert result.output_text == EXPECTED_CAPTION
    assert result.steps is not None
    assert result.steps[-1].type == "model_output"
    assert result.id is not None
    assert result.id.startswith("v1_")
    usage = result.usage
    assert usage is not None
    by_modality = {m.modality: m.tokens for m in usage.input_tokens_by_modality or []}
    assert by_modality["image"] == 1548  # 640x360: 3 x 2 tiles of 258
    assert usage.total_tokens == (
        (usage.total_input_tokens or 0)
        + (usage.total_output_tokens or 0)
        + (usage.total_thought_tokens or 0)
    )
    sent = gemini_emulator.requests[-1]
    assert sent.path == "/v1/interactions"
    assert "x-goog-api-key" not in sent.headers
    assert sent.json["input"][0]["type"] == "user_input"


def test_get_with_input_and_delete(client: genai.Client) -> None:
    created = create(client, model=MODEL, input="How many objects?")
    assert created.id is not None
    fetched = client.interactions.get(created.id, include_input=True)
    assert fetched.output_text == created.output_text
    assert fetched.steps is not None
    assert fetched.steps[0].type == "user_input"
    client.interactions.delete(created.id)
    with pytest.raises(_interactions.NotFoundError):
        client.interactions.get(created.id)


def test_resolution_changes_image_tokens_and_thinking_minimal_has_none(
    client: genai.Client,
) -> None:
    image = {**_image(), "resolution": "low"}
    result = create(
        client,
        model=MODEL,
        input=[{"type": "text", "text": "Caption this image."}, image],
        generation_config={"thinking_level": "minimal"},
    )
    assert result.usage is not None
    tokens = {m.modality: m.tokens for m in result.usage.input_tokens_by_modality or []}
    assert tokens["image"] == 280
    assert result.usage.total_thought_tokens == 0
    assert [s.type for s in result.steps or []] == ["model_output"]


def _delta_text(event: object) -> str:
    if isinstance(event, interactions.StepDelta) and isinstance(
        event.delta, interactions.TextDelta
    ):
        return event.delta.text
    return ""


def test_streaming_sync_yields_the_sse_events_in_order(client: genai.Client) -> None:
    stream = client.interactions.create(
        model=MODEL, input=[{"type": "text", "text": "Caption this image."}, _image()], stream=True
    )
    assert not isinstance(stream, interactions.Interaction)
    events = list(stream)
    kinds = [e.event_type for e in events]
    assert kinds[0] == "interaction.created"
    assert kinds[-1] == "interaction.completed"
    assert "step.start" in kinds
    assert "step.stop" in kinds
    assert "".join(_delta_text(e) for e in events) == EXPECTED_CAPTION
    last = events[-1]
    assert isinstance(last, interactions.InteractionCompletedEvent)
    assert last.interaction.status == "completed"


async def test_create_and_stream_async(gemini_emulator: GeminiEmulator) -> None:
    client = sdk_client(gemini_emulator)
    schema = {
        "type": "object",
        "properties": {"count": {"type": "integer"}, "answer": {"type": "string"}},
        "required": ["count", "answer"],
    }
    result = await acreate(
        client,
        model=MODEL,
        input=[{"type": "text", "text": "How many circles are there?"}, _image()],
        response_format={"type": "text", "mime_type": "application/json", "schema": schema},
    )
    assert json.loads(result.output_text or "") == {
        "count": 1,
        "answer": "There is 1 circle.",
    }
    stream = await client.aio.interactions.create(
        model=MODEL, input=[{"type": "text", "text": "Caption this image."}, _image()], stream=True
    )
    assert not isinstance(stream, interactions.Interaction)
    text = ""
    async for event in stream:
        text += _delta_text(event)
    assert text == EXPECTED_CAPTION
    await client.aio.aclose()


def test_v1beta_and_plain_string_input(gemini_emulator: GeminiEmulator) -> None:
    client = sdk_client(gemini_emulator, api_version="v1beta")
    result = create(client, model="gemini-2.5-flash", input="Describe it.")
    assert result.output_text == "No image given."
    assert gemini_emulator.requests[-1].path == "/v1beta/interactions"


def test_truncation_reports_incomplete(client: genai.Client) -> None:
    result = create(
        client,
        model=MODEL,
        input=[{"type": "text", "text": "Detect all objects."}, _image()],
        generation_config={"max_output_tokens": 10},
        response_format={
            "type": "text",
            "mime_type": "application/json",
            "schema": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "box_2d": {"type": "array", "items": {"type": "integer"}},
                        "label": {"type": "string"},
                    },
                },
            },
        },
    )
    assert result.status == "incomplete"
    text = result.output_text or ""
    assert len(text) == 40
    assert text.startswith('[{"box_2d": [')
    with pytest.raises(json.JSONDecodeError):
        json.loads(text)


@pytest.mark.parametrize(
    ("item", "error", "message"),
    [
        ({"type": "image", "data": "@@@", "mime_type": "image/png"}, _interactions.BadRequestError,
         "Base64 decoding failed"),
        ({"type": "image", "data": b64(b"GIF89a....."), "mime_type": "image/gif"},
         _interactions.BadRequestError, "Unsupported MIME type: image/gif"),
        ({"type": "image", "data": b64(b"\x89PNG\r\n\x1a\nbroken"), "mime_type": "image/png"},
         _interactions.BadRequestError, "Unable to process input image"),
        ({"type": "image", "uri": "https://example.com/cat.png", "mime_type": "image/png"},
         _interactions.BadRequestError, "Cannot fetch content"),
        ({"type": "image", "uri": "https://generativelanguage.googleapis.com/v1beta/files/nope",
          "mime_type": "image/png"}, _interactions.PermissionDeniedError, "may not exist"),
    ],
)  # fmt: skip
def test_bad_inputs_surface_as_sdk_errors(
    client: genai.Client, item: dict[str, str], error: type[Exception], message: str
) -> None:
    with pytest.raises(error, match=message):
        create(client, model=MODEL, input=[{"type": "text", "text": "x"}, item])


def test_model_and_thinking_validation(client: genai.Client) -> None:
    with pytest.raises(_interactions.NotFoundError, match="models/gpt-4o is not found"):
        create(client, model="gpt-4o", input="hi")
    with pytest.raises(_interactions.BadRequestError, match="'minimal' is not supported"):
        create(
            client,
            model="gemini-3.8-flash",
            input="hi",
            generation_config={"thinking_level": "minimal"},
        )
    with pytest.raises(_interactions.BadRequestError, match="Thinking level is not supported"):
        create(
            client,
            model="gemini-2.5-flash",
            input="hi",
            generation_config={"thinking_level": "low"},
        )


def test_auth_errors_follow_the_real_api() -> None:
    with GeminiEmulator(expected_api_key="right-key") as emu:
        wrong = genai.Client(
            api_key="wrong-key",
            http_options={"base_url": emu.base_url, "retry_options": {"attempts": 1}},
        )
        with pytest.raises(_interactions.BadRequestError, match="API key not valid"):
            create(wrong, model=MODEL, input="hi")
        right = genai.Client(
            api_key="right-key",
            http_options={"base_url": emu.base_url, "retry_options": {"attempts": 1}},
        )
        assert create(right, model=MODEL, input="hi").status == "completed"
