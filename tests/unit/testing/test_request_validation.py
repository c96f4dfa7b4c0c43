"""The emulator refuses, as Gemini does, a body its schema does not allow.

Gemini parses a request into its schema before anything else: an unknown key or an
enumeration value outside the type is a 400, whoever sent it. The emulator does the
same from its own schema knowledge (derived from google-genai's typed request models,
not from this package's code), so a shape error the package and the emulator might
share cannot pass unnoticed. Shown here through the raw wire, the real SDK and the
package's lean transport, for both APIs and for Batch API jobs.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import httpx2
import pytest
from google import genai
from google.genai import types

from langchain_gemini_vision import GeminiVisionInvalidRequestError
from langchain_gemini_vision._transport import payloads
from langchain_gemini_vision._transport.base import ImagePart, WireRequest
from langchain_gemini_vision._transport.lean import LeanTransport
from langchain_gemini_vision.profiles import profile_for
from langchain_gemini_vision.testing import GeminiEmulator, make_scene

from .conftest import sdk_client
from .helpers import b64

SCENE = make_scene(160, 120, 2, seed=5)
MODEL = "gemini-3-flash-preview"
BAD_REQUEST_TYPE = "type.googleapis.com/google.rpc.BadRequest"


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emu:
        yield emu


@pytest.fixture
def sdk(emulator: GeminiEmulator) -> Iterator[genai.Client]:
    client = sdk_client(emulator)
    yield client
    client.close()


def _post(emulator: GeminiEmulator, path: str, body: Any) -> httpx2.Response:
    return httpx2.post(
        f"{emulator.base_url}{path}", json=body, headers={"x-goog-api-key": "k"}, timeout=30
    )


def _interaction(**extra: Any) -> dict[str, Any]:
    image = {"data": b64(SCENE.data), "mime_type": "image/png", "type": "image"}
    body: dict[str, Any] = {
        "model": MODEL,
        "input": [{"content": [{"text": "Caption.", "type": "text"}, image], "type": "user_input"}],
    }
    body.update(extra)
    return body


def _generate_content(**config: Any) -> dict[str, Any]:
    return {
        "contents": [
            {
                "parts": [
                    {"text": "Caption."},
                    {"inlineData": {"data": b64(SCENE.data), "mime_type": "image/png"}},
                ],
                "role": "user",
            }
        ],
        "generationConfig": config,
    }


def _field_violations(reply: httpx2.Response) -> list[dict[str, str]]:
    error = reply.json()["error"]
    assert error["code"] == 400
    assert error["status"] == "INVALID_ARGUMENT"
    (detail,) = error["details"]
    assert detail["@type"] == BAD_REQUEST_TYPE
    violations: list[dict[str, str]] = detail["fieldViolations"]
    assert error["message"] == "\n".join(v["description"] for v in violations)
    return violations


# --------------------------------------------------------------------------- the raw wire


def test_generate_content_unknown_key_is_gemini_400(emulator: GeminiEmulator) -> None:
    body = _generate_content(thinkingConfig={"thinking_levl": "LOW"})
    body["contents"][0]["parts"][1]["resolutoin"] = {"level": "MEDIA_RESOLUTION_LOW"}
    reply = _post(emulator, f"/v1beta/models/{MODEL}:generateContent", body)
    assert reply.status_code == 400
    assert _field_violations(reply) == [
        {
            "field": "contents[0].parts[1]",
            "description": 'Invalid JSON payload received. Unknown name "resolutoin" at '
            "'contents[0].parts[1]': Cannot find field.",
        },
        {
            "field": "generation_config.thinking_config",
            "description": 'Invalid JSON payload received. Unknown name "thinking_levl" at '
            "'generation_config.thinking_config': Cannot find field.",
        },
    ]


def test_generate_content_unknown_top_level_key_has_no_at_clause(
    emulator: GeminiEmulator,
) -> None:
    body = {**_generate_content(), "reasoning": {"effort": "low"}}
    reply = _post(emulator, f"/v1/models/{MODEL}:generateContent", body)
    assert reply.status_code == 400
    assert _field_violations(reply) == [
        {
            "description": 'Invalid JSON payload received. Unknown name "reasoning": Cannot find field.'
        }
    ]


def test_generate_content_wrong_enum_value_is_gemini_400(emulator: GeminiEmulator) -> None:
    body = _generate_content(thinkingConfig={"thinking_level": "EXTREME"})
    reply = _post(emulator, f"/v1beta/models/{MODEL}:generateContent", body)
    assert reply.status_code == 400
    (violation,) = _field_violations(reply)
    assert violation["field"] == "generation_config.thinking_config.thinking_level"
    assert violation["description"] == (
        "Invalid value at 'generation_config.thinking_config.thinking_level' "
        '(type.googleapis.com/google.ai.generativelanguage.v1beta.ThinkingLevel), "EXTREME"'
    )


def test_generate_content_lower_case_enum_is_refused(emulator: GeminiEmulator) -> None:
    """Enum values are the SDK's own spellings (upper case on this API), exactly."""
    body = _generate_content()
    body["contents"][0]["parts"][1]["mediaResolution"] = {"level": "high"}
    reply = _post(emulator, f"/v1/models/{MODEL}:generateContent", body)
    assert reply.status_code == 400
    (violation,) = _field_violations(reply)
    assert violation["field"] == "contents[0].parts[1].media_resolution.level"


