"""Model churn (issue 21 items 3 and 4): what each model takes, and answers from another model.

* ``gemini-3-pro-preview`` rejects ``thinking_level="minimal"``: the profile table must
  not send it (it did: the ``gemini-3`` family's ``minimal`` reached 3 Pro).
* When Gemini answers with another model than the one asked for (a reroute: 2.5 Pro to
  3.8 Flash after its shutdown), the result says so, naming both; a segmentation
  answered by a model without masks says that too.
"""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.testing import MockRequest, MockTransport, make_scene

SCENE = make_scene(320, 240, objects=2, seed=3)
BOXES = '{"boxes": [{"box_2d": [100, 100, 400, 400], "label": "red circle"}]}'


def _thinking_level(request: MockRequest) -> Any:
    body = request.body
    if request.api == "interactions":
        return (body.get("generation_config") or {}).get("thinking_level")
    thinking = (body.get("generationConfig") or {}).get("thinkingConfig") or {}
    # google-genai writes this one key in snake case inside the camel-case config.
    return thinking.get("thinking_level", thinking.get("thinkingLevel"))


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
@pytest.mark.parametrize(
    "model", ["gemini-3-pro-preview", "gemini-3-pro", "gemini-3.1-pro-preview"]
)
def test_minimal_is_never_sent_to_gemini_3_pro(model: str, api: str) -> None:
    mock = MockTransport(lambda request: BOXES)
    with GeminiVisionClient(api_key="k", model=model, api=api, transport=mock) as client:
        client.detect(SCENE.data)
    level = _thinking_level(mock.requests[0])
    assert level is not None, "detection turns thinking down"
    assert str(level).lower() == "low", f"{model} rejects 'minimal'; sent {level!r}"


def _answered_by(answering: str) -> Any:
    """A handler answering as ``answering``, whatever model was asked (a reroute)."""

    def handler(request: MockRequest) -> dict[str, Any]:
        text = BOXES
        if request.api == "interactions":
            return {
                "id": "i-1",
                "model": answering,
                "status": "completed",
                "steps": [{"type": "model_output", "content": [{"type": "text", "text": text}]}],
                "usage": {"total_input_tokens": 10, "total_output_tokens": 5},
            }
        return {
            "candidates": [
                {"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP"}
            ],
            "usageMetadata": {"promptTokenCount": 10, "candidatesTokenCount": 5},
            "modelVersion": answering,
        }

    return handler


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
def test_a_reroute_is_visible_on_the_result_naming_both_models(api: str) -> None:
    mock = MockTransport(_answered_by("gemini-3.8-flash"))
    with GeminiVisionClient(api_key="k", model="gemini-2.5-pro", api=api, transport=mock) as client:
        result = client.detect(SCENE.data)
    assert result.model == "gemini-3.8-flash"
    rerouted = [w for w in result.warnings if "gemini-2.5-pro" in w and "gemini-3.8-flash" in w]
    assert rerouted, f"no warning names both models: {result.warnings}"


def test_the_same_model_answering_gives_no_warning() -> None:
    mock = MockTransport(_answered_by("gemini-3-flash-preview"))
    with GeminiVisionClient(api_key="k", model="gemini-3-flash-preview", transport=mock) as client:
        assert client.detect(SCENE.data).warnings == []


def test_a_segmentation_rerouted_to_a_model_without_masks_says_so() -> None:
    mock = MockTransport(_answered_by("gemini-3.5-flash-lite"))
    with GeminiVisionClient(
        api_key="k", model="gemini-2.5-flash", api="generate_content", transport=mock
    ) as client:
        result = client.segment(SCENE.data)
    assert all(d.mask is None for d in result)
    said = [w for w in result.warnings if "mask" in w and "gemini-3.5-flash-lite" in w]
    assert said, f"no warning says the answering model gives no masks: {result.warnings}"


def test_a_caption_carries_the_reroute_warning_too() -> None:
    def handler(request: MockRequest) -> dict[str, Any]:
        reply = _answered_by("gemini-3.8-flash")(request)
        step = reply["steps"][0]
        step["content"][0]["text"] = '{"caption": "Two shapes."}'
        return reply

    with GeminiVisionClient(
        api_key="k", model="gemini-3.7-flash", transport=MockTransport(handler)
    ) as client:
        caption = client.caption(SCENE.data)
    assert any("gemini-3.7-flash" in w and "gemini-3.8-flash" in w for w in caption.warnings)
