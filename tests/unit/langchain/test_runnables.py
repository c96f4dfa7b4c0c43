"""The task Runnables against the local emulator: results, callbacks, batching, serialisation."""

from __future__ import annotations

import asyncio
import threading
import time
from typing import Any
from uuid import UUID

import pytest
from langchain_core.callbacks import BaseCallbackHandler, get_usage_metadata_callback
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessage
from langchain_core.outputs import ChatGeneration, LLMResult
from langchain_core.runnables.retry import RunnableRetry
from pydantic import BaseModel

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.errors import ConfigurationError, ImageInputError
from langchain_gemini_vision.results import Caption, DetectionResult, ImageComparison, VisualAnswer
from langchain_gemini_vision.runnables import (
    GeminiAskRunnable,
    GeminiCaptionRunnable,
    GeminiCompareRunnable,
    GeminiDetectRunnable,
    GeminiSegmentRunnable,
)
from langchain_gemini_vision.testing import GeminiEmulator, Scene, make_scene

SECRET = "AIza" + "SyTHIS-IS-A-SECRET-KEY-0123456789"


def _labels(scene: Scene) -> list[str]:
    return sorted(o.label for o in scene.objects)


class _Recorder(BaseCallbackHandler):
    """Records chain and model runs, with their parents."""

    def __init__(self) -> None:
        self.chains: list[tuple[str | None, UUID]] = []
        self.models: list[dict[str, Any]] = []
        self.ends: list[LLMResult] = []
        self.errors: list[BaseException] = []

    def on_chain_start(self, serialized: Any, inputs: Any, *, run_id: UUID, **kw: Any) -> None:
        self.chains.append((kw.get("name"), run_id))

    def on_chat_model_start(
        self, serialized: Any, messages: Any, *, run_id: UUID, **kw: Any
    ) -> None:
        self.models.append({"messages": messages, "run_id": run_id, **kw})

    def on_llm_end(self, response: LLMResult, **kw: Any) -> None:
        self.ends.append(response)

    def on_llm_error(self, error: BaseException, **kw: Any) -> None:
        self.errors.append(error)


# ----------------------------------------------------------------------------- results


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
def test_detector_finds_every_object_of_the_scene(
    settings: dict[str, str], scene: Scene, api: str
) -> None:
    result = GeminiDetectRunnable(**settings, api=api).invoke(scene.data)
    assert isinstance(result, DetectionResult)
    assert sorted(result.labels) == _labels(scene)
    assert (result.image_width, result.image_height) == (scene.width, scene.height)
    truth = {o.label: o.box for o in scene.objects}
    for d in result:
        assert max(abs(a - b) for a, b in zip(d.box, truth[d.label], strict=True)) <= 3
    assert result.usage.total_tokens > 0


def test_detector_accepts_a_request_dict_and_defaults(
    settings: dict[str, str], scene: Scene
) -> None:
    target = scene.objects[0].label
    detector = GeminiDetectRunnable(**settings, query="every object")
    result = detector.invoke({"image": scene.data, "query": target})
    assert result.labels == [target]
    assert len(detector.invoke({"image": scene.data, "max_objects": 1})) == 1


def test_captioner_comparer_segmenter_and_qa_return_typed_results(
    settings: dict[str, str], scene: Scene, scene5: Scene
) -> None:
    caption = GeminiCaptionRunnable(**settings).invoke({"image": scene.data})
    assert isinstance(caption, Caption)
    for obj in scene.objects:
        assert obj.label in caption.text

    comparison = GeminiCompareRunnable(**settings).invoke([scene.data, scene5.data])
    assert isinstance(comparison, ImageComparison)
    assert comparison.differences

    segments = GeminiSegmentRunnable(**settings).invoke(scene.data)
    assert sorted(segments.labels) == _labels(scene)
    # Masks are decoded when the answer carries usable ones; otherwise warnings say why.
    assert all(d.mask is not None for d in segments) or segments.warnings

    answer = GeminiAskRunnable(**settings, question="How many objects are there?").invoke(
        scene.data
    )
    assert isinstance(answer, VisualAnswer)
    assert "3" in answer.text


