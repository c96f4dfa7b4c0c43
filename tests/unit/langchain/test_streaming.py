"""Streaming (issue 19 item 3): the Runnables hand over text and detections as they arrive.

``stream``/``astream`` of a task with a streaming form yield its chunks (a caption's,
a comparison summary's or an answer's text as it grows; each ``Detection`` as soon as
its object in the streamed JSON is complete), then the typed result itself, which
carries the usage and the truncation flag. The chunks add up to that result, and the
result is the one ``invoke`` gives for the same image: every task with a streaming
form, both APIs, both transports, sync and async, on several emulator dialects
(wrapped lists, fenced JSON after prose, PNG masks, polygons) and a stream cut at the
output limit.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from langchain_core.callbacks import AsyncCallbackHandler, BaseCallbackHandler
from langchain_core.outputs import LLMResult
from pydantic import BaseModel

from langchain_gemini_vision._transport.base import VisionRequest
from langchain_gemini_vision._transport.retry import RetryPolicy
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.errors import GeminiVisionConnectionError
from langchain_gemini_vision.results import DetectionResult
from langchain_gemini_vision.runnables import GeminiDetectRunnable, GeminiVisionRunnable
from langchain_gemini_vision.tasks import DETECT, TaskCall, register_task, unregister_task
from langchain_gemini_vision.tasks.detect import DetectOptions
from langchain_gemini_vision.testing import GeminiEmulator, MockRequest, MockTransport, make_scene

pytestmark = pytest.mark.emulator_only

APIS = ["interactions", "generate_content"]
FAST = RetryPolicy(initial_delay=0.001, max_delay=0.01)
TRANSPORTS = ["lean", "sdk"]


# ----------------------------------------------------------------------------- registered tasks


class _TextDetect(type(DETECT), name="detect_text"):  # type: ignore[misc]
    """Detection asked without a response schema: each dialect writes its own text
    (a bare list; fenced by Gemini 2.5; fenced after a sentence of prose by 2.0)."""

    tool_name = None

    def build(self, call: TaskCall[DetectOptions]) -> VisionRequest:
        return super().build(call).model_copy(update={"response_schema": None})


class _CappedDetect(type(DETECT), name="detect_capped"):  # type: ignore[misc]
    """Detection with a small output limit: the answer stops mid-list (``MAX_TOKENS``)."""

    tool_name = None

    def build(self, call: TaskCall[DetectOptions]) -> VisionRequest:
        return super().build(call).model_copy(update={"max_output_tokens": 40})


@pytest.fixture(scope="module", autouse=True)
def _registered() -> Iterator[None]:
    register_task(_TextDetect())
    register_task(_CappedDetect())
    yield
    unregister_task("detect_text")
    unregister_task("detect_capped")


# ----------------------------------------------------------------------------- the cases

SCENE = make_scene(400, 300, objects=5, seed=7)
OTHER = make_scene(400, 300, objects=3, seed=8)

COUNT_SCHEMA = {
    "type": "object",
    "properties": {"count": {"type": "integer"}, "colours": {"type": "string"}},
    "required": ["count", "colours"],
}


@dataclass(frozen=True)
class Case:
    """One task on one dialect: what to send, and what the stream must show."""

    task: str
    model: str
    input: Any
    kind: str  # "text" (text deltas) or "detections"
    settings: dict[str, Any] = field(default_factory=dict)


CASES = {
    "caption": Case("caption", "gemini-3-flash-preview", SCENE.data, "text"),
    "compare": Case("compare", "gemini-3-flash-preview", [SCENE.data, OTHER.data], "text"),
    "ask-free-text": Case(
        "ask",
        "gemini-3-flash-preview",
        {"image": SCENE.data, "question": "What colours are the shapes?"},
        "text",
    ),
    "ask-schema": Case(
        "ask",
        "gemini-3-flash-preview",
        {"image": SCENE.data, "question": "How many shapes?", "schema": COUNT_SCHEMA},
        "text",
    ),
    "detect-wrapped-list": Case("detect", "gemini-3-flash-preview", SCENE.data, "detections"),
    "detect-gemini-2.0": Case("detect", "gemini-2.0-flash", SCENE.data, "detections"),
    "detect-max-objects": Case(
        "detect", "gemini-3-flash-preview", {"image": SCENE.data, "max_objects": 2}, "detections"
    ),
    "detect-item-cap": Case(
        "detect",
        "gemini-3-flash-preview",
        SCENE.data,
        "detections",
        {"max_detection_items": 3},
    ),
    "segment-polygons": Case("segment", "gemini-3-flash-preview", SCENE.data, "detections"),
    "segment-png-masks": Case("segment", "gemini-2.5-flash", SCENE.data, "detections"),
    "fenced-json": Case("detect_text", "gemini-2.5-flash", SCENE.data, "detections"),
    "prose-then-fenced-json": Case("detect_text", "gemini-2.0-flash", SCENE.data, "detections"),
    "bare-list": Case("detect_text", "gemini-3-flash-preview", SCENE.data, "detections"),
    "truncated-stream": Case("detect_capped", "gemini-3-flash-preview", SCENE.data, "detections"),
}


# PNG masks stream as thousands of characters of base64, and google-genai builds a
# pydantic model for every Interactions event it reads (about 0.05 s each here).
CASE_NAMES = [
    pytest.param(name, marks=pytest.mark.slow) if name == "segment-png-masks" else name
    for name in CASES
]


def _runnable(case: Case, emu: GeminiEmulator, api: str, transport: str) -> Any:
    cls = GeminiVisionRunnable.for_task(case.task)
    return cls(
        api_key="test-key",
        base_url=emu.base_url,
        model=case.model,
        api=api,
        transport=transport,
        **case.settings,
    )


class _Tokens(BaseCallbackHandler):
    """What the chat-model run sees: its tokens in order, and how it ended."""

    def __init__(self, events: list[tuple[str, Any]]) -> None:
        self.events = events
        self.ends: list[LLMResult] = []

    def on_llm_new_token(self, token: str, **kw: Any) -> None:
        self.events.append(("token", token))

    def on_llm_end(self, response: LLMResult, **kw: Any) -> None:
        self.ends.append(response)


class _AsyncTokens(AsyncCallbackHandler):
    def __init__(self, events: list[tuple[str, Any]]) -> None:
        self.events = events
        self.ends: list[LLMResult] = []

    async def on_llm_new_token(self, token: str, **kw: Any) -> None:
        self.events.append(("token", token))

    async def on_llm_end(self, response: LLMResult, **kw: Any) -> None:
        self.ends.append(response)


def _comparable(result: BaseModel) -> BaseModel:
    """The result without the call's own wall time."""
    if "elapsed_s" in type(result).model_fields:
        return result.model_copy(update={"elapsed_s": 0.0})
    return result


