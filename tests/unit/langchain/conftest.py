"""Fixtures for the LangChain surface: one emulator per module, scenes with ground truth."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.image_store import ImageStore
from langchain_gemini_vision.testing import GeminiEmulator, Scene, make_scene


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    """A local Gemini emulator shared by a test module (reset between tests)."""
    with GeminiEmulator() as emu:
        yield emu


@pytest.fixture
def emu(emulator: GeminiEmulator) -> GeminiEmulator:
    """The module's emulator with no faults left over from another test."""
    emulator.faults.clear()
    emulator.stats.reset()
    return emulator


@pytest.fixture
def settings(emu: GeminiEmulator) -> dict[str, str]:
    """Runnable/tool settings pointing at the emulator."""
    return {"api_key": "test-key", "base_url": emu.base_url}


@pytest.fixture
def client(emu: GeminiEmulator) -> Iterator[GeminiVisionClient]:
    """A client on the emulator."""
    with GeminiVisionClient(api_key="test-key", base_url=emu.base_url) as c:
        yield c


@pytest.fixture(scope="session")
def scene() -> Scene:
    """A 320x240 scene with three objects."""
    return make_scene(320, 240, objects=3, seed=1)


@pytest.fixture(scope="session")
def scene5() -> Scene:
    """A 400x300 scene with five objects."""
    return make_scene(400, 300, objects=5, seed=7)


@pytest.fixture
def store(scene: Scene, scene5: Scene) -> ImageStore:
    """A store with the two scenes as ``img_1`` and ``img_2``."""
    s = ImageStore()
    s.add(scene.data)
    s.add(scene5.data)
    return s
