"""Batch jobs against the emulator: identical bodies, both input modes, typed errors, crash windows."""

from __future__ import annotations

import base64
import json
from pathlib import Path

import pytest
from google import genai
from pydantic import BaseModel

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.batch import BatchItem, BatchSettings, VisionBatch, caption_documents
from langchain_gemini_vision.batch.items import plan_item
from langchain_gemini_vision.errors import (
    BatchJobBusyError,
    BatchJobError,
    GeminiVisionInvalidRequestError,
    OutputParsingError,
    ResponseBlockedError,
)
from langchain_gemini_vision.results import Caption, DetectionResult, ImageComparison, VisualAnswer
from langchain_gemini_vision.testing import GeminiEmulator, make_scene
from langchain_gemini_vision.testing.batches import BatchService

FAST = BatchSettings(poll_interval=0.01)


class Shape(BaseModel):
    color: str


def _decoded(contents: list[dict]) -> list[dict]:
    out = json.loads(json.dumps(contents))
    for part in out[0]["parts"]:
        if "inlineData" in part:
            data = part["inlineData"]["data"]
            part["inlineData"]["data"] = base64.urlsafe_b64decode(
                data.replace("+", "-").replace("/", "_")
            )
    return out


def _scenes(n: int, size: int = 96) -> list[bytes]:
    return [make_scene(size, size, objects=1, seed=i).data for i in range(n)]


def _all_tasks(images: list[bytes]) -> list[BatchItem]:
    return [
        BatchItem.caption(images[0], key="caption"),
        BatchItem.detect(images[1], query="shapes", key="detect"),
        BatchItem.segment(images[2], key="segment"),
        BatchItem.compare(images[:2], key="compare"),
        BatchItem.ask(images[3], "What colour is the shape?", key="ask-text"),
        BatchItem.ask(images[3], "What colour is the shape?", schema=Shape, key="ask-schema"),
    ]


def _interactive(client: GeminiVisionClient, images: list[bytes]) -> dict[str, object]:
    return {
        "caption": client.caption(images[0]),
        "detect": client.detect(images[1], query="shapes"),
        "segment": client.segment(images[2]),
        "compare": client.compare(images[:2]),
        "ask-text": client.ask(images[3], "What colour is the shape?"),
        "ask-schema": client.ask(images[3], "What colour is the shape?", schema=Shape),
    }


def _same(batched: object, interactive: object) -> None:
    assert type(batched) is type(interactive)
    skip = {"elapsed_s"}
    assert isinstance(batched, BaseModel) and isinstance(interactive, BaseModel)
    assert batched.model_dump(exclude=skip) == interactive.model_dump(exclude=skip)


@pytest.mark.parametrize("mode", ["inline", "file"])
def test_every_task_batched_equals_interactive_body_and_result(
    emu: GeminiEmulator,
    service: BatchService,
    client: GeminiVisionClient,
    tmp_path: Path,
    mode: str,
) -> None:
    images = _scenes(4)
    settings = FAST if mode == "inline" else BatchSettings(poll_interval=0.01, max_inline_bytes=1)
    batch = VisionBatch(tmp_path, client=client, settings=settings)
    report = batch.submit(_all_tasks(images))
    assert len(report.submitted) == 6 and [j.mode for j in batch.manifest.jobs()] == [mode]
    batch.wait(progress=False)
    results = {r.key: r for r in batch.results()}

    emu.clear_requests()
    interactive = _interactive(client, images)
    sent = [r.json for r in emu.requests if r.route == "generate_content"]
    assert len(sent) == 6
    # The Batch API gets exactly the bodies interactive generateContent sends.
    planned = [plan_item(client, item).body for item in _all_tasks(images)]
    assert planned == sent
    for key, value in interactive.items():
        assert results[key].ok, results[key].error
        _same(results[key].value, value)
    assert isinstance(results["caption"].value, Caption)
    assert isinstance(results["segment"].value, DetectionResult)
    assert isinstance(results["compare"].value, ImageComparison)
    assert isinstance(results["ask-schema"].value, VisualAnswer)
    assert isinstance(results["ask-schema"].value.data, Shape)
    assert service.items_received == 6