def _streamed_text(case: Case, result: Any) -> str:
    if case.task == "compare":
        return str(result.summary)
    return str(result.text)


def _check_stream(case: Case, events: list[tuple[str, Any]], invoked: BaseModel) -> None:
    """The chunks arrived while the answer was arriving, and add up to the invoked result."""
    outputs = [value for kind, value in events if kind == "output"]
    tokens = [value for kind, value in events if kind == "token"]
    *chunks, result = outputs
    assert isinstance(result, type(invoked))
    assert _comparable(result) == _comparable(invoked)
    assert len(tokens) > 1, "the model's text reached the callbacks in pieces"
    if isinstance(result, DetectionResult):
        assert tokens and "".join(tokens) == result.raw_text
        streamed = [d for chunk in chunks for d in chunk.detections]
        assert streamed == list(result.detections)
    else:
        assert "".join(chunk.text_delta for chunk in chunks) == _streamed_text(case, result)
    # A task with a streaming form hands over its first piece before the answer ends.
    assert chunks, "nothing was streamed before the result"
    first_chunk = next(i for i, (kind, _) in enumerate(events) if kind == "output")
    last_token = max(i for i, (kind, _) in enumerate(events) if kind == "token")
    assert first_chunk < last_token, "the first chunk waited for the whole answer"
    total = chunks[0]
    for chunk in chunks[1:]:
        total = total + chunk
    assert total + result == result  # the stream adds up to its result


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("name", CASE_NAMES)
def test_stream_adds_up_to_the_invoked_result(
    emu: GeminiEmulator, name: str, api: str, transport: str
) -> None:
    case = CASES[name]
    runnable = _runnable(case, emu, api, transport)
    events: list[tuple[str, Any]] = []
    handler = _Tokens(events)
    for output in runnable.stream(case.input, config={"callbacks": [handler]}):
        events.append(("output", output))
    invoked = runnable.invoke(case.input)
    _check_stream(case, events, invoked)
    assert len(handler.ends) == 1
    usage = handler.ends[0].generations[0][0].message.usage_metadata  # type: ignore[attr-defined]
    assert usage["input_tokens"] == invoked.usage.input_tokens  # type: ignore[attr-defined]
    if case.task == "detect_capped":
        assert invoked.truncated  # type: ignore[attr-defined]
        assert 0 < len(invoked) < len(SCENE.objects)  # type: ignore[arg-type]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("name", CASE_NAMES)
