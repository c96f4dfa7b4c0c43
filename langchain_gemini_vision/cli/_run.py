"""Run task calls concurrently through the client's async methods, in input order.

Each :class:`Job` is one call (one image, or several for a comparison). :func:`run_jobs`
loads the images itself (so the report and the annotations have the bytes, and URLs
are downloaded through the package's URL-safety policy), calls the client's async
method, draws annotations for detections, and hands each finished
:class:`~langchain_gemini_vision.report.ReportEntry` to a callback in input order, so
JSON Lines stream out in the order the images were named.
"""

from __future__ import annotations

import asyncio
import os
import re
import time
import traceback
from collections.abc import Callable, Sequence
from contextlib import aclosing
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console

from langchain_gemini_vision._concurrency import aordered_map
from langchain_gemini_vision._progress import progress_bar
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.errors import (
    GeminiVisionAPIError,
    GeminiVisionAuthError,
    GeminiVisionConnectionError,
    GeminiVisionDailyQuotaError,
    GeminiVisionError,
    GeminiVisionNotFoundError,
    GeminiVisionRateLimitError,
    ImageInputError,
    OutputParsingError,
    ResponseBlockedError,
    redact,
)
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.report import ReportEntry, ReportError, ReportImage, Result
from langchain_gemini_vision.results import DetectionResult
from langchain_gemini_vision.tasks import TaskName, get_task

__all__ = ["Job", "RunSettings", "TaskName", "clean", "entry_to_json", "run_jobs"]

_HTTP = re.compile(r"\Ahttps?://", re.IGNORECASE)
_UNSAFE_NAME = re.compile(r"[^A-Za-z0-9._-]+")


@dataclass(frozen=True)
class Job:
    """One task call.

    Attributes:
        task: Which task.
        sources: Its inputs (one; two or more for ``compare`` or ``ask --together``).
        instruction: The prompt, query or question (``None``: the task's default prompt).
        max_objects: Detection only: keep at most this many objects.
    """

    task: TaskName
    sources: tuple[str, ...]
    instruction: str | None = None
    max_objects: int | None = None

    def options(self) -> dict[str, Any]:
        """The task's options: the instruction is its text option (prompt, query, question)."""
        text = get_task(self.task).text_option
        given = {text: self.instruction} if text is not None else {}
        return {**given, "max_objects": self.max_objects} if self.max_objects else given


@dataclass(frozen=True)
class RunSettings:
    """What every job of a run shares (local folders are the client's ``allowed_dirs``)."""

    annotate_dir: Path | None = None
    debug: bool = False


# --------------------------------------------------------------------------- errors


def _hint(error: BaseException) -> str | None:
    if isinstance(error, ImageInputError):
        return {
            "not_found": "Check the path.",
            "outside_allowed_dirs": "Move the file into an --allow-dir folder, or add its folder "
            "with another --allow-dir.",
            "not_an_image": "Pass a PNG, JPEG, WEBP, HEIC or HEIF image.",
            "unsupported": "Convert it to PNG or JPEG.",
            "heic_support_missing": "pip install 'langchain-gemini-vision[heic]'",
            "blocked_url": "Download the image yourself and pass the file.",
            "download_failed": "Check the URL, or download the image and pass the file.",
        }.get(error.reason)
    return next((hint for kind, hint in _HINTS.items() if isinstance(error, kind)), None)


_HINTS: dict[type[BaseException], str] = {
    GeminiVisionAuthError: "Gemini refused the API key: check GEMINI_API_KEY (or GOOGLE_API_KEY).",
    GeminiVisionDailyQuotaError: "A daily quota is used up: try another --model or a batch "
    "job (gemini-vision batch), or run again after midnight Pacific time.",
    GeminiVisionRateLimitError: "Quota or rate limit reached: wait, or set --rpm/--tpm.",
    GeminiVisionNotFoundError: "Check the model name given to --model.",
    GeminiVisionConnectionError: "Check the network connection and --base-url.",
    ResponseBlockedError: "Try another image or prompt.",
    OutputParsingError: "The model's answer could not be read; run again, or try another --model.",
}
"""What to do about an error, by its class (the first that matches)."""


_MIN_SECRET_LENGTH = 12


def clean(text: str) -> str:
    """``text`` with API keys masked: anything key-shaped, and the keys in the environment.

    Keys shorter than a real one (``GEMINI_API_KEY=emulator`` for the local emulator) are
    left alone, so they do not blank out every word that happens to contain them.
    """
    secrets = [
        value
        for name in ("GEMINI_API_KEY", "GOOGLE_API_KEY")
        if len(value := os.environ.get(name, "")) >= _MIN_SECRET_LENGTH
    ]
    return redact(text, *secrets)


def report_error(error: BaseException, debug: bool) -> ReportError:
    """The user-facing description of a failure (API keys are always redacted)."""

    if isinstance(error, GeminiVisionError):
        message = str(error)
        reason: str | None = None
        if isinstance(error, ImageInputError):
            reason = error.reason
        elif isinstance(error, GeminiVisionAPIError) and error.code:
            reason = error.code
        return ReportError(type(error).__name__, clean(message), reason, _hint(error))
    if debug:
        detail = "".join(traceback.format_exception(error)).rstrip()
        return ReportError(type(error).__name__, clean(f"unexpected error: {error}\n{detail}"))
    return ReportError(
        type(error).__name__,
        clean(f"unexpected error: {error}"),
        hint="Run again with --debug to see the traceback, and please report it.",
    )


