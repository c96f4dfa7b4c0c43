"""One self-contained HTML page showing what every task found.

:func:`render_report` turns a list of :class:`ReportEntry` (one per task call: its
images, its result or error, its timing) into a single HTML document:

* every image is embedded as a ``data:`` URI (large ones are downscaled for the page
  only), and the page loads nothing else: a Content-Security-Policy forbids any other
  source, there is no script, and styles are inline;
* detections are drawn as an inline SVG laid over the image in the image's own pixel
  coordinates, one ``<g class="detection">`` per object (box, mask outline when there is
  a mask, label), so they stay sharp at any zoom and can be toggled off; each label has
  the colour the annotated PNGs give it (:func:`~langchain_gemini_vision.annotate.label_colors`);
* captions, comparisons, answers, token usage and each call's time sit beside each image;
  the header gives the run's wall time (when known) and the sum of call times, which is
  larger when calls overlap.

Example:
    >>> entry = ReportEntry(task="caption", sources=["cat.jpg"], elapsed_s=0.4)
    >>> "<!DOCTYPE html>" in render_report([entry], title="Demo")
    True
"""

from __future__ import annotations

import base64
import html
import io
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel

from langchain_gemini_vision._text import printable
from langchain_gemini_vision.annotate import label_colors
from langchain_gemini_vision.results import (
    Caption,
    DetectionResult,
    ImageComparison,
    VisualAnswer,
)
from langchain_gemini_vision.usage import Usage

__all__ = [
    "ReportEntry",
    "ReportError",
    "ReportImage",
    "Result",
    "image_data_uri",
    "render_report",
    "write_report",
]

Result = Caption | ImageComparison | DetectionResult | VisualAnswer
"""Any task's result."""

REPORT_FILENAME: Final = "report.html"
_MAX_PAGE_SIDE: Final = 1600
_BROWSER_TYPES: Final = frozenset({"image/png", "image/jpeg", "image/webp", "image/gif"})
_MAX_PASS_THROUGH_BYTES: Final = 1_500_000
_CSP: Final = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; "
    "font-src 'none'; script-src 'none'; base-uri 'none'; form-action 'none'"
)


@dataclass(frozen=True)
class ReportImage:
    """An image as the report shows it.

    Attributes:
        label: Where it came from (a path, a URL label).
        data: The encoded image, or ``None`` when only a reference was known.
        mime_type: Its MIME type, when known.
        width, height: Its size in pixels, when known.
    """

    label: str
    data: bytes | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None


@dataclass(frozen=True)
class ReportError:
    """Why a task call failed.

    Attributes:
        type: The exception's class name.
        message: A sentence for the user (the API key never appears in it).
        reason: A machine-readable reason when the error has one (``not_found``, ...).
        hint: What to do about it, when known.
    """

    type: str
    message: str
    reason: str | None = None
    hint: str | None = None


@dataclass
class ReportEntry:
    """One task call: its inputs, what came back and how long it took.

    Attributes:
        task: ``caption``, ``compare``, ``detect``, ``segment`` or ``ask``.
        sources: The inputs as the user named them (one, or several for compare).
        images: The loaded images (empty when loading failed).
        result: The task's result, or ``None`` on failure.
        error: The failure, or ``None``.
        elapsed_s: Wall-clock seconds, loading included.
        instruction: The prompt, query or question given, if any.
        annotated: Where the annotated image was written, if anywhere.
        notes: Things worth knowing that are not failures (an annotation that could
            not be drawn, ...).
    """

    task: str
    sources: list[str]
    images: list[ReportImage] = field(default_factory=list)
    result: Result | None = None
    error: ReportError | None = None
    elapsed_s: float = 0.0
    instruction: str | None = None
    annotated: str | None = None
    notes: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """Whether the call succeeded."""
        return self.error is None and self.result is not None

    @property
    def usage(self) -> Usage:
        """Tokens this call used (zero when it failed)."""
        return self.result.usage if self.result is not None else Usage()


# --------------------------------------------------------------------------- images


def image_data_uri(image: ReportImage, *, max_side: int = _MAX_PAGE_SIDE) -> str | None:
    """A ``data:`` URI any browser displays, or ``None`` when the image cannot be shown.

    Browser formats under the size limits travel as they are; anything else (HEIC,
    very large photos) is decoded and re-encoded, downscaled to ``max_side``.
    """
    if image.data is None:
        return None
    small = (image.width or 0) <= max_side and (image.height or 0) <= max_side
    if (
        image.mime_type in _BROWSER_TYPES
        and small
        and image.width
        and len(image.data) <= _MAX_PASS_THROUGH_BYTES
    ):
        payload, mime = image.data, image.mime_type
    else:
        try:
            with Image.open(io.BytesIO(image.data)) as opened:
                opened.load()
                picture = opened.copy()
        except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
            return None
        picture.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
        buffer = io.BytesIO()
        if picture.mode in ("RGBA", "LA", "P"):
            picture.convert("RGBA").save(buffer, format="PNG", optimize=True)
            mime = "image/png"
        else:
            picture.convert("RGB").save(buffer, format="JPEG", quality=85)
            mime = "image/jpeg"
        payload = buffer.getvalue()
    return f"data:{mime};base64,{base64.b64encode(payload).decode('ascii')}"