async def test_astream_adds_up_to_the_invoked_result(
    emu: GeminiEmulator, name: str, api: str, transport: str
) -> None:
    case = CASES[name]
    runnable = _runnable(case, emu, api, transport)
    events: list[tuple[str, Any]] = []
    handler = _AsyncTokens(events)
    async for output in runnable.astream(case.input, config={"callbacks": [handler]}):
        events.append(("output", output))
    invoked = await runnable.ainvoke(case.input)
    _check_stream(case, events, invoked)
    assert len(handler.ends) == 1


# ----------------------------------------------------------------------------- LangChain's view


def _detector(emu: GeminiEmulator, **settings: Any) -> GeminiDetectRunnable:
    return GeminiDetectRunnable(api_key="test-key", base_url=emu.base_url, **settings)


async def test_astream_events_v2_shows_the_stream(emu: GeminiEmulator) -> None:
    detector = _detector(emu)
    events = [e async for e in detector.astream_events(SCENE.data, version="v2")]
    kinds = [e["event"] for e in events]
    assert kinds[0] == "on_chain_start"
    assert kinds[-1] == "on_chain_end"
    assert kinds.count("on_chat_model_start") == 1
    assert kinds.count("on_chat_model_end") == 1
    tokens = [e["data"]["chunk"].content for e in events if e["event"] == "on_chat_model_stream"]
    streamed = [e["data"]["chunk"] for e in events if e["event"] == "on_chain_stream"]
    result = events[-1]["data"]["output"]
    assert isinstance(result, DetectionResult)
    assert "".join(tokens) == result.raw_text
    assert len(tokens) > 1
    *chunks, last = streamed
    assert last == result
    assert [d for c in chunks for d in c.detections] == list(result.detections)
    assert len(chunks) == len(SCENE.objects)
    ended = next(e for e in events if e["event"] == "on_chat_model_end")
    assert ended["data"]["output"].usage_metadata["total_tokens"] == result.usage.total_tokens


def test_a_chain_after_a_streamed_runnable_receives_the_result(emu: GeminiEmulator) -> None:
    chain = _detector(emu) | (lambda result: sorted(result.labels))
    assert list(chain.stream(SCENE.data)) == [sorted(o.label for o in SCENE.objects)]


async def test_an_async_chain_after_a_streamed_runnable_receives_the_result(
    emu: GeminiEmulator,
) -> None:
    chain = _detector(emu) | len
    assert [n async for n in chain.astream(SCENE.data)] == [len(SCENE.objects)]


def test_a_task_without_objects_streams_its_result_alone(emu: GeminiEmulator) -> None:
    blank = make_scene(200, 150, objects=[], seed=1)
    outputs = list(_detector(emu).stream(blank.data))
    assert len(outputs) == 1
    assert isinstance(outputs[0], DetectionResult)
    assert len(outputs[0]) == 0


# ----------------------------------------------------------------------------- failures


@pytest.mark.parametrize("api", APIS)
def test_a_stream_is_retried_until_its_first_piece(emu: GeminiEmulator, api: str) -> None:
    route = "interactions" if api == "interactions" else "generate_content"
    emu.faults.inject(route, schedule=[503, 429])
    detector = _detector(emu, api=api, retry=FAST)
    outputs = list(detector.stream(SCENE.data))
    assert len(outputs) == len(SCENE.objects) + 1
    assert emu.stats.faults["503"] == emu.stats.faults["429"] == 1


@pytest.mark.parametrize("api", APIS)
def test_a_stream_cut_mid_answer_raises_after_what_it_handed_over(
    emu: GeminiEmulator, api: str
) -> None:
    """Not retried once text has arrived: the caller has already used the first boxes."""
    route = "interactions" if api == "interactions" else "generate_content"
    emu.faults.inject(route, "truncate", times=1)
    detector = _detector(emu, api=api, retry=FAST)
    outputs: list[Any] = []

    def drain() -> None:
        for output in detector.stream(SCENE.data):
            outputs.append(output)

    with pytest.raises(GeminiVisionConnectionError):
        drain()
    assert outputs, "the boxes that arrived before the cut were handed over"
    assert not any(isinstance(o, DetectionResult) for o in outputs)
    assert emu.stats.requests[route] == 1