# --------------------------------------------------------------------------- JSON


def entry_to_json(entry: ReportEntry) -> dict[str, Any]:
    """The JSON Lines record of one call.

    Single-image calls carry ``"source"``; multi-image ones (compare, ``ask --together``)
    ``"sources"``. Then either ``"result"`` (the result model as JSON) or ``"error"``
    (``type``, ``message`` and, when known, ``reason`` and ``hint``).
    """
    record: dict[str, Any] = {"task": entry.task}
    if len(entry.sources) == 1 and entry.task != "compare":
        record["source"] = entry.sources[0]
    else:
        record["sources"] = list(entry.sources)
    if entry.instruction:
        record["instruction"] = entry.instruction
    if entry.result is not None and entry.error is None:
        record["result"] = entry.result.model_dump(mode="json")
    if entry.error is not None:
        error: dict[str, Any] = {"type": entry.error.type, "message": entry.error.message}
        if entry.error.reason:
            error["reason"] = entry.error.reason
        if entry.error.hint:
            error["hint"] = entry.error.hint
        record["error"] = error
    record["elapsed_s"] = round(entry.elapsed_s, 3)
    if entry.annotated:
        record["annotated"] = entry.annotated
    if entry.notes:
        record["notes"] = list(entry.notes)
    return record


# --------------------------------------------------------------------------- work


def _view(image: PreparedImage) -> ReportImage:
    return ReportImage(
        label=image.source_label,
        data=image.data,
        mime_type=image.mime_type,
        width=image.original_width or image.width,
        height=image.original_height or image.height,
    )


def annotation_name(index: int, source: str, task: str) -> str:
    """A file name for the annotated image of job ``index`` (1-based, so order is visible)."""
    stem = source.rstrip("/").rsplit("/", 1)[-1].split("?", 1)[0]
    stem = stem.rsplit(".", 1)[0] if "." in stem else stem
    stem = _UNSAFE_NAME.sub("_", stem)[:60].strip("._") or "image"
    return f"{index:03d}-{stem}.{task}.png"


def _annotate(result: DetectionResult, image: PreparedImage, path: Path) -> None:
    from langchain_gemini_vision.annotate import draw_detections

    drawn = draw_detections(image, result)
    path.parent.mkdir(parents=True, exist_ok=True)
    drawn.save(path, format="PNG")


async def _call(client: GeminiVisionClient, job: Job, images: list[PreparedImage]) -> Result:
    task = get_task(job.task)
    result: Result = await client.arun(task, images[0] if task.single else images, **job.options())
    return result


async def _run_one(
    client: GeminiVisionClient, job: Job, index: int, settings: RunSettings
) -> ReportEntry:
    started = time.perf_counter()
    entry = ReportEntry(task=job.task, sources=list(job.sources), instruction=job.instruction)
    try:
        images = [
            await client.aprepare(source, fetch=bool(_HTTP.match(source))) for source in job.sources
        ]
        entry.images = [_view(image) for image in images]
        entry.result = await _call(client, job, images)
    except (asyncio.CancelledError, KeyboardInterrupt):
        raise
    except Exception as error:  # every failure becomes this image's error line
        entry.error = report_error(error, settings.debug)
    else:
        result = entry.result
        if (
            isinstance(result, DetectionResult)
            and settings.annotate_dir is not None
            and images[0].data is not None
        ):
            path = settings.annotate_dir / annotation_name(index + 1, job.sources[0], job.task)
            try:
                await asyncio.to_thread(_annotate, result, images[0], path)
            except Exception as error:  # a drawing problem never fails the image
                entry.notes.append(f"could not draw the annotated image: {error}")
            else:
                entry.annotated = str(path)
    entry.elapsed_s = time.perf_counter() - started
    return entry


async def run_jobs(
    client: GeminiVisionClient,
    jobs: Sequence[Job],
    settings: RunSettings,
    *,
    console: Console,
    on_entry: Callable[[ReportEntry], None],
    concurrency: int,
    progress: bool = True,
    description: str = "working",
) -> list[ReportEntry]:
    """Run ``jobs``, at most ``concurrency`` at once, and return entries in input order.

    ``on_entry`` sees each entry as soon as it and every earlier one are done.
    A progress bar is drawn on ``console`` (stderr) when ``progress`` and there is more
    than one job.
    """
    show = progress and len(jobs) > 1
    bar = progress_bar(show=show, console=console)
    task_id = bar.add_task(description, total=len(jobs))

    async def one(numbered: tuple[int, Job]) -> ReportEntry:
        entry = await _run_one(client, numbered[1], numbered[0], settings)
        bar.advance(task_id)  # as each call ends, whatever its place
        return entry

    entries: list[ReportEntry] = []
    numbered = enumerate(jobs)
    limit = max(1, concurrency)
    # Bulk work: its calls wait their turn in the quota and the waits Gemini asks for.
    with bar, client.concurrency(limit).active():
        async with aclosing(aordered_map(one, numbered, limit=limit)) as done:
            async for outcome in done:
                entries.append(outcome.unwrap())  # _run_one keeps every failure in its entry
                on_entry(entries[-1])
    return entries
