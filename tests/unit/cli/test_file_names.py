"""A file name that is not valid UTF-8 never stops a run (issue 16, item 17).

``b"bad\\xff.png"`` is listed by Python as ``"bad\\udcff.png"`` (surrogate escape). The
JSON Lines carry it as the JSON escape ``\\udcff``, so ``os.fsencode(json.loads(line)["source"])``
gives back the exact bytes; the report shows it as ``bad\\xff.png``. Every record and the
report are written.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

from langchain_gemini_vision.testing import GeminiEmulator, make_scene

from ._helpers import emu_args, invoke, json_lines

BAD_NAME = b"bad\xff.png"

pytestmark = pytest.mark.skipif(
    sys.platform in ("win32", "darwin"), reason="the file system must accept non-UTF-8 names"
)


def _folder(tmp_path: Path) -> tuple[Path, bytes]:
    folder = tmp_path / "photos"
    folder.mkdir()
    for index, name in enumerate((b"a.png", BAD_NAME, b"c.png")):
        # The surrogate escape writes the exact bytes: the name on disk is b"bad\xff.png".
        (folder / os.fsdecode(name)).write_bytes(
            make_scene(96, 72, objects=1, seed=60 + index).data
        )
    return folder, os.fsencode(folder / os.fsdecode(BAD_NAME))


@pytest.mark.parametrize("task", ["caption", "detect"])
def test_item17_a_non_utf8_file_name_is_written_escaped_and_the_run_finishes(
    emulator: GeminiEmulator, tmp_path: Path, task: str
) -> None:
    folder, raw_bad = _folder(tmp_path)
    out, report = tmp_path / "out.jsonl", tmp_path / "report"
    result = invoke(
        [task, str(folder), "--out", str(out), "--report", str(report), *emu_args(emulator)]
    )
    assert result.exit_code == 0, result.stderr
    records = json_lines(out.read_text(encoding="utf-8"))  # valid UTF-8 JSON, every line
    assert len(records) == 3
    assert all("result" in r for r in records)
    assert os.fsencode(records[1]["source"]) == raw_bad  # the exact bytes come back
    assert "\\udcff" in out.read_text(encoding="utf-8").splitlines()[1]
    page = (report / "report.html").read_text(encoding="utf-8")
    assert "bad\\xff.png" in page


def test_item17_stdout_json_lines_survive_a_non_utf8_name(
    emulator: GeminiEmulator, tmp_path: Path
) -> None:
    folder, raw_bad = _folder(tmp_path)
    result = invoke(["caption", str(folder), *emu_args(emulator)])
    assert result.exit_code == 0, result.stderr
    records = json_lines(result.stdout)
    assert len(records) == 3
    assert os.fsencode(records[1]["source"]) == raw_bad


def test_item17_batch_fetch_writes_a_non_utf8_name_escaped(
    emulator: GeminiEmulator, tmp_path: Path
) -> None:
    from langchain_gemini_vision.testing.batches import batches_of

    batches_of(emulator).polls_per_state = {"PENDING": 0, "RUNNING": 0}
    folder, raw_bad = _folder(tmp_path)
    out = tmp_path / "batch.jsonl"
    result = invoke(
        [
            "caption",
            str(folder),
            "--batch",
            str(tmp_path / "manifest"),
            "--wait",
            "--poll-interval",
            "0.01",
            "--out",
            str(out),
            *emu_args(emulator),
        ]
    )
    assert result.exit_code == 0, result.stderr
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 3
    assert sorted(os.fsencode(r["source"]) for r in records)[1] == raw_bad