# ----------------------------------------------------------------------------- the client


@pytest.fixture(params=[(a, t) for a in APIS for t in TRANSPORTS], ids="-".join)
def client(emu: GeminiEmulator, request: pytest.FixtureRequest) -> Iterator[GeminiVisionClient]:
    """A client on the emulator, for each API and transport."""
    api, transport = request.param
    with GeminiVisionClient(
        api_key="k", base_url=emu.base_url, api=api, transport=transport
    ) as made:
        yield made


async def test_the_client_streams_a_task_and_counts_its_usage(
    client: GeminiVisionClient,
) -> None:
    seen: list[str] = []
    outputs = list(client.run_stream("detect", SCENE.data, on_text=seen.append))
    result = outputs[-1]
    assert isinstance(result, DetectionResult)
    assert "".join(seen) == result.raw_text
    assert client.usage == result.usage
    aoutputs = [o async for o in client.arun_stream("detect", SCENE.data)]
    assert _comparable(aoutputs[-1]) == _comparable(result)
    assert client.usage.total_tokens == 2 * result.usage.total_tokens


async def test_a_streamed_answer_ends_with_the_whole_response(
    client: GeminiVisionClient,
) -> None:
    """What ``generate`` returns, a stream ends with: text, usage, finish reason, truncation."""
    image = client.prepare(SCENE.data)
    for limit in (None, 20):
        request = VisionRequest(
            prompt="Caption this image.", images=(image,), max_output_tokens=limit
        )
        whole = client.generate(request)
        *pieces, final = list(client.stream_response(request))
        *apieces, afinal = [p async for p in client.astream_response(request)]
        for got, text in ((final, "".join(pieces)), (afinal, "".join(apieces))):
            assert got.text == text == whole.text
            assert got.usage == whole.usage
            assert got.truncated == whole.truncated == (limit is not None)
            assert got.finish_reason == whole.finish_reason
            assert got.model == whole.model


def test_chunks_add_up_and_end_in_the_result(emu: GeminiEmulator) -> None:
    outputs = list(_detector(emu).stream(SCENE.data))
    *chunks, result = outputs
    two = chunks[0] + chunks[1]
    assert two.detections == (*chunks[0].detections, *chunks[1].detections)
    assert chunks[0].detection == chunks[0].detections[0]
    assert two + result is result
    with pytest.raises(TypeError):
        _ = chunks[0] + "text"  # type: ignore[operator]
    assert json.loads(chunks[0].model_dump_json())["detections"][0]["label"]


def _cut_answer(request: MockRequest) -> dict[str, Any]:
    """A free answer stopped at the output limit, in the API's own shape."""
    text = "The shapes are red, green and bl"
    if request.api == "interactions":
        return {
            "id": "cut",
            "status": "incomplete",
            "steps": [{"type": "model_output", "content": [{"type": "text", "text": text}]}],
        }
    candidate = {"content": {"parts": [{"text": text}]}, "finishReason": "MAX_TOKENS"}
    return {"candidates": [candidate]}


@pytest.mark.parametrize("api", APIS)
async def test_a_free_answer_cut_at_the_output_limit_says_so(api: str) -> None:
    client = GeminiVisionClient(api_key="k", api=api, transport=MockTransport(_cut_answer))  # type: ignore[arg-type]
    answer = client.ask(SCENE.data, "What colours?")
    assert answer.truncated
    *chunks, streamed = list(client.run_stream("ask", SCENE.data, question="What colours?"))
    assert streamed == answer
    assert "".join(c.text_delta for c in chunks) == answer.text
    assert (await client.aask(SCENE.data, "What colours?")).truncated


@pytest.mark.parametrize("task", ["detect", "segment"])
def test_each_streamed_item_is_read_once(emu: GeminiEmulator, task: str) -> None:
    """The result is read through the stream's reader: the detections it handed over
    (masks decoded) are the very objects of the result, not a second parse."""
    runnable = GeminiVisionRunnable.for_task(task)(api_key="k", base_url=emu.base_url)
    *chunks, result = list(runnable.stream(SCENE.data))
    streamed = [d for chunk in chunks for d in chunk.detections]
    assert len(streamed) == len(result) == len(SCENE.objects)
    assert all(a is b for a, b in zip(streamed, result.detections, strict=True))
