"""The key never reaches an error: not its text, not a chained SDK exception, not a local
variable a traceback keeps (Sentry, rich's show_locals), not a tool message (issue 16,
items 12 and 13)."""

from __future__ import annotations

import traceback
from collections.abc import Iterator
from types import TracebackType
from typing import Any

import pytest
from langchain_core.messages import ToolMessage

from langchain_gemini_vision import (
    GeminiCaptionTool,
    GeminiVisionClient,
    ImageStore,
    RetryPolicy,
)
from langchain_gemini_vision._transport.base import VisionRequest
from langchain_gemini_vision.errors import GeminiVisionError
from langchain_gemini_vision.testing import GeminiEmulator, make_scene
from tests.unit._served import ServedGemini, echo_key

# Not shaped like a Google key: only the client's own knowledge of it can hide it.
KEY = "sk-test-0123456789abcdef"
IMAGE = make_scene(48, 32, objects=1).data


def _chain(error: BaseException | None, seen: set[int] | None = None) -> Iterator[BaseException]:
    """``error``, then its causes and contexts, each once."""
    seen = set() if seen is None else seen
    if error is None or id(error) in seen:
        return
    seen.add(id(error))
    yield error
    yield from _chain(error.__cause__, seen)
    yield from _chain(error.__context__, seen)


def _frames(error: BaseException) -> Iterator[Any]:
    for link in _chain(error):
        tb: TracebackType | None = link.__traceback__
        while tb is not None:
            yield tb.tb_frame
            tb = tb.tb_next


def _leaking_locals(error: BaseException) -> list[str]:
    leaks = []
    for frame in _frames(error):
        for name, value in frame.f_locals.items():
            try:
                shown = repr(value)
            except Exception:
                continue
            if KEY in shown:
                where = f"{frame.f_code.co_filename}:{frame.f_code.co_name}"
                leaks.append(f"{where} {name}")
    return leaks


async def _provoke(client: GeminiVisionClient, how: str) -> GeminiVisionError:
    request = VisionRequest(prompt="describe", images=(client.prepare(IMAGE),))
    try:
        if how == "send":
            client.generate(request)
        elif how == "asend":
            await client.agenerate(request)
        elif how == "stream":
            list(client.stream(request))
        else:
            _ = [piece async for piece in client.astream(request)]
    except GeminiVisionError as error:
        return error
    finally:
        await client.aclose()
    pytest.fail("no error was raised")


HOWS = ["send", "asend", "stream", "astream"]


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator(expected_api_key="another-key") as emu:
        yield emu


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
@pytest.mark.parametrize("how", HOWS)
async def test_no_local_of_a_lean_error_traceback_shows_the_key(
    emulator: GeminiEmulator, how: str, api: Any
) -> None:
    client = GeminiVisionClient(
        api_key=KEY, base_url=emulator.base_url, api=api, retry=RetryPolicy(max_attempts=1)
    )
    error = await _provoke(client, how)
    assert "API key not valid" in str(error)
    assert _leaking_locals(error) == []


@pytest.mark.parametrize("how", HOWS)
async def test_no_local_of_a_lean_connection_failure_shows_the_key(how: str) -> None:
    client = GeminiVisionClient(
        api_key=KEY, base_url="http://127.0.0.1:9", retry=RetryPolicy(max_attempts=1)
    )
    error = await _provoke(client, how)
    assert error.__cause__ is not None  # the HTTP library's frames are walked too
    assert _leaking_locals(error) == []


@pytest.fixture(scope="module")
def echoing() -> Iterator[ServedGemini]:
    with ServedGemini() as served:
        served.reply = echo_key()
        yield served


def _all_text(error: BaseException) -> str:
    return "".join(traceback.format_exception(error)) + repr(error) + str(error)


@pytest.mark.parametrize("transport", ["lean", "sdk"])
@pytest.mark.parametrize("api", ["interactions", "generate_content"])
@pytest.mark.parametrize("how", HOWS)
async def test_a_key_echoed_by_the_endpoint_is_redacted_from_every_error_text(
    echoing: ServedGemini, transport: Any, api: Any, how: str
) -> None:
    client = GeminiVisionClient(
        api_key=KEY,
        base_url=echoing.base_url,
        transport=transport,
        api=api,
        retry=RetryPolicy(max_attempts=1),
    )
    error = await _provoke(client, how)
    assert echoing.calls[-1].key == KEY  # the endpoint did get, and echo, the key
    text = _all_text(error)
    assert "is not valid for this gateway" in text
    assert KEY not in text


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_a_key_echoed_by_the_endpoint_never_reaches_the_model(
    echoing: ServedGemini, mode: str
) -> None:
    store = ImageStore()
    image_id = store.add(IMAGE)
    tool = GeminiCaptionTool(
        client=GeminiVisionClient(
            api_key=KEY, base_url=echoing.base_url, retry=RetryPolicy(max_attempts=1)
        ),
        image_store=store,
    )
    call = {"type": "tool_call", "id": "1", "name": tool.name, "args": {"image": image_id}}
    message = tool.invoke(call) if mode == "sync" else await tool.ainvoke(call)
    assert isinstance(message, ToolMessage)
    assert message.status == "error"
    assert "is not valid for this gateway" in str(message.content)
    assert KEY not in str(message.content)
