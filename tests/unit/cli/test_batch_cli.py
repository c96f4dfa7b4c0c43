"""``caption --batch`` and ``batch status|fetch|cancel`` against the emulator's Batch API."""

from __future__ import annotations

from pathlib import Path

from langchain_gemini_vision.testing import GeminiEmulator
from langchain_gemini_vision.testing.batches import batches_of

from ._helpers import emu_args, invoke, json_lines
from .conftest import Scenes


def test_submit_then_status_then_fetch(
    emulator: GeminiEmulator, scenes: Scenes, tmp_path: Path
) -> None:
    service = batches_of(emulator)
    manifest = tmp_path / "job"
    received_before = service.items_received
    submitted = invoke(
        [
            "caption",
            str(scenes.wide),
            str(scenes.tall),
            "--batch",
            str(manifest),
            *emu_args(emulator),
        ]
    )
    assert submitted.exit_code == 0, submitted.output
    assert "Submitted 2 item(s)" in submitted.stderr
    assert "gemini-vision batch status" in submitted.stderr

    # Submitting the same images again sends nothing.
    again = invoke(
        [
            "caption",
            str(scenes.wide),
            str(scenes.tall),
            "--batch",
            str(manifest),
            *emu_args(emulator),
        ]
    )
    assert again.exit_code == 0
    assert "Submitted 0 item(s)" in again.stderr
    assert service.items_received - received_before == 2

    status = invoke(["batch", "status", str(manifest), *emu_args(emulator)])
    assert "items answered" in status.stderr
    assert status.exit_code in (0, 1)

    fetched = invoke(
        ["batch", "fetch", str(manifest), "--wait", "--poll-interval", "0.01", *emu_args(emulator)]
    )
    assert fetched.exit_code == 0, fetched.stderr
    records = json_lines(fetched.stdout)
    assert sorted(r["source"] for r in records) == sorted([str(scenes.wide), str(scenes.tall)])

    interactive = invoke(["caption", str(scenes.wide), str(scenes.tall), *emu_args(emulator)])
    expected = {r["source"]: r["result"]["text"] for r in json_lines(interactive.stdout)}
    assert {r["source"]: r["result"]["text"] for r in records} == expected

    done = invoke(["batch", "status", str(manifest), *emu_args(emulator)])
    assert done.exit_code == 0
    assert "2/2 items answered" in done.stderr


def test_cancel(emulator: GeminiEmulator, scenes: Scenes, tmp_path: Path) -> None:
    service = batches_of(emulator)
    service.polls_per_state = {"PENDING": 50, "RUNNING": 50}
    try:
        manifest = tmp_path / "job"
        submitted = invoke(
            ["caption", str(scenes.before), "--batch", str(manifest), *emu_args(emulator)]
        )
        assert submitted.exit_code == 0
        cancelled = invoke(["batch", "cancel", str(manifest), *emu_args(emulator)])
        assert cancelled.exit_code == 0, cancelled.stderr
        assert "CANCELLED" in cancelled.stderr.upper()
        fetched = invoke(["batch", "fetch", str(manifest), *emu_args(emulator)])
        assert fetched.exit_code == 1
        (record,) = json_lines(fetched.stdout)
        assert record["error"]["type"] == "BatchJobError"
    finally:
        service.polls_per_state = {"PENDING": 1, "RUNNING": 2}


def test_unknown_manifest_is_a_usage_error(tmp_path: Path) -> None:
    result = invoke(["batch", "status", str(tmp_path / "nothing")])
    assert result.exit_code == 2
    assert "no batch manifest" in result.stderr
    assert "Traceback" not in result.output
