"""The API key never leaves its SecretStr: not in repr, str, logs, errors, serialisation,
callback events or metadata, whatever path a call takes (success, retry, failure)."""

from __future__ import annotations

import logging
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.load import dumpd, dumps

from langchain_gemini_vision import (
    GeminiCaptionRunnable,
    GeminiDetectRunnable,
    GeminiDetectTool,
    GeminiVisionClient,
    GeminiVisionError,
    GeminiVisionToolkit,
    ImageStore,
    RetryPolicy,
)
from langchain_gemini_vision.testing import GeminiEmulator, make_scene

SECRET = "AIza" + "SyLEAKCHECKleakcheckLEAKCHECK1234567"


class Recorder(BaseCallbackHandler):
    """Keeps the text of every callback event, with its payload."""

    def __init__(self) -> None:
        self.events: list[str] = []

    def _keep(self, name: str, *args: Any, **kwargs: Any) -> None:
        self.events.append(f"{name} {args!r} {kwargs!r}")

    def on_chain_start(self, *args: Any, **kwargs: Any) -> None:
        self._keep("chain_start", *args, **kwargs)

    def on_chain_end(self, *args: Any, **kwargs: Any) -> None:
        self._keep("chain_end", *args, **kwargs)

    def on_chain_error(self, *args: Any, **kwargs: Any) -> None:
        self._keep("chain_error", *args, **kwargs)

    def on_chat_model_start(self, *args: Any, **kwargs: Any) -> None:
        self._keep("chat_model_start", *args, **kwargs)

    def on_llm_start(self, *args: Any, **kwargs: Any) -> None:
        self._keep("llm_start", *args, **kwargs)

    def on_llm_end(self, *args: Any, **kwargs: Any) -> None:
        self._keep("llm_end", *args, **kwargs)

    def on_llm_error(self, *args: Any, run_id: UUID, **kwargs: Any) -> None:
        self._keep("llm_error", *args, **kwargs)

    def on_tool_start(self, *args: Any, **kwargs: Any) -> None:
        self._keep("tool_start", *args, **kwargs)

    def on_tool_end(self, *args: Any, **kwargs: Any) -> None:
        self._keep("tool_end", *args, **kwargs)

    def on_tool_error(self, *args: Any, **kwargs: Any) -> None:
        self._keep("tool_error", *args, **kwargs)


@pytest.fixture(scope="module")
def emulator() -> Any:
    with GeminiEmulator(expected_api_key=SECRET) as emu:
        yield emu


def test_client_runnable_tool_and_toolkit_never_show_the_key(
    emulator: GeminiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emulator.faults.inject("interactions", schedule=[503, 429])  # the retry path logs too
    scene = make_scene(200, 150, objects=2, seed=5)
    recorder = Recorder()
    client = GeminiVisionClient(
        api_key=SECRET, base_url=emulator.base_url, retry=RetryPolicy(initial_delay=0.001)
    )
    detector = GeminiDetectRunnable(api_key=SECRET, base_url=emulator.base_url)
    captioner = GeminiCaptionRunnable(client=client)
    store = ImageStore()
    image_id = store.add(scene.data)
    tool = GeminiDetectTool(api_key=SECRET, base_url=emulator.base_url, image_store=store)
    toolkit = GeminiVisionToolkit(api_key=SECRET, base_url=emulator.base_url, image_store=store)

    detector.invoke(scene.data, config={"callbacks": [recorder], "metadata": {"k": "v"}})
    captioner.invoke(scene.data, config={"callbacks": [recorder]})
    tool.invoke(
        {"type": "tool_call", "id": "1", "name": tool.name, "args": {"image": image_id}},
        config={"callbacks": [recorder]},
    )

    seen: list[str] = [
        repr(client),
        str(client),
        repr(detector),
        str(detector),
        repr(tool),
        repr(toolkit),
        dumps(detector),
        dumps(captioner),
        str(dumpd(tool)),
        str(detector.model_dump()),
        str(tool.model_dump()),
        str(toolkit.model_dump()),
        *[repr(t) for t in toolkit.get_tools()],
        caplog.text,
        *recorder.events,
    ]
    assert recorder.events, "no callback events were recorded"
    leaks = [text[:200] for text in seen if SECRET in text]
    assert not leaks, leaks


def test_errors_never_carry_the_key(emulator: GeminiEmulator) -> None:
    wrong = "AIza" + "SyWRONGwrongWRONGwrongWRONGwrong123"
    with GeminiVisionClient(api_key=wrong, base_url=emulator.base_url) as client:
        with pytest.raises(GeminiVisionError) as info:
            client.caption(make_scene(64, 64, objects=1).data)
    text = f"{info.value!s} {info.value!r} {info.value.__cause__!r}"
    assert wrong not in text
    assert SECRET not in text
