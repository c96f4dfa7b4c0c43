"""A program that resumes a batch manifest, for the two-resumers race.

Run as ``python _resumer.py BASE_URL MANIFEST_DIR GATE_DIR``: waits for ``GATE_DIR/go``,
resumes the manifest, prints ``WORKED`` (or ``BUSY <message>`` / ``ERROR <type> <message>``),
then keeps the batch open until ``GATE_DIR/release`` exists.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.batch import BatchSettings, VisionBatch


def _wait_for(path: Path) -> None:
    deadline = time.monotonic() + 60
    while not path.exists():
        if time.monotonic() > deadline:
            raise SystemExit(f"{path} never appeared")
        time.sleep(0.005)


def main() -> None:
    base_url, manifest_dir, gate = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    with GeminiVisionClient(api_key="k", base_url=base_url, api="generate_content") as client:
        print("READY", flush=True)
        _wait_for(gate / "go")
        try:
            batch = VisionBatch.resume(
                manifest_dir, client=client, settings=BatchSettings(poll_interval=0.01)
            )
        except Exception as error:
            kind = "BUSY" if "busy" in type(error).__name__.lower() else "ERROR"
            print(kind, type(error).__name__, str(error).replace("\n", " "), flush=True)
            return
        print("WORKED", flush=True)
        _wait_for(gate / "release")
        batch.close()


if __name__ == "__main__":
    main()