def _colours(result: DetectionResult) -> dict[str, str]:
    """Label -> ``#rrggbb``: the colours the annotated PNG of this result uses."""
    return {
        label: "#{:02x}{:02x}{:02x}".format(*rgb)
        for label, rgb in label_colors(result.labels).items()
    }


def _e(value: object) -> str:
    # printable(): a file name that is not UTF-8 shows as bad\xff.png instead of failing.
    return html.escape(printable(str(value)), quote=True)


def _num(value: float) -> str:
    return f"{value:.1f}".rstrip("0").rstrip(".")


# --------------------------------------------------------------------------- pieces


def _overlay(result: DetectionResult) -> str:
    width, height = result.image_width, result.image_height
    font = max(10.0, max(width, height) / 45)
    colours = _colours(result)
    groups = []
    for index, detection in enumerate(result.detections):
        colour = colours[detection.label]
        x0, y0, x1, y1 = detection.box
        score = f" {detection.score:.2f}" if detection.score is not None else ""
        text = f"{detection.label}{score}"
        parts = [f"<title>{_e(text)}</title>"]
        if detection.mask is not None:
            points = detection.mask.to_polygon()
            if points:
                coords = " ".join(f"{x},{y}" for x, y in points)
                parts.append(f'<polygon class="mask" points="{coords}" fill="{colour}"/>')
        parts.append(
            f'<rect class="box" x="{_num(x0)}" y="{_num(y0)}" width="{_num(x1 - x0)}" '
            f'height="{_num(y1 - y0)}" stroke="{colour}"/>'
        )
        label_y = y0 - font * 0.3 if y0 > font * 1.2 else y0 + font * 1.05
        label_w = font * 0.6 * len(text) + font * 0.4
        parts.append(
            f'<rect class="tag" x="{_num(x0)}" y="{_num(label_y - font)}" '
            f'width="{_num(label_w)}" height="{_num(font * 1.25)}" fill="{colour}"/>'
        )
        parts.append(
            f'<text x="{_num(x0 + font * 0.2)}" y="{_num(label_y)}" '
            f'font-size="{_num(font)}">{_e(text)}</text>'
        )
        groups.append(
            f'<g class="detection" data-index="{index}" data-label="{_e(detection.label)}">'
            + "".join(parts)
            + "</g>"
        )
    return (
        f'<svg class="overlay" viewBox="0 0 {width} {height}" preserveAspectRatio="none" '
        f'xmlns="http://www.w3.org/2000/svg" role="img" '
        f'aria-label="{len(result.detections)} detections">' + "".join(groups) + "</svg>"
    )


def _figure(image: ReportImage, overlay: str = "") -> str:
    uri = image_data_uri(image)
    caption = f"<figcaption>{_e(image.label)}"
    if image.width and image.height:
        caption += f' <span class="dim">{image.width}&#215;{image.height}</span>'
    caption += "</figcaption>"
    if uri is None:
        return (
            f'<figure><div class="frame missing">no preview for this image</div>{caption}</figure>'
        )
    size = f' width="{image.width}" height="{image.height}"' if image.width and image.height else ""
    return (
        f'<figure><div class="frame"><img src="{uri}" alt="{_e(image.label)}"{size}>'
        f"{overlay}</div>{caption}</figure>"
    )


def _list(title: str, items: Sequence[str]) -> str:
    if not items:
        return ""
    lis = "".join(f"<li>{_e(item)}</li>" for item in items)
    return f"<h4>{_e(title)}</h4><ul>{lis}</ul>"


