"""The HTML report as text: self-contained, escaped, one overlay element per detection."""

from __future__ import annotations

import base64
import io
import re

from PIL import Image

from langchain_gemini_vision.report import (
    ReportEntry,
    ReportError,
    ReportImage,
    image_data_uri,
    render_report,
)
from langchain_gemini_vision.results import Caption, Detection, DetectionResult
from langchain_gemini_vision.usage import Usage


def _png(width: int, height: int, fmt: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, format=fmt)
    return buffer.getvalue()


def _entries() -> list[ReportEntry]:
    image = ReportImage("a.png", _png(200, 100), "image/png", 200, 100)
    detections = DetectionResult(
        detections=[
            Detection(
                label="<script>alert(1)</script>", box_2d=(0, 0, 500, 500), box=(0, 0, 100, 50)
            ),
            Detection(
                label="cup", box_2d=(500, 500, 1000, 1000), box=(100, 50, 200, 100), score=0.9
            ),
        ],
        image_width=200,
        image_height=100,
        model="m",
        usage=Usage(input_tokens=10, output_tokens=5, total_tokens=15),
    )
    return [
        ReportEntry(
            "caption", ["a.png"], [image], Caption(text="A red <b>box</b>."), elapsed_s=0.5
        ),
        ReportEntry("detect", ["a.png"], [image], detections, elapsed_s=1.25),
        ReportEntry(
            "detect",
            ["missing.png"],
            error=ReportError("ImageInputError", "missing.png: no such file", "not_found"),
        ),
    ]


def test_report_is_self_contained_and_escaped() -> None:
    page = render_report(_entries(), title="T", notice="offline emulator")

    assert page.startswith("<!DOCTYPE html>")
    assert "Content-Security-Policy" in page
    assert "default-src 'none'" in page
    assert "<script" not in page  # the label is text, and the page has no script at all
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "A red &lt;b&gt;box&lt;/b&gt;." in page
    sources = re.findall(r'\s(?:src|href)="([^"]*)"', page)
    assert sources
    assert all(s.startswith("data:image/") for s in sources)
    assert not re.search(r"url\(|@import|<link|<iframe|<object", page)
    assert page.count('class="detection"') == 2
    assert "offline emulator" in page
    assert "15 total" in page
    assert "1.25 s" in page
    assert "missing.png: no such file" in page


def test_overlay_uses_the_image_pixel_frame() -> None:
    page = render_report(_entries())

    assert 'viewBox="0 0 200 100"' in page
    assert '<rect class="box" x="100" y="50" width="100" height="50"' in page
    assert "cup 0.90" in page


def test_images_browsers_cannot_show_are_converted_and_large_ones_shrunk() -> None:
    bmp = image_data_uri(ReportImage("x.bmp", _png(40, 30, "BMP"), "image/bmp", 40, 30))
    big = image_data_uri(ReportImage("big.png", _png(3000, 1000), "image/png", 3000, 1000))
    small = ReportImage("s.png", _png(40, 30), "image/png", 40, 30)

    assert bmp is not None
    assert bmp.startswith("data:image/jpeg;base64,")
    assert big is not None
    with Image.open(io.BytesIO(base64.b64decode(big.split(",", 1)[1]))) as shrunk:
        assert shrunk.size == (1600, 533)
    assert (
        image_data_uri(small)
        == "data:image/png;base64," + base64.b64encode(small.data or b"").decode()
    )
    assert image_data_uri(ReportImage("gs://b/x.png")) is None
    assert image_data_uri(ReportImage("junk", b"not an image", None, None, None)) is None