def test_the_sdk_reads_the_emulators_jobs_and_the_wire_matches_its_create(
    emu: GeminiEmulator, service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    batch = VisionBatch(tmp_path, client=client, settings=FAST)
    batch.submit([BatchItem.caption(_scenes(1)[0], key="one")])
    ours = next(r.json for r in emu.requests if r.path.endswith(":batchGenerateContent"))
    inner = ours["batch"]["inputConfig"]["requests"]["requests"][0]
    sdk = genai.Client(api_key="k", http_options={"base_url": emu.base_url})
    # The SDK, given the same request, puts the same envelope on the wire.
    job = sdk.batches.create(
        model=client.model,
        src=[{"contents": inner["request"]["contents"], "metadata": {"key": "one"}}],
        config={"display_name": ours["batch"]["displayName"] + "-sdk"},
    )
    theirs = next(
        r.json for r in reversed(emu.requests) if r.path.endswith(":batchGenerateContent")
    )
    their_inner = theirs["batch"]["inputConfig"]["requests"]["requests"][0]
    assert set(theirs["batch"]) == set(ours["batch"])
    assert their_inner["metadata"] == inner["metadata"]
    # (the SDK re-encodes inline bytes as URL-safe base64: compare the bytes)
    assert _decoded(their_inner["request"]["contents"]) == _decoded(inner["request"]["contents"])
    # And it reads our jobs: states, names, inline answers with their keys.
    batch.wait(progress=False)
    read = sdk.batches.get(name=batch.manifest.jobs()[0].name or "")
    assert read.state is not None and read.state.name == "JOB_STATE_SUCCEEDED"
    assert read.display_name == batch.manifest.jobs()[0].display_name
    assert read.dest is not None and read.dest.inlined_responses
    assert read.dest.inlined_responses[0].metadata == {"key": "one"}
    assert job.name in [j.name for j in sdk.batches.list()]
    sdk.close()


def test_jobs_split_by_item_and_byte_limits(
    service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    settings = BatchSettings(poll_interval=0.01, max_items_per_job=3, max_inline_bytes=3000)
    batch = VisionBatch(tmp_path, client=client, settings=settings)
    report = batch.submit([BatchItem.detect(data) for data in _scenes(7)])
    assert [j.n_items for j in batch.manifest.jobs()] == [3, 3, 1]
    assert [j.mode for j in batch.manifest.jobs()] == ["file", "file", "inline"]
    batch.wait(progress=False)
    assert sorted(r.key for r in batch.results()) == sorted(report.submitted)
    assert service.items_received == 7


def test_failed_refused_blocked_and_truncated_items_come_back_typed(
    service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    batch = VisionBatch(tmp_path, client=client, settings=FAST)
    good, bad, short = (plan_item(client, BatchItem.detect(d)) for d in _scenes(3))
    # An image the service cannot decode, and an answer cut at the output limit.
    bad.body["contents"][0]["parts"][1]["inlineData"]["data"] = base64.b64encode(
        b"\x89PNG\r\n\x1a\n" + b"x" * 64
    ).decode()
    short.body["generationConfig"]["maxOutputTokens"] = 3
    batch.manifest.add_job("hand-made", 0, "inline", [good, bad, short])
    batch._create("hand-made", "inline", [(p.key, p.body) for p in (good, bad, short)], None)
    batch.wait(progress=False)
    results = {r.key: r for r in batch.results()}
    assert results[good.key].ok
    assert isinstance(results[bad.key].error, GeminiVisionInvalidRequestError)
    assert isinstance(results[short.key].error, OutputParsingError) or (
        isinstance(results[short.key].value, DetectionResult) and results[short.key].value.truncated
    )
    assert batch.manifest.counts()["failed"] >= 1
    # A blocked answer goes through the same reader as interactive calls.
    blocked = {"candidates": [{"finishReason": "SAFETY", "content": {"parts": []}}]}
    item = next(batch.manifest.items_of("hand-made"))
    result = batch._parse(item, blocked, None, "batches/x")
    assert isinstance(result.error, ResponseBlockedError)


def test_failed_and_cancelled_jobs_give_each_item_a_batch_job_error(
    service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    service.fail_next_jobs = 1
    failed = VisionBatch(tmp_path / "failed", client=client, settings=FAST)
    failed.submit([BatchItem.caption(d) for d in _scenes(2)])
    assert failed.wait(progress=False).states == {"JOB_STATE_FAILED": 1}
    errors = [r.error for r in failed.results()]
    assert len(errors) == 2 and all(isinstance(e, BatchJobError) for e in errors)

    service.polls_per_state = {"PENDING": 1, "RUNNING": 1000}
    cancelled = VisionBatch(tmp_path / "cancelled", client=client, settings=FAST)
    cancelled.submit([BatchItem.caption(d) for d in _scenes(2)])
    assert cancelled.cancel().states == {"JOB_STATE_CANCELLED": 1}
    assert all("cancelled" in str(r.error) for r in cancelled.results())


def test_crash_after_create_before_recording_adopts_the_job(
    service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    batch = VisionBatch(tmp_path, client=client, settings=FAST)
    plans = [plan_item(client, BatchItem.caption(d)) for d in _scenes(3)]
    batch.manifest.add_job("lgv-crash-0000", 0, "inline", plans)
    # The create reached the service; the program died before writing the name down.
    batch.api.create(client.model, "lgv-crash-0000", requests=[(p.key, p.body) for p in plans])
    batch.close()
    resumed = VisionBatch.resume(tmp_path, client=client, settings=FAST)
    assert resumed.manifest.jobs()[0].name is not None
    resumed.wait(progress=False)
    assert len([r for r in resumed.results() if r.ok]) == 3
    assert service.jobs_created == 1 and service.items_received == 3


def test_crash_before_create_submits_the_job_once_on_resume(
    service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    batch = VisionBatch(tmp_path, client=client, settings=FAST)
    plans = [plan_item(client, BatchItem.caption(d)) for d in _scenes(3)]
    batch.manifest.add_job("lgv-crash-0000", 0, "file", plans)  # died before the call
    batch.close()
    assert service.jobs_created == 0
    resumed = VisionBatch.resume(tmp_path, client=client, settings=FAST)
    with pytest.raises(BatchJobBusyError):  # a second resumer while the first works
        VisionBatch.resume(tmp_path, client=client, settings=FAST)
    resumed.wait(progress=False)
    assert len([r for r in resumed.results() if r.ok]) == 3
    resumed.close()
    VisionBatch.resume(tmp_path, client=client, settings=FAST).close()  # twice: still once
    assert service.jobs_created == 1 and service.items_received == 3


def test_a_failed_create_is_retried_after_checking_it_did_not_land(
    emu: GeminiEmulator, service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    emu.faults.inject("batches", schedule=[503])
    batch = VisionBatch(tmp_path, client=client, settings=FAST)
    batch.submit([BatchItem.caption(d) for d in _scenes(2)])
    batch.close()
    assert emu.stats.faults["503"] == 1
    assert service.jobs_created == 1 and service.items_received == 2
    with VisionBatch.resume(tmp_path, client=client, settings=FAST) as resumed:
        assert not resumed.reconcile()


def test_resume_needs_an_existing_manifest_of_the_same_model(
    client: GeminiVisionClient, tmp_path: Path
) -> None:
    with pytest.raises(BatchJobError, match="no batch manifest"):
        VisionBatch.resume(tmp_path / "missing", client=client)
    VisionBatch(tmp_path, client=client).close()
    other = GeminiVisionClient(api_key="k", base_url=client.base_url, model="gemini-2.5-flash")
    with pytest.raises(BatchJobError, match="made for model"):
        VisionBatch(tmp_path, client=other)


def test_caption_documents_for_the_loader(
    service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    paths = []
    for index, data in enumerate(_scenes(3)):
        path = tmp_path / f"img{index}.png"
        path.write_bytes(data)
        paths.append(path)
    docs = caption_documents(
        paths,
        client=client,
        manifest_dir=tmp_path / "m",
        detect=True,
        progress=False,
        poll_interval=0.01,
    )
    assert [d.metadata["source"] for d in docs] == [str(p) for p in paths]
    for doc, path in zip(docs, paths, strict=True):
        assert doc.page_content == client.caption(path).text
        assert doc.metadata["labels"] == sorted({d.label for d in client.detect(path)})
        assert doc.metadata["width"] == 96 and doc.metadata["batch_job"].startswith("batches/")
    again = caption_documents(
        paths,
        client=client,
        manifest_dir=tmp_path / "m",
        detect=True,
        progress=False,
        poll_interval=0.01,
    )
    assert [d.page_content for d in again] == [d.page_content for d in docs]
    assert service.items_received == 6  # the second call resumed; nothing sent twice
    json.dumps([d.metadata for d in docs])  # metadata stays JSON


async def test_loader_batch_mode_matches_its_interactive_mode(
    service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    from langchain_gemini_vision import GeminiImageLoader

    for index, data in enumerate(_scenes(4)):
        (tmp_path / f"img{index}.png").write_bytes(data)
    interactive = GeminiImageLoader(tmp_path, glob="*.png", client=client, detect=True).load()
    batched = GeminiImageLoader(
        tmp_path,
        glob="*.png",
        client=client,
        detect=True,
        batch_dir=tmp_path / "manifest",
        batch_poll_interval=0.01,
    )
    sync_docs = batched.load()
    async_docs = [doc async for doc in batched.alazy_load()]  # resumes: nothing resent
    assert service.items_received == 8  # caption + detect for each of 4 images, once
    for docs in (sync_docs, async_docs):
        assert [d.page_content for d in docs] == [d.page_content for d in interactive]
        assert [d.metadata["labels"] for d in docs] == [d.metadata["labels"] for d in interactive]
