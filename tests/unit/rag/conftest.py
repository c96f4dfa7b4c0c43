"""Fixtures for RAG over images: one emulator per module, a folder of scenes with truth."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.testing import GeminiEmulator, Scene, make_scene


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    """A local Gemini emulator shared by a test module (reset between tests)."""
    with GeminiEmulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator: GeminiEmulator) -> GeminiEmulator:
    """The module's emulator with no faults or counts left over from another test."""
    emulator.faults.clear()
    emulator.stats.reset()
    return emulator


@pytest.fixture
def client(emu: GeminiEmulator) -> Iterator[GeminiVisionClient]:
    """A client on the emulator."""
    with GeminiVisionClient(api_key="test-key", base_url=emu.base_url) as c:
        yield c


def paid(emu: GeminiEmulator) -> int:
    """Requests the emulator answered that a live service would bill: generations and
    embeddings (not Files API calls)."""
    return sum(emu.stats.requests[route] for route in ("interactions", "generate_content", "embed"))


def scene_folder(
    folder: Path, n: int, *, seed: int = 100, size: tuple[int, int] = (96, 72)
) -> list[Scene]:
    """``n`` small scenes written as PNG files into ``folder``, in name order."""
    scenes = [make_scene(*size, objects=1 + i % 3, seed=seed + i) for i in range(n)]
    for i, scene in enumerate(scenes):
        (folder / f"scene_{i:04d}.png").write_bytes(scene.data)
    return scenes
