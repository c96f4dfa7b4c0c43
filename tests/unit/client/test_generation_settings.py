"""Generation settings (issue 19 item 6): max_output_tokens, thinking_level, temperature,
safety_settings and labels, on the client and everything built on it.

Each one is sent on both APIs and both transports in the shape google-genai's typed request
models take (``testing.request_schema``, the emulator runs the same check), is applied by the
emulator where it acts (the output budget, the thinking level a family takes), and is refused
loudly where a model cannot honour it.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.request
import warnings
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_gemini_vision import (
    GeminiDetectRunnable,
    GeminiImageLoader,
    GeminiVisionClient,
    GeminiVisionToolkit,
    RetryPolicy,
)
from langchain_gemini_vision.errors import ConfigurationError, UnknownArgumentError
from langchain_gemini_vision.profiles import ModelProfile
from langchain_gemini_vision.testing import GeminiEmulator, make_scene
from langchain_gemini_vision.testing.request_schema import check_request

SCENE = make_scene(160, 120, objects=2, seed=3)
FAST = RetryPolicy(max_attempts=1)
SAFETY = {"hate_speech": "block_only_high", "HARM_CATEGORY_DANGEROUS_CONTENT": "BLOCK_NONE"}
LABELS = {"team": "vision", "run-id": "r_7"}
EVERYTHING: dict[str, Any] = {
    "max_output_tokens": 300,
    "thinking_level": "high",
    "temperature": 0.4,
    "safety_settings": SAFETY,
    "labels": LABELS,
}


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emu:
        yield emu


def _client(emulator: GeminiEmulator, **fields: Any) -> GeminiVisionClient:
    fields.setdefault("model", "gemini-3-flash-preview")
    return GeminiVisionClient(api_key="k", base_url=emulator.base_url, retry=FAST, **fields)


def _last_body(emulator: GeminiEmulator, api: str) -> dict[str, Any]:
    bodies = [r.json for r in emulator.requests if r.route == api and r.method == "POST"]
    assert bodies, "no generation request reached the emulator"
    return bodies[-1]


@pytest.mark.parametrize("transport", ["lean", "sdk"])
def test_every_generation_setting_goes_on_the_interactions_wire(
    emulator: GeminiEmulator, transport: str
) -> None:
    with _client(emulator, transport=transport, **EVERYTHING) as client:
        client.segment(SCENE.data)
    body = _last_body(emulator, "interactions")
    check_request("interactions", body)
    config = body["generation_config"]
    assert config["max_output_tokens"] == 300
    # The override wins over the task's own "turn thinking down" (minimal on gemini-3).
    assert config["thinking_level"] == "high"
    assert config["temperature"] == 0.4
    assert body["safety_settings"] == [
        {"threshold": "block_only_high", "type": "hate_speech"},
        {"threshold": "block_none", "type": "dangerous_content"},
    ]
    assert body["labels"] == LABELS


@pytest.mark.parametrize("transport", ["lean", "sdk"])
def test_every_generation_setting_goes_on_the_generate_content_wire(
    emulator: GeminiEmulator, transport: str
) -> None:
    with _client(emulator, api="generate_content", transport=transport, **EVERYTHING) as client:
        client.segment(SCENE.data)
    body = _last_body(emulator, "generate_content")
    check_request("generate_content", body)
    config = body["generationConfig"]
    assert config["maxOutputTokens"] == 300
    assert config["thinkingConfig"] == {"thinking_level": "HIGH"}
    assert config["temperature"] == 0.4
    assert body["safetySettings"] == [
        {"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_ONLY_HIGH"},
        {"category": "HARM_CATEGORY_DANGEROUS_CONTENT", "threshold": "BLOCK_NONE"},
    ]
    assert body["labels"] == LABELS


def test_safety_settings_take_google_genais_own_types(emulator: GeminiEmulator) -> None:
    from google.genai import types

    given = [
        types.SafetySetting(
            category=types.HarmCategory.HARM_CATEGORY_HARASSMENT,
            threshold=types.HarmBlockThreshold.BLOCK_LOW_AND_ABOVE,
        )
    ]
    with _client(emulator, api="generate_content", safety_settings=given) as client:
        client.caption(SCENE.data)
        assert client.settings.safety_settings == {"harassment": "block_low_and_above"}
    assert _last_body(emulator, "generate_content")["safetySettings"] == [
        {"category": "HARM_CATEGORY_HARASSMENT", "threshold": "BLOCK_LOW_AND_ABOVE"}
    ]


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
def test_the_emulator_applies_the_output_budget(emulator: GeminiEmulator, api: str) -> None:
    with _client(emulator, api=api, max_output_tokens=3) as client:
        answer = client.ask(SCENE.data, "Describe every shape in detail.")
    assert len(answer.text) <= 12  # the emulator writes 4 characters per token


def test_the_thinking_level_a_model_rejects_is_refused_before_any_call() -> None:
    with pytest.raises(ConfigurationError, match=r"thinking_level.*minimal.*low, medium, high"):
        GeminiVisionClient(api_key="k", model="gemini-3.8-flash", thinking_level="minimal")
    with pytest.raises(ConfigurationError, match="thinking_level"):
        GeminiVisionClient(api_key="k", model="gemini-2.5-flash", thinking_level="low")
    with pytest.raises(ConfigurationError, match="thinking_level"):
        GeminiDetectRunnable(api_key="k", model="gemini-3.8-flash", thinking_level="minimal")


def test_a_thinking_level_for_an_unknown_model_is_sent_as_given(emulator: GeminiEmulator) -> None:
    with _client(emulator, model="gemini-9-flash", thinking_level="medium") as client:
        client.caption(SCENE.data)
    assert _last_body(emulator, "interactions")["generation_config"]["thinking_level"] == "medium"


def test_temperature_is_not_sent_to_a_model_that_ignores_it_and_says_so(
    emulator: GeminiEmulator,
) -> None:
    with pytest.warns(UserWarning, match=r"gemini-3.8-flash ignores temperature"):
        client = _client(emulator, model="gemini-3.8-flash", temperature=0.3)
    with client:
        client.caption(SCENE.data)
    assert "temperature" not in _last_body(emulator, "interactions").get("generation_config", {})


def test_temperature_for_a_model_that_rejects_it_is_refused() -> None:
    profile = ModelProfile(family="gemini-x", sampling="rejected")
    with pytest.raises(ConfigurationError, match="temperature"):
        GeminiVisionClient(api_key="k", model="gemini-x-1", profile=profile, temperature=0.3)


def test_a_model_that_honours_temperature_gets_it_without_a_warning(
    emulator: GeminiEmulator,
) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with _client(emulator, temperature=0.0) as client:
            client.caption(SCENE.data)
    assert _last_body(emulator, "interactions")["generation_config"]["temperature"] == 0.0


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("labels", {"Team": "x"}, "lowercase"),
        ("labels", {"1team": "x"}, "letter"),
        ("labels", {"team": "x" * 64}, "63"),
        ("safety_settings", {"hate": "block_none"}, "hate"),
        ("safety_settings", {"hate_speech": "block_some"}, "block_some"),
        ("max_output_tokens", 0, "max_output_tokens"),
        ("temperature", -1.0, "temperature"),
        ("thinking_level", "enormous", "thinking_level"),
    ],
)
def test_a_bad_generation_setting_is_refused_at_construction(
    field: str, value: Any, problem: str
) -> None:
    with pytest.raises(ConfigurationError, match=problem) as caught:
        GeminiVisionClient(api_key="k", **{field: value})
    assert not isinstance(caught.value, UnknownArgumentError)  # a known setting, a bad value


def test_the_langchain_classes_take_the_generation_settings(emulator: GeminiEmulator) -> None:
    settings = {"api_key": "k", "base_url": emulator.base_url, **EVERYTHING}
    detector = GeminiDetectRunnable(**settings)
    detector.invoke(SCENE.data)
    assert _last_body(emulator, "interactions")["labels"] == LABELS
    (tool,) = GeminiVisionToolkit(**settings, include=["detect"]).get_tools()
    assert tool.get_client().settings.safety_settings == {
        "hate_speech": "block_only_high",
        "dangerous_content": "block_none",
    }
    loader = GeminiImageLoader([SCENE.data], **settings)
    loader.load()
    assert _last_body(emulator, "interactions")["generation_config"]["max_output_tokens"] == 300


def test_batch_items_carry_the_generation_settings(emulator: GeminiEmulator) -> None:
    from langchain_gemini_vision.batch import BatchItem
    from langchain_gemini_vision.batch.items import plan_item

    with _client(emulator, api="generate_content", **EVERYTHING) as client:
        planned = plan_item(client, BatchItem.caption(SCENE.data, key="c"))
    check_request("generate_content", planned.body)
    assert planned.body["labels"] == LABELS
    assert planned.body["safetySettings"][0]["category"] == "HARM_CATEGORY_HATE_SPEECH"


def _post(emulator: GeminiEmulator, path: str, body: dict[str, Any]) -> tuple[int, str]:
    """A raw request to the emulator: its status and body text."""
    request = urllib.request.Request(
        emulator.base_url + path,
        data=json.dumps(body).encode(),
        headers={"x-goog-api-key": "k", "content-type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


_GC_PATH = "/v1beta/models/gemini-3-flash-preview:generateContent"


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
def test_the_emulator_refuses_labels_gemini_refuses(emulator: GeminiEmulator, api: str) -> None:
    """The emulator checks the label rule itself (keys start with a lowercase letter...)."""
    for labels, status in (({"Bad Key": "x"}, 400), ({"good_key": "ok-1"}, 200)):
        if api == "interactions":
            body = {"model": "gemini-3-flash-preview", "input": "hello", "labels": labels}
            code, text = _post(emulator, "/v1beta/interactions", body)
        else:
            body = {"contents": [{"parts": [{"text": "hello"}]}], "labels": labels}
            code, text = _post(emulator, _GC_PATH, body)
        assert code == status, text
        if status == 400:
            assert "label" in text.lower()


def test_the_emulator_refuses_a_safety_method_on_the_gemini_api(
    emulator: GeminiEmulator,
) -> None:
    """``method`` is Vertex AI's only: google-genai itself refuses it for the Gemini API."""
    setting = {"category": "HARM_CATEGORY_HATE_SPEECH", "threshold": "BLOCK_NONE"}
    body: dict[str, Any] = {"contents": [{"parts": [{"text": "hello"}]}]}
    assert _post(emulator, _GC_PATH, {**body, "safetySettings": [setting]})[0] == 200
    code, text = _post(
        emulator, _GC_PATH, {**body, "safetySettings": [{**setting, "method": "SEVERITY"}]}
    )
    assert code == 400
    assert "method" in text
