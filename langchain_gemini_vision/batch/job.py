"""`VisionBatch`: many vision requests as Gemini Batch API jobs, resumable from a local manifest.

Example:
    >>> from langchain_gemini_vision import GeminiVisionClient
    >>> from langchain_gemini_vision.batch import BatchItem, VisionBatch
    >>> client = GeminiVisionClient()  # doctest: +SKIP
    >>> batch = VisionBatch("runs/shelf-photos", client=client)  # doctest: +SKIP
    >>> batch.submit(BatchItem.detect(p, query="price tags") for p in paths)  # doctest: +SKIP
    >>> batch.wait(progress=True)  # doctest: +SKIP
    >>> for result in batch.results():  # doctest: +SKIP
    ...     print(result.key, result.value if result.ok else result.error)

    After a crash or in another program: ``VisionBatch.resume("runs/shelf-photos", client=client)``.

Items never go twice: each has a stable key, the manifest refuses keys it already
holds, and a job's items are written ``submitting`` before the create call, so
a restarted program finds the job by its display name instead of creating it again.

Why one module: :class:`VisionBatch` is one object's life (submit, reconcile, wait,
cancel, results) over one manifest and one API, each step keeping the manifest's
write order; what it reports and how a finished job's answers are read live in
:mod:`.outcomes`.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from langchain_gemini_vision._transport.errors import RETRYABLE_STATUSES
from langchain_gemini_vision.errors import (
    BatchJobError,
    GeminiVisionAPIError,
    GeminiVisionError,
    OutputParsingError,
)

from ._api import BatchApi, batch_stats, job_state
from .items import BatchItem, PlannedItem, parse_item, plan_item
from .manifest import JobRecord, Manifest
from .outcomes import (
    BatchResult,
    BatchStatus,
    SubmitReport,
    answer_text,
    item_error,
    read_answers,
)

if TYPE_CHECKING:
    from langchain_gemini_vision.client import GeminiVisionClient

__all__ = ["BatchSettings", "VisionBatch"]

logger = logging.getLogger("langchain_gemini_vision")

_ENVELOPE_BYTES = 64
"""JSON around each inline request (``{"request": ..., "metadata": {"key": ...}}``), key aside."""


class BatchSettings(BaseModel):
    """Limits and pacing of batch jobs (defaults: the Gemini Batch API's documented limits).

    Attributes:
        max_inline_bytes: Largest inline ``batchGenerateContent`` body; the docs keep inline
            jobs "under 20 MB". Above it a job goes as a JSONL file.
        max_file_bytes: Largest JSONL input file (the Files API takes 2 GB per file).
            Above it, items are split over several jobs.
        max_items_per_job: Most items in one job (``None``: only the byte limits split jobs).
        poll_interval: Seconds between status polls in :meth:`VisionBatch.wait`.
        create_attempts: Attempts of one job's create call; between attempts the jobs are
            listed, so a create that reached the service is adopted, not repeated.
        prepare_workers: Threads that load images and build requests while submitting.
        display_name_prefix: Prefix of each job's display name (then the manifest id, then
            the job number).
    """

    model_config = ConfigDict(frozen=True)

    max_inline_bytes: int = Field(default=20_000_000, ge=1)
    max_file_bytes: int = Field(default=2_000_000_000, ge=1)
    max_items_per_job: int | None = Field(default=None, ge=1)
    poll_interval: float = Field(default=30.0, ge=0.0)
    create_attempts: int = Field(default=3, ge=1)
    prepare_workers: int = Field(default=8, ge=1)
    display_name_prefix: str = "lgv"


class VisionBatch:
    """A set of Gemini Batch API jobs for vision items, kept in a manifest folder.

    Args:
        manifest_dir: The folder of the manifest (created when missing; an existing one
            is opened and its unfinished submissions reconciled, as :meth:`resume` does).
        client: The :class:`GeminiVisionClient` whose model, key, prompts and profile
            the items use; its ``genai_client`` carries the calls.
        settings: :class:`BatchSettings`.

    The batch is locked while this object is open: :meth:`close` it (or use ``with``) so
    another program can resume it.

    Raises:
        BatchJobBusyError: Another program (or another open ``VisionBatch``) holds the batch.
        BatchManifestError: The folder's ``manifest.sqlite3`` is not a manifest this version
            can use (left untouched).
        BatchJobError: The manifest belongs to another model.
    """

    def __init__(
        self,
        manifest_dir: str | Path,
        *,
        client: GeminiVisionClient,
        settings: BatchSettings | None = None,
        _create: bool = True,
    ) -> None:
        self.client = client
        self.settings = settings or BatchSettings()
        self.manifest = Manifest(manifest_dir, create=_create)
        try:
            model = self.manifest.get_meta("model")
            if model is None:
                self.manifest.set_meta("model", client.model)
            elif model != client.model:
                msg = (
                    f"the manifest in {manifest_dir} was made for model {model!r}, "
                    f"not {client.model!r}; open it with a client of that model"
                )
                raise BatchJobError(msg)
            self.api = BatchApi(client.genai_client, client.retry)
            self._schema_models: dict[str, type[BaseModel]] = {}
            self.reconcile()
        except BaseException:
            self.manifest.close()  # releases the lock: nobody else could ever close it
            raise

    @classmethod
    def resume(
        cls,
        manifest_dir: str | Path,
        *,
        client: GeminiVisionClient,
        settings: BatchSettings | None = None,
    ) -> VisionBatch:
        """Open an existing manifest and finish what a stopped program left.

        Jobs whose create call may or may not have reached the service are looked
        up by display name and adopted; only those the service never saw are
        created (once). Polling and fetching then go on as usual.
        """
        return cls(manifest_dir, client=client, settings=settings, _create=False)

    def __repr__(self) -> str:
        return f"VisionBatch({str(self.manifest.folder)!r}, jobs={len(self.manifest.jobs())})"

    def close(self) -> None:
        """Close the manifest."""
        self.manifest.close()

    def __enter__(self) -> VisionBatch:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    # ------------------------------------------------------------------ submit

    def submit(
        self, items: Iterable[BatchItem], *, on_error: Literal["raise", "skip"] = "raise"
    ) -> SubmitReport:
        """Plan the items and create their jobs (inline, or JSONL files above the inline limit).

        Images are loaded and requests built exactly as the interactive calls build them;
        images too large to send inline are uploaded through the Files API first. Keys the
        manifest already holds are skipped, so calling ``submit`` again with the same items
        (after a crash, say) sends nothing twice.

        Args:
            items: The items.
            on_error: What an item that cannot be prepared (an image that cannot be loaded
                or uploaded) does: ``"raise"`` its error before anything is sent, or
                ``"skip"`` it (listed in :attr:`SubmitReport.refused`) and send the rest.

        Raises:
            ImageInputError: With ``on_error="raise"``: an image could not be loaded
                (nothing of this call is sent).
            GeminiVisionAPIError: A create call failed for good; the jobs before it stand,
                and :meth:`resume` retries the rest.
        """
        if on_error not in ("raise", "skip"):
            msg = f"on_error must be 'raise' or 'skip', not {on_error!r}"
            raise ValueError(msg)
        listed = list(items)
        ready: list[tuple[BatchItem, PlannedItem]] = []
        refused: list[tuple[BatchItem, GeminiVisionError]] = []
        for item, outcome in zip(listed, self._plan(listed), strict=True):
            if isinstance(outcome, PlannedItem):
                ready.append((item, outcome))
            else:
                refused.append((item, outcome))
        if refused and on_error == "raise":
            raise refused[0][1]
        fresh: list[PlannedItem] = []
        skipped: list[str] = []
        seen = self.manifest.known_keys(p.key for _, p in ready)
        for item, plan in ready:
            if plan.key in seen:
                skipped.append(plan.key)
                continue
            seen.add(plan.key)
            fresh.append(plan)
            if item.schema_model is not None:
                self._schema_models[plan.key] = item.schema_model
        created: list[str] = []
        for mode, chunk in self._chunks(fresh):
            seq = self.manifest.next_job_seq()
            display_name = f"{self.settings.display_name_prefix}-{self.manifest.batch_id}-{seq:04d}"
            self.manifest.add_job(display_name, seq, mode, chunk)
            self._create(display_name, mode, [(p.key, p.body) for p in chunk], None)
            created.append(display_name)
        return SubmitReport([p.key for p in fresh], skipped, created, refused)

    def _plan(self, items: Sequence[BatchItem]) -> list[PlannedItem | GeminiVisionError]:
        """Each item planned, or the error that kept it from being planned."""

        def plan(item: BatchItem) -> PlannedItem | GeminiVisionError:
            try:
                return plan_item(self.client, item)
            except GeminiVisionError as error:
                return error

        workers = min(self.settings.prepare_workers, max(1, len(items)))
        if workers == 1:
            return [plan(item) for item in items]
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="lgv-batch") as pool:
            return list(pool.map(plan, items))

    def _chunks(self, planned: Sequence[PlannedItem]) -> Iterator[tuple[str, list[PlannedItem]]]:
        """Split into jobs under the file and item limits; inline when under the inline limit."""
        limit_items = self.settings.max_items_per_job
        chunk: list[PlannedItem] = []
        size = 0
        for plan in planned:
            cost = plan.size + len(plan.key) + _ENVELOPE_BYTES
            if cost > self.settings.max_file_bytes:
                msg = f"item {plan.key} is {cost} bytes, over the {self.settings.max_file_bytes}"
                msg += "-byte job limit"
                raise BatchJobError(msg)
            full = limit_items is not None and len(chunk) >= limit_items
            if chunk and (full or size + cost > self.settings.max_file_bytes):
                yield self._mode(size), chunk
                chunk, size = [], 0
            chunk.append(plan)
            size += cost
        if chunk:
            yield self._mode(size), chunk

    def _mode(self, size: int) -> str:
        return "inline" if size + 1024 <= self.settings.max_inline_bytes else "file"

    def _create(
        self,
        display_name: str,
        mode: str,
        bodies: Sequence[tuple[str, dict[str, Any]]],
        input_file: str | None,
    ) -> None:
        """Create one job, at most once: on an error, look for it before trying again."""
        model = self.client.model
        for attempt in range(1, self.settings.create_attempts + 1):
            try:
                if mode == "file":
                    if input_file is None:
                        input_file = self.api.upload_jsonl(_jsonl(bodies), display_name)
                        self.manifest.set_input_file(display_name, input_file)
                    operation = self.api.create(model, display_name, file_name=input_file)
                else:
                    operation = self.api.create(model, display_name, requests=bodies)
            except GeminiVisionAPIError as error:
                # A timeout or dropped connection may hide a create that succeeded.
                found = self._find_remote([display_name]).get(display_name)
                if found is not None:
                    operation = found
                elif attempt == self.settings.create_attempts or (
                    error.status is not None and error.status not in RETRYABLE_STATUSES
                ):
                    raise
                else:
                    time.sleep(min(2.0**attempt * 0.1, 5.0))
                    continue
            self.manifest.job_created(display_name, str(operation["name"]), job_state(operation))
            logger.info("batch job %s created as %s", display_name, operation["name"])
            return

    def _find_remote(self, display_names: Iterable[str]) -> dict[str, dict[str, Any]]:
        wanted = set(display_names)
        found: dict[str, dict[str, Any]] = {}
        if not wanted:
            return found
        for operation in self.api.list():
            shown = (operation.get("metadata") or {}).get("displayName")
            if shown in wanted and shown not in found:
                found[shown] = operation
                if len(found) == len(wanted):
                    break
        return found

    def reconcile(self) -> list[str]:
        """Settle jobs a stopped program left half-created; returns their display names.

        A job the service knows (found by display name) is adopted; any other is
        created from the request bodies the manifest kept.
        """
        pending = [job for job in self.manifest.jobs() if job.name is None]
        if not pending:
            return []
        found = self._find_remote(job.display_name for job in pending)
        for job in pending:
            operation = found.get(job.display_name)
            if operation is not None:
                logger.info("adopting batch job %s (%s)", job.display_name, operation["name"])
                self.manifest.job_created(
                    job.display_name, str(operation["name"]), job_state(operation)
                )
            else:
                logger.info("creating batch job %s the stopped program left", job.display_name)
                bodies = self.manifest.bodies_of(job.display_name)
                self._create(job.display_name, job.mode, bodies, job.input_file)
        return [job.display_name for job in pending]

    # ------------------------------------------------------------------ status and wait

    def status(self) -> BatchStatus:
        """Poll every unfinished job once and return where the batch stands."""
        for job in self.manifest.jobs():
            if job.name is None or job.terminal:
                continue
            operation = self.api.get(job.name)
            answered, failed = batch_stats(operation)
            error = operation.get("error")
            self.manifest.update_job(
                job.display_name,
                state=job_state(operation),
                done_items=answered,
                failed_items=failed,
                error=json.dumps(error) if error else None,
            )
        return BatchStatus(self.manifest.jobs(), self.manifest.counts())

    def wait(
        self,
        *,
        progress: bool = True,
        poll_interval: float | None = None,
        timeout: float | None = None,
    ) -> BatchStatus:
        """Poll until every job has ended (succeeded, failed, cancelled or expired).

        Args:
            progress: Show a rich progress bar (items answered / all items) on stderr.
            poll_interval: Seconds between polls (default: the settings').
            timeout: Give up after this many seconds (raises ``TimeoutError``; the jobs go on).
        """
        interval = self.settings.poll_interval if poll_interval is None else poll_interval
        deadline = None if timeout is None else time.monotonic() + timeout
        status = self.status()
        if not progress:
            while not status.done:
                _sleep_or_timeout(interval, deadline)
                status = self.status()
            return status
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

        columns = (
            TextColumn("[bold]batch[/] {task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TextColumn("{task.fields[states]}"),
        )
        with Progress(*columns, console=Console(stderr=True), transient=False) as bar:
            task = bar.add_task(
                f"{len(status.jobs)} job(s)", total=status.total, states=_states(status)
            )
            while True:
                bar.update(task, completed=status.answered, states=_states(status))
                if status.done:
                    return status
                _sleep_or_timeout(interval, deadline)
                status = self.status()

    def cancel(self) -> BatchStatus:
        """Cancel every unfinished job (their items end with a ``BatchJobError``)."""
        for job in self.manifest.jobs():
            if job.name is not None and not job.terminal:
                self.api.cancel(job.name)
        return self.status()

    def delete_jobs(self) -> None:
        """Delete the finished jobs from the service (the manifest keeps their outcomes)."""
        for job in self.manifest.jobs():
            if job.name is not None and job.terminal:
                self.api.delete(job.name)

    # ------------------------------------------------------------------ results

    def results(self) -> Iterator[BatchResult]:
        """Yield every item of the finished jobs, parsed as it is read, matched by key.

        Items are parsed by the same task parsers as interactive calls; an item that
        failed, was blocked or cut short yields its typed error instead of a value. One
        item never stops the others: an answer its parser cannot read, whatever the
        parser raises (deep nesting included), is that item's ``OutputParsingError``, and
        a line of a results file that cannot be read leaves its item with a
        ``BatchJobError`` ("returned no result"). Items of jobs still running are not
        yielded: :meth:`wait` first.
        """
        for job in self.manifest.jobs():
            if job.name is None or not job.terminal:
                continue
            yield from self._job_results(job)

    def _job_results(self, job: JobRecord) -> Iterator[BatchResult]:
        assert job.name is not None
        items = {item["key"]: item for item in self.manifest.items_of(job.display_name)}
        outcomes: list[tuple[str, str | None]] = []
        if job.state != "JOB_STATE_SUCCEEDED":
            reason = job.state.removeprefix("JOB_STATE_").lower()
            detail = f": {job.error}" if job.error else ""
            for key, item in items.items():
                error = BatchJobError(f"batch job {job.name} {reason}{detail}")
                outcomes.append((key, str(error)))
                yield BatchResult(key, item["task"], None, error, job.name, tuple(item["images"]))
            self.manifest.record_outcomes(job.display_name, outcomes)
            return
        operation = self.api.get(job.name)
        ordered = list(items.values())
        seen: set[str] = set()
        for position, (key, response, error_status) in enumerate(
            read_answers(operation, self.api.download)
        ):
            match: dict[str, Any] | None = items.get(key) if key is not None else None
            if match is None and key is None and position < len(ordered):
                match = ordered[position]  # inline answers keep the input order
            if match is None or match["key"] in seen:
                logger.warning("batch job %s returned an answer for unknown key %r", job.name, key)
                continue
            seen.add(match["key"])
            result = self._parse(match, response, error_status, job.name)
            outcomes.append((match["key"], None if result.ok else str(result.error)))
            yield result
        for key, item in items.items():
            if key not in seen:
                error = BatchJobError(f"batch job {job.name} returned no result for item {key}")
                outcomes.append((key, str(error)))
                yield BatchResult(key, item["task"], None, error, job.name, tuple(item["images"]))
        self.manifest.record_outcomes(job.display_name, outcomes)

    def _parse(
        self,
        item: Mapping[str, Any],
        response: Mapping[str, Any] | None,
        error_status: Mapping[str, Any] | None,
        job_name: str,
    ) -> BatchResult:
        key, task, images = item["key"], item["task"], tuple(item["images"])
        if response is None:
            return BatchResult(key, task, None, item_error(error_status), job_name, images)
        try:
            value = parse_item(
                self.client,
                task,
                item["options"],
                item["images"],
                response,
                schema_model=self._schema_models.get(key),
            )
        except GeminiVisionError as error:
            return BatchResult(key, task, None, error, job_name, images)
        except Exception as error:  # a parser failure is this item's, never the whole batch's
            logger.warning("batch item %s: its answer could not be read", key, exc_info=True)
            unread = OutputParsingError(
                f"the answer could not be read ({type(error).__name__}: {error})",
                raw_text=answer_text(response),
            )
            unread.__cause__ = error
            return BatchResult(key, task, None, unread, job_name, images)
        return BatchResult(key, task, value, None, job_name, images)


def _jsonl(bodies: Sequence[tuple[str, dict[str, Any]]]) -> bytes:
    lines = (
        json.dumps({"key": key, "request": body}, separators=(",", ":")) for key, body in bodies
    )
    return ("\n".join(lines) + "\n").encode()


def _states(status: BatchStatus) -> str:
    return ", ".join(
        f"{count} {state.removeprefix('JOB_STATE_').lower()}"
        for state, count in sorted(status.states.items())
    )


def _sleep_or_timeout(interval: float, deadline: float | None) -> None:
    if deadline is not None and time.monotonic() + interval > deadline:
        msg = "the batch jobs have not all ended yet; wait() again or resume later"
        raise TimeoutError(msg)
    time.sleep(interval)
