"""``max_objects`` is a cap the package applies, on every path (issue 15 item 10).

Real models do not always obey "at most N". Here the cap is worded so that the
emulator does not read it (``CAP_UNREAD``), so it serves every object it finds,
as a model that ignores the instruction would: the package must still keep the
first ``max_objects`` and say so in the result's warnings.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from langchain_core.messages import ToolMessage
from typer.testing import CliRunner

from langchain_gemini_vision import GeminiVisionClient, Prompts
from langchain_gemini_vision.batch import BatchItem, BatchSettings, VisionBatch
from langchain_gemini_vision.cli import app
from langchain_gemini_vision.image_store import ImageStore
from langchain_gemini_vision.results import DetectionResult
from langchain_gemini_vision.runnables import GeminiDetectRunnable
from langchain_gemini_vision.testing import GeminiEmulator, Scene, make_scene
from langchain_gemini_vision.testing.batches import batches_of
from langchain_gemini_vision.tools import GeminiDetectTool

CAP_UNREAD = Prompts(max_objects=" Keep the list to {max_objects} or fewer entries.")
"""The cap in words the emulator does not parse: it answers with every object."""


@pytest.fixture(scope="module")
def emu() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emulator:
        yield emulator


@pytest.fixture(scope="module")
def scene() -> Scene:
    return make_scene(320, 240, objects=3, seed=1)


@pytest.fixture(params=["interactions", "generate_content"])
def client(emu: GeminiEmulator, request: pytest.FixtureRequest) -> Iterator[GeminiVisionClient]:
    with GeminiVisionClient(
        api_key="k", base_url=emu.base_url, api=request.param, prompts=CAP_UNREAD
    ) as c:
        yield c


def _capped(result: DetectionResult, served: int, cap: int) -> None:
    assert len(result) == cap
    assert any(f"returned {served} items; kept the first {cap}" in w for w in result.warnings)


def test_the_served_answer_ignores_the_cap(client: GeminiVisionClient, scene: Scene) -> None:
    served = client.detect(scene.data)
    assert len(served) == 3  # what the answers below are cut from


def test_client_detect_applies_max_objects(client: GeminiVisionClient, scene: Scene) -> None:
    _capped(client.detect(scene.data, max_objects=1), 3, 1)
    _capped(asyncio.run(client.adetect(scene.data, max_objects=2)), 3, 2)
    assert not client.detect(scene.data, max_objects=3).warnings


def test_runnable_applies_max_objects(client: GeminiVisionClient, scene: Scene) -> None:
    detector = GeminiDetectRunnable(client=client, max_objects=1)
    _capped(detector.invoke(scene.data), 3, 1)
    _capped(detector.invoke({"image": scene.data, "max_objects": 2}), 3, 2)


def test_tool_applies_max_objects(client: GeminiVisionClient, scene: Scene) -> None:
    store = ImageStore()
    image_id = store.add(scene.data)
    tool = GeminiDetectTool(client=client, image_store=store)
    message = tool.invoke(
        {
            "type": "tool_call",
            "id": "call_1",
            "name": tool.name,
            "args": {"image": image_id, "max_objects": 1},
        }
    )
    assert isinstance(message, ToolMessage) and message.status == "success"
    _capped(DetectionResult.model_validate(message.artifact), 3, 1)
    assert "1 object" in str(message.content)


def test_batch_jobs_apply_max_objects(emu: GeminiEmulator, scene: Scene, tmp_path: Path) -> None:
    service = batches_of(emu)
    service.polls_per_state = {"PENDING": 1, "RUNNING": 1}
    with GeminiVisionClient(
        api_key="k", base_url=emu.base_url, api="generate_content", prompts=CAP_UNREAD
    ) as client:
        batch = VisionBatch(tmp_path, client=client, settings=BatchSettings(poll_interval=0.01))
        batch.submit([BatchItem.detect(scene.data, max_objects=1, key="one")])
        batch.wait(progress=False)
        (item,) = list(batch.results())
        assert item.ok, item.error
        assert isinstance(item.value, DetectionResult)
        _capped(item.value, 3, 1)
        batch.close()


def test_cli_detect_applies_max_objects(
    emu: GeminiEmulator, scene: Scene, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from langchain_gemini_vision.tasks import detect

    # The CLI takes no Prompts: swap the defaults for the unread wording.
    monkeypatch.setattr(detect, "DEFAULT_PROMPTS", CAP_UNREAD)
    path = tmp_path / "scene.png"
    path.write_bytes(scene.data)
    args = ["detect", str(path), "--max-objects", "1", "--base-url", emu.base_url, "--quiet"]
    result = CliRunner().invoke(app, args, env={"GEMINI_API_KEY": "emulator"})
    assert result.exit_code == 0, result.output
    (line,) = [json.loads(text) for text in result.stdout.splitlines() if text.strip()]
    _capped(DetectionResult.model_validate(line["result"]), 3, 1)
