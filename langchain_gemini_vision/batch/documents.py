"""Captioned ``Document``s through batch jobs: what ``GeminiImageLoader(batch=...)`` calls.

The documents carry the loader's metadata (``source``, ``sha256``, ``mime_type``,
``width``, ``height``, ``model``, ``usage``; ``labels`` and ``objects`` with
``detect=True``) plus ``batch_key`` and ``batch_job``. Item keys are derived from
each source's label, so running the same call again on the same folder (after a
crash, say) resumes the manifest instead of submitting anything twice.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, Literal

from langchain_core.documents import Document

from langchain_gemini_vision.errors import GeminiVisionError
from langchain_gemini_vision.results import Caption, DetectionResult

from .items import BatchItem
from .job import BatchResult, BatchSettings, VisionBatch

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
    """The (caption, detect) item keys of a source label."""
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
) -> list[Document]:
    """Caption images (and detect objects) as batch jobs; one ``Document`` per source, in order.

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
        on_error: ``"raise"`` (a ``GeminiVisionError`` listing every failed source, after
            all are read), ``"skip"`` (drop them) or ``"include"`` (empty ``page_content``,
            ``metadata["error"]``).
    """
    labelled = _labelled(sources)
    with VisionBatch(manifest_dir, client=client, settings=settings) as batch:
        items: list[BatchItem] = []
        for label, source in labelled:
            caption_key, detect_key = document_keys(label)
            items.append(BatchItem.caption(source, prompt=prompt, key=caption_key))
            if detect:
                items.append(BatchItem.detect(source, query=detect_query, key=detect_key))
        batch.submit(items)
        batch.wait(progress=progress, poll_interval=poll_interval)
        outcomes: dict[str, BatchResult] = {result.key: result for result in batch.results()}
    documents: list[Document] = []
    failures: list[str] = []
    for label, _ in labelled:
        caption_key, detect_key = document_keys(label)
        captioned = outcomes.get(caption_key)
        detected = outcomes.get(detect_key) if detect else None
        errors = [r.error for r in (captioned, detected) if r is not None and r.error is not None]
        if captioned is None or (detect and detected is None):
            errors.append(GeminiVisionError(f"{label}: no batch result"))
        if errors:
            failures.append(f"{label}: {errors[0]}")
            if on_error == "include":
                metadata = {"source": label, "error": str(errors[0])}
                documents.append(Document(page_content="", metadata=metadata))
            continue
        assert captioned is not None
        documents.append(_document(label, captioned, detected, client.model))
    if failures and on_error == "raise":
        listed = "\n".join(f"  {line}" for line in failures)
        msg = f"{len(failures)} of {len(labelled)} image(s) failed:\n{listed}"
        raise GeminiVisionError(msg)
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
