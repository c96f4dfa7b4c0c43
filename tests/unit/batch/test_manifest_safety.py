"""The manifest is safe (issue 16, items 15 and 16) and results() never stops (item 6).

* Two resumers of one crashed batch, started at once: one works, the other is told the
  batch is busy (a typed ``BatchJobError``); the job is created once, each item sent once.
* A file that is not a manifest (random bytes, half written, a damaged page, a bad row, a
  directory, an empty file, another program's SQLite database) is refused with a
  ``BatchJobError`` and left byte for byte as it was.
* One item whose answer cannot be read, whatever its parser raises, is recorded as that
  item's typed error; every other item is still read.
"""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

import langchain_gemini_vision
from langchain_gemini_vision import GeminiVisionClient, errors
from langchain_gemini_vision.batch import MANIFEST_FILE, BatchItem, BatchSettings, VisionBatch
from langchain_gemini_vision.batch import job as job_module
from langchain_gemini_vision.batch.items import plan_item
from langchain_gemini_vision.errors import BatchJobError, OutputParsingError
from langchain_gemini_vision.testing import GeminiEmulator, make_scene
from langchain_gemini_vision.testing.batches import BatchService

from ..cli._helpers import invoke, plain
from . import _resumer

FAST = BatchSettings(poll_interval=0.01)
PACKAGE_ROOT = Path(langchain_gemini_vision.__file__).resolve().parent.parent


def _scenes(n: int, size: int = 96) -> list[bytes]:
    return [make_scene(size, size, objects=1, seed=700 + i).data for i in range(n)]


def _crashed_before_create(folder: Path, client: GeminiVisionClient) -> None:
    """A manifest whose program died after writing its job ``submitting``, before the call."""
    batch = VisionBatch(folder, client=client, settings=FAST)
    plans = [plan_item(client, BatchItem.caption(d)) for d in _scenes(3)]
    batch.manifest.add_job("lgv-crash-0000", 0, "inline", plans)
    batch.close()


# ------------------------------------------------------------------ item 15: one resumer at a time


