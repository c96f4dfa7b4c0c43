"""A task registered in a test is a client method, a Runnable, a Tool and a batch item
(issue 17 item 1), with no other module edited.

``CountTask`` below is the whole of a new task: its options model, its result, how it
asks (``build``) and how it reads the answer (``parse``), its tool's name, description
(its docstring) and the text the model gets back. Registering it is all it takes.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from pydantic import BaseModel

from langchain_gemini_vision import GeminiVisionClient, ImageStore
from langchain_gemini_vision._transport.base import VisionRequest, VisionResponse
from langchain_gemini_vision.batch import BatchItem, BatchSettings, VisionBatch
from langchain_gemini_vision.errors import UnknownArgumentError
from langchain_gemini_vision.parsing import parse_json_answer
from langchain_gemini_vision.runnables import GeminiVisionRunnable
from langchain_gemini_vision.tasks import (
    Task,
    TaskCall,
    TaskOptions,
    get_task,
    register_task,
    task_names,
    unregister_task,
)
from langchain_gemini_vision.testing import GeminiEmulator, Scene, make_scene
from langchain_gemini_vision.testing.batches import batches_of
from langchain_gemini_vision.toolkit import GeminiVisionToolkit
from langchain_gemini_vision.tools import GeminiVisionTool
from langchain_gemini_vision.usage import Usage

SCHEMA = {
    "type": "object",
    "properties": {"count": {"type": "integer"}},
    "required": ["count"],
}


class CountOptions(TaskOptions):
    """What the count task takes besides its image."""

    shape: str | None = None
    """Which shape to count, e.g. 'circle'; every object if omitted."""


class Count(BaseModel):
    """How many objects an image holds."""

    count: int
    model: str = ""
    usage: Usage = Usage()


class CountTask(Task[CountOptions, Count], name="count", tool="gemini_count_objects"):
    """Count the objects in an image, optionally only those of one shape."""

    text_option = "shape"

    def build(self, call: TaskCall[CountOptions]) -> VisionRequest:
        what = f"{call.options.shape}s" if call.options.shape else "objects"
        return VisionRequest(
            prompt=f"How many {what} are there?", images=tuple(call.images), response_schema=SCHEMA
        )

    def parse(self, response: VisionResponse, call: TaskCall[CountOptions]) -> Count:
        data = parse_json_answer(response.text, SCHEMA)
        return Count(count=int(data["count"]), model=response.model, usage=response.usage)

    def tool_text(self, result: Count) -> str:
        return f"{result.count} object(s)"


SCENE = make_scene(320, 240, objects=3, seed=1)


def _shape_count(scene: Scene) -> tuple[str, int]:
    shape = scene.objects[0].shape
    return shape, sum(1 for o in scene.objects if o.shape == shape)


@pytest.fixture
def count_task() -> Iterator[CountTask]:
    task = register_task(CountTask())
    yield task
    unregister_task("count")


@pytest.fixture(scope="module")
def emu() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emulator:
        yield emulator


@pytest.fixture
def settings(emu: GeminiEmulator) -> dict[str, Any]:
    return {"api_key": "k", "base_url": emu.base_url}


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
async def test_a_registered_task_is_a_client_method_sync_and_async(
    count_task: CountTask, settings: dict[str, Any], api: str
) -> None:
    shape, expected = _shape_count(SCENE)
    with GeminiVisionClient(**settings, api=api) as client:
        assert client.count(SCENE.data).count == 3  # type: ignore[attr-defined]
        assert client.count(SCENE.data, shape=shape).count == expected  # type: ignore[attr-defined]
        assert (await client.acount(SCENE.data)).count == 3  # type: ignore[attr-defined]
        assert client.run("count", SCENE.data).count == 3
        assert (await client.arun(count_task, SCENE.data, shape=shape)).count == expected
        with pytest.raises(UnknownArgumentError, match="shape"):
            client.count(SCENE.data, shap="circle")  # type: ignore[attr-defined]


def test_a_registered_task_is_a_runnable(count_task: CountTask, settings: dict[str, Any]) -> None:
    shape, expected = _shape_count(SCENE)
    runnable_class = GeminiVisionRunnable.for_task("count")
    counter = runnable_class(**settings)
    assert counter.invoke(SCENE.data).count == 3
    assert counter.invoke({"image": SCENE.data, "shape": shape}).count == expected
    assert counter.invoke({"image": SCENE.data, "query": shape}).count == expected  # text alias
    assert runnable_class(**settings, shape=shape).invoke(SCENE.data).count == expected
    assert [r.count for r in counter.batch([SCENE.data, SCENE.data])] == [3, 3]
    with pytest.raises(ValueError, match="unknown input key"):
        counter.invoke({"image": SCENE.data, "shap": shape})


async def test_a_registered_task_is_a_tool(count_task: CountTask, settings: dict[str, Any]) -> None:
    store = ImageStore()
    image_id = store.add(SCENE.data)
    tool = GeminiVisionTool.for_task("count")(**settings, image_store=store)
    assert tool.name == "gemini_count_objects"
    assert tool.description == (CountTask.__doc__ or "").strip()  # the task's docstring
    properties = tool.tool_call_schema.model_json_schema()["properties"]  # type: ignore[union-attr]
    assert set(properties) == {"image", "shape"}
    assert properties["shape"]["description"].startswith("Which shape to count")
    call = {"type": "tool_call", "id": "c1", "name": tool.name, "args": {"image": image_id}}
    for message in (tool.invoke(call), await tool.ainvoke(call)):
        assert isinstance(message, ToolMessage)
        assert message.content == "3 object(s)"
        assert Count.model_validate(message.artifact).count == 3
    refused = tool.invoke({**call, "args": {"image": "data:image/png;base64,AAAA"}})
    assert refused.status == "error"  # image references only, as for every tool
    names = [t.name for t in GeminiVisionToolkit(**settings, image_store=store).get_tools()]
    assert "gemini_count_objects" in names


def test_a_registered_task_is_a_batch_item(
    count_task: CountTask, emu: GeminiEmulator, tmp_path: Path
) -> None:
    service = batches_of(emu)
    service.polls_per_state = {"PENDING": 1, "RUNNING": 1}
    client = GeminiVisionClient(api_key="k", base_url=emu.base_url, api="generate_content")
    with VisionBatch(tmp_path, client=client, settings=BatchSettings(poll_interval=0)) as batch:
        batch.submit([BatchItem("count", (SCENE.data,), {}, key="n")])
        batch.wait(progress=False)
        (result,) = list(batch.results())
    assert isinstance(result.value, Count)
    assert result.value.count == 3


def test_the_registry_knows_the_built_in_tasks_and_refuses_clashes() -> None:
    assert {"caption", "compare", "detect", "segment", "ask"} <= set(task_names())
    assert get_task("detect").name == "detect"
    with pytest.raises(ValueError, match="already registered"):
        register_task(get_task("detect"))
    with pytest.raises(ValueError, match="unknown task 'pose'"):
        get_task("pose")

    class Clash(CountTask):
        name = "prepare"  # a client method of its own

    with pytest.raises(ValueError, match="prepare"):
        register_task(Clash())


def test_an_unregistered_task_is_gone_everywhere(settings: dict[str, Any]) -> None:
    register_task(CountTask())
    unregister_task("count")
    client = GeminiVisionClient(**settings)
    with pytest.raises(AttributeError, match="count"):
        _ = client.count  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="unknown task 'count'"):
        BatchItem("count", (SCENE.data,))  # type: ignore[arg-type]
