"""Callbacks and tracers see an image as a short description, never its bytes (issue 19 item 5).

A recording handler keeps every argument of every callback event; a LangSmith tracer
(``LangChainTracer`` with a LangSmith ``Client`` whose HTTP session is captured here, so
nothing leaves the process) keeps the exact bytes it would upload. Both are searched for
the images' bytes: raw, base64 in the standard and URL-safe alphabets (which covers
``data:`` URIs), and any PNG, JPEG, GIF or WEBP base64 at all.
"""

from __future__ import annotations

import base64
import dataclasses
import io
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from langchain_core.callbacks import BaseCallbackHandler
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tracers.langchain import LangChainTracer
from PIL import Image
from pydantic import BaseModel

from langchain_gemini_vision import (
    GeminiAskRunnable,
    GeminiCompareRunnable,
    GeminiDetectRunnable,
    GeminiImageLoader,
    GeminiSegmentRunnable,
    GeminiVisionToolkit,
    ImageStore,
)
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.testing import Scene

from ._scripted import ScriptedChatModel, tool_call

# Any base64 image, whatever its alphabet: PNG, JPEG, GIF and WEBP (RIFF) signatures.
_SIGNATURES = ("iVBORw0KGgo", "/9j/", "_9j_", "R0lGOD", "UklGR")
_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF8", b"RIFF")


class Recorder(BaseCallbackHandler):
    """Records every callback event with all its arguments, and the run tree."""

    def __init__(self) -> None:
        self.events: list[tuple[str, uuid.UUID | None, uuid.UUID | None, Any]] = []

    def __getattribute__(self, name: str) -> Any:
        if name.startswith("on_") and name in dir(BaseCallbackHandler):

            def record(*args: Any, **kwargs: Any) -> None:
                run_id, parent = kwargs.get("run_id"), kwargs.get("parent_run_id")
                self.events.append((name, run_id, parent, (args, kwargs)))

            return record
        return super().__getattribute__(name)

    def subtree(self, roots: set[uuid.UUID]) -> list[tuple[str, Any]]:
        """The events of these runs and of every run below them."""
        inside = set(roots)
        changed = True
        while changed:
            changed = False
            for _, run_id, parent, _ in self.events:
                if parent in inside and run_id not in inside:
                    inside.add(run_id)
                    changed = True
        return [(name, payload) for name, run_id, _, payload in self.events if run_id in inside]


class CapturedSession(requests.Session):
    """A LangSmith client's HTTP session that keeps the bodies it would send."""

    def __init__(self) -> None:
        super().__init__()
        self.bodies: list[bytes] = []

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        data = kwargs.get("data")
        self.bodies.append(data if isinstance(data, bytes) else str(data).encode())
        response = requests.Response()
        response.status_code = 200
        response._content = b"{}"
        response.headers["content-type"] = "application/json"
        return response


@pytest.fixture
def tracer() -> tuple[LangChainTracer, CapturedSession]:
    from langsmith import Client

    session = CapturedSession()
    client = Client(
        api_url="http://langsmith.invalid",
        api_key="lsv2-test",
        session=session,
        auto_batch_tracing=False,
        info={},
    )
    tracer = LangChainTracer(client=client, project_name="hygiene")
    return tracer, session


def _strings_and_bytes(value: Any, seen: set[int] | None = None, depth: int = 0) -> Iterator[Any]:
    """Every str and bytes reachable from a payload (dicts, sequences, models, objects)."""
    seen = set() if seen is None else seen
    if depth > 40 or id(value) in seen:
        return
    if isinstance(value, (str, bytes, bytearray, memoryview)):
        yield bytes(value) if not isinstance(value, str) else value
        return
    seen.add(id(value))
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _strings_and_bytes(key, seen, depth + 1)
            yield from _strings_and_bytes(item, seen, depth + 1)
    elif isinstance(value, (list, tuple, set, frozenset)):
        for item in value:
            yield from _strings_and_bytes(item, seen, depth + 1)
    elif isinstance(value, BaseModel):
        fields = {name: getattr(value, name) for name in type(value).model_fields}
        yield from _strings_and_bytes(fields, seen, depth + 1)
        yield from _strings_and_bytes(repr(value), seen, depth + 1)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield from _strings_and_bytes(vars(value), seen, depth + 1)
    elif isinstance(value, Exception):
        yield str(value)
    elif hasattr(value, "__dict__") and not isinstance(value, type):
        yield from _strings_and_bytes(vars(value), seen, depth + 1)
        yield repr(value)


