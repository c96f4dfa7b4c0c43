"""What a batch's jobs come back with: each item's result or error, where the jobs stand,
what a submission did, and the answers read out of a finished job.

A finished job answers inline (``inlinedResponses``, in input order) or in a results
file (one JSON line per item, by key); either way each answer is ``(key, response,
error)``, and an item the service refused becomes the typed error the interactive call
would have raised.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from pydantic import BaseModel

from langchain_gemini_vision._transport.errors import error_from_response
from langchain_gemini_vision.errors import BatchJobError, GeminiVisionError

from ._api import job_output
from .items import BatchItem
from .manifest import JobRecord

__all__ = [
    "Answer",
    "BatchResult",
    "BatchStatus",
    "SubmitReport",
    "answer_text",
    "item_error",
    "read_answers",
]

logger = logging.getLogger("langchain_gemini_vision")

Answer = tuple[str | None, Mapping[str, Any] | None, Mapping[str, Any] | None]
"""One answered item: its key (``None`` inline, where the order tells), its response, its
error status."""

# google.rpc.Code -> HTTP status, for per-item errors (a status above 99 is already HTTP).
_GRPC_TO_HTTP = {3: 400, 5: 404, 7: 403, 16: 401, 8: 429, 4: 504, 9: 400, 13: 500, 14: 503}


@dataclass(frozen=True)
class BatchResult:
    """One item's outcome: the typed result, or the error that stands in its place.

    Attributes:
        key: The item's key.
        task: Its task.
        value: The task's result: ``Caption``, ``DetectionResult``, ``ImageComparison``,
            ``VisualAnswer``, or a registered task's own.
        error: Why there is no value: ``GeminiVisionAPIError`` (the item's request was
            refused), ``ResponseBlockedError``, ``EmptyResponseError``, ``OutputParsingError``
            (as the interactive call would raise), or ``BatchJobError`` (the job failed,
            was cancelled or expired, or returned nothing for this item).
        job: The job's name (``batches/...``).
        images: Per image: ``sha256``, ``mime_type``, sizes, ``source_label``,
            ``placement`` (``"inline"`` or the Files API URI it was sent as) and, for a path
            or URL (up to 4,096 characters), ``source`` exactly as it was named.
    """

    key: str
    task: str
    value: BaseModel | None
    error: GeminiVisionError | None
    job: str | None
    images: tuple[dict[str, Any], ...] = ()

    @property
    def ok(self) -> bool:
        """Whether there is a value."""
        return self.error is None

    def unwrap(self) -> BaseModel:
        """The value, or raise the error."""
        if self.error is not None:
            raise self.error
        assert self.value is not None
        return self.value


@dataclass(frozen=True)
class BatchStatus:
    """Where a batch stands.

    Attributes:
        jobs: Every job as last polled.
        items: Items per manifest status (``submitting``, ``submitted``, ``succeeded``, ``failed``).
    """

    jobs: list[JobRecord]
    items: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        """Items in all jobs."""
        return sum(job.n_items for job in self.jobs)

    @property
    def answered(self) -> int:
        """Items the service has finished (answered or failed), as far as it reports."""
        return sum(
            job.n_items if job.terminal else min(job.done_items, job.n_items) for job in self.jobs
        )

    @property
    def done(self) -> bool:
        """Every job ended."""
        return all(job.terminal for job in self.jobs)

    @property
    def states(self) -> dict[str, int]:
        """Jobs per state."""
        counts: dict[str, int] = {}
        for job in self.jobs:
            counts[job.state] = counts.get(job.state, 0) + 1
        return counts


@dataclass(frozen=True)
class SubmitReport:
    """What :meth:`VisionBatch.submit` did.

    Attributes:
        submitted: Keys sent, in job order.
        skipped: Keys already in the manifest or repeated in the input (never sent twice).
        jobs: Display names of the jobs created.
        refused: With ``on_error="skip"``: each item that could not be prepared (its image
            could not be loaded or uploaded), with its error; nothing of it was sent.
    """

    submitted: list[str]
    skipped: list[str]
    jobs: list[str]
    refused: list[tuple[BatchItem, GeminiVisionError]] = field(default_factory=list)


def read_answers(
    operation: Mapping[str, Any], download: Callable[[str], bytes]
) -> Iterator[Answer]:
    """(key, response, error) per answered item, inline or from the results file."""
    output = job_output(operation)
    file_name = output.get("responsesFile")
    if isinstance(file_name, str):
        data = download(file_name)
        for number, line in enumerate(data.decode("utf-8", "replace").splitlines(), 1):
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except (ValueError, RecursionError) as error:
                entry, reason = None, f"{type(error).__name__}: {error}"
            else:
                reason = "not a JSON object"
            if not isinstance(entry, Mapping):
                # Its item is reported as having no result, with the others read on.
                logger.warning(
                    "batch job %s: results line %d unread (%s)", file_name, number, reason
                )
                continue
            key = entry.get("key")
            yield (
                str(key) if key is not None else None,
                entry.get("response"),
                entry.get("error") or entry.get("status"),
            )
        return
    inlined = (output.get("inlinedResponses") or {}).get("inlinedResponses") or []
    for entry in inlined:
        if not isinstance(entry, Mapping):
            yield None, None, None
            continue
        metadata = entry.get("metadata") or {}
        key = metadata.get("key") if isinstance(metadata, Mapping) else None
        yield str(key) if key is not None else None, entry.get("response"), entry.get("error")


def answer_text(response: Mapping[str, Any]) -> str:
    """The model's text in a ``GenerateContentResponse``, as far as it can be found."""
    try:
        parts = response["candidates"][0]["content"]["parts"]
        return "".join(str(part.get("text", "")) for part in parts)
    except (KeyError, IndexError, TypeError, AttributeError):
        return ""


def item_error(status: Mapping[str, Any] | None) -> GeminiVisionError:
    """The typed error of an item the service answered with an error status."""
    if not status:
        return BatchJobError("the item has neither a response nor an error")
    code = int(status.get("code") or 13)
    http = code if code >= 100 else _GRPC_TO_HTTP.get(code, 500)
    return error_from_response(http, {"error": dict(status)}, {})
