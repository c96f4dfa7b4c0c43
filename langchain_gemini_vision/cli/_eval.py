"""``gemini-vision eval``: a labelled dataset, one or more configurations, scores.

The dataset is a COCO JSON file (its images in ``--images``) or a YOLO folder
(``images/``, ``labels/``, ``data.yaml``). Every ``--model``, ``--prompt``,
``--media-resolution`` and ``--api`` given is crossed with the others; the scores go
to stdout as a table and, on request, to ``--json`` and an HTML ``--html`` report.
``--manifest`` makes the run resumable.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from langchain_gemini_vision.cli._options import (
    NO_KEY_MESSAGE,
    Api,
    BaseUrlOpt,
    ConcurrencyOpt,
    DebugOpt,
    QuietOpt,
    has_api_key,
)
from langchain_gemini_vision.cli._output import (
    UsageProblemError,
    guard,
    stderr_console,
    stdout_console,
)
from langchain_gemini_vision.evaluation import (
    EvalReport,
    LabelledDataset,
    evaluate,
    grid,
    load_coco,
    load_yolo,
    write_eval_report,
)

__all__ = ["eval_command"]


def _dataset(path: Path, images: Path | None, masks: bool) -> LabelledDataset:
    if path.is_dir():
        if not (path / "data.yaml").is_file():
            msg = f"{path} is a folder without data.yaml: give a YOLO folder or a COCO JSON file"
            raise UsageProblemError(msg)
        return load_yolo(path, masks=masks)
    if images is None:
        msg = "a COCO JSON dataset needs --images, the folder its file_name entries are in"
        raise UsageProblemError(msg)
    return load_coco(path, images, masks=masks)


def _prices(given: list[str]) -> dict[str, tuple[float, float]]:
    prices = {}
    for item in given:
        model, _, numbers = item.partition("=")
        parts = numbers.split(",")
        try:
            prices[model] = (float(parts[0]), float(parts[1]))
        except (ValueError, IndexError):
            msg = f"--price takes MODEL=INPUT,OUTPUT (USD per million tokens), got {item!r}"
            raise UsageProblemError(msg) from None
    return prices


def _table(report: EvalReport) -> Table:
    table = Table(title=f"{report.task}: {report.dataset_size} images")
    heads = ("model", "api", "resolution", "prompt", "mAP", "mAP@.5", "P", "R", "F1")
    for column in (*heads, "labels", "mask IoU", "tokens/image", "USD"):
        table.add_column(column)
    for r in report.results:
        s, c = r.scores, r.config
        table.add_row(
            c.model,
            c.api,
            c.media_resolution or "default",
            c.prompt or "default",
            *(f"{v:.3f}" for v in (s.map_50_95, s.map_50, s.precision, s.recall, s.f1)),
            f"{s.label_accuracy_synonyms:.3f}",
            "-" if s.mask_iou is None else f"{s.mask_iou:.3f}",
            f"{r.tokens_per_image:.0f}",
            "-" if r.cost_usd is None else f"{r.cost_usd:.4f}",
        )
    return table


def eval_command(
    dataset: Annotated[
        Path, typer.Argument(help="A COCO JSON file, or a YOLO folder (data.yaml inside).")
    ],
    *,
    images: Annotated[
        Path | None, typer.Option("--images", help="The COCO dataset's images folder.")
    ] = None,
    task: Annotated[
        str, typer.Option("--task", help="detect, or segment (masks scored too).")
    ] = "detect",
    model: Annotated[
        list[str] | None, typer.Option("--model", "-m", help="A model (repeatable).")
    ] = None,
    prompt: Annotated[
        list[str] | None, typer.Option("--prompt", help="What to find (repeatable).")
    ] = None,
    media_resolution: Annotated[
        list[str] | None,
        typer.Option("--media-resolution", help="low, medium, high, ultra_high (repeatable)."),
    ] = None,
    api: Annotated[list[Api] | None, typer.Option("--api", help="An API (repeatable).")] = None,
    synonyms: Annotated[
        Path | None,
        typer.Option("--synonyms", help="A JSON object: model label -> dataset class."),
    ] = None,
    price: Annotated[
        list[str] | None,
        typer.Option("--price", help="MODEL=INPUT,OUTPUT in USD per million tokens."),
    ] = None,
    manifest: Annotated[
        Path | None, typer.Option("--manifest", help="Resume from / record to this JSONL.")
    ] = None,
    json_out: Annotated[Path | None, typer.Option("--json", help="Write the scores here.")] = None,
    html_out: Annotated[
        Path | None, typer.Option("--html", help="Write the HTML report here.")
    ] = None,
    base_url: BaseUrlOpt = None,
    concurrency: ConcurrencyOpt = 8,
    quiet: QuietOpt = False,
    debug: DebugOpt = False,
) -> None:
    """Score detection or segmentation against a labelled dataset, per configuration."""
    with guard(debug):
        if task not in ("detect", "segment"):
            msg = f"--task is detect or segment, got {task!r}"
            raise UsageProblemError(msg)
        if not has_api_key():
            raise UsageProblemError(NO_KEY_MESSAGE)
        labelled = _dataset(dataset, images, masks=task == "segment")
        prompts: list[str | None] = [*prompt] if prompt else [None]
        resolutions: list[str | None] = [*media_resolution] if media_resolution else [None]
        configs = grid(
            model or ["gemini-3-flash-preview"],
            prompts,
            resolutions,
            [a.value for a in api or [Api.interactions]],
        )
        mapping = json.loads(synonyms.read_text(encoding="utf-8")) if synonyms else None
        with Progress(console=stderr_console(), disable=quiet, transient=True) as bar:
            job = bar.add_task("eval", total=len(configs) * len(labelled))
            report = evaluate(
                labelled,
                configs,
                task="segment" if task == "segment" else "detect",
                synonyms=mapping,
                prices=_prices(price or []),
                manifest=manifest,
                progress=lambda done, _total: bar.update(job, completed=done),
                base_url=base_url,
                max_concurrency=concurrency,
            )
        stdout_console().print(_table(report))
        if json_out is not None:
            json_out.write_text(report.to_json(), encoding="utf-8")
        if html_out is not None:
            write_eval_report(report, html_out)
