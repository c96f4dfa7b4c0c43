"""GeminiImageLoader: documents, metadata, bounded streaming, failures."""

from __future__ import annotations

import asyncio
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from langchain_core.documents import Document

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.errors import GeminiVisionError
from langchain_gemini_vision.loaders import GeminiImageLoader
from langchain_gemini_vision.results import Caption
from langchain_gemini_vision.testing import GeminiEmulator, Scene, make_scene


def _folder(tmp_path: Path, n: int) -> list[Scene]:
    scenes = [make_scene(200, 150, objects=1 + i % 4, seed=40 + i) for i in range(n)]
    for i, scene in enumerate(scenes):
        (tmp_path / f"scene_{i:02d}.png").write_bytes(scene.data)
    (tmp_path / "notes.txt").write_text("not an image")
    return scenes


def test_folder_becomes_captioned_documents_with_metadata(
    client: GeminiVisionClient, tmp_path: Path
) -> None:
    scenes = _folder(tmp_path, 3)
    docs = GeminiImageLoader(tmp_path, client=client, detect=True).load()
    assert [Path(d.metadata["source"]).name for d in docs] == [
        f"scene_{i:02d}.png" for i in range(3)
    ]
    for doc, scene in zip(docs, scenes, strict=True):
        for obj in scene.objects:
            assert obj.label in doc.page_content
        meta = doc.metadata
        assert meta["labels"] == sorted({o.label for o in scene.objects})
        assert sorted(o["label"] for o in meta["objects"]) == sorted(o.label for o in scene.objects)
        assert all(len(o["box"]) == 4 for o in meta["objects"])
        assert (meta["width"], meta["height"]) == (200, 150)
        assert len(meta["sha256"]) == 64
        assert meta["mime_type"] == "image/png"
        assert meta["model"] == client.model
        assert meta["usage"]["total_tokens"] > 0
        assert "error" not in meta


def test_glob_and_list_sources(client: GeminiVisionClient, tmp_path: Path, scene: Scene) -> None:
    _folder(tmp_path, 3)
    docs = GeminiImageLoader(tmp_path, glob="scene_01.*", client=client).load()
    assert len(docs) == 1
    assert "labels" not in docs[0].metadata
    mixed = GeminiImageLoader([scene.data, tmp_path / "scene_00.png"], client=client).load()
    assert [d.metadata["source"] for d in mixed] == ["<bytes #0>", str(tmp_path / "scene_00.png")]


async def test_async_load_matches_sync(client: GeminiVisionClient, tmp_path: Path) -> None:
    _folder(tmp_path, 4)
    loader = GeminiImageLoader(tmp_path, client=client, detect=True)
    sync = loader.load()
    asyn = [doc async for doc in loader.alazy_load()]
    assert [d.page_content for d in asyn] == [d.page_content for d in sync]
    assert [d.metadata["labels"] for d in asyn] == [d.metadata["labels"] for d in sync]


def _count_in_flight(client: GeminiVisionClient, delay: float) -> dict[str, int]:
    stats = {"now": 0, "peak": 0}
    lock = threading.Lock()
    caption, acaption = client.caption, client.acaption

    def track(step: int) -> None:
        with lock:
            stats["now"] += step
            stats["peak"] = max(stats["peak"], stats["now"])

    def slow(image: Any, **kw: Any) -> Caption:
        track(1)
        try:
            time.sleep(delay)
            return caption(image, **kw)
        finally:
            track(-1)

    async def aslow(image: Any, **kw: Any) -> Caption:
        track(1)
        try:
            await asyncio.sleep(delay)
            return await acaption(image, **kw)
        finally:
            track(-1)

    client.caption = slow  # type: ignore[method-assign]
    client.acaption = aslow  # type: ignore[method-assign]
    return stats


def test_lazy_load_keeps_max_concurrency_in_flight_and_streams(emu: GeminiEmulator) -> None:
    client = GeminiVisionClient(api_key="k", base_url=emu.base_url)
    stats = _count_in_flight(client, 0.05)
    pulled: list[int] = []

    def sources() -> Any:
        for i in range(12):
            pulled.append(i)
            yield make_scene(120, 90, objects=1, seed=i).data

    loader = GeminiImageLoader(sources(), client=client, max_concurrency=3)
    stream = loader.lazy_load()
    first = next(stream)
    assert first.page_content
    assert len(pulled) <= 4  # the source is read lazily: a window of 3, plus the next
    rest = list(stream)
    assert len(rest) == 11
    assert stats["peak"] == 3


async def test_alazy_load_keeps_max_concurrency_in_flight(emu: GeminiEmulator) -> None:
    client = GeminiVisionClient(api_key="k", base_url=emu.base_url, max_concurrency=2)
    stats = _count_in_flight(client, 0.05)
    images = [make_scene(120, 90, objects=2, seed=i).data for i in range(8)]
    docs = [doc async for doc in GeminiImageLoader(images, client=client).alazy_load()]
    assert len(docs) == 8
    assert stats["peak"] == 2  # the client's max_concurrency by default


def _sources_with_failures(scene: Scene) -> list[Any]:
    return [scene.data, b"not an image", "ftp://example.com/a.png", scene.data]


def test_on_error_raise_loads_the_rest_then_raises_a_summary(
    client: GeminiVisionClient, scene: Scene
) -> None:
    loader = GeminiImageLoader(_sources_with_failures(scene), client=client)
    got: list[Document] = []
    with pytest.raises(
        GeminiVisionError, match=r"2 of 4 image\(s\) failed to load: <bytes #1>: .*ftp://"
    ):
        got.extend(loader.lazy_load())
    assert len(got) == 2
    assert [f.source for f in loader.failures] == ["<bytes #1>", "ftp://example.com/a.png"]


def test_on_error_skip_and_include(client: GeminiVisionClient, scene: Scene) -> None:
    skipped = GeminiImageLoader(_sources_with_failures(scene), client=client, on_error="skip")
    assert len(skipped.load()) == 2
    assert len(skipped.failures) == 2
    included = GeminiImageLoader(
        _sources_with_failures(scene), client=client, on_error="include"
    ).load()
    assert len(included) == 4
    assert [("error" in d.metadata) for d in included] == [False, True, True, False]
    assert included[1].page_content == ""
    assert "ImageInputError" in included[1].metadata["error"]


async def test_async_failures_are_reported_too(client: GeminiVisionClient, scene: Scene) -> None:
    loader = GeminiImageLoader(_sources_with_failures(scene), client=client)
    with pytest.raises(GeminiVisionError, match="2 of 4 image"):
        [doc async for doc in loader.alazy_load()]
    assert len(loader.failures) == 2


def test_client_is_built_from_settings(emu: GeminiEmulator, scene: Scene) -> None:
    loader = GeminiImageLoader(
        [scene.data], api_key="k", base_url=emu.base_url, model="gemini-2.5-flash"
    )
    assert loader.client is loader.client
    assert loader.client.model == "gemini-2.5-flash"
    assert loader.load()[0].metadata["model"] == "gemini-2.5-flash"
    with pytest.raises(ValueError, match="on_error"):
        GeminiImageLoader([], on_error="ignore")  # type: ignore[arg-type]
