"""The evaluation report as one self-contained HTML page, in the run report's style.

The page loads nothing (the run report's Content-Security-Policy, no script) and
draws its two plots as inline SVG: the precision-recall curve at IoU 0.5 of each
configuration, and accuracy (mAP@0.5) against tokens per image, one point per
configuration. A table gives every score, tokens, cost and latency.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Final

from langchain_gemini_vision.annotate import label_colors
from langchain_gemini_vision.report import _CSP, _STYLE, _e

from .run import ConfigResult, EvalReport

__all__ = ["render_eval_report", "write_eval_report"]

_W: Final = 420
_H: Final = 300
_PAD: Final = 44
_EXTRA_STYLE: Final = """
table.scores { border-collapse: collapse; background: #fff; margin: 12px 28px; }
table.scores th, table.scores td { border: 1px solid var(--line); padding: 4px 8px;
  text-align: right; }
table.scores td:first-child, table.scores th:first-child { text-align: left; }
.plots { display: flex; flex-wrap: wrap; gap: 24px; margin: 12px 28px; }
.plots figure { margin: 0; background: #fff; border: 1px solid var(--line); padding: 8px; }
svg text { font: 11px system-ui, sans-serif; fill: #1d2330; }
"""


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def _axes(x_label: str, y_label: str, x_max: float, y_max: float) -> str:
    left, bottom, right, top = _PAD, _H - _PAD, _W - 12, 12
    ticks = []
    for i in range(6):
        fx = left + (right - left) * i / 5
        fy = bottom - (bottom - top) * i / 5
        ticks.append(
            f'<text x="{fx:.0f}" y="{bottom + 14}" text-anchor="middle">{x_max * i / 5:.3g}</text>'
            f'<text x="{left - 4}" y="{fy + 4:.0f}" text-anchor="end">{y_max * i / 5:.3g}</text>'
        )
    return (
        f'<line x1="{left}" y1="{bottom}" x2="{right}" y2="{bottom}" stroke="#667085"/>'
        f'<line x1="{left}" y1="{bottom}" x2="{left}" y2="{top}" stroke="#667085"/>'
        + "".join(ticks)
        + f'<text x="{(left + right) / 2:.0f}" y="{_H - 6}" text-anchor="middle">'
        f"{_e(x_label)}</text>"
        + f'<text x="12" y="{(top + bottom) / 2:.0f}" transform="rotate(-90 12 '
        f'{(top + bottom) / 2:.0f})" text-anchor="middle">{_e(y_label)}</text>'
    )


def _xy(x: float, y: float, x_max: float, y_max: float) -> tuple[float, float]:
    left, bottom, right, top = _PAD, _H - _PAD, _W - 12, 12
    return (
        left + (right - left) * (x / x_max if x_max else 0.0),
        bottom - (bottom - top) * (y / y_max if y_max else 0.0),
    )


def _svg(title: str, body: str) -> str:
    return (
        f'<figure><svg xmlns="http://www.w3.org/2000/svg" width="{_W}" height="{_H}" '
        f'viewBox="0 0 {_W} {_H}" role="img" aria-label="{_e(title)}">{body}</svg>'
        f"<figcaption>{_e(title)}</figcaption></figure>"
    )


def _pr_plot(results: Sequence[ConfigResult], colours: dict[str, str]) -> str:
    lines = []
    for result in results:
        points = [_xy(r, p, 1.0, 1.0) for r, p in result.scores.pr_curve]
        if points:
            path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
            lines.append(
                f'<polyline class="pr" points="{path}" fill="none" stroke-width="2" '
                f'stroke="{colours[result.config.key]}"><title>{_e(result.config.key)}'
                "</title></polyline>"
            )
    return _svg("Precision-recall at IoU 0.5", _axes("recall", "precision", 1, 1) + "".join(lines))


def _cost_plot(results: Sequence[ConfigResult], colours: dict[str, str]) -> str:
    x_max = max((r.tokens_per_image for r in results), default=0.0) * 1.1 or 1.0
    dots = []
    for result in results:
        x, y = _xy(result.tokens_per_image, result.scores.map_50, x_max, 1.0)
        dots.append(
            f'<circle class="config" cx="{x:.1f}" cy="{y:.1f}" r="5" '
            f'fill="{colours[result.config.key]}"><title>{_e(result.config.key)}: mAP@0.5 '
            f"{_pct(result.scores.map_50)}, {result.tokens_per_image:.0f} tokens</title></circle>"
        )
    axes = _axes("tokens per image", "mAP@0.5", x_max, 1)
    return _svg("Accuracy against tokens per image", axes + "".join(dots))


def _table(results: Sequence[ConfigResult], colours: dict[str, str]) -> str:
    heads = (
        "configuration", "mAP@[.5:.95]", "mAP@.5", "precision", "recall", "F1",
        "labels exact", "labels (synonyms)", "mask mAP", "mask IoU", "tokens/image",
        "cost (USD)", "latency/image (s)", "failed",
    )  # fmt: skip
    rows = []
    for r in results:
        s = r.scores
        cells = (
            _pct(s.map_50_95), _pct(s.map_50), _pct(s.precision), _pct(s.recall), _pct(s.f1),
            _pct(s.label_accuracy), _pct(s.label_accuracy_synonyms), _pct(s.mask_map_50_95),
            _pct(s.mask_iou), f"{r.tokens_per_image:.0f}",
            "-" if r.cost_usd is None else f"{r.cost_usd:.4f}",
            "-" if r.latency_s_per_image is None else f"{r.latency_s_per_image:.3f}",
            str(r.failed_images),
        )  # fmt: skip
        swatch = f'<span style="color:{colours[r.config.key]}">&#9632;</span> '
        rows.append(
            f"<tr><td>{swatch}{_e(r.config.key)}</td>"
            + "".join(f"<td>{_e(c)}</td>" for c in cells)
            + "</tr>"
        )
    head = "".join(f"<th>{_e(h)}</th>" for h in heads)
    body = "".join(rows)
    return f'<table class="scores"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


def render_eval_report(report: EvalReport, *, title: str = "gemini-vision eval") -> str:
    """The whole evaluation report as one HTML document (scores in percent)."""
    colours = {
        key: "#{:02x}{:02x}{:02x}".format(*rgb)
        for key, rgb in label_colors([r.config.key for r in report.results]).items()
    }
    facts = {
        "task": report.task,
        "images": str(report.dataset_size),
        "configurations": str(len(report.results)),
        "requests made": str(report.requests),
    }
    summary = "".join(f"<span>{_e(k)}: <b>{_e(v)}</b></span>" for k, v in facts.items())
    warnings = sorted({w for r in report.results for w in r.warnings})
    notes = "".join(f'<p class="notice" role="note">{_e(w)}</p>' for w in warnings)
    plots = _pr_plot(report.results, colours) + _cost_plot(report.results, colours)
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{_e(title)}</title><style>{_STYLE}{_EXTRA_STYLE}</style></head><body>"
        f'<header><h1>{_e(title)}</h1>{notes}<div class="summary">{summary}</div></header>'
        f'<main>{_table(report.results, colours)}<div class="plots">{plots}</div></main>'
        "</body></html>\n"
    )


def write_eval_report(
    report: EvalReport, path: str | Path, *, title: str = "gemini-vision eval"
) -> Path:
    """Write :func:`render_eval_report` to ``path`` (folders created); return it."""
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_eval_report(report, title=title), encoding="utf-8")
    return out
