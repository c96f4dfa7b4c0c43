"""Captioned ``Document``s through batch jobs: what ``GeminiImageLoader(batch_dir=...)`` calls.

The documents carry the loader's metadata (``source``, ``sha256``, ``mime_type``,
``width``, ``height``, ``model``, ``usage``; ``labels`` and ``objects`` with
``detect=True``) plus ``batch_key`` and ``batch_job``. Item keys are derived from
each source's label, so running the same call again on the same folder (after a
crash, say) resumes the manifest instead of submitting anything twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.documents import Document

from langchain_gemini_vision._load_failures import (
    LoaderFailure,
    failure_document,
    partial_load_error,
)
from langchain_gemini_vision._text import printable
from langchain_gemini_vision.errors import BatchJobError
from langchain_gemini_vision.results import Caption, DetectionResult

from .items import BatchItem
from .job import BatchSettings, VisionBatch
from .outcomes import BatchResult

if TYPE_CHECKING:
    from langchain_gemini_vision.client import GeminiVisionClient

__all__ = ["caption_documents", "document_keys"]


def _labelled(sources: Iterable[Any]) -> list[tuple[str, Any]]:
    labelled = []
    for index, source in enumerate(sources):
        if isinstance(source, tuple) and len(source) == 2 and isinstance(source[0], str):
            labelled.append((source[0], source[1]))
        elif isinstance(source, (str, PurePath)):
            labelled.append((str(source), source))
        else:
            labelled.append((f"image-{index}", source))
    return labelled


def document_keys(label: str) -> tuple[str, str]:
    """The (caption, detect) item keys of a source label (file names that are not UTF-8
    are written with ``\xff`` escapes: SQLite keys must be valid text)."""
    label = printable(label)
    return f"caption:{label}", f"detect:{label}"


def caption_documents(
    sources: Iterable[Any],
    *,
    client: GeminiVisionClient,
    manifest_dir: str | Path,
    prompt: str | None = None,
    detect: bool = False,
    detect_query: str | None = None,
    progress: bool = True,
    poll_interval: float | None = None,
    settings: BatchSettings | None = None,
    on_error: Literal["raise", "skip", "include"] = "raise",
    on_failure: Callable[[LoaderFailure], None] | None = None,
) -> list[Document]:
    """Caption images (and detect objects) as batch jobs; one ``Document`` per source, in order.

    A source gives no document when its image cannot be loaded (the other sources are
    submitted all the same), when the service could not answer its item, or when the
    answer could not be read.

    Args:
        sources: Image sources, or ``(label, source)`` pairs (a path's label is the path).
        client: The client (model, key, prompts) to use.
        manifest_dir: The batch's manifest folder; calling again with the same folder and
            sources resumes it (nothing is submitted twice).
        prompt: Caption prompt (the default prompt when ``None``).
        detect: Also detect objects (adds ``labels`` and ``objects`` to the metadata).
        detect_query: What to detect (everything when ``None``).
        progress: Show the progress bar while waiting.
        poll_interval: Seconds between polls (default: the settings').
        settings: :class:`BatchSettings`.
        on_error: What a source that gives no document does: ``"raise"`` (a
            ``PartialLoadError`` listing every failed source and carrying the documents
            made, after all are read), ``"skip"`` (drop it) or ``"include"`` (empty
            ``page_content``, ``metadata["error"]``).
        on_failure: Called with each failure, in input order, whatever ``on_error``.
    """
    labelled = _labelled(sources)
    with VisionBatch(manifest_dir, client=client, settings=settings) as batch:
        items: list[BatchItem] = []
        for label, source in labelled:
            caption_key, detect_key = document_keys(label)
            items.append(BatchItem.caption(source, prompt=prompt, key=caption_key))
            if detect:
                items.append(BatchItem.detect(source, query=detect_query, key=detect_key))
        report = batch.submit(items, on_error="skip")
        refused = {item.key: error for item, error in report.refused}
        batch.wait(progress=progress, poll_interval=poll_interval)
        results: dict[str, BatchResult] = {result.key: result for result in batch.results()}
    documents: list[Document] = []
    failures: list[LoaderFailure] = []
    for label, _ in labelled:
        keys = document_keys(label)[: 2 if detect else 1]
        found = [results.get(key) for key in keys]
        errors = [refused[key] for key in keys if key in refused]
        errors += [r.error for r in found if r is not None and r.error is not None]
        if not errors and None in found:
            errors.append(BatchJobError(f"{label}: the batch has no result for this image"))
        if not errors:
            captioned, detected = found[0], found[1] if detect else None
            assert captioned is not None
            documents.append(_document(label, captioned, detected, client.model))
            continue
        failures.append(LoaderFailure(label, errors[0]))
        if on_failure is not None:
            on_failure(failures[-1])
        if on_error == "include":
            documents.append(failure_document(label, errors[0]))
    if failures and on_error == "raise":
        raise partial_load_error(failures, len(labelled), documents)
    return documents


def _document(
    label: str, captioned: BatchResult, detected: BatchResult | None, model: str
) -> Document:
    caption = captioned.value
    assert isinstance(caption, Caption)
    detection = detected.value if detected is not None else None
    image = captioned.images[0] if captioned.images else {}
    usage = (
        caption.usage + detection.usage if isinstance(detection, DetectionResult) else caption.usage
    )
    metadata: dict[str, Any] = {
        "source": label,
        "sha256": image.get("sha256"),
        "mime_type": image.get("mime_type"),
        "width": image.get("original_width") or image.get("width"),
        "height": image.get("original_height") or image.get("height"),
        "model": caption.model or model,
        "usage": usage.model_dump(),
        "batch_key": captioned.key,
        "batch_job": captioned.job,
    }
    if isinstance(detection, DetectionResult):
        metadata["labels"] = sorted(set(detection.labels))
        metadata["objects"] = [
            {"label": d.label, "box": [round(v, 1) for v in d.box]} for d in detection
        ]
    return Document(page_content=caption.text, metadata=metadata)
