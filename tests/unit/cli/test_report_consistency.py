"""The report, the annotated PNGs and the JSON Lines agree and say what they mean (issue 15, item 20).

* A label has one colour in the HTML report and in the annotated PNG of the same result,
  and keeps it from one image to the next.
* The report says which time is wall-clock time and which is a sum of call times.
* Boxes in JSON Lines carry no float noise (``109.79999999999998``).
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import numpy as np
from PIL import Image

from langchain_gemini_vision.annotate import draw_detections
from langchain_gemini_vision.report import ReportEntry, ReportImage, render_report
from langchain_gemini_vision.results import Detection, DetectionResult
from langchain_gemini_vision.testing import GeminiEmulator, make_scene

from ._helpers import emu_args, invoke, json_lines

W, H = 480, 200
LABELS = ("dog", "cat", "bicycle", "person", "cup", "tree")


def _result(labels: tuple[str, ...]) -> DetectionResult:
    return DetectionResult(
        detections=[
            Detection(
                label=label, box_2d=(0, 0, 1, 1), box=(10.0 + 75 * i, 50.0, 70.0 + 75 * i, 150.0)
            )
            for i, label in enumerate(labels)
        ],
        image_width=W,
        image_height=H,
    )


def _png(width: int = W, height: int = H) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (255, 255, 255)).save(buffer, format="PNG")
    return buffer.getvalue()


def _report_colours(page: str) -> list[dict[str, str]]:
    """Per report card, label -> box stroke colour (``#rrggbb``)."""
    cards = []
    for svg in re.findall(r'<svg class="overlay".*?</svg>', page, flags=re.S):
        groups = re.findall(
            r'<g class="detection"[^>]*data-label="([^"]*)".*?<rect class="box"[^>]*stroke="(#[0-9a-f]{6})"',
            svg,
            flags=re.S,
        )
        cards.append(dict(groups))
    return cards


def _hex(rgb: tuple[int, ...]) -> str:
    return "#{:02x}{:02x}{:02x}".format(*rgb[:3])


def test_item20_report_and_annotated_png_give_each_label_the_same_colour() -> None:
    first, second = _result(LABELS), _result(("tree", "dog", "kite"))
    entries = [
        ReportEntry("detect", ["a.png"], [ReportImage("a.png", _png(), "image/png", W, H)], first),
        ReportEntry("detect", ["b.png"], [ReportImage("b.png", _png(), "image/png", W, H)], second),
    ]
    page_colours = _report_colours(render_report(entries))
    assert [sorted(c) for c in page_colours] == [sorted(LABELS), sorted({"tree", "dog", "kite"})]
    for result, colours in zip((first, second), page_colours, strict=True):
        drawn = np.asarray(draw_detections(_png(), result).convert("RGB"))
        for detection in result:
            x0, y0, _, y1 = (round(v) for v in detection.box)
            edge = tuple(int(v) for v in drawn[(y0 + y1) // 2, x0])
            assert _hex(edge) == colours[detection.label], detection.label
    # The same label keeps its colour from one image to the next.
    assert page_colours[0]["dog"] == page_colours[1]["dog"]
    assert page_colours[0]["tree"] == page_colours[1]["tree"]
    # And labels of one image are told apart.
    assert len(set(page_colours[0].values())) == len(LABELS)


def test_item20_report_says_wall_time_and_sum_of_call_times() -> None:
    entries = [
        ReportEntry("caption", ["a.png"], elapsed_s=0.75),
        ReportEntry("caption", ["b.png"], elapsed_s=1.0),
    ]
    page = render_report(entries, wall_s=1.1)
    text = re.sub(r"<[^>]+>", " ", page)
    assert re.search(r"wall time:\s+1\.10 s", text)
    assert re.search(r"sum of call times:\s+1\.75 s", text)
    assert "time in calls" not in text
    assert re.search(r"call time 0\.75 s", text)  # each card says its own time is per call


def test_item20_cli_report_and_json_lines(emulator: GeminiEmulator, tmp_path: Path) -> None:
    image = tmp_path / "scene.png"
    # Boxes of this scene, mapped from 0-1000 to 640x360, came out as 366.71999999999997.
    image.write_bytes(make_scene(640, 360, objects=3, seed=0).data)
    out, report = tmp_path / "out.jsonl", tmp_path / "report"
    result = invoke(
        ["detect", str(image), "--out", str(out), "--report", str(report), *emu_args(emulator)]
    )
    assert result.exit_code == 0, result.stderr
    (record,) = json_lines(out.read_text(encoding="utf-8"))
    boxes = [d["box"] for d in record["result"]["detections"]]
    assert boxes
    for box in boxes:
        assert all(round(v, 3) == v for v in box), box
    assert not re.search(r'"box": \[[^\]]*\d\.\d{6,}', out.read_text(encoding="utf-8"))
    page = (report / "report.html").read_text(encoding="utf-8")
    assert "wall time" in page and "sum of call times" in page
    # The annotated PNG and the report agree on every label's colour.
    (colours,) = _report_colours(page)
    png = np.asarray(Image.open(record["annotated"]).convert("RGB"))
    for detection in record["result"]["detections"]:
        x0, y0, _, y1 = detection["box"]
        row = png[round((y0 + y1) / 2)]
        near = {_hex(tuple(row[x])) for x in range(int(x0) - 1, int(x0) + 3)}
        assert colours[detection["label"]] in near, (detection, near)