def test_qa_with_a_schema_returns_structured_data(settings: dict[str, str], scene: Scene) -> None:
    class Shapes(BaseModel):
        count: int

    qa = GeminiAskRunnable(**settings)
    answer = qa.invoke({"image": scene.data, "question": "How many shapes?", "schema": Shapes})
    assert isinstance(answer.data, Shapes)


async def test_async_invoke_and_batch(
    settings: dict[str, str], scene: Scene, scene5: Scene
) -> None:
    detector = GeminiDetectRunnable(**settings)
    result = await detector.ainvoke(scene5.data)
    assert sorted(result.labels) == _labels(scene5)
    results = await detector.abatch([scene.data, scene5.data, scene.data])
    assert [len(r) for r in results] == [3, 5, 3]


def test_bad_inputs_raise_clear_errors(settings: dict[str, str], scene: Scene) -> None:
    detector = GeminiDetectRunnable(**settings)
    with pytest.raises(ValueError, match="unknown input key"):
        detector.invoke({"image": scene.data, "qeury": "typo"})
    with pytest.raises(ImageInputError, match="exactly one image"):
        detector.invoke({"images": [scene.data, scene.data]})
    with pytest.raises(ValueError, match="no question"):
        GeminiAskRunnable(**settings).invoke(scene.data)
    with pytest.raises(ImageInputError):
        GeminiCompareRunnable(**settings).invoke([scene.data])


def test_no_key_fails_on_first_use_not_at_construction() -> None:
    detector = GeminiDetectRunnable()
    with pytest.raises(ConfigurationError, match="GEMINI_API_KEY"):
        detector.invoke(b"x")


# ----------------------------------------------------------------------------- client


def test_one_client_is_built_and_cached(settings: dict[str, str]) -> None:
    detector = GeminiDetectRunnable(**settings, model="gemini-2.5-flash", api="generate_content")
    client = detector.get_client()
    assert client is detector.get_client()
    assert (client.model, client.api, client.base_url) == (
        "gemini-2.5-flash",
        "generate_content",
        settings["base_url"],
    )


