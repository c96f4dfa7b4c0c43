"""``gemini-vision caption --batch DIR`` and ``gemini-vision batch status|fetch|cancel DIR``.

A batch is named by its manifest folder: one folder can hold several Gemini
Batch API jobs (large inputs are split), and the folder is what survives a
restart. Jobs take up to 24 hours, so submitting returns at once unless
``--wait`` is given; ``fetch`` writes the finished items as JSON Lines.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from langchain_gemini_vision._text import json_escaped
from langchain_gemini_vision.cli._inputs import InputError
from langchain_gemini_vision.cli._output import EXIT_FAILURES, EXIT_OK

if TYPE_CHECKING:
    from rich.console import Console

    from langchain_gemini_vision.batch import BatchResult, VisionBatch
    from langchain_gemini_vision.client import GeminiVisionClient

batch_app = typer.Typer(
    name="batch",
    help="Gemini Batch API jobs: half the price, results within 24 hours. JOB is the "
    "manifest folder given to 'caption --batch'.",
    no_args_is_help=True,
)

JobArg = Annotated[
    Path,
    typer.Argument(help="The batch's manifest folder.", file_okay=False, show_default=False),
]
WaitOpt = Annotated[bool, typer.Option("--wait", help="Poll until every job has ended.")]
PollOpt = Annotated[
    float, typer.Option("--poll-interval", min=0.0, help="Seconds between polls with --wait.")
]


def result_to_json(result: BatchResult) -> dict[str, Any]:
    """One JSON Lines record: key, task, source(s), and the result or the error."""
    record: dict[str, Any] = {"key": result.key, "task": result.task, "job": result.job}
    labels = [str(image.get("source") or image.get("source_label", "")) for image in result.images]
    if len(labels) == 1:
        record["source"] = labels[0]
    else:
        record["sources"] = labels
    if result.value is not None:
        record["result"] = result.value.model_dump(mode="json")
    else:
        error = result.error
        record["error"] = {"type": type(error).__name__, "message": str(error)}
    return record


def _write(records: list[dict[str, Any]], out: Path | None) -> None:
    lines = "".join(json_escaped(json.dumps(r, ensure_ascii=False)) + "\n" for r in records)
    if out is None:
        sys.stdout.write(lines)
        sys.stdout.flush()
    else:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(lines, encoding="utf-8")


def open_batch(job: Path, client_for: Callable[[str], GeminiVisionClient]) -> VisionBatch:
    """Open an existing manifest with a client of the model it was made for."""
    from langchain_gemini_vision.batch import MANIFEST_FILE, Manifest, VisionBatch

    if not (job / MANIFEST_FILE).exists():
        msg = f"{job} holds no batch manifest: name the folder given to 'caption --batch'."
        raise InputError(msg)
    manifest = Manifest(job, create=False)
    try:
        model = manifest.get_meta("model")
    finally:
        manifest.close()
    return VisionBatch.resume(job, client=client_for(model or ""))


def print_status(console: Console, batch: VisionBatch) -> bool:
    """Print where the batch stands; ``True`` when every job has ended."""
    status = batch.status()
    states = ", ".join(f"{n} {state}" for state, n in sorted(status.states.items())) or "no jobs"
    console.print(
        f"{escape(str(batch.manifest.folder))}: {status.answered}/{status.total} items answered; "
        f"jobs: {escape(states)}"
    )
    return status.done


def fetch(
    console: Console,
    batch: VisionBatch,
    *,
    wait: bool,
    poll_interval: float,
    out: Path | None,
) -> int:
    """Write the finished items as JSON Lines; the exit code says whether all are in and ok."""
    if wait:
        batch.wait(progress=True, poll_interval=poll_interval)
    done = print_status(console, batch)
    records = [result_to_json(result) for result in batch.results()]
    _write(records, out)
    failed = [r for r in records if "error" in r]
    for record in failed:
        where = record.get("source") or ", ".join(record.get("sources", []))
        console.print(
            f"[red]failed[/] {escape(where)}: {escape(record['error']['type'])}: "
            f"{escape(record['error']['message'])}"
        )
    if not done:
        console.print("Some jobs are still running: fetch again later, or use --wait.")
    return EXIT_OK if done and not failed else EXIT_FAILURES


def submit_captions(
    console: Console,
    client: GeminiVisionClient,
    sources: list[str],
    manifest_dir: Path,
    *,
    prompt: str | None,
    wait: bool,
    poll_interval: float,
    out: Path | None,
) -> int:
    """Submit one caption item per source (nothing already in the manifest is sent again)."""
    from langchain_gemini_vision.batch import BatchItem, VisionBatch

    with VisionBatch(manifest_dir, client=client) as batch:
        items = [BatchItem.caption(source, prompt=prompt) for source in sources]
        report = batch.submit(items)
        console.print(
            f"Submitted {len(report.submitted)} item(s) in {len(report.jobs)} job(s); "
            f"{len(report.skipped)} already in the manifest. Manifest: {escape(str(manifest_dir))}"
        )
        if not wait:
            console.print(
                f"Check with: gemini-vision batch status {escape(str(manifest_dir))}; "
                f"then: gemini-vision batch fetch {escape(str(manifest_dir))}"
            )
            return EXIT_OK
        return fetch(console, batch, wait=True, poll_interval=poll_interval, out=out)
