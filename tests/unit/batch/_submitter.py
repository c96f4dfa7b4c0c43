"""The program the resume test kills: submit a folder of images as batch jobs, then wait.

Run as ``python _submitter.py BASE_URL MANIFEST_DIR IMAGES_DIR``; prints ``SUBMITTED``
once every job is created, then polls until the jobs end (or until it is killed).
"""

from __future__ import annotations

import sys
from pathlib import Path

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.batch import BatchItem, BatchSettings, VisionBatch

SETTINGS = BatchSettings(poll_interval=0.05, max_items_per_job=800, max_inline_bytes=600_000)


def items(images_dir: Path) -> list[BatchItem]:
    return [BatchItem.detect(path, key=path.stem) for path in sorted(images_dir.glob("*.png"))]


def main() -> None:
    base_url, manifest_dir, images_dir = sys.argv[1:4]
    with GeminiVisionClient(api_key="k", base_url=base_url, api="generate_content") as client:
        batch = VisionBatch(manifest_dir, client=client, settings=SETTINGS)
        report = batch.submit(items(Path(images_dir)))
        print("SUBMITTED", len(report.submitted), len(report.jobs), flush=True)
        batch.wait(progress=False)
        print("DONE", flush=True)


if __name__ == "__main__":
    main()
