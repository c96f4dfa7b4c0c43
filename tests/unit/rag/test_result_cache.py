"""The result cache (issue 19 item 4): a second run over unchanged images pays for nothing.

The cache is the client setting ``cache`` (any LangChain ``BaseStore[str, bytes]``:
``InMemoryByteStore``, the package's on-disk ``FileStore``...), so every layer built on
the client has it. Requests are counted at the emulator, never inside the package.
"""

from __future__ import annotations

from pathlib import Path

from langchain_core.stores import InMemoryByteStore

from langchain_gemini_vision.loaders import GeminiImageLoader
from langchain_gemini_vision.testing import GeminiEmulator

from .conftest import paid, scene_folder


def test_a_second_loader_run_over_50_unchanged_images_makes_0_calls_a_new_query_50(
    emu: GeminiEmulator, tmp_path: Path
) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    scene_folder(folder, 50)
    cache = InMemoryByteStore()

    def load(query: str) -> list:
        loader = GeminiImageLoader(
            folder,
            api_key="test-key",
            base_url=emu.base_url,
            cache=cache,
            detect=True,
            detect_query=query,
        )
        return loader.load()

    first = load("every shape")
    assert paid(emu) == 100  # a caption and a detection per image
    emu.stats.reset()
    again = load("every shape")
    assert paid(emu) == 0
    assert [d.page_content for d in again] == [d.page_content for d in first]
    assert [d.metadata["objects"] for d in again] == [d.metadata["objects"] for d in first]
    assert all(d.metadata["usage"]["total_tokens"] == 0 for d in again)
    assert all(d.metadata["usage"]["cached"] for d in again)
    emu.stats.reset()
    load("circles")  # the captions are the same; every detection is a new question
    assert paid(emu) == 50
