"""Tools hand the model only what it can act on; what only the owner can fix raises
(issue 15, item 2; issue 16, item 6)."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from google import genai
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool

from langchain_gemini_vision import (
    GeminiAskTool,
    GeminiCaptionTool,
    GeminiDetectTool,
    GeminiSegmentTool,
    GeminiVisionClient,
    ImageStore,
    RetryPolicy,
)
from langchain_gemini_vision.errors import (
    GeminiVisionAuthError,
    GeminiVisionInvalidRequestError,
    GeminiVisionNotFoundError,
)
from langchain_gemini_vision.testing import GeminiEmulator, Scene
from tests.unit._served import ServedGemini, error, model_text
from tests.unit._stack_headroom import watch_collections

FAST = RetryPolicy(max_attempts=2, initial_delay=0, max_delay=0)


async def run(tool: BaseTool, mode: str, **args: Any) -> ToolMessage:
    call = {"type": "tool_call", "id": "call_1", "name": tool.name, "args": args}
    message = tool.invoke(call) if mode == "sync" else await tool.ainvoke(call)
    assert isinstance(message, ToolMessage)
    return message


MODES = ["sync", "async"]


# ----------------------------------------------------------------------------- raised


@pytest.fixture(scope="module")
def locked() -> Iterator[GeminiEmulator]:
    """An emulator that accepts one key only."""
    with GeminiEmulator(expected_api_key="the-right-key") as emu:
        yield emu


@pytest.mark.parametrize("mode", MODES)
async def test_a_wrong_key_raises_instead_of_reaching_the_model(
    locked: GeminiEmulator, store: ImageStore, mode: str
) -> None:
    tool = GeminiCaptionTool(api_key="a-wrong-key", base_url=locked.base_url, image_store=store)
    with pytest.raises(GeminiVisionAuthError, match="API key not valid"):
        await run(tool, mode, image="img_1")


@pytest.mark.parametrize("mode", MODES)
async def test_a_permission_error_raises(emu: GeminiEmulator, store: ImageStore, mode: str) -> None:
    emu.faults.inject("interactions", 403, times=1)
    tool = GeminiDetectTool(api_key="k", base_url=emu.base_url, image_store=store)
    with pytest.raises(GeminiVisionAuthError):
        await run(tool, mode, image="img_1")


@pytest.mark.parametrize("mode", MODES)
async def test_an_unknown_model_raises(emu: GeminiEmulator, store: ImageStore, mode: str) -> None:
    tool = GeminiCaptionTool(
        api_key="k", base_url=emu.base_url, model="imagen-9-unknown", image_store=store
    )
    with pytest.raises(GeminiVisionNotFoundError, match="imagen-9-unknown"):
        await run(tool, mode, image="img_1")


LOCATION = {
    "error": {
        "code": 400,
        "message": "User location is not supported for the API use.",
        "status": "FAILED_PRECONDITION",
    }
}


@pytest.mark.parametrize("mode", MODES)
async def test_a_failed_precondition_raises_to_the_owner(
    served: ServedGemini, store: ImageStore, mode: str
) -> None:
    # "User location is not supported": nothing the model can change fixes it.
    served.reply = error(400, LOCATION)
    tool = GeminiCaptionTool(api_key="k", base_url=served.base_url, image_store=store)
    with pytest.raises(GeminiVisionInvalidRequestError, match="location") as raised:
        await run(tool, mode, image="img_1")
    assert raised.value.code == "FAILED_PRECONDITION"


# ----------------------------------------------------------------------------- returned


@pytest.mark.parametrize("mode", MODES)
async def test_a_files_api_name_that_does_not_exist_goes_back_to_the_model(
    emu: GeminiEmulator, store: ImageStore, mode: str
) -> None:
    tool = GeminiCaptionTool(api_key="k", base_url=emu.base_url, image_store=store)
    message = await run(tool, mode, image="files/doesnotexist")
    assert message.status == "error"
    assert "ImageInputError" in str(message.content)
    assert "files/doesnotexist" in str(message.content)


@pytest.mark.parametrize("mode", MODES)
async def test_an_expired_files_api_file_goes_back_to_the_model(
    emu: GeminiEmulator, store: ImageStore, scene: Scene, mode: str
) -> None:
    sdk = genai.Client(api_key="k", http_options={"base_url": emu.base_url})
    uploaded = sdk.files.upload(file=io.BytesIO(scene.data), config={"mime_type": "image/png"})
    assert uploaded.name is not None
    tool = GeminiCaptionTool(api_key="k", base_url=emu.base_url, image_store=store)
    first = await run(tool, mode, image=uploaded.name)
    assert first.status != "error"  # the file works while it lives
    emu.expire_file(uploaded.name)
    message = await run(tool, mode, image=uploaded.name)
    assert message.status == "error"
    assert uploaded.name in str(message.content)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(("status", "hint"), [(429, "rate limited"), (503, "temporar")])
async def test_a_transient_failure_that_outlasted_the_retries_goes_back(
    emu: GeminiEmulator, store: ImageStore, mode: str, status: int, hint: str
) -> None:
    emu.faults.inject("interactions", status)
    client = GeminiVisionClient(api_key="k", base_url=emu.base_url, retry=FAST)
    tool = GeminiDetectTool(client=client, image_store=store)
    message = await run(tool, mode, image="img_1")
    assert message.status == "error"
    assert hint in str(message.content)


@pytest.fixture(scope="module")
def served() -> Iterator[ServedGemini]:
    with ServedGemini() as endpoint:
        yield endpoint


DEEP = ["[" * 5000, "[" + '{"a":' * 2000]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("answer", DEEP, ids=["brackets", "objects"])
@pytest.mark.parametrize("tool_class", [GeminiDetectTool, GeminiSegmentTool])
async def test_absurdly_nested_output_is_a_tool_error(
    served: ServedGemini,
    store: ImageStore,
    mode: str,
    answer: str,
    tool_class: type[GeminiDetectTool],
) -> None:
    """No decoder recurses into the answer: a collection that starts meanwhile has the
    stack its finalizers need (this flaked with a RecursionError raised during garbage
    collection; :func:`watch_collections` makes such a collection certain)."""
    served.reply = model_text(answer)
    tool = tool_class(api_key="k", base_url=served.base_url, image_store=store)
    with watch_collections() as watch:
        message = await run(tool, mode, image="img_1")
    assert message.status == "error"
    assert "OutputParsingError" in str(message.content)
    assert watch.collections > 0
    assert watch.starved == 0


@pytest.mark.parametrize("mode", MODES)
async def test_absurdly_nested_structured_answer_is_a_tool_error(
    served: ServedGemini, store: ImageStore, mode: str
) -> None:
    served.reply = model_text("[" * 5000)
    tool = GeminiAskTool(
        api_key="k",
        base_url=served.base_url,
        image_store=store,
        answer_schema={"type": "array", "items": {"type": "string"}},
    )
    message = await run(tool, mode, images=["img_1"], question="list the shapes")
    assert message.status == "error"
    assert "OutputParsingError" in str(message.content)
