"""The emulator's Batch API: ``batchGenerateContent``, batches get/list/cancel/delete, JSONL files.

Mounted on a :class:`~.emulator.GeminiEmulator` app by :func:`mount_batches`;
tests reach its state and counters through :func:`batches_of`::

    with GeminiEmulator() as emu:
        service = batches_of(emu)
        service.polls_per_state = {"PENDING": 1, "RUNNING": 2}
        ...
        assert service.items_received == 2000

Wire protocol (google-genai 3.6.1, ``batches.py``; Gemini Developer API):

* ``POST /{v}/models/{model}:batchGenerateContent`` with ``{"batch": {"displayName",
  "inputConfig": {"requests": {"requests": [{"request", "metadata"}]}}}}`` (inline, at most
  :attr:`BatchService.max_inline_bytes`) or ``{"inputConfig": {"fileName": "files/x"}}`` (a
  JSONL file uploaded through the Files API, one ``{"key", "request"}`` per line). The answer
  is a long-running operation: ``{"name": "batches/<id>", "metadata": {"@type", "model",
  "displayName", "state": "BATCH_STATE_PENDING", "createTime", "updateTime", "batchStats",
  ...}, "done"}``.
* ``GET /{v}/batches/{id}``: the operation; the state moves PENDING -> RUNNING -> SUCCEEDED over
  polls (:attr:`BatchService.polls_per_state`), never before every item is answered. When done,
  ``metadata.output`` (and ``response``) holds ``inlinedResponses.inlinedResponses`` (inline jobs:
  ``{"response"|"error", "metadata"}`` in input order) or ``responsesFile`` (file jobs: a
  ``files/batch-<id>`` JSONL of ``{"key", "response"|"error"}`` lines).
* ``GET /{v}/files/{id}:download?alt=media`` (what the SDK calls) and
  ``GET /download/{v}/files/{id}:download?alt=media`` (the REST docs): the result file's bytes.
* ``POST /{v}/batches/{id}:cancel``, ``DELETE /{v}/batches/{id}``, ``GET /{v}/batches`` (pages).

Every item is answered by the emulator's own code (``_answer`` and
``generate_content_reply``), from the pixels, exactly as an interactive
``generateContent`` call with the same body: the same analysis, dialect and request
digest, so the text and the response's shape are identical. JSONL input files go
through the emulator's Files API upload. An item
that fails (an undecodable image, a bad option) gets a per-item ``error``
(``google.rpc.Status``), not a failed job. The emulator's middleware applies fault
injection and counters to these routes as route ``"batches"`` (``"upload"`` for uploads).

Choices where the real service is unclear: per-item errors carry the gRPC code
(3 for an invalid argument); ``batchStats`` counts are int64 strings; cancel and
delete answer ``{}``; a cancelled job keeps no output.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import weakref
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any, Final

from aiohttp import web

from ._api_errors import ApiError, bad_request, check_schema
from ._emulator_files import JSONL_MIME_TYPES
from ._emulator_generation import GenerationApi, generate_content_reply
from ._emulator_http import VERSION, page, parse_json, timestamp
from ._protocol import FileResolver, get_key, parse_generate_content

__all__ = ["JSONL_MIME_TYPES", "BatchService", "batches_of", "mount_batches"]

_BATCH_TYPE: Final = "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatch"
_OUTPUT_TYPE: Final = (
    "type.googleapis.com/google.ai.generativelanguage.v1main.GenerateContentBatchOutput"
)
_TERMINAL: Final = frozenset({"SUCCEEDED", "FAILED", "CANCELLED", "EXPIRED"})
# HTTP status -> google.rpc.Code, for per-item errors.
_GRPC_CODES: Final = {400: 3, 403: 7, 404: 5, 429: 8, 500: 13, 503: 14, 504: 4}


@dataclass
class _Item:
    key: str | None
    metadata: Any
    request: dict[str, Any]
    response: dict[str, Any] | None = None
    error: dict[str, Any] | None = None


@dataclass
class _Job:
    job_id: str
    model: str
    version: str
    display_name: str | None
    items: list[_Item]
    source: str  # "inline" or "file"
    created: str
    updated: str
    state: str = "PENDING"
    polls: int = 0
    done_items: int = 0
    end_time: str | None = None
    result_file: str | None = None
    task: asyncio.Task[None] | None = field(default=None, repr=False)

    @property
    def name(self) -> str:
        return f"batches/{self.job_id}"


class BatchService:
    """The Batch API state of one emulator, and what tests tune and read.

    Attributes:
        polls_per_state: ``get`` calls that see each non-terminal state before the next one;
            ``{"PENDING": 1, "RUNNING": 2}`` by default. A job is SUCCEEDED only once every
            item is answered, however many polls that takes.
        fail_next_jobs: The next this-many created jobs end ``BATCH_STATE_FAILED`` (no output).
        max_inline_bytes: Largest inline ``batchGenerateContent`` body (the documented 20 MB).
        concurrency: Items generated at once per job.
        items_received: Items received by create calls (inline and file), all jobs.
        keys_received: How many times each item key arrived (``metadata.key`` or the line ``key``).
        jobs_created: Jobs created.
        result_downloads: Result files downloaded.
    """

    def __init__(self, emulator: GenerationApi) -> None:
        self._emulator = weakref.ref(emulator)
        self.polls_per_state: dict[str, int] = {"PENDING": 1, "RUNNING": 2}
        self.fail_next_jobs = 0
        self.max_inline_bytes = 20 * 1024 * 1024
        self.concurrency = 16
        self.items_received = 0
        self.keys_received: Counter[str] = Counter()
        self.jobs_created = 0
        self.result_downloads = 0
        self._jobs: OrderedDict[str, _Job] = OrderedDict()
        self._results: dict[str, bytes] = {}
        self._counter = 0

    # ------------------------------------------------------------ helpers for tests

    @property
    def emulator(self) -> GenerationApi:
        """The emulator this service belongs to."""
        emulator = self._emulator()
        if emulator is None:  # pragma: no cover - the emulator owns the app
            msg = "the emulator is gone"
            raise RuntimeError(msg)
        return emulator

    @property
    def jobs(self) -> list[str]:
        """Names (``batches/<id>``) of the jobs not deleted."""
        return [job.name for job in self._jobs.values()]

    def state_of(self, name: str) -> str:
        """The state of a job (``PENDING``, ``RUNNING``, ``SUCCEEDED``...), without a poll."""
        return self._jobs[name.rsplit("/", 1)[-1]].state

    def reset(self) -> None:
        """Zero the counters (jobs are kept)."""
        self.items_received = self.jobs_created = self.result_downloads = 0
        self.keys_received.clear()

    # ------------------------------------------------------------ routes

    def mount(self, app: web.Application) -> None:
        """Add the routes; call before the emulator's ``/models/{target}`` routes."""
        v = VERSION
        app.router.add_post(f"/{v}/models/{{model}}:batchGenerateContent", self._create)
        app.router.add_get(f"/{v}/batches", self._list)
        app.router.add_get(f"/{v}/batches/{{id:[^{{}}/:]+}}", self._get)
        app.router.add_post(f"/{v}/batches/{{id:[^{{}}/:]+}}:cancel", self._cancel)
        app.router.add_delete(f"/{v}/batches/{{id:[^{{}}/:]+}}", self._delete)
        # google-genai 3.6.1 downloads from /{v}/files/{id}:download; the REST docs name
        # /download/{v}/files/{id}:download. Both serve a result file's bytes.
        app.router.add_get(f"/{v}/files/{{id:[^{{}}/:]+}}:download", self._download)
        app.router.add_get(f"/download/{v}/files/{{id:[^{{}}/:]+}}:download", self._download)

    def _new_id(self) -> str:
        self._counter += 1
        digest = hashlib.sha256(f"{id(self)}:{self._counter}".encode()).hexdigest()
        return digest[:16]

    def _job_or_404(self, request: web.Request) -> _Job:
        job = self._jobs.get(request.match_info["id"])
        if job is None:
            raise ApiError(404, f"Batch batches/{request.match_info['id']} not found.")
        return job

    # ------------------------------------------------------------ create

    async def _create(self, request: web.Request) -> web.StreamResponse:
        emulator = self.emulator
        raw = await request.read()
        if len(raw) > self.max_inline_bytes:
            raise bad_request(
                f"Request payload size exceeds the limit: {self.max_inline_bytes} bytes. "
                "Use an input file for large batches."
            )
        body = parse_json(raw)
        # Inline requests are part of this body: Gemini parses them here, not per item.
        check_schema("batch_generate_content", body, request.match_info["version"])
        batch = get_key(body, "batch") if isinstance(body, dict) else None
        if not isinstance(batch, dict):
            raise bad_request("batch is required.")
        input_config = get_key(batch, "input_config")
        if not isinstance(input_config, dict):
            raise bad_request("batch.input_config is required.")
        model = request.match_info["model"].removeprefix("models/")
        if not model.lower().startswith("gemini-"):
            raise ApiError(404, f"models/{model} is not found or does not support batches.")
        items: list[_Item]
        requests_block = get_key(input_config, "requests")
        file_name = get_key(input_config, "file_name")
        if isinstance(requests_block, dict):
            source = "inline"
            listed = get_key(requests_block, "requests")
            if not isinstance(listed, list) or not listed:
                raise bad_request("batch.input_config.requests.requests must be a non-empty list.")
            items = []
            for index, entry in enumerate(listed):
                inner = entry.get("request") if isinstance(entry, dict) else None
                if not isinstance(inner, dict):
                    raise bad_request(f"requests[{index}].request is required.")
                metadata = entry.get("metadata")
                key = metadata.get("key") if isinstance(metadata, dict) else None
                items.append(_Item(str(key) if key is not None else None, metadata, inner))
        elif isinstance(file_name, str):
            source = "file"
            stored = emulator._lookup_file(file_name.rstrip("/").rsplit("/", 1)[-1])
            items = _read_jsonl_requests(stored.data)
        else:
            raise bad_request("batch.input_config needs requests or file_name.")
        now = timestamp()
        job = _Job(
            job_id=self._new_id(),
            model=model,
            version=request.match_info["version"],
            display_name=get_key(batch, "display_name"),
            items=items,
            source=source,
            created=now,
            updated=now,
        )
        self.jobs_created += 1
        self.items_received += len(items)
        self.keys_received.update(item.key for item in items if item.key is not None)
        self._jobs[job.job_id] = job
        if self.fail_next_jobs > 0:
            self.fail_next_jobs -= 1
            job.state = "FAILED"
            job.end_time = now
        else:
            resolver = emulator._resolver(request)
            _ = request.host  # resolved now: the resolver runs after this request ends
            job.task = asyncio.get_running_loop().create_task(self._run(job, resolver))
        return web.json_response(self._operation(job))

    async def _run(self, job: _Job, resolver: FileResolver) -> None:
        limit = asyncio.Semaphore(self.concurrency)

        async def answer(item: _Item) -> None:
            async with limit:
                try:
                    item.response = await self._answer(job, item.request, resolver)
                except ApiError as error:
                    item.error = {
                        "code": _GRPC_CODES.get(error.status, 2),
                        "message": error.message,
                    }
                except Exception as error:  # the emulator is shutting down
                    item.error = {"code": 13, "message": f"internal error: {error}"}
                job.done_items += 1

        await asyncio.gather(*(answer(item) for item in job.items))
        if job.source == "file":
            lines = []
            for item in job.items:
                line: dict[str, Any] = {"key": item.key}
                if item.response is not None:
                    line["response"] = item.response
                else:
                    line["error"] = item.error
                lines.append(json.dumps(line))
            file_id = f"batch-{job.job_id}"
            self._results[file_id] = ("\n".join(lines) + "\n").encode()
            job.result_file = f"files/{file_id}"

    async def _answer(
        self,
        job: _Job,
        body: dict[str, Any],
        resolver: FileResolver,
    ) -> dict[str, Any]:
        """One item, answered as ``_model_method`` answers ``generateContent``."""
        emulator = self.emulator
        call = parse_generate_content(body, job.model, resolver, api_version=job.version)
        generation = await emulator._answer(call, body, job.version, "generateContent")
        return generate_content_reply(
            call, generation, emulator._new_id(""), generation.text, last=True
        )

    # ------------------------------------------------------------ get, list, cancel, delete

    def _advance(self, job: _Job) -> None:
        if job.state in _TERMINAL:
            return
        job.polls += 1
        pending = self.polls_per_state.get("PENDING", 1)
        running = self.polls_per_state.get("RUNNING", 2)
        answered = job.task is not None and job.task.done()
        if job.polls <= pending:
            state = "PENDING"
        elif job.polls <= pending + running or not answered:
            state = "RUNNING"
        else:
            state = "SUCCEEDED"
            job.end_time = timestamp()
        if state != job.state:
            job.state = state
            job.updated = timestamp()

    def _operation(self, job: _Job, *, with_output: bool = True) -> dict[str, Any]:
        finished = job.state == "SUCCEEDED"
        visible = job.state in ("RUNNING", "SUCCEEDED")
        failed = sum(1 for item in job.items if visible and item.error is not None)
        succeeded = sum(1 for item in job.items if visible and item.response is not None)
        metadata: dict[str, Any] = {"@type": _BATCH_TYPE, "model": f"models/{job.model}"}
        if job.display_name is not None:
            metadata["displayName"] = job.display_name
        metadata |= {
            "createTime": job.created,
            "updateTime": job.updated,
            "batchStats": {
                "requestCount": str(len(job.items)),
                "successfulRequestCount": str(succeeded),
                "failedRequestCount": str(failed),
                "pendingRequestCount": str(len(job.items) - succeeded - failed),
            },
            "state": f"BATCH_STATE_{job.state}",
            "name": job.name,
        }
        if job.end_time is not None:
            metadata["endTime"] = job.end_time
        operation: dict[str, Any] = {"name": job.name, "metadata": metadata}
        if job.state in _TERMINAL:
            operation["done"] = True
        if job.state == "FAILED":
            operation["error"] = {"code": 13, "message": "The batch job failed (injected)."}
        if finished and with_output:
            output: dict[str, Any]
            if job.result_file is not None:
                output = {"responsesFile": job.result_file}
            else:
                responses = []
                for item in job.items:
                    entry: dict[str, Any] = (
                        {"response": item.response}
                        if item.response is not None
                        else {"error": item.error}
                    )
                    if item.metadata is not None:
                        entry["metadata"] = item.metadata
                    responses.append(entry)
                output = {"inlinedResponses": {"inlinedResponses": responses}}
            metadata["output"] = output
            operation["response"] = {"@type": _OUTPUT_TYPE, **output}
        return operation

    async def _get(self, request: web.Request) -> web.StreamResponse:
        job = self._job_or_404(request)
        self._advance(job)
        return web.json_response(self._operation(job))

    async def _list(self, request: web.Request) -> web.StreamResponse:
        jobs = list(reversed(self._jobs.values()))  # newest first
        listed, following = page(request, jobs, default_size=50, max_size=1000)
        body: dict[str, Any] = {}
        if listed:
            body["operations"] = [self._operation(job, with_output=False) for job in listed]
        if following is not None:
            body["nextPageToken"] = following
        return web.json_response(body)

    async def _cancel(self, request: web.Request) -> web.StreamResponse:
        job = self._job_or_404(request)
        if job.state not in _TERMINAL:
            if job.task is not None:
                job.task.cancel()
            job.state = "CANCELLED"
            job.end_time = job.updated = timestamp()
        return web.json_response({})

    async def _delete(self, request: web.Request) -> web.StreamResponse:
        job = self._job_or_404(request)
        if job.task is not None and not job.task.done():
            job.task.cancel()
        del self._jobs[job.job_id]
        if job.result_file is not None:
            self._results.pop(job.result_file.rsplit("/", 1)[-1], None)
        return web.json_response({})

    async def _download(self, request: web.Request) -> web.StreamResponse:
        file_id = request.match_info["id"]
        if request.query.get("alt") != "media":
            raise bad_request("Download needs alt=media.")
        data = self._results.get(file_id)
        if data is None:
            raise ApiError(
                403,
                f"You do not have permission to access the File {file_id} or it may not exist.",
            )
        self.result_downloads += 1
        return web.Response(body=data, content_type="application/octet-stream")


def _read_jsonl_requests(data: bytes) -> list[_Item]:
    items: list[_Item] = []
    for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
        if not line.strip():
            continue
        try:
            entry = json.loads(line)
        except ValueError:
            raise bad_request(f"Invalid JSON on line {number} of the input file.") from None
        request = entry.get("request") if isinstance(entry, dict) else None
        if not isinstance(request, dict):
            raise bad_request(f"Line {number} of the input file has no request object.")
        key = entry.get("key")
        items.append(_Item(str(key) if key is not None else None, None, request))
    if not items:
        raise bad_request("The input file holds no requests.")
    return items


_SERVICES: weakref.WeakKeyDictionary[GenerationApi, BatchService] = weakref.WeakKeyDictionary()


def batches_of(emulator: GenerationApi) -> BatchService:
    """The :class:`BatchService` of an emulator (created on first use)."""
    service = _SERVICES.get(emulator)
    if service is None:
        service = BatchService(emulator)
        _SERVICES[emulator] = service
    return service


def mount_batches(app: web.Application, emulator: GenerationApi) -> BatchService:
    """Add the Batch API routes of ``emulator`` to ``app`` (before its own routes)."""
    service = batches_of(emulator)
    service.mount(app)
    return service
