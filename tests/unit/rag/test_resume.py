"""A loader killed halfway and restarted pays for no image twice (issue 20 item 3).

The loader runs in its own process (figure 12's child: ``GeminiImageLoader`` with a
``FileStore`` cache), is interrupted with Ctrl-C once half its documents are out, and
is run again over the same folder and cache. What is paid is counted at the emulator:
each billable request's body, so the same image asked the same question twice shows
as one body seen twice.
"""

from __future__ import annotations

import json
import signal
from collections import Counter
from pathlib import Path

import pytest

from benchmarks.fig12_resumable_loader import run_child, write_images
from langchain_gemini_vision.testing import GeminiEmulator

IMAGES = 64


@pytest.mark.slow
def test_a_run_stopped_at_half_and_restarted_pays_for_every_image_once(tmp_path: Path) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    write_images(folder, IMAGES, 64)
    cache = tmp_path / "cache"
    # 16 in flight and 0.2 s a reply: the run is still going when half is out.
    with GeminiEmulator(latency=0.2) as emu:
        first = run_child(
            folder, IMAGES, cache, emu.base_url, stop_at=IMAGES // 2, sig=signal.SIGINT
        )
        second = run_child(folder, IMAGES, cache, emu.base_url)
        bodies = Counter(
            json.dumps(r.json, sort_keys=True)
            for r in emu.requests
            if r.route in ("interactions", "generate_content")
        )
    assert first["interrupted"] and IMAGES // 2 <= first["count"] < IMAGES
    assert second["count"] == IMAGES and second["failures"] == 0
    assert second["cached"] >= first["count"]  # at least what the first run handed out
    assert len(bodies) == IMAGES  # every image paid...
    assert max(bodies.values()) == 1  # ...and none twice
