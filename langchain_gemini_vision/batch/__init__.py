"""Gemini Batch API jobs for every vision task, resumable from a local manifest.

Half the interactive price, up to 24 hours of turnaround: for large, non-urgent
work. See :class:`VisionBatch`::

    batch = VisionBatch("runs/catalogue", client=client)
    batch.submit([BatchItem.caption(p) for p in paths])
    batch.wait()
    for result in batch.results():
        ...
"""

from __future__ import annotations

from .documents import caption_documents
from .items import BatchItem, TaskName
from .job import BatchSettings, VisionBatch
from .manifest import MANIFEST_FILE, JobRecord, Manifest
from .outcomes import BatchResult, BatchStatus, SubmitReport

__all__ = [
    "MANIFEST_FILE",
    "BatchItem",
    "BatchResult",
    "BatchSettings",
    "BatchStatus",
    "JobRecord",
    "Manifest",
    "SubmitReport",
    "TaskName",
    "VisionBatch",
    "caption_documents",
]