def test_generate_content_wrong_type_is_gemini_400(emulator: GeminiEmulator) -> None:
    reply = _post(
        emulator, f"/v1/models/{MODEL}:generateContent", _generate_content(maxOutputTokens=12.5)
    )
    assert reply.status_code == 400
    (violation,) = _field_violations(reply)
    assert violation["description"] == (
        "Invalid value at 'generation_config.max_output_tokens' (TYPE_INT32), 12.5"
    )


def _interactions_error(reply: httpx2.Response) -> str:
    assert reply.status_code == 400
    error = reply.json()["error"]
    assert set(error) == {"code", "message"}
    assert error["code"] == "invalid_request"
    message: str = error["message"]
    return message


def test_interactions_unknown_key_is_an_invalid_request(emulator: GeminiEmulator) -> None:
    body = _interaction(generation_config={"thinking_levl": "low"})
    body["input"][0]["content"][1]["resolutoin"] = "high"
    message = _interactions_error(_post(emulator, "/v1/interactions", body))
    assert "Unknown field \"resolutoin\" at 'input[0].content[1]'" in message
    assert "Unknown field \"thinking_levl\" at 'generation_config'" in message


def test_interactions_wrong_enum_values_are_invalid_requests(emulator: GeminiEmulator) -> None:
    body = _interaction(generation_config={"thinking_level": "extreme"})
    body["input"][0]["content"][1]["resolution"] = "ultra"
    message = _interactions_error(_post(emulator, "/v1/interactions", body))
    assert (
        "Invalid value at 'input[0].content[1].resolution': \"ultra\" "
        '(expected one of "low", "medium", "high", "ultra_high")'
    ) in message
    assert "Invalid value at 'generation_config.thinking_level': \"extreme\"" in message


@pytest.mark.parametrize(("key", "value"), [("type", "picture"), ("mime_type", "image/svg+xml")])
def test_interactions_image_block_value_outside_the_enum_is_refused(
    emulator: GeminiEmulator, key: str, value: str
) -> None:
    body = _interaction()
    body["input"][0]["content"][1][key] = value
    message = _interactions_error(_post(emulator, "/v1/interactions", body))
    assert f"Invalid value at 'input[0].content[1].{key}': \"{value}\"" in message


def test_a_valid_body_still_answers(emulator: GeminiEmulator) -> None:
    """The check is not a wall: what the SDK sends is accepted (camelCase or snake_case keys)."""
    assert _post(emulator, "/v1/interactions", _interaction()).status_code == 200
    body = _generate_content(maxOutputTokens=64, thinking_config={"thinkingLevel": "LOW"})
    assert _post(emulator, f"/v1/models/{MODEL}:generateContent", body).status_code == 200


# --------------------------------------------------------------------------- the real SDK


def test_sdk_interactions_misspelt_key_is_refused(sdk: genai.Client) -> None:
    # client.interactions.create forwards unknown keys verbatim: only the server can catch them.
    with pytest.raises(Exception) as caught:
        sdk.interactions.create(
            model=MODEL,
            input=[{"type": "text", "text": "Caption."}],
            generation_config={"thinking_levl": "low"},  # type: ignore[typeddict-unknown-key]
        )
    assert getattr(caught.value, "status_code", None) == 400
    assert "thinking_levl" in str(caught.value)


def test_sdk_interactions_wrong_enum_is_refused(sdk: genai.Client) -> None:
    with pytest.raises(Exception) as caught:
        sdk.interactions.create(
            model=MODEL,
            input=[{"type": "text", "text": "Caption."}],
            generation_config={"thinking_level": "extreme"},  # type: ignore[typeddict-item]
        )
    assert getattr(caught.value, "status_code", None) == 400
    assert "thinking_level" in str(caught.value)


