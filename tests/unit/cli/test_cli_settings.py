"""The command line builds its client from the same settings (issue 17 item 2).

``--allow-dir`` is the client's ``allowed_dirs``: batch submissions read local
images under the same rule as interactive runs.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from langchain_gemini_vision.testing import GeminiEmulator
from langchain_gemini_vision.testing.batches import batches_of

from ._helpers import emu_args, invoke, plain
from .conftest import Scenes


def test_batch_submission_obeys_allow_dir(
    emulator: GeminiEmulator, scenes: Scenes, tmp_path: Path
) -> None:
    service = batches_of(emulator)
    inside = tmp_path / "inside"
    inside.mkdir()
    shutil.copy(scenes.wide, inside / "ok.png")
    received = service.items_received
    args = ["caption", str(scenes.tall), "--batch", str(tmp_path / "job")]
    result = invoke([*args, "--allow-dir", str(inside), *emu_args(emulator)])
    assert result.exit_code != 0
    assert "outside" in plain(result.stderr + result.stdout)
    assert service.items_received == received  # nothing outside the folder was sent
