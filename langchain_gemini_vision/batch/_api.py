"""The Batch API calls, on google-genai's own authenticated transport.

Job bodies are written on the wire as JSON (the ``GenerateContentRequest`` of each
item comes from ``payloads.generate_content_body``, exactly the interactive body),
through the SDK's ``BaseApiClient.request``: same key, base URL, API version,
headers and timeout as every other SDK call. Going through ``client.batches.create``
instead would re-validate every request into SDK models and serialise it again;
measured on 2,000 items it is several times slower and cannot promise the same bytes
(see ``benchmarks/bench_batch.py``). Job reads stay raw JSON too, so progress counts
(``batchStats``) that the SDK's ``BatchJob`` drops are visible. Files (the JSONL input
and the results file) go through the SDK's public ``files.upload`` / ``files.download``.

Wire shapes (google-genai 3.6.1, ``batches.py``, Gemini Developer API):
``POST models/{model}:batchGenerateContent`` ``{"batch": {"displayName", "inputConfig":
{"requests": {"requests": [{"request", "metadata"}]}} | {"fileName"}}}``; ``GET batches/{id}``,
``POST batches/{id}:cancel``, ``DELETE batches/{id}``, ``GET batches?pageSize&pageToken``
(``{"operations": [...], "nextPageToken"}``); states ``BATCH_STATE_*`` (the SDK's ``JOB_STATE_*``).
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any
from urllib.parse import urlencode

from google import genai
from google.genai import types

from langchain_gemini_vision._transport.errors import reraise_mapped
from langchain_gemini_vision._transport.retry import RetryPolicy, call_with_retries

__all__ = ["BatchApi", "job_state"]

JSONL_MIME_TYPE = "jsonl"
"""The MIME type the Gemini docs upload batch input with."""


def job_state(operation: Mapping[str, Any]) -> str:
    """``JOB_STATE_*`` of an operation (``BATCH_STATE_*`` on the wire, as the SDK maps it)."""
    metadata = operation.get("metadata") or {}
    state = str(metadata.get("state") or "BATCH_STATE_UNSPECIFIED")
    return state.replace("BATCH_STATE_", "JOB_STATE_", 1)


def batch_stats(operation: Mapping[str, Any]) -> tuple[int | None, int | None]:
    """(answered, failed) items from ``metadata.batchStats``, when the service gives them."""
    stats = (operation.get("metadata") or {}).get("batchStats")
    if not isinstance(stats, Mapping):
        return None, None
    success = int(stats.get("successfulRequestCount") or 0)
    failed = int(stats.get("failedRequestCount") or 0)
    return success + failed, failed


def job_output(operation: Mapping[str, Any]) -> Mapping[str, Any]:
    """The output block of a finished job (``metadata.output`` or ``response``)."""
    metadata = operation.get("metadata") or {}
    output = metadata.get("output") or operation.get("response") or {}
    return output if isinstance(output, Mapping) else {}


class BatchApi:
    """Create, read, cancel and delete jobs; upload inputs and download results."""

    def __init__(self, client: genai.Client, retry: RetryPolicy) -> None:
        self._client = client
        self._retry = retry

    def _request(self, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        try:
            response = self._client._api_client.request(method, path, body or {})
        except Exception as exc:
            reraise_mapped(exc)
        return json.loads(response.body) if response.body else {}

    def _retried(self, method: str, path: str) -> Any:
        """Reads are idempotent: retried under the client's policy."""
        return call_with_retries(lambda _left: self._request(method, path), self._retry)

    # ------------------------------------------------------------------ jobs

    def create(
        self,
        model: str,
        display_name: str,
        *,
        requests: Sequence[tuple[str, dict[str, Any]]] | None = None,
        file_name: str | None = None,
    ) -> dict[str, Any]:
        """One ``batchGenerateContent`` call (never retried here: see the job's reconcile)."""
        input_config: dict[str, Any]
        if requests is not None:
            input_config = {
                "requests": {
                    "requests": [
                        {"request": body, "metadata": {"key": key}} for key, body in requests
                    ]
                }
            }
        elif file_name is not None:
            input_config = {"fileName": file_name}
        else:  # pragma: no cover - the job always passes one
            msg = "give requests or file_name"
            raise ValueError(msg)
        body = {"batch": {"displayName": display_name, "inputConfig": input_config}}
        path = f"{_model_path(model)}:batchGenerateContent"
        result: dict[str, Any] = self._request("post", path, body)
        return result

    def get(self, name: str) -> dict[str, Any]:
        """The job's operation (state, stats and, when done, output)."""
        result: dict[str, Any] = self._retried("get", name)
        return result

    def list(self, page_size: int = 100) -> Iterator[dict[str, Any]]:
        """Every job the key can see, newest first (output omitted by the service)."""
        token: str | None = None
        while True:
            query = {"pageSize": page_size} | ({"pageToken": token} if token else {})
            page = self._retried("get", f"batches?{urlencode(query)}")
            yield from page.get("operations") or ()
            token = page.get("nextPageToken")
            if not token:
                return

    def cancel(self, name: str) -> None:
        """Ask the service to cancel a job."""
        self._retried("post", f"{name}:cancel")

    def delete(self, name: str) -> None:
        """Delete a job (its results go with it)."""
        self._retried("delete", name)

    # ------------------------------------------------------------------ files

    def upload_jsonl(self, data: bytes, display_name: str) -> str:
        """Upload a JSONL input file; returns its name (``files/...``)."""

        def attempt(_: float | None) -> types.File:
            try:
                return self._client.files.upload(
                    file=io.BytesIO(data),
                    config=types.UploadFileConfig(
                        mime_type=JSONL_MIME_TYPE, display_name=display_name
                    ),
                )
            except Exception as exc:
                reraise_mapped(exc)

        uploaded = call_with_retries(attempt, self._retry)
        if not uploaded.name:
            msg = "the Files API returned a file without a name"
            raise ValueError(msg)
        return uploaded.name

    def download(self, file_name: str) -> bytes:
        """A result file's bytes."""

        def attempt(_: float | None) -> bytes:
            try:
                return self._client.files.download(file=file_name)
            except Exception as exc:
                reraise_mapped(exc)

        return call_with_retries(attempt, self._retry)


def _model_path(model: str) -> str:
    return model if model.startswith(("models/", "tunedModels/")) else f"models/{model}"
