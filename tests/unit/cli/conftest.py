"""Fixtures of the CLI tests: one emulator on loopback, scenes on disk, a runner."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from langchain_gemini_vision.testing import GeminiEmulator, Scene, make_scene
from langchain_gemini_vision.testing.scenes import SceneObject


@dataclass(frozen=True)
class Scenes:
    """Scenes written to disk, with their ground truth."""

    folder: Path
    wide: Path
    tall: Path
    before: Path
    after: Path
    truth: dict[str, Scene]


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    """One emulator for the module (a real HTTP server on loopback)."""
    with GeminiEmulator() as emu:
        yield emu


@pytest.fixture(scope="module")
def scenes(tmp_path_factory: pytest.TempPathFactory) -> Scenes:
    """Two non-square scenes (a PNG and a JPEG) and a before/after pair."""
    folder = tmp_path_factory.mktemp("scenes")
    made = {
        "wide.png": make_scene(640, 360, objects=3, seed=3),
        "tall.jpg": make_scene(300, 480, objects=2, seed=5, format="JPEG"),
        "before.png": make_scene(
            480,
            320,
            objects=[
                SceneObject("circle", "red", (40, 40, 140, 140)),
                SceneObject("square", "blue", (220, 60, 320, 160)),
            ],
        ),
        "after.png": make_scene(
            480,
            320,
            objects=[
                SceneObject("circle", "red", (40, 40, 140, 140)),
                SceneObject("square", "blue", (300, 180, 400, 280)),
                SceneObject("triangle", "green", (60, 200, 180, 300)),
            ],
        ),
    }
    for name, scene in made.items():
        (folder / name).write_bytes(scene.data)
    return Scenes(
        folder,
        folder / "wide.png",
        folder / "tall.jpg",
        folder / "before.png",
        folder / "after.png",
        made,
    )