def test_sdk_generate_content_misspelt_key_is_refused(sdk: genai.Client) -> None:
    # The SDK's typed config forbids unknown keys; extra_body is how one reaches the wire.
    config = types.GenerateContentConfig(
        http_options=types.HttpOptions(
            extra_body={"generationConfig": {"thinkingConfig": {"thinkingLevl": "LOW"}}}
        )
    )
    with pytest.raises(genai.errors.ClientError) as caught:
        sdk.models.generate_content(model=MODEL, contents="Caption.", config=config)
    assert caught.value.code == 400
    assert caught.value.status == "INVALID_ARGUMENT"
    assert 'Unknown name "thinkingLevl"' in str(caught.value.message)


def test_sdk_generate_content_wrong_enum_is_refused(sdk: genai.Client) -> None:
    with pytest.warns(UserWarning, match="not a valid ThinkingLevel"):
        config = types.GenerateContentConfig(
            thinking_config=types.ThinkingConfig(thinking_level="EXTREME")
        )
    with pytest.raises(genai.errors.ClientError) as caught:
        sdk.models.generate_content(model=MODEL, contents="Caption.", config=config)
    assert caught.value.code == 400
    assert "generation_config.thinking_config.thinking_level" in str(caught.value.message)


# --------------------------------------------------------------------------- the lean transport


def _wire(**fields: Any) -> WireRequest:
    part = ImagePart(mime_type="image/png", data_base64=b64(SCENE.data))
    return WireRequest(
        model=MODEL, prompt="Caption.", parts=(part,), profile=profile_for(MODEL), **fields
    )


@pytest.fixture
def lean(emulator: GeminiEmulator) -> Iterator[LeanTransport]:
    from pydantic import SecretStr

    transport = LeanTransport(api_key=SecretStr("k"), base_url=emulator.base_url)
    yield transport
    transport.close()


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
def test_lean_transport_wrong_enum_is_an_invalid_request_error(
    lean: LeanTransport, api: str
) -> None:
    with pytest.raises(GeminiVisionInvalidRequestError) as caught:
        lean.send(_wire(thinking_level="extreme"), api)  # type: ignore[arg-type]
    assert caught.value.status == 400
    assert "thinking_level" in str(caught.value)


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
def test_lean_transport_misspelt_key_is_an_invalid_request_error(
    lean: LeanTransport, api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A package bug that misspells a key reaches the emulator, which refuses it."""
    build = payloads.interactions_body if api == "interactions" else payloads.generate_content_body

    def misspelt(request: WireRequest, **kwargs: Any) -> dict[str, Any]:
        body = build(request, **kwargs)
        return json.loads(json.dumps(body).replace('"mime_type"', '"mime_typ"'))

    name = "interactions_body" if api == "interactions" else "generate_content_body"
    monkeypatch.setattr("langchain_gemini_vision._transport.lean." + name, misspelt)
    with pytest.raises(GeminiVisionInvalidRequestError) as caught:
        lean.send(_wire(), api)  # type: ignore[arg-type]
    assert caught.value.status == 400
    assert "mime_typ" in str(caught.value)


# --------------------------------------------------------------------------- Batch API


def test_batch_inline_request_with_a_misspelt_key_is_refused_at_create(
    emulator: GeminiEmulator, sdk: genai.Client
) -> None:
    """Inline requests are part of the create call's body: Gemini parses them there."""
    request = _generate_content(thinkingConfig={"thinkingLevl": "LOW"})
    body = {
        "batch": {
            "displayName": "bad",
            "inputConfig": {
                "requests": {"requests": [{"request": request, "metadata": {"key": "k1"}}]}
            },
        }
    }
    reply = _post(emulator, f"/v1beta/models/{MODEL}:batchGenerateContent", body)
    assert reply.status_code == 400
    (violation,) = _field_violations(reply)
    where = "batch.input_config.requests.requests[0].request.generation_config.thinking_config"
    assert violation["field"] == where
    assert 'Unknown name "thinkingLevl"' in violation["description"]


def test_batch_create_with_a_misspelt_wrapper_key_is_refused(emulator: GeminiEmulator) -> None:
    body = {"batch": {"displayName": "bad", "inputConfg": {"fileName": "files/x"}}}
    reply = _post(emulator, f"/v1beta/models/{MODEL}:batchGenerateContent", body)
    assert reply.status_code == 400
    (violation,) = _field_violations(reply)
    assert violation["field"] == "batch"
    assert 'Unknown name "inputConfg"' in violation["description"]
