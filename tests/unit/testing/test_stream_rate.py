"""The emulator streams answers a few tokens per event, at a rate it is given (issue 19 item 3).

``GeminiEmulator(stream_tokens_per_second=..., stream_chunk_tokens=...)``: each event
carries at most ``stream_chunk_tokens`` tokens (four characters each, the emulator's
token count), in the shapes google-genai's stream readers take (read here by the real
SDK), and the events leave at the rate given (what the streaming benchmark measures;
no test times it). The last event carries the same usage as the whole answer.
"""

from __future__ import annotations

from typing import Any

import pytest
from google import genai
from google.genai import interactions, types

from langchain_gemini_vision.testing import GeminiEmulator, make_scene
from langchain_gemini_vision.testing._emulator_cli import parse_args

from .conftest import sdk_client
from .helpers import b64

SCENE = make_scene(400, 300, objects=5, seed=7)
MODEL = "gemini-3-flash-preview"
PROMPT = "Caption this image."


def _input() -> list[dict[str, str]]:
    return [
        {"type": "text", "text": PROMPT},
        {"type": "image", "data": b64(SCENE.data), "mime_type": "image/png"},
    ]


def _parts() -> list[types.Part]:
    return [types.Part(text=PROMPT), types.Part.from_bytes(data=SCENE.data, mime_type="image/png")]


@pytest.fixture(scope="module")
def small_chunks() -> Any:
    with GeminiEmulator(stream_chunk_tokens=2) as emu:
        client = sdk_client(emu)
        yield client
        client.close()


def test_interactions_events_carry_a_few_tokens_each(small_chunks: genai.Client) -> None:
    whole = small_chunks.interactions.create(model=MODEL, input=_input())
    assert isinstance(whole, interactions.Interaction)
    events = list(small_chunks.interactions.create(model=MODEL, input=_input(), stream=True))
    deltas = [
        e.delta.text
        for e in events
        if isinstance(e, interactions.StepDelta) and isinstance(e.delta, interactions.TextDelta)
    ]
    assert "".join(deltas) == whole.output_text
    assert all(0 < len(d) <= 8 for d in deltas)
    assert len(deltas) >= len(whole.output_text or "") // 8
    last = events[-1]
    assert isinstance(last, interactions.InteractionCompletedEvent)
    # ``initial_input_tokens`` is the SDK's own (its continuation merge, on create only).
    assert last.interaction.usage is not None and whole.usage is not None
    unmerged = {"initial_input_tokens"}
    assert last.interaction.usage.model_dump(exclude=unmerged) == whole.usage.model_dump(
        exclude=unmerged
    )


def test_generate_content_chunks_carry_a_few_tokens_each(small_chunks: genai.Client) -> None:
    whole = small_chunks.models.generate_content(model=MODEL, contents=_parts())
    chunks = list(small_chunks.models.generate_content_stream(model=MODEL, contents=_parts()))
    texts = [c.text or "" for c in chunks]
    assert "".join(texts) == whole.text
    assert all(0 < len(t) <= 8 for t in texts)
    assert chunks[-1].usage_metadata == whole.usage_metadata


@pytest.mark.parametrize(
    ("setting", "value"),
    [
        ("stream_tokens_per_second", 0),
        ("stream_tokens_per_second", -5.0),
        ("stream_tokens_per_second", float("nan")),
        ("stream_chunk_tokens", 0),
    ],
)
def test_stream_settings_are_checked(setting: str, value: float) -> None:
    with pytest.raises(ValueError, match=setting):
        GeminiEmulator(**{setting: value})


def test_the_command_line_takes_the_stream_settings() -> None:
    args = parse_args(["--stream-tokens-per-second", "150", "--stream-chunk-tokens", "4"])
    assert args["stream_tokens_per_second"] == 150.0
    assert args["stream_chunk_tokens"] == 4
    assert parse_args([])["stream_tokens_per_second"] is None