def test_item15_two_resumer_threads_create_the_job_once_and_one_is_told_busy(
    emu: GeminiEmulator, service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    _crashed_before_create(tmp_path, client)
    # Listing and creating jobs take a while, so the two resumers overlap.
    emu.faults.inject("batches", "slow", delay=0.3)
    start, tried = threading.Barrier(2), threading.Barrier(2, timeout=30)
    outcomes: list[object] = []

    def resume() -> None:
        with GeminiVisionClient(api_key="k", base_url=emu.base_url, api="generate_content") as c:
            start.wait()
            try:
                batch = VisionBatch.resume(tmp_path, client=c, settings=FAST)
            except Exception as error:
                outcomes.append(error)
                tried.wait()
                return
            outcomes.append("worked")
            tried.wait()  # hold the batch until the other resumer has tried
            batch.close()

    threads = [threading.Thread(target=resume) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    emu.faults.clear()
    assert service.jobs_created == 1
    assert sorted(service.keys_received.values()) == [1, 1, 1]
    assert outcomes.count("worked") == 1, outcomes
    (busy,) = [o for o in outcomes if o != "worked"]
    assert isinstance(busy, errors.BatchJobBusyError) and isinstance(busy, BatchJobError)
    assert "in use" in str(busy) and str(tmp_path) in str(busy)
    # Once the first is done, the batch opens again, and nothing is created twice.
    with VisionBatch.resume(tmp_path, client=client, settings=FAST) as again:
        again.wait(progress=False)
        assert [r.ok for r in again.results()] == [True, True, True]
    assert service.jobs_created == 1


@pytest.mark.slow
def test_item15_two_resumer_processes_race_and_one_is_told_busy(
    emu: GeminiEmulator, service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    manifest = tmp_path / "manifest"
    _crashed_before_create(manifest, client)
    emu.faults.inject("batches", "slow", delay=0.5)
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
    procs = [
        subprocess.Popen(
            [sys.executable, _resumer.__file__, emu.base_url, str(manifest), str(tmp_path)],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        for _ in range(2)
    ]
    try:
        for proc in procs:
            assert proc.stdout is not None
            assert proc.stdout.readline().strip() == "READY"
        (tmp_path / "go").touch()  # both start resuming at the same moment
        lines = []
        for proc in procs:
            assert proc.stdout is not None
            lines.append(proc.stdout.readline().strip())
        (tmp_path / "release").touch()
        for proc in procs:
            assert proc.wait(timeout=60) == 0, proc.stderr.read() if proc.stderr else ""
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.kill()
    emu.faults.clear()
    assert service.jobs_created == 1
    assert sorted(service.keys_received.values()) == [1, 1, 1]
    assert sorted(line.split()[0] for line in lines) == ["BUSY", "WORKED"], lines
    assert "BatchJobBusyError" in next(line for line in lines if line.startswith("BUSY"))


def test_item15_a_killed_holder_leaves_no_stale_lock(
    emu: GeminiEmulator, service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    """The lock dies with its process: a batch killed mid-wait resumes at once."""
    _crashed_before_create(tmp_path, client)
    env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
    gate = tmp_path / "gate"
    gate.mkdir()
    proc = subprocess.Popen(
        [sys.executable, _resumer.__file__, emu.base_url, str(tmp_path), str(gate)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        text=True,
    )
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "READY"
        (gate / "go").touch()
        assert proc.stdout.readline().strip() == "WORKED"
        with pytest.raises(errors.BatchJobBusyError):
            VisionBatch.resume(tmp_path, client=client, settings=FAST)
        proc.kill()
        proc.wait(timeout=10)
    finally:
        if proc.poll() is None:
            proc.kill()
    with VisionBatch.resume(tmp_path, client=client, settings=FAST) as batch:
        assert batch.wait(progress=False).done
    assert service.jobs_created == 1


# ------------------------------------------------------------------ item 16: unreadable manifests


def _finished_manifest(folder: Path, client: GeminiVisionClient) -> Path:
    with VisionBatch(folder, client=client, settings=FAST) as batch:
        batch.submit([BatchItem.caption(d) for d in _scenes(3)])
        batch.wait(progress=False)
    return folder / MANIFEST_FILE


def _random_bytes(path: Path) -> None:
    path.write_bytes(random.Random(16).randbytes(8192))


def _half_written(path: Path) -> None:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def _flipped_page(path: Path) -> None:
    data = bytearray(path.read_bytes())
    page = int.from_bytes(data[16:18], "big") or 65536
    for offset in range(page, page + 32):  # the header of page 2
        data[offset] ^= 0xFF
    path.write_bytes(bytes(data))


def _bad_json_row(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute(
        "UPDATE items SET images = '[{\"sha256\": ' WHERE rowid = (SELECT MIN(rowid) FROM items)"
    )
    db.commit()
    db.close()


def _directory(path: Path) -> None:
    path.unlink()
    path.mkdir()


def _zero_bytes(path: Path) -> None:
    path.write_bytes(b"")


def _other_database(*statements: str) -> Callable[[Path], None]:
    """Replace the manifest with another program's SQLite database."""

    def write(path: Path) -> None:
        path.unlink()
        db = sqlite3.connect(path)
        for statement in statements:
            db.execute(statement)
        db.commit()
        db.close()

    return write


_foreign_sqlite = _other_database(
    "CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)",
    "INSERT INTO notes (body) VALUES ('shopping list')",
)
# Another program's database that happens to have a ``meta`` table.
_foreign_with_meta = _other_database(
    "CREATE TABLE meta (k TEXT PRIMARY KEY, v TEXT NOT NULL)",
    "INSERT INTO meta VALUES ('owner', 'someone else')",
)


def _newer_version(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("UPDATE meta SET v = '99' WHERE k = 'schema_version'")
    db.commit()
    db.close()


DAMAGE: dict[str, Callable[[Path], None]] = {
    "random-bytes": _random_bytes,
    "half-written": _half_written,
    "flipped-page": _flipped_page,
    "bad-json-row": _bad_json_row,
    "directory": _directory,
    "zero-bytes": _zero_bytes,
    "foreign-sqlite": _foreign_sqlite,
    "foreign-with-meta": _foreign_with_meta,
    "newer-version": _newer_version,
}
REFUSED_ON_OPEN = set(DAMAGE) - {"bad-json-row"}


def _use(folder: Path, client: GeminiVisionClient, *, resume: bool) -> None:
    opener = VisionBatch.resume if resume else VisionBatch
    with opener(folder, client=client, settings=FAST) as batch:
        batch.status()
        list(batch.results())


@pytest.mark.parametrize("damage", sorted(DAMAGE))
def test_item16_an_unreadable_manifest_is_a_batch_job_error_and_left_untouched(
    service: BatchService, client: GeminiVisionClient, tmp_path: Path, damage: str
) -> None:
    path = _finished_manifest(tmp_path, client)
    DAMAGE[damage](path)
    before = path.read_bytes() if path.is_file() else None
    for resume in (True, False):
        with pytest.raises(BatchJobError) as raised:
            _use(tmp_path, client, resume=resume)
        assert str(path) in str(raised.value) or str(tmp_path) in str(raised.value)
        assert not isinstance(raised.value, errors.BatchJobBusyError)
    if damage in REFUSED_ON_OPEN and before is not None:
        assert path.read_bytes() == before  # refused without writing a byte
    if damage == "directory":
        assert path.is_dir() and not any(path.iterdir())


@pytest.mark.parametrize("damage", ["zero-bytes", "foreign-sqlite"])
def test_item16_cli_batch_status_on_a_non_manifest_exits_non_zero(
    emu: GeminiEmulator, client: GeminiVisionClient, tmp_path: Path, damage: str
) -> None:
    path = _finished_manifest(tmp_path, client)
    DAMAGE[damage](path)
    before = path.read_bytes()
    result = invoke(["batch", "status", str(tmp_path), "--base-url", emu.base_url])
    assert result.exit_code != 0, result.output
    assert "0/0 items" not in result.output
    assert "not a batch manifest" in plain(result.stderr)
    assert "Traceback" not in result.output
    assert path.read_bytes() == before


# ------------------------------------------------------------------ item 6: results() carries on


def _finished_batch(
    tmp_path: Path, client: GeminiVisionClient, *, mode: str = "inline"
) -> tuple[VisionBatch, list[str]]:
    settings = FAST if mode == "inline" else BatchSettings(poll_interval=0.01, max_inline_bytes=1)
    batch = VisionBatch(tmp_path, client=client, settings=settings)
    keys = [f"item-{i}" for i in range(4)]
    batch.submit([BatchItem.detect(d, key=k) for d, k in zip(_scenes(4), keys, strict=True)])
    batch.wait(progress=False)
    return batch, keys


def _serve_answer(service: BatchService, key: str, text: str) -> None:
    """Make the service's stored answer for ``key`` the given model text."""
    for job in service._jobs.values():
        for item in job.items:
            if item.key == key and item.response is not None:
                item.response["candidates"][0]["content"]["parts"] = [{"text": text}]
                return
    raise AssertionError(f"no answered item {key}")


def test_item6_a_deeply_nested_answer_for_one_item_does_not_stop_results(
    service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    batch, keys = _finished_batch(tmp_path, client)
    _serve_answer(service, keys[1], "[" * 5000)
    results = {r.key: r for r in batch.results()}
    assert sorted(results) == keys
    assert [results[k].ok for k in keys] == [True, False, True, True]
    assert isinstance(results[keys[1]].error, OutputParsingError)
    counts = batch.manifest.counts()
    assert counts == {"succeeded": 3, "failed": 1}
    batch.close()


@pytest.mark.parametrize(
    "raised",
    [
        RecursionError("maximum recursion depth exceeded"),
        OutputParsingError("nested too deeply", raw_text="[[[["),
        ValueError("a parser bug"),
        KeyError("candidates"),
        MemoryError(),
    ],
    ids=lambda e: type(e).__name__,
)
def test_item6_any_exception_from_one_items_parse_is_recorded_typed_and_the_rest_is_read(
    service: BatchService,
    client: GeminiVisionClient,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    raised: BaseException,
) -> None:
    batch, keys = _finished_batch(tmp_path, client)
    first = next(batch.manifest.items_of(batch.manifest.jobs()[0].display_name))
    poisoned = first["images"][0]["sha256"]
    real = job_module.parse_item

    def flaky(client: Any, task: str, options: Any, images: Any, response: Any, **kw: Any) -> Any:
        value = real(client, task, options, images, response, **kw)
        if images[0]["sha256"] == poisoned:
            raise raised
        return value

    monkeypatch.setattr(job_module, "parse_item", flaky)
    results = list(batch.results())
    assert [r.key for r in results] == keys
    assert [r.ok for r in results] == [False, True, True, True]
    error = results[0].error
    assert isinstance(error, OutputParsingError)
    if not isinstance(raised, OutputParsingError):
        assert type(raised).__name__ in str(error)
    assert batch.manifest.counts() == {"succeeded": 3, "failed": 1}
    batch.close()


def test_item6_an_unreadable_line_in_a_results_file_fails_only_its_item(
    service: BatchService, client: GeminiVisionClient, tmp_path: Path
) -> None:
    batch, keys = _finished_batch(tmp_path, client, mode="file")
    (file_id,) = list(service._results)
    lines = service._results[file_id].decode().splitlines()
    lines[2] = "[" * 5000  # one line of the results file is not JSON the reader can take
    service._results[file_id] = ("\n".join(lines) + "\n").encode()
    results = {r.key: r for r in batch.results()}
    assert sorted(results) == keys
    assert sum(r.ok for r in results.values()) == 3
    (failed,) = [r for r in results.values() if not r.ok]
    assert isinstance(failed.error, BatchJobError)
    batch.close()
