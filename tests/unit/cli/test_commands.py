"""Each subcommand against the emulator: JSON Lines, order, annotations, report."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from langchain_gemini_vision.geometry import iou_xyxy as iou
from langchain_gemini_vision.testing import GeminiEmulator

from ._helpers import emu_args, invoke, json_lines
from .conftest import Scenes


def test_caption_writes_one_json_line_per_image_in_input_order(
    emulator: GeminiEmulator, scenes: Scenes
) -> None:
    result = invoke(["caption", str(scenes.tall), str(scenes.wide), *emu_args(emulator)])

    assert result.exit_code == 0, result.stderr
    lines = json_lines(result.stdout)
    assert [line["source"] for line in lines] == [str(scenes.tall), str(scenes.wide)]
    assert {line["task"] for line in lines} == {"caption"}
    for line, name in zip(lines, ["tall.jpg", "wide.png"], strict=True):
        text = line["result"]["text"]
        for obj in scenes.truth[name].objects:
            assert obj.label in text
        assert line["result"]["usage"]["total_tokens"] > 0
        assert line["elapsed_s"] >= 0
    assert "Done: 2 calls, all ok" in result.stderr


def test_detect_boxes_match_the_scene_and_annotated_pngs_are_written(
    emulator: GeminiEmulator, scenes: Scenes, tmp_path: Path
) -> None:
    annotated = tmp_path / "annotated"
    result = invoke(
        [
            "detect",
            str(scenes.wide),
            str(scenes.tall),
            "--annotate-dir",
            str(annotated),
            *emu_args(emulator),
        ]
    )

    assert result.exit_code == 0, result.stderr
    lines = json_lines(result.stdout)
    for line, name in zip(lines, ["wide.png", "tall.jpg"], strict=True):
        scene = scenes.truth[name]
        found = line["result"]
        assert (found["image_width"], found["image_height"]) == (scene.width, scene.height)
        assert sorted(d["label"] for d in found["detections"]) == sorted(
            o.label for o in scene.objects
        )
        for obj in scene.objects:
            same = [d["box"] for d in found["detections"] if d["label"] == obj.label]
            assert max(iou(box, obj.box) for box in same) > 0.8
        png = Path(line["annotated"])
        assert png.parent == annotated
        assert png.suffix == ".png"
        with Image.open(png) as drawn:
            assert drawn.size == (scene.width, scene.height)
            assert ImageChops.difference(drawn.convert("RGB"), scene.image).getbbox() is not None
    assert sorted(p.name for p in annotated.iterdir()) == [
        "001-wide.detect.png",
        "002-tall.detect.png",
    ]


def test_segment_returns_masks_inside_the_boxes(emulator: GeminiEmulator, scenes: Scenes) -> None:
    result = invoke(["segment", str(scenes.wide), *emu_args(emulator)])

    assert result.exit_code == 0, result.stderr
    (line,) = json_lines(result.stdout)
    detections = line["result"]["detections"]
    assert len(detections) == len(scenes.truth["wide.png"].objects)
    assert all(d["mask"] is not None for d in detections), line["result"]["warnings"]


def test_compare_sends_all_images_in_one_request(emulator: GeminiEmulator, scenes: Scenes) -> None:
    result = invoke(["compare", str(scenes.before), str(scenes.after), *emu_args(emulator)])

    assert result.exit_code == 0, result.stderr
    (line,) = json_lines(result.stdout)
    assert line["task"] == "compare"
    assert line["sources"] == [str(scenes.before), str(scenes.after)]
    differences = " ".join(line["result"]["differences"])
    assert "green triangle" in differences
    assert "blue square" in differences


def test_ask_answers_each_image_or_all_together(emulator: GeminiEmulator, scenes: Scenes) -> None:
    question = "How many objects are in this image?"
    each = invoke(
        ["ask", str(scenes.wide), str(scenes.tall), "--question", question, *emu_args(emulator)]
    )
    together = invoke(
        [
            "ask",
            str(scenes.wide),
            str(scenes.tall),
            "--question",
            "What is the same in these images?",
            "--together",
            *emu_args(emulator),
        ]
    )

    assert each.exit_code == 0, each.stderr
    first, second = json_lines(each.stdout)
    assert first["instruction"] == question
    assert "3" in first["result"]["text"]
    assert "2" in second["result"]["text"]
    assert together.exit_code == 0, together.stderr
    (line,) = json_lines(together.stdout)
    assert line["sources"] == [str(scenes.wide), str(scenes.tall)]
    assert line["result"]["text"]


def test_folders_and_quoted_globs_expand_to_their_images(
    emulator: GeminiEmulator, scenes: Scenes, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    shutil.copy(scenes.wide, folder / "b.png")
    shutil.copy(scenes.tall, folder / "a.jpg")
    (folder / "notes.txt").write_text("not an image")
    (folder / "sub").mkdir()
    shutil.copy(scenes.wide, folder / "sub" / "c.png")

    from_folder = invoke(["caption", str(folder), *emu_args(emulator)])
    recursive = invoke(["caption", str(folder), "--recursive", *emu_args(emulator)])
    from_glob = invoke(["caption", str(folder / "*.png"), *emu_args(emulator)])

    assert from_folder.exit_code == 0, from_folder.stderr
    assert [Path(x["source"]).name for x in json_lines(from_folder.stdout)] == ["a.jpg", "b.png"]
    assert [Path(x["source"]).name for x in json_lines(recursive.stdout)] == [
        "a.jpg",
        "b.png",
        "c.png",
    ]
    assert [Path(x["source"]).name for x in json_lines(from_glob.stdout)] == ["b.png"]


def test_out_file_keeps_stdout_empty_and_report_holds_annotations(
    emulator: GeminiEmulator, scenes: Scenes, tmp_path: Path
) -> None:
    out = tmp_path / "res" / "detections.jsonl"
    report = tmp_path / "report"
    result = invoke(
        [
            "detect",
            str(scenes.wide),
            str(scenes.tall),
            "--out",
            str(out),
            "--report",
            str(report),
            "--query",
            "every circle and square and triangle and rectangle",
            *emu_args(emulator),
        ]
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout == ""
    lines = json_lines(out.read_text(encoding="utf-8"))
    assert len(lines) == 2
    assert (report / "report.html").is_file()
    assert sorted(p.name for p in report.glob("*.png")) == [
        "001-wide.detect.png",
        "002-tall.detect.png",
    ]
    page = (report / "report.html").read_text(encoding="utf-8")
    assert page.count('class="detection"') == sum(len(x["result"]["detections"]) for x in lines)
    assert "Report:" in result.stderr


def test_generate_content_api_and_model_options(emulator: GeminiEmulator, scenes: Scenes) -> None:
    result = invoke(
        [
            "detect",
            str(scenes.wide),
            "--api",
            "generate_content",
            "--model",
            "gemini-2.5-flash",
            "--media-resolution",
            "high",
            *emu_args(emulator),
        ]
    )

    assert result.exit_code == 0, result.stderr
    (line,) = json_lines(result.stdout)
    assert line["result"]["api"] == "generate_content"
    assert line["result"]["model"].startswith("gemini-2.5-flash")
    assert len(line["result"]["detections"]) == 3


@pytest.fixture(scope="module")
def slow_emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator(latency=0.25) as emu:
        yield emu


def test_concurrency_runs_in_parallel_and_keeps_input_order(
    slow_emulator: GeminiEmulator, scenes: Scenes, tmp_path: Path
) -> None:
    names = [f"img{i}.png" for i in range(8)]
    for i, name in enumerate(names):
        source = scenes.wide if i % 2 else scenes.tall
        shutil.copy(source, tmp_path / name)
    args = ["caption", *[str(tmp_path / n) for n in names], *emu_args(slow_emulator)]

    slow_emulator.stats.reset()
    parallel = invoke([*args, "--concurrency", "8"])
    parallel_peak = slow_emulator.stats.peak_in_flight
    slow_emulator.stats.reset()
    serial = invoke([*args, "--concurrency", "1"])
    serial_peak = slow_emulator.stats.peak_in_flight

    assert parallel.exit_code == 0 == serial.exit_code, parallel.stderr
    assert [Path(x["source"]).name for x in json_lines(parallel.stdout)] == names
    assert [Path(x["source"]).name for x in json_lines(serial.stdout)] == names
    # Counted at the emulator, not timed: 8 images at --concurrency 8 overlap (each call
    # is held 0.25 s there), at --concurrency 1 never.
    assert serial_peak == 1
    assert parallel_peak >= 4


def test_progress_bar_on_a_terminal_leaves_stdout_to_json(
    emulator: GeminiEmulator, scenes: Scenes
) -> None:
    # A real process whose stderr is a terminal: rich draws its live progress bar there,
    # and every JSON line must still reach stdout (a pipe), none the terminal.
    import os
    import pty
    import subprocess
    import sys

    leader, follower = pty.openpty()
    env = {**os.environ, "GEMINI_API_KEY": "emulator", "COLUMNS": "100", "TERM": "xterm"}
    args = [str(scenes.wide), str(scenes.tall), str(scenes.before), str(scenes.after)]
    try:
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "langchain_gemini_vision.cli",
                "caption",
                *args,
                *emu_args(emulator),
            ],
            stdout=subprocess.PIPE,
            stderr=follower,
            env=env,
            timeout=60,
            check=False,
        )
    finally:
        os.close(follower)
    terminal = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        terminal += chunk
    os.close(leader)

    assert done.returncode == 0
    assert [line["source"] for line in json_lines(done.stdout.decode())] == args
    assert b'"task"' not in terminal
    assert b"4/4" in terminal  # the progress bar was drawn
    assert b"Done: 4 calls, all ok" in terminal
