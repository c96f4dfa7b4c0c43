"""2,000 images as batch jobs; the submitter is SIGKILLed mid-wait and the batch resumed.

The emulator runs in this process on a fixed port; the submitter is a real
separate program (``_submitter.py``). After the kill, a fresh ``VisionBatch``
resumes from the manifest alone: every typed result comes back matched to its
input, no item reached the service twice, and a sample equals ``client.detect``.
"""

from __future__ import annotations

import hashlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

import langchain_gemini_vision
from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.batch import VisionBatch
from langchain_gemini_vision.results import DetectionResult
from langchain_gemini_vision.testing import (
    GeminiEmulator,
    GroundTruthObject,
    analyse_image,
    make_scene,
)
from langchain_gemini_vision.testing.batches import batches_of

from . import _submitter

N_IMAGES = 2000
PACKAGE_ROOT = Path(langchain_gemini_vision.__file__).resolve().parent.parent


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _write_scenes(folder: Path) -> dict[str, GroundTruthObject]:
    """2,000 distinct 48x48 scenes of one shape the emulator can see; key -> ground truth."""
    folder.mkdir()
    truth: dict[str, GroundTruthObject] = {}
    seen: set[str] = set()
    seed = 0
    backgrounds = ("white", "black")
    while len(truth) < N_IMAGES:
        scene = make_scene(48, 48, objects=1, seed=seed, background=backgrounds[seed % 2])
        seed += 1
        digest = hashlib.sha256(scene.data).hexdigest()
        if digest in seen or len(scene.objects) != 1:
            continue
        # Shapes a few pixels wide are below what the emulator's vision resolves.
        if [o.label for o in analyse_image(scene.data).objects] != [scene.objects[0].label]:
            continue
        seen.add(digest)
        key = f"img-{len(truth):04d}"
        (folder / f"{key}.png").write_bytes(scene.data)
        truth[key] = scene.objects[0]
    return truth


def _wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.02)


@pytest.mark.slow
@pytest.mark.emulator_only
@pytest.mark.timeout(600)  # a hang guard only: a loaded machine took 93 s
def test_killed_submitter_resumes_2000_items_without_resubmitting(tmp_path: Path) -> None:
    truth = _write_scenes(tmp_path / "images")
    manifest_dir = tmp_path / "manifest"
    port = _free_port()
    with GeminiEmulator(port=port, record_requests=False) as emu:
        service = batches_of(emu)
        # Long enough that the submitter is surely waiting when it is killed.
        service.polls_per_state = {"PENDING": 3, "RUNNING": 10_000}
        env = {**os.environ, "PYTHONPATH": str(PACKAGE_ROOT)}
        proc = subprocess.Popen(
            [
                sys.executable,
                _submitter.__file__,
                emu.base_url,
                str(manifest_dir),
                str(tmp_path / "images"),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
            text=True,
        )
        try:
            line = proc.stdout.readline() if proc.stdout else ""
            assert line.startswith("SUBMITTED"), (line, proc.stderr.read() if proc.stderr else "")
            assert line.split()[1:] == [str(N_IMAGES), "3"]
            polls_before = emu.stats.requests["batches"]
            _wait_for(lambda: emu.stats.requests["batches"] >= polls_before + 6, 20, "polls")
            assert all(service.state_of(name) != "SUCCEEDED" for name in service.jobs)
            proc.send_signal(signal.SIGKILL)  # mid-wait, no cleanup of any kind
            assert proc.wait(timeout=10) == -signal.SIGKILL
        finally:
            if proc.poll() is None:
                proc.kill()
        assert service.items_received == N_IMAGES
        assert service.jobs_created == 3

        # Started again: only the manifest folder is shared with the killed program.
        service.polls_per_state = {"PENDING": 0, "RUNNING": 0}
        with GeminiVisionClient(
            api_key="k", base_url=emu.base_url, api="generate_content"
        ) as client:
            batch = VisionBatch.resume(manifest_dir, client=client, settings=_submitter.SETTINGS)
            assert sorted(job.mode for job in batch.manifest.jobs()) == ["file", "file", "inline"]
            status = batch.wait(progress=False)
            assert status.done and status.states == {"JOB_STATE_SUCCEEDED": 3}
            results = {result.key: result for result in batch.results()}

            # Every input has its typed result, matched by key to its own image.
            assert sorted(results) == sorted(truth)
            for key, result in results.items():
                assert result.ok, (key, result.error)
                assert isinstance(result.value, DetectionResult)
                # Matched to its own image: the label and the box of that image's shape.
                assert [d.label for d in result.value] == [truth[key].label], key
                box = result.value.detections[0].box
                assert max(abs(a - b) for a, b in zip(box, truth[key].box, strict=True)) <= 1.5
                assert (result.value.image_width, result.value.image_height) == (48, 48)

            # Submitting the same items again sends nothing: every key is known.
            again = batch.submit(_submitter.items(tmp_path / "images"))
            assert again.submitted == [] and len(again.skipped) == N_IMAGES

            # No item reached the service twice, across both programs.
            assert service.items_received == N_IMAGES
            assert len(service.keys_received) == N_IMAGES
            assert set(service.keys_received.values()) == {1}
            assert service.jobs_created == 3
            assert batch.manifest.counts() == {"succeeded": N_IMAGES}

            # The batch answers are the interactive answers, for a sample of 50.
            for key in sorted(truth)[::40]:
                interactive = client.detect(tmp_path / "images" / f"{key}.png")
                batched = results[key].value
                assert isinstance(batched, DetectionResult)
                assert batched.detections == interactive.detections
                assert batched.raw_text == interactive.raw_text
                assert batched.usage == interactive.usage
                assert batched.model == interactive.model
            batch.close()