def _forms(image: bytes) -> list[str]:
    """How an image's bytes can appear in text: base64 in both alphabets, from two offsets."""
    standard = base64.b64encode(image).decode()
    urlsafe = base64.urlsafe_b64encode(image).decode()
    middle = len(standard) // 2 // 4 * 4
    return [form[start : start + 24] for form in (standard, urlsafe) for start in (0, middle)]


def leaks(payload: Any, images: list[bytes]) -> list[str]:
    """Where a payload holds image data: the images' bytes or base64, or any image base64."""
    found = []
    forms = [form for image in images for form in _forms(image)]
    for value in _strings_and_bytes(payload):
        if isinstance(value, bytes):
            if any(image[16:48] in value for image in images) or any(
                value.startswith(magic) for magic in _MAGIC
            ):
                found.append(f"raw bytes ({len(value)})")
        elif any(form in value for form in forms) or any(sig in value for sig in _SIGNATURES):
            found.append(value[:120])
    return found


def _png(colour: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _block(data: bytes) -> dict[str, str]:
    return {"type": "image", "base64": base64.b64encode(data).decode(), "mime_type": "image/png"}


# --------------------------------------------------------------------------- Runnables


def test_a_runnables_traced_inputs_describe_the_image_instead_of_carrying_it(
    client: GeminiVisionClient, scene: Scene, tracer: tuple[LangChainTracer, CapturedSession]
) -> None:
    recorder = Recorder()
    langsmith, session = tracer
    detector = GeminiDetectRunnable(client=client)
    config: Any = {"callbacks": [recorder, langsmith]}
    detector.invoke(scene.data, config)
    detector.invoke({"image": scene.data, "query": "circles"}, config)
    data_uri = "data:image/png;base64," + base64.b64encode(scene.data).decode()
    detector.batch([data_uri, base64.b64encode(scene.data).decode(), _block(scene.data)], config)
    detector.invoke(client.prepare(scene.data), config)
    detector.invoke(Image.open(io.BytesIO(scene.data)), config)
    langsmith.wait_for_futures()

    assert recorder.events, "the handler saw nothing"
    for name, _, _, payload in recorder.events:
        assert not leaks(payload, [scene.data]), (name, leaks(payload, [scene.data]))
    assert session.bodies, "the tracer uploaded nothing"
    for body in session.bodies:
        assert not leaks(body.decode(errors="replace"), [scene.data])
    # What the trace shows instead: the source, the type, the size and a hash prefix.
    starts = [p for n, _, _, p in recorder.events if n == "on_chain_start"]
    first = str(starts[0])
    assert "image/png" in first and "sha256:" in first, first


async def test_async_and_multi_image_runs_are_clean_too(
    client: GeminiVisionClient, scene: Scene, scene5: Scene
) -> None:
    recorder = Recorder()
    config: Any = {"callbacks": [recorder]}
    await GeminiCompareRunnable(client=client).ainvoke([scene.data, scene5.data], config)
    await GeminiAskRunnable(client=client).ainvoke(
        {"images": [_block(scene.data)], "question": "How many shapes?"}, config
    )
    images = [scene.data, scene5.data]
    assert len({n for n, *_ in recorder.events}) >= 4  # chain and chat-model starts and ends
    for name, _, _, payload in recorder.events:
        assert not leaks(payload, images), (name, leaks(payload, images))


def test_the_checker_is_not_blind(scene: Scene) -> None:
    """The search finds each form an image can take in a payload."""
    encoded = base64.b64encode(scene.data).decode()
    for payload in (
        {"input": scene.data},
        {"input": encoded},
        {"input": "data:image/png;base64," + encoded},
        [HumanMessage([_block(scene.data)])],
        {"input": base64.urlsafe_b64encode(scene.data).decode()},
        {"input": "prefix " + encoded[400:]},
        {"input": base64.b64encode(_png("red")).decode()},  # another image altogether
    ):
        assert leaks(payload, [scene.data]), payload


# --------------------------------------------------------------------------- Tools


def test_a_tools_runs_are_clean(
    client: GeminiVisionClient, scene: Scene, tracer: tuple[LangChainTracer, CapturedSession]
) -> None:
    recorder = Recorder()
    langsmith, session = tracer
    store = ImageStore()
    image_id = store.add(scene.data)
    block_id = store.add(_block(scene.data))
    tools = GeminiVisionToolkit(client=client, image_store=store).get_tools()
    config: Any = {"callbacks": [recorder, langsmith]}
    by_name = {tool.name: tool for tool in tools}
    by_name["gemini_detect_objects"].invoke({"image": image_id}, config)
    by_name["gemini_caption_image"].invoke({"image": block_id}, config)
    by_name["gemini_compare_images"].invoke({"images": [image_id, block_id]}, config)
    by_name["gemini_segment_objects"].invoke({"image": image_id}, config)
    langsmith.wait_for_futures()
    names = {n for n, *_ in recorder.events}
    assert {"on_tool_start", "on_tool_end", "on_chain_start", "on_chat_model_start"} <= names
    for name, _, _, payload in recorder.events:
        assert not leaks(payload, [scene.data]), (name, leaks(payload, [scene.data]))
    for body in session.bodies:
        assert not leaks(body.decode(errors="replace"), [scene.data])


def test_the_toolkit_in_an_agent_adds_no_copy_of_the_users_images(
    client: GeminiVisionClient, scene: Scene, scene5: Scene
) -> None:
    """The user's images reach the agent's own model (they are its input); every run the
    vision tools open (tool, chain, their chat-model run) carries descriptions only."""
    from langchain.agents import create_agent

    store = ImageStore()
    ids = [store.add(scene.data), store.add(scene5.data)]
    tools = GeminiVisionToolkit(client=client, image_store=store).get_tools()
    model = ScriptedChatModel(
        steps=[
            tool_call("gemini_compare_images", {"images": ids}, "c1"),
            tool_call("gemini_detect_objects", {"image": ids[1]}, "c2"),
            lambda _messages: AIMessage("done"),
        ]
    )
    agent = create_agent(model, tools=tools)
    recorder = Recorder()
    text = {"type": "text", "text": f"compare {ids[0]} and {ids[1]}"}
    message = HumanMessage([text, _block(scene.data), _block(scene5.data)])
    state = agent.invoke({"messages": [message]}, {"callbacks": [recorder]})
    assert [m.status for m in state["messages"] if isinstance(m, ToolMessage)] == ["success"] * 2

    tool_runs = {run_id for name, run_id, _, _ in recorder.events if name == "on_tool_start"}
    assert len(tool_runs) == 2
    ours = recorder.subtree({r for r in tool_runs if r is not None})
    assert {name for name, _ in ours} >= {"on_tool_start", "on_chain_start", "on_chat_model_start"}
    for name, payload in ours:
        assert not leaks(payload, [scene.data, scene5.data]), name


# --------------------------------------------------------------------------- the loader


def test_the_loaders_documents_name_their_images_without_carrying_them(
    client: GeminiVisionClient, scene: Scene
) -> None:
    small = _png("blue")  # a whole image in under 300 base64 characters
    encoded = base64.b64encode(small).decode()
    assert len(encoded) < 300
    sources: list[Any] = [
        scene.data,
        encoded,
        "data:image/png;base64," + encoded,
        _block(scene.data),
    ]
    documents: list[Document] = GeminiImageLoader(sources, client=client).load()
    assert len(documents) == 4
    for document in documents:
        assert not leaks(document.metadata, [scene.data, small]), document.metadata
        assert not leaks(document.page_content, [scene.data, small])
    # A chain that handles the documents traces them as they are: still clean.
    from langchain_core.runnables import RunnableLambda

    recorder = Recorder()
    RunnableLambda(len).invoke(documents, {"callbacks": [recorder]})
    for name, _, _, payload in recorder.events:
        assert not leaks(payload, [scene.data, small]), name


# --------------------------------------------------------------------------- answers with images


def test_masks_the_model_answers_as_pngs_stay_out_of_traces(
    client: GeminiVisionClient, scene: Scene
) -> None:
    """Gemini 2.5 answers masks as base64 PNGs inside its text: the chat-model run's
    output, the chain's output and the tool's artifact describe them instead."""
    png_masks = GeminiVisionClient(client.settings, model="gemini-2.5-flash")
    recorder = Recorder()
    config: Any = {"callbacks": [recorder]}
    result = GeminiSegmentRunnable(client=png_masks).invoke(scene.data, config)
    assert "data:image/png;base64," in result.raw_text  # the caller keeps the answer whole
    assert result.detections and all(d.mask is not None for d in result.detections)
    store = ImageStore()
    (tool,) = GeminiVisionToolkit(
        client=png_masks, image_store=store, include=["segment"]
    ).get_tools()
    call = {
        "type": "tool_call",
        "name": tool.name,
        "args": {"image": store.add(scene.data)},
        "id": "call_1",
    }
    message = tool.invoke(call, config)
    assert isinstance(message, ToolMessage) and message.artifact["detections"]
    names = {n for n, *_ in recorder.events}
    assert {"on_llm_end", "on_chain_end", "on_tool_end"} <= names
    for name, _, _, payload in recorder.events:
        assert not leaks(payload, [scene.data]), (name, leaks(payload, [scene.data]))
    ends = [p for n, _, _, p in recorder.events if n == "on_chain_end"]
    assert "image/png" in str(ends[0]) and "sha256:" in str(ends[0])
