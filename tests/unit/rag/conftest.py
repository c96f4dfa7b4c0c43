"""Fixtures for RAG over images: the LangChain tests' emulator and client, scene folders."""

from __future__ import annotations

from pathlib import Path

from langchain_gemini_vision.testing import GeminiEmulator, Scene, make_scene
from tests.unit.langchain.conftest import client, emu, emulator

__all__ = ["client", "emu", "emulator", "paid", "scene_folder"]


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
