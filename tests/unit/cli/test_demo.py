"""``gemini-vision demo`` without a key: the emulator, end to end, no network."""

from __future__ import annotations

import json
from pathlib import Path

from PIL import Image

from langchain_gemini_vision.cli._demo import SAMPLE_FILES, SAMPLES_DIR
from langchain_gemini_vision.testing import GeminiEmulator

from ._helpers import invoke, plain

TASKS = {"caption", "compare", "detect", "segment", "ask"}


def _check_outputs(out_dir: Path) -> list[dict[str, object]]:
    lines = [json.loads(line) for line in (out_dir / "results.jsonl").read_text().splitlines()]
    assert {line["task"] for line in lines} == TASKS
    assert all("result" in line for line in lines), [line.get("error") for line in lines]
    annotated = sorted((out_dir / "annotated").glob("*.png"))
    drawn = [line for line in lines if line["task"] in ("detect", "segment")]
    assert len(annotated) == len(drawn) >= 6
    assert sorted(Path(str(line["annotated"])).name for line in drawn) == [
        p.name for p in annotated
    ]
    for path in annotated:
        with Image.open(path) as image:
            assert image.width > 0
            assert image.width != image.height
    page = (out_dir / "report.html").read_text(encoding="utf-8")
    boxes = sum(len(line["result"]["detections"]) for line in drawn)  # type: ignore[index]
    assert boxes > 0
    assert page.count('class="detection"') == boxes
    assert "OFFLINE EMULATOR, not Gemini" in page
    return lines


def test_demo_without_a_key_runs_every_task_on_the_emulator(tmp_path: Path) -> None:
    out_dir = tmp_path / "demo-out"
    result = invoke(["demo", "--out-dir", str(out_dir)], key=None)

    assert result.exit_code == 0, result.stderr
    text = plain(result.stdout)
    assert "Offline emulator - not Gemini" in text
    assert "This is the OFFLINE EMULATOR, not Gemini" in text
    assert str(out_dir / "report.html") in text
    assert str(out_dir / "results.jsonl") in text
    lines = _check_outputs(out_dir)
    inputs = sorted(p.name for p in (out_dir / "inputs").iterdir())
    assert any(name.endswith(".jpg") for name in inputs)
    compare = next(line for line in lines if line["task"] == "compare")
    assert len(compare["sources"]) == 2  # type: ignore[arg-type]


def test_demo_offline_ignores_a_key_and_overwrites_a_previous_run(tmp_path: Path) -> None:
    out_dir = tmp_path / "demo-out"
    (out_dir / "annotated").mkdir(parents=True)
    (out_dir / "annotated" / "stale.png").write_bytes(b"old")

    result = invoke(["demo", "--offline", "--out-dir", str(out_dir), "--quiet"], key="real-key")

    assert result.exit_code == 0, result.stderr
    assert "not Gemini" in plain(result.stdout)
    assert not (out_dir / "annotated" / "stale.png").exists()
    _check_outputs(out_dir)


def test_demo_with_a_key_sends_the_bundled_photographs(
    emulator: GeminiEmulator, tmp_path: Path
) -> None:
    # The live path, pointed at the emulator: it proves the photographs ship with the
    # package and every task runs on them (the emulator finds no flat shapes in photos).
    out_dir = tmp_path / "live"
    result = invoke(
        ["demo", "--out-dir", str(out_dir), "--base-url", emulator.base_url], key="a-key"
    )

    assert result.exit_code == 0, result.stderr
    assert "not Gemini" not in plain(result.stdout)
    assert "Sending 4 sample photographs" in plain(result.stdout)
    assert sorted(p.name for p in (out_dir / "inputs").iterdir()) == sorted(SAMPLE_FILES)
    lines = [json.loads(line) for line in (out_dir / "results.jsonl").read_text().splitlines()]
    assert {line["task"] for line in lines} == TASKS
    assert all("result" in line for line in lines)
    assert len(lines) == 4 * 4 + 1
    assert "OFFLINE EMULATOR" not in (out_dir / "report.html").read_text(encoding="utf-8")


def test_bundled_photographs_are_small_jpegs_with_sources() -> None:
    sources = (SAMPLES_DIR / "SOURCES.md").read_text(encoding="utf-8")
    for name in SAMPLE_FILES:
        path = SAMPLES_DIR / name
        assert path.stat().st_size < 150_000
        with Image.open(path) as image:
            assert image.format == "JPEG"
        assert f"`{name}`" in sources
    assert sources.count("Public domain") == 2
    assert sources.count("CC0") >= 2