def _detections_table(result: DetectionResult) -> str:
    if not result.detections:
        return '<p class="answer">No objects found.</p>'
    rows = []
    colours = _colours(result)
    for index, detection in enumerate(result.detections, start=1):
        x0, y0, x1, y1 = (round(v) for v in detection.box)
        score = f"{detection.score:.2f}" if detection.score is not None else ""
        mask = f"{detection.mask.area} px" if detection.mask is not None else ""
        rows.append(
            f'<tr><td>{index}</td><td><span class="swatch" '
            f'style="background:{colours[detection.label]}"></span>{_e(detection.label)}</td>'
            f"<td>({x0}, {y0}, {x1}, {y1})</td><td>{score}</td><td>{mask}</td></tr>"
        )
    return (
        '<table class="objects"><thead><tr><th>#</th><th>label</th>'
        "<th>box (x0, y0, x1, y1) px</th><th>score</th><th>mask</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _result_body(entry: ReportEntry) -> str:
    result = entry.result
    if isinstance(result, Caption):
        return f'<p class="answer">{_e(result.text)}</p>'
    if isinstance(result, ImageComparison):
        return (
            f'<p class="answer">{_e(result.summary)}</p>'
            + _list("Differences", result.differences)
            + _list("Similarities", result.similarities)
        )
    if isinstance(result, DetectionResult):
        body = _detections_table(result)
        if result.truncated:
            body += '<p class="warn">The answer was truncated: objects may be missing.</p>'
        body += _list("Warnings", result.warnings)
        return body
    if isinstance(result, VisualAnswer):
        body = f'<p class="answer">{_e(result.text)}</p>'
        if result.data is not None:
            data = (
                result.data.model_dump(mode="json")
                if isinstance(result.data, BaseModel)
                else result.data
            )
            body += f"<pre>{_e(json.dumps(data, indent=2, ensure_ascii=False))}</pre>"
        return body
    return ""


def _usage_line(entry: ReportEntry) -> str:
    bits = [f"call time {entry.elapsed_s:.2f} s"]
    if entry.result is not None:
        usage = entry.result.usage
        bits.append(
            f"tokens: {usage.input_tokens} in, {usage.output_tokens} out"
            + (f", {usage.thought_tokens} thinking" if usage.thought_tokens else "")
            + f", {usage.total_tokens} total"
        )
        if entry.result.model:
            bits.append(f"model {entry.result.model}")
    if entry.annotated:
        bits.append(f"annotated image: {entry.annotated}")
    return '<p class="meta">' + " &#183; ".join(_e(bit) for bit in bits) + "</p>"


def _card(entry: ReportEntry) -> str:
    overlay = ""
    if isinstance(entry.result, DetectionResult):
        overlay = _overlay(entry.result)
    if entry.images:
        figures = "".join(
            _figure(image, overlay if i == 0 else "") for i, image in enumerate(entry.images)
        )
    else:
        figures = "".join(_figure(ReportImage(label=source)) for source in entry.sources)
    status = "ok" if entry.ok else "failed"
    head = f'<h3><span class="task">{_e(entry.task)}</span> {_e(", ".join(entry.sources))}</h3>'
    if entry.instruction:
        head += f'<p class="instruction">{_e(entry.instruction)}</p>'
    if entry.error is not None:
        body = (
            f'<p class="error"><strong>{_e(entry.error.type)}</strong>: '
            f"{_e(entry.error.message)}</p>"
        )
        if entry.error.hint:
            body += f'<p class="hint">{_e(entry.error.hint)}</p>'
    else:
        body = _result_body(entry)
    body += _list("Notes", entry.notes)
    return (
        f'<article class="card {status}" data-task="{_e(entry.task)}">{head}'
        f'<div class="figures">{figures}</div><div class="body">{body}'
        f"{_usage_line(entry)}</div></article>"
    )


_STYLE: Final = """
:root { color-scheme: light; --fg: #1d2330; --dim: #667085; --line: #d0d5dd; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif;
       color: var(--fg); background: #f5f6f8; }
header { padding: 20px 28px; background: #fff; border-bottom: 1px solid var(--line); }
header h1 { margin: 0 0 4px; font-size: 22px; }
.notice { margin: 12px 0 0; padding: 10px 14px; border-radius: 6px; background: #fff4e5;
          border: 1px solid #f5b86b; }
.summary { display: flex; flex-wrap: wrap; gap: 8px 22px; margin: 10px 0 0; color: var(--dim); }
.summary b { color: var(--fg); }
.toggle { margin-top: 10px; display: inline-block; color: var(--dim); }
main { padding: 12px 28px 40px; }
section h2 { margin: 22px 0 10px; font-size: 18px; text-transform: capitalize; }
.card { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 16px;
        margin: 0 0 14px; display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 2fr);
        gap: 16px; }
.card.failed { border-color: #f04438; }
.card h3 { grid-column: 1 / -1; margin: 0; font-size: 15px; word-break: break-all; }
.task { display: inline-block; padding: 0 7px; border-radius: 4px; background: #eef2ff;
        color: #3538cd; font-size: 13px; margin-right: 6px; }
.instruction { grid-column: 1 / -1; margin: -8px 0 0; color: var(--dim); font-style: italic; }
.figures { display: flex; flex-wrap: wrap; gap: 10px; align-items: flex-start; }
figure { margin: 0; flex: 1 1 260px; max-width: 100%; }
.frame { position: relative; display: inline-block; max-width: 100%; line-height: 0; }
.frame img { display: block; max-width: 100%; max-height: 480px; width: auto; height: auto;
             border: 1px solid var(--line); border-radius: 4px; }
.frame.missing { display: flex; align-items: center; justify-content: center; height: 120px;
                 width: 100%; line-height: 1.4; background: #f2f4f7; color: var(--dim);
                 border-radius: 4px; }
svg.overlay { position: absolute; inset: 0; width: 100%; height: 100%; overflow: visible; }
svg.overlay .box { fill: none; stroke-width: 2.5; vector-effect: non-scaling-stroke; }
svg.overlay .mask { fill-opacity: 0.35; stroke: none; }
svg.overlay .tag { fill-opacity: 0.85; }
svg.overlay text { fill: #fff; font-family: system-ui, sans-serif; font-weight: 600; }
#show-overlays:not(:checked) ~ main svg.overlay { display: none; }
figcaption { margin-top: 4px; font-size: 12px; color: var(--dim); word-break: break-all; }
.dim { color: var(--dim); }
.answer { margin: 0 0 8px; font-size: 16px; }
.meta { margin: 10px 0 0; font-size: 12px; color: var(--dim); }
.error { color: #b42318; margin: 0 0 6px; }
.hint, .warn { color: #93370d; }
h4 { margin: 10px 0 4px; font-size: 13px; }
ul { margin: 0; padding-left: 20px; }
pre { background: #f2f4f7; padding: 8px; border-radius: 4px; overflow-x: auto; font-size: 12px; }
table.objects { border-collapse: collapse; font-size: 13px; width: 100%; }
table.objects th, table.objects td { text-align: left; padding: 3px 6px;
                                     border-bottom: 1px solid #eaecf0; }
.swatch { display: inline-block; width: 10px; height: 10px; border-radius: 2px;
          margin-right: 6px; }
@media (max-width: 800px) { .card { grid-template-columns: 1fr; } }
"""

_TASK_ORDER: Final = ("caption", "compare", "detect", "segment", "ask")


def render_report(
    entries: Sequence[ReportEntry],
    *,
    title: str = "gemini-vision report",
    notice: str | None = None,
    details: Mapping[str, str] | None = None,
    wall_s: float | None = None,
) -> str:
    """The whole report as one HTML document (UTF-8 text).

    Args:
        entries: The task calls, shown grouped by task in the order given.
        title: The page title.
        notice: A prominent note at the top (for example that answers came from the
            offline emulator, not Gemini).
        details: Extra facts for the header (model, API, ...), shown as given.
        wall_s: The run's wall-clock seconds, shown as "wall time" beside the sum of the
            calls' times (calls that run concurrently overlap, so the sum is larger).
    """
    total = Usage()
    for entry in entries:
        total = total + entry.usage
    failed = sum(1 for entry in entries if not entry.ok)
    calls_s = sum(entry.elapsed_s for entry in entries)
    facts = dict(details or {})
    facts["calls"] = f"{len(entries)} ({failed} failed)" if failed else str(len(entries))
    facts["tokens"] = (
        f"{total.input_tokens} in, {total.output_tokens} out, {total.total_tokens} total"
    )
    if wall_s is not None:
        facts["wall time"] = f"{wall_s:.2f} s"
    facts["sum of call times"] = f"{calls_s:.2f} s"
    summary = "".join(f"<span>{_e(k)}: <b>{_e(v)}</b></span>" for k, v in facts.items())
    tasks = [t for t in _TASK_ORDER if any(e.task == t for e in entries)]
    tasks += sorted({e.task for e in entries} - set(tasks))
    sections = []
    for task in tasks:
        cards = "".join(_card(entry) for entry in entries if entry.task == task)
        sections.append(f'<section id="{_e(task)}"><h2>{_e(task)}</h2>{cards}</section>')
    notice_html = f'<p class="notice" role="note">{_e(notice)}</p>' if notice else ""
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>"
        f"<header><h1>{_e(title)}</h1>{notice_html}"
        f'<div class="summary">{summary}</div></header>'
        '<input type="checkbox" id="show-overlays" checked>'
        '<label class="toggle" for="show-overlays"> show boxes and masks</label>'
        f"<main>{''.join(sections) or '<p>Nothing to show.</p>'}</main></body></html>\n"
    )


def write_report(
    entries: Sequence[ReportEntry],
    directory: str | Path,
    *,
    title: str = "gemini-vision report",
    notice: str | None = None,
    details: Mapping[str, str] | None = None,
    filename: str = REPORT_FILENAME,
    wall_s: float | None = None,
) -> Path:
    """Write :func:`render_report` to ``directory/filename`` (folders created); return its path."""
    folder = Path(directory)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / filename
    page = render_report(entries, title=title, notice=notice, details=details, wall_s=wall_s)
    path.write_text(page, encoding="utf-8")
    return path
