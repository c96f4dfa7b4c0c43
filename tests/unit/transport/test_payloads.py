"""Reading both APIs' answers: text, usage, truncation, and every way an answer can be unusable."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gemini_vision._transport.payloads import (
    read_generate_content,
    read_interaction,
)
from langchain_gemini_vision.errors import EmptyResponseError, ResponseBlockedError


def _interaction(status: str, text: str | None, **extra: Any) -> dict[str, Any]:
    steps: list[dict[str, Any]] = [
        {"type": "user_input", "content": [{"type": "text", "text": "q"}]}
    ]
    steps.append({"type": "thought", "content": [{"type": "text", "text": "hmm"}]})
    if text is not None:
        steps.append({"type": "model_output", "content": [{"type": "text", "text": text}]})
    return {"id": "i1", "status": status, "model": "m", "steps": steps, **extra}


def _candidate(text: str | None, finish: str | None, **extra: Any) -> dict[str, Any]:
    parts = [{"text": "thinking...", "thought": True}]
    if text is not None:
        parts.append({"text": text})
    candidate: dict[str, Any] = {"content": {"role": "model", "parts": parts}}
    if finish:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], **extra}


def test_interaction_text_skips_thoughts_and_reads_usage() -> None:
    usage = {
        "total_input_tokens": 300,
        "total_output_tokens": 20,
        "total_thought_tokens": 50,
        "total_tokens": 370,
        "input_tokens_by_modality": [
            {"modality": "image", "tokens": 258},
            {"modality": "text", "tokens": 42},
        ],
    }
    response = read_interaction(_interaction("completed", '{"a": 1}', usage=usage), want_json=True)
    assert response.text == '{"a": 1}'
    assert response.parsed == {"a": 1}
    assert not response.truncated
    assert (response.usage.input_tokens, response.usage.thought_tokens) == (300, 50)
    assert response.usage.image_tokens == 258


def test_generate_content_text_skips_thoughts_and_reads_usage() -> None:
    meta = {
        "promptTokenCount": 300,
        "candidatesTokenCount": 20,
        "thoughtsTokenCount": 50,
        "totalTokenCount": 370,
        "promptTokensDetails": [{"modality": "IMAGE", "tokenCount": 258}],
    }
    response = read_generate_content(_candidate("ok", "STOP", usageMetadata=meta), want_json=False)
    assert response.text == "ok"
    assert response.usage.image_tokens == 258
    assert response.usage.total_tokens == 370


@pytest.mark.parametrize("status", ["failed", "cancelled", "budget_exceeded"])
def test_failed_interaction_is_a_blocked_error_with_its_reason(status: str) -> None:
    with pytest.raises(ResponseBlockedError) as info:
        read_interaction(_interaction(status, "partial"), want_json=False)
    assert info.value.reason == status
    assert info.value.raw_text == "partial"


@pytest.mark.parametrize("reason", ["SAFETY", "RECITATION", "PROHIBITED_CONTENT", "IMAGE_SAFETY"])
def test_blocking_finish_reasons(reason: str) -> None:
    with pytest.raises(ResponseBlockedError) as info:
        read_generate_content(_candidate(None, reason), want_json=False)
    assert info.value.reason == reason


def test_prompt_blocked_before_any_candidate() -> None:
    with pytest.raises(ResponseBlockedError) as info:
        read_generate_content({"promptFeedback": {"blockReason": "SAFETY"}}, want_json=False)
    assert info.value.reason == "SAFETY"


@pytest.mark.parametrize(
    "data",
    [{}, {"candidates": []}, _candidate(None, "STOP"), _candidate("", "STOP")],
    ids=["nothing", "no-candidates", "no-text", "empty-text"],
)
def test_empty_generate_content_is_an_error_not_an_empty_answer(data: dict[str, Any]) -> None:
    with pytest.raises(EmptyResponseError):
        read_generate_content(data, want_json=False)


def test_empty_interaction_is_an_error() -> None:
    with pytest.raises(EmptyResponseError):
        read_interaction(_interaction("completed", None), want_json=False)


def test_truncation_is_reported_by_both_apis() -> None:
    cut = '{"boxes": [{"box_2d": [1, 2, 3, 4], "label": "a"}, {"box_'
    interaction = read_interaction(_interaction("incomplete", cut), want_json=True)
    content = read_generate_content(_candidate(cut, "MAX_TOKENS"), want_json=True)
    for response in (interaction, content):
        assert response.truncated
        assert response.text == cut
        assert response.parsed is None  # not JSON; the task parser salvages what is complete


def test_snake_case_sdk_dumps_read_the_same() -> None:
    wire = _candidate("ok", "STOP", usageMetadata={"promptTokenCount": 5, "totalTokenCount": 6})
    dumped = {
        "candidates": [
            {"content": {"parts": [{"text": "ok"}]}, "finish_reason": "STOP"},
        ],
        "usage_metadata": {"prompt_token_count": 5, "total_token_count": 6},
    }
    a = read_generate_content(wire, want_json=False)
    b = read_generate_content(dumped, want_json=False)
    assert (a.text, a.finish_reason, a.usage) == (b.text, b.finish_reason, b.usage)