def test_concurrent_first_calls_share_one_client(settings: dict[str, str]) -> None:
    detector = GeminiDetectRunnable(**settings)
    clients: list[GeminiVisionClient] = []
    threads = [
        threading.Thread(target=lambda: clients.append(detector.get_client())) for _ in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len({id(c) for c in clients}) == 1


def test_a_given_client_is_used_as_is(client: GeminiVisionClient, scene: Scene) -> None:
    detector = GeminiDetectRunnable(client=client)
    assert detector.get_client() is client
    detector.invoke(scene.data)
    assert client.usage.total_tokens > 0


def test_api_key_from_environment_and_alias(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "from-env")
    assert GeminiCaptionRunnable().api_key is not None
    assert GeminiCaptionRunnable().api_key.get_secret_value() == "from-env"  # type: ignore[union-attr]
    by_alias = GeminiCaptionRunnable(google_api_key="given")
    assert by_alias.api_key is not None
    assert by_alias.api_key.get_secret_value() == "given"


# ----------------------------------------------------------------------------- callbacks


def test_usage_reaches_callbacks_as_a_child_model_run(
    settings: dict[str, str], scene: Scene
) -> None:
    recorder = _Recorder()
    with get_usage_metadata_callback() as usage_cb:
        result = GeminiDetectRunnable(**settings).invoke(
            scene.data, config={"callbacks": [recorder], "run_name": "find-shapes", "tags": ["t1"]}
        )
    assert recorder.chains[0][0] == "find-shapes"
    [model_run] = recorder.models
    assert model_run["parent_run_id"] == recorder.chains[0][1]
    assert model_run["metadata"]["ls_model_name"] == "gemini-3-flash-preview"
    assert model_run["metadata"]["ls_provider"] == "google_genai"
    assert "t1" in model_run["tags"]
    # the image bytes never reach the trace
    assert "base64" not in str(model_run["messages"])
    assert len(str(model_run["messages"])) < 500
    [end] = recorder.ends
    generation = end.generations[0][0]
    assert isinstance(generation, ChatGeneration)
    assert isinstance(generation.message, AIMessage)
    assert generation.message.usage_metadata is not None
    assert generation.message.usage_metadata["input_tokens"] == result.usage.input_tokens
    assert usage_cb.usage_metadata == {
        "gemini-3-flash-preview": {
            "input_tokens": result.usage.input_tokens,
            "output_tokens": result.usage.output_tokens + result.usage.thought_tokens,
            "total_tokens": result.usage.total_tokens,
        }
    }


async def test_async_usage_reaches_callbacks(settings: dict[str, str], scene: Scene) -> None:
    with get_usage_metadata_callback() as usage_cb:
        a = await GeminiCaptionRunnable(**settings).ainvoke(scene.data)
        b = await GeminiCaptionRunnable(**settings).ainvoke(scene.data)
    totals = usage_cb.usage_metadata["gemini-3-flash-preview"]
    assert totals["total_tokens"] == a.usage.total_tokens + b.usage.total_tokens
    assert (
        totals["output_token_details"]["reasoning"]
        == a.usage.thought_tokens + b.usage.thought_tokens
    )


def test_a_failed_call_reports_a_model_error(emu: GeminiEmulator, scene: Scene) -> None:
    from langchain_gemini_vision._transport.retry import RetryPolicy
    from langchain_gemini_vision.errors import GeminiVisionServerError

    emu.faults.inject("interactions", 500)
    recorder = _Recorder()
    client = GeminiVisionClient(
        api_key="k", base_url=emu.base_url, retry=RetryPolicy(max_attempts=1)
    )
    with pytest.raises(GeminiVisionServerError):
        GeminiDetectRunnable(client=client).invoke(scene.data, config={"callbacks": [recorder]})
    assert len(recorder.errors) == 1
    assert not recorder.ends


# ----------------------------------------------------------------------------- batching


def _slow_counting(client: GeminiVisionClient, delay: float) -> dict[str, int]:
    """Wrap client.run/arun (every task call of a Runnable) to count calls in flight."""
    stats = {"now": 0, "peak": 0, "calls": 0}
    lock = threading.Lock()
    run, arun = client.run, client.arun

    def enter() -> None:
        with lock:
            stats["now"] += 1
            stats["calls"] += 1
            stats["peak"] = max(stats["peak"], stats["now"])

    def leave() -> None:
        with lock:
            stats["now"] -= 1

    def slow_run(task: Any, image: Any, **kw: Any) -> DetectionResult:
        enter()
        try:
            time.sleep(delay)
            return run(task, image, **kw)  # type: ignore[no-any-return]
        finally:
            leave()

    async def slow_arun(task: Any, image: Any, **kw: Any) -> DetectionResult:
        enter()
        try:
            await asyncio.sleep(delay)
            return await arun(task, image, **kw)  # type: ignore[no-any-return]
        finally:
            leave()

    client.run = slow_run  # type: ignore[method-assign,assignment]
    client.arun = slow_arun  # type: ignore[method-assign,assignment]
    return stats


def _scenes(n: int) -> list[Scene]:
    return [make_scene(160, 120, objects=1 + i % 4, seed=100 + i) for i in range(n)]


def test_batch_keeps_the_clients_max_concurrency_and_input_order(emu: GeminiEmulator) -> None:
    client = GeminiVisionClient(api_key="k", base_url=emu.base_url, max_concurrency=3)
    stats = _slow_counting(client, 0.05)
    scenes = _scenes(10)
    results = GeminiDetectRunnable(client=client).batch([s.data for s in scenes])
    assert [len(r) for r in results] == [len(s.objects) for s in scenes]
    assert stats["peak"] == 3


def test_batch_config_max_concurrency_wins(emu: GeminiEmulator) -> None:
    client = GeminiVisionClient(api_key="k", base_url=emu.base_url, max_concurrency=8)
    stats = _slow_counting(client, 0.05)
    scenes = _scenes(8)
    GeminiDetectRunnable(client=client).batch(
        [s.data for s in scenes], config={"max_concurrency": 2}
    )
    assert stats["peak"] == 2


async def test_abatch_keeps_max_concurrency_and_order(emu: GeminiEmulator) -> None:
    client = GeminiVisionClient(api_key="k", base_url=emu.base_url, max_concurrency=4)
    stats = _slow_counting(client, 0.05)
    scenes = _scenes(12)
    results = await GeminiDetectRunnable(client=client).abatch([s.data for s in scenes])
    assert [len(r) for r in results] == [len(s.objects) for s in scenes]
    assert stats["peak"] == 4


async def test_batch_return_exceptions_keeps_failures_in_place(
    settings: dict[str, str], scene: Scene
) -> None:
    detector = GeminiDetectRunnable(**settings)
    inputs: list[Any] = [scene.data, b"not an image", scene.data]
    with pytest.raises(ImageInputError):
        detector.batch(inputs)
    results = detector.batch(inputs, return_exceptions=True)
    assert isinstance(results[1], ImageInputError)
    assert len(results[0]) == len(results[2]) == 3
    aresults = await detector.abatch(inputs, return_exceptions=True)
    assert isinstance(aresults[1], ImageInputError)
    assert len(aresults[2]) == 3
    assert detector.batch([]) == []


# ----------------------------------------------------------------------------- composition


def test_stream_with_config_and_with_retry(emu: GeminiEmulator, scene: Scene) -> None:
    from langchain_gemini_vision._transport.retry import RetryPolicy
    from langchain_gemini_vision.errors import GeminiVisionServerError

    client = GeminiVisionClient(
        api_key="k", base_url=emu.base_url, retry=RetryPolicy(max_attempts=1)
    )
    detector = GeminiDetectRunnable(client=client)
    *chunks, result = list(detector.stream(scene.data))
    assert len(result) == 3
    assert [d for c in chunks for d in c.detections] == list(result.detections)
    recorder = _Recorder()
    detector.with_config(run_name="configured", callbacks=[recorder]).invoke(scene.data)
    assert recorder.chains[0][0] == "configured"

    emu.faults.inject("interactions", 500, times=1)
    retrying = detector.with_retry(
        retry_if_exception_type=(GeminiVisionServerError,),
        stop_after_attempt=2,
        wait_exponential_jitter=False,
    )
    assert isinstance(retrying, RunnableRetry)
    assert len(retrying.invoke(scene.data)) == 3


def test_pipes_into_other_runnables(settings: dict[str, str], scene: Scene) -> None:
    chain = GeminiDetectRunnable(**settings) | (lambda result: result.labels)
    assert sorted(chain.invoke(scene.data)) == _labels(scene)


# ----------------------------------------------------------------------------- serialisation


@pytest.mark.parametrize(
    "cls",
    [
        GeminiCaptionRunnable,
        GeminiCompareRunnable,
        GeminiDetectRunnable,
        GeminiSegmentRunnable,
        GeminiAskRunnable,
    ],
)
def test_serialisation_never_contains_the_key_or_the_client(
    cls: type[GeminiDetectRunnable], monkeypatch: pytest.MonkeyPatch
) -> None:
    client = GeminiVisionClient(api_key=SECRET)
    for runnable in (
        cls(api_key=SECRET, model="gemini-2.5-flash"),
        cls(google_api_key=SECRET),
        cls(client=client),
    ):
        runnable.get_client()
        for text in (
            dumps(runnable),
            str(dumpd(runnable)),
            repr(runnable),
            runnable.model_dump_json(),
        ):
            assert SECRET not in text
            assert "GeminiVisionClient(" not in text
        data = dumpd(runnable)
        assert data["id"][-1] == cls.__name__
    assert dumpd(cls(api_key=SECRET))["kwargs"]["api_key"] == {
        "lc": 1,
        "type": "secret",
        "id": ["GEMINI_API_KEY"],
    }
    monkeypatch.setenv("GEMINI_API_KEY", SECRET)
    assert SECRET not in dumps(cls())


@pytest.mark.filterwarnings("ignore::langchain_core._api.beta_decorator.LangChainBetaWarning")
def test_serialised_runnable_loads_back_with_the_key_from_secrets_map() -> None:
    from langchain_core.load import loads

    data = dumps(GeminiDetectRunnable(api_key=SECRET, query="cats", max_objects=3))
    loaded = loads(
        data,
        secrets_map={"GEMINI_API_KEY": "restored"},
        valid_namespaces=["langchain_gemini_vision"],
        allowed_objects=[GeminiDetectRunnable],
    )
    assert isinstance(loaded, GeminiDetectRunnable)
    assert (loaded.query, loaded.max_objects) == ("cats", 3)
    assert loaded.api_key is not None
    assert loaded.api_key.get_secret_value() == "restored"
