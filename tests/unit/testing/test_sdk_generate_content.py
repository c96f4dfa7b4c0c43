"""The real google-genai SDK against the emulator: generateContent (httpx2 and aiohttp)."""

from __future__ import annotations

import json

import pytest
from google import genai
from google.genai import errors, types

from langchain_gemini_vision.testing import GeminiEmulator, SceneObject, make_scene

from .conftest import sdk_client

SCENE = make_scene(
    300,
    500,
    [
        SceneObject("triangle", "blue", (30, 30, 130, 130)),
        SceneObject("circle", "green", (150, 350, 250, 450)),
        SceneObject("square", "green", (40, 300, 110, 370)),
    ],
    format="JPEG",
)
MODEL = "gemini-2.5-flash"


def _parts(prompt: str) -> list[types.PartUnionDict]:
    return [types.Part.from_bytes(data=SCENE.data, mime_type="image/jpeg"), prompt]


def test_generate_content_sync(client: genai.Client, gemini_emulator: GeminiEmulator) -> None:
    response = client.models.generate_content(
        model=MODEL,
        contents=_parts("How many green objects are there?"),
        config=types.GenerateContentConfig(
            system_instruction="Answer briefly.",
            thinking_config=types.ThinkingConfig(thinking_budget=0),
        ),
    )
    assert response.text == "There are 2 green objects."
    candidate = (response.candidates or [])[0]
    assert candidate.finish_reason == types.FinishReason.STOP
    assert candidate.content is not None
    assert candidate.content.role == "model"
    usage = response.usage_metadata
    assert usage is not None
    assert usage.thoughts_token_count is None  # budget 0: no thinking
    details = {d.modality: d.token_count for d in usage.prompt_tokens_details or []}
    assert details[types.MediaModality.IMAGE] == 258 * 6  # 300x500: 200 px tiles, 2 x 3
    assert response.model_version == MODEL
    assert response.response_id
    body = gemini_emulator.requests[-1].json
    assert "inlineData" in body["contents"][0]["parts"][0]


def test_structured_output_validates_and_media_resolution_counts(client: genai.Client) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = {
        "type": "object",
        "properties": {
            "shape": {"type": "string", "enum": ["circle", "square", "triangle"]},
            "present": {"type": "boolean"},
        },
        "required": ["shape", "present"],
    }
    response = client.models.generate_content(
        model="gemini-3-flash-preview",
        contents=_parts("What shape is the blue object?"),
        config=types.GenerateContentConfig(
            response_mime_type="application/json",
            response_json_schema=schema,
            media_resolution=types.MediaResolution.MEDIA_RESOLUTION_LOW,
            thinking_config=types.ThinkingConfig(thinking_level=types.ThinkingLevel.LOW),
        ),
    )
    value = json.loads(response.text or "")
    jsonschema.validate(value, schema)
    assert value == {"shape": "triangle", "present": True}
    usage = response.usage_metadata
    assert usage is not None
    details = {d.modality: d.token_count for d in usage.prompt_tokens_details or []}
    assert details[types.MediaModality.IMAGE] == 280
    assert usage.thoughts_token_count == 48


def test_response_schema_openapi_form(client: genai.Client) -> None:
    response = client.models.generate_content(
        model="gemini-3-flash-preview",
        contents=_parts("Caption this image."),
        config=types.GenerateContentConfig(
            response_mime_type="application/json",
            response_schema={"type": "OBJECT", "properties": {"caption": {"type": "STRING"}}},
        ),
    )
    caption = json.loads(response.text or "")["caption"]
    assert caption.startswith("3 objects on a white background: a blue triangle at the top left")


def test_stream_sync_in_several_chunks(client: genai.Client) -> None:
    chunks = list(
        client.models.generate_content_stream(model=MODEL, contents=_parts("Caption this image."))
    )
    assert len(chunks) > 1
    text = "".join(c.text or "" for c in chunks)
    assert text.startswith("3 objects on a white background")
    assert chunks[-1].candidates is not None
    assert chunks[-1].candidates[0].finish_reason == types.FinishReason.STOP


async def test_async_generate_and_stream(gemini_emulator: GeminiEmulator) -> None:
    client = sdk_client(gemini_emulator)
    response = await client.aio.models.generate_content(
        model=MODEL, contents=_parts("Is there a blue triangle?")
    )
    assert response.text == "Yes, there is 1 blue triangle: a blue triangle at the top left."
    text = ""
    async for chunk in await client.aio.models.generate_content_stream(
        model=MODEL, contents=_parts("Is there a blue triangle?")
    ):
        text += chunk.text or ""
    assert text == response.text
    await client.aio.aclose()


def test_max_tokens_truncates_mid_json(client: genai.Client) -> None:
    response = client.models.generate_content(
        model=MODEL,
        contents=_parts("Detect all objects."),
        config=types.GenerateContentConfig(max_output_tokens=8),
    )
    candidate = (response.candidates or [])[0]
    assert candidate.finish_reason == types.FinishReason.MAX_TOKENS
    text = response.text or ""
    assert len(text) == 8 * 4  # 1 token ~ 4 characters
    assert text.startswith('```json\n[\n  {"box_2d": [')


@pytest.mark.parametrize(
    ("model", "config", "message"),
    [
        ("gemini-3.6-flash", types.ThinkingConfig(thinking_budget=0), "Budget 0 is invalid"),
        ("gemini-2.5-pro", types.ThinkingConfig(thinking_budget=0), "Budget 0 is invalid"),
        ("gemini-2.0-flash", types.ThinkingConfig(thinking_budget=10), "not supported"),
    ],
)
def test_thinking_the_model_rejects_is_a_client_error(
    client: genai.Client, model: str, config: types.ThinkingConfig, message: str
) -> None:
    with pytest.raises(errors.ClientError, match=message) as caught:
        client.models.generate_content(
            model=model,
            contents=_parts("hi"),
            config=types.GenerateContentConfig(thinking_config=config),
        )
    assert caught.value.code == 400
    assert caught.value.status == "INVALID_ARGUMENT"


def test_inline_limit_and_image_count(gemini_emulator: GeminiEmulator) -> None:
    client = sdk_client(gemini_emulator)
    gemini_emulator.inline_limit_bytes = 2000
    with pytest.raises(errors.ClientError, match="Request payload size exceeds the limit: 2000"):
        client.models.generate_content(model=MODEL, contents=_parts("Caption this image."))
    gemini_emulator.inline_limit_bytes = 20 * 1024 * 1024
    gemini_emulator.max_images = 2
    with pytest.raises(errors.ClientError, match="Too many images in the request: 3"):
        client.models.generate_content(
            model=MODEL, contents=[*_parts("a"), *_parts("b"), *_parts("c")]
        )
