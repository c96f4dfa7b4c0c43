"""The loader keeps what it paid for (issue 15, items 14 and 15).

Batch-jobs mode: one bad source obeys ``on_error`` instead of sinking the whole load
before anything is submitted, and every failure lands in ``loader.failures``.
Interactive mode: with the default ``on_error="raise"``, the error carries the documents
made before it, so a corrupt image among 45 good ones loses nothing that was paid for.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from langchain_core.documents import Document

from langchain_gemini_vision import errors
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.errors import GeminiVisionError, ImageInputError
from langchain_gemini_vision.loaders import GeminiImageLoader
from langchain_gemini_vision.testing import GeminiEmulator, make_scene
from langchain_gemini_vision.testing.batches import batches_of

UNREACHABLE = "https://unreachable.invalid/photo.png"


def _folder(tmp_path: Path, good: int, *, corrupt_at: int) -> list[Path]:
    """``good`` scenes and one corrupt ``.png`` at position ``corrupt_at`` (sorted order)."""
    folder = tmp_path / "photos"
    folder.mkdir()
    paths = []
    for index in range(good + 1):
        path = folder / f"img_{index:03d}.png"
        if index == corrupt_at:
            path.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)  # a PNG cut after its signature
        else:
            path.write_bytes(make_scene(96, 72, objects=1, seed=300 + index).data)
        paths.append(path)
    return paths


def _batch_loader(sources: object, client: GeminiVisionClient, tmp_path: Path, **kw: object):
    return GeminiImageLoader(
        sources,  # type: ignore[arg-type]
        client=client,
        batch_dir=tmp_path / "manifest",
        batch_poll_interval=0.01,
        **kw,  # type: ignore[arg-type]
    )


# ------------------------------------------------------------------ item 14: batch-jobs mode


@pytest.mark.parametrize("on_error", ["skip", "include"])
def test_item14_batch_mode_one_corrupt_file_obeys_on_error_and_the_rest_is_submitted(
    emu: GeminiEmulator, client: GeminiVisionClient, tmp_path: Path, on_error: str
) -> None:
    service = batches_of(emu)
    received = service.items_received
    paths = _folder(tmp_path, 3, corrupt_at=1)
    loader = _batch_loader(paths[0].parent, client, tmp_path, on_error=on_error)
    docs = loader.load()
    assert service.items_received - received == 3  # the good ones went, once each
    assert [f.source for f in loader.failures] == [str(paths[1])]
    assert isinstance(loader.failures[0].error, ImageInputError)
    good = [d for d in docs if "error" not in d.metadata]
    assert [d.metadata["source"] for d in good] == [str(p) for i, p in enumerate(paths) if i != 1]
    assert all(d.page_content for d in good)
    if on_error == "include":
        assert [d.metadata["source"] for d in docs] == [str(p) for p in paths]
        assert docs[1].page_content == "" and "ImageInputError" in docs[1].metadata["error"]
    else:
        assert len(docs) == 3


def test_item14_batch_mode_an_unreachable_url_is_recorded_in_failures(
    client: GeminiVisionClient, tmp_path: Path
) -> None:
    good = tmp_path / "good.png"
    good.write_bytes(make_scene(96, 72, objects=1, seed=5).data)
    loader = _batch_loader([str(good), UNREACHABLE], client, tmp_path, on_error="skip")
    docs = loader.load()
    assert [d.metadata["source"] for d in docs] == [str(good)]
    assert [f.source for f in loader.failures] == [UNREACHABLE]
    assert isinstance(loader.failures[0].error, GeminiVisionError)


def test_item14_batch_mode_default_raise_carries_the_documents(
    client: GeminiVisionClient, tmp_path: Path
) -> None:
    paths = _folder(tmp_path, 3, corrupt_at=2)
    loader = _batch_loader(paths[0].parent, client, tmp_path)
    with pytest.raises(errors.PartialLoadError) as raised:
        loader.load()
    assert [d.metadata["source"] for d in raised.value.documents] == [
        str(p) for i, p in enumerate(paths) if i != 2
    ]
    assert [f.source for f in raised.value.failures] == [str(paths[2])]
    assert loader.failures == raised.value.failures


# ------------------------------------------------------------------ item 15: interactive mode


def test_item15_default_on_error_keeps_the_45_documents_it_paid_for(
    emu: GeminiEmulator, client: GeminiVisionClient, tmp_path: Path
) -> None:
    paths = _folder(tmp_path, 45, corrupt_at=30)
    loader = GeminiImageLoader(paths[0].parent, client=client)
    with pytest.raises(errors.PartialLoadError, match=r"1 of 46 image\(s\) failed") as raised:
        loader.load()
    error = raised.value
    assert isinstance(error, GeminiVisionError)  # still the package's error, as documented
    assert len(error.documents) == 45
    assert all(isinstance(d, Document) and d.page_content for d in error.documents)
    assert [d.metadata["source"] for d in error.documents] == [
        str(p) for i, p in enumerate(paths) if i != 30
    ]
    assert [f.source for f in error.failures] == [str(paths[30])]
    assert error.failures == loader.failures


async def test_item15_default_on_error_async_load_keeps_the_documents(
    client: GeminiVisionClient, tmp_path: Path
) -> None:
    paths = _folder(tmp_path, 5, corrupt_at=0)
    loader = GeminiImageLoader(paths[0].parent, client=client)
    with pytest.raises(errors.PartialLoadError) as raised:
        await loader.aload()
    assert [d.metadata["source"] for d in raised.value.documents] == [str(p) for p in paths[1:]]
    assert len(raised.value.failures) == 1


def test_item15_lazy_load_streams_then_raises_the_listing(
    client: GeminiVisionClient, tmp_path: Path
) -> None:
    paths = _folder(tmp_path, 3, corrupt_at=1)
    loader = GeminiImageLoader(paths[0].parent, client=client)
    got: list[Document] = []
    with pytest.raises(errors.PartialLoadError) as raised:
        got.extend(loader.lazy_load())
    assert len(got) == 3  # every document reached the caller before the error
    assert raised.value.documents == []  # lazy_load hands documents out as it goes
    assert len(raised.value.failures) == 1


def test_item14_batch_mode_a_non_utf8_file_name_does_not_sink_the_batch(
    client: GeminiVisionClient, tmp_path: Path
) -> None:
    import os

    folder = tmp_path / "photos"
    folder.mkdir()
    for index, name in enumerate((b"a.png", b"bad\xff.png")):
        (folder / os.fsdecode(name)).write_bytes(make_scene(96, 72, objects=1, seed=index).data)
    docs = _batch_loader(folder, client, tmp_path).load()
    assert len(docs) == 2 and all(d.page_content for d in docs)
    assert docs[1].metadata["batch_key"] == f"caption:{folder}/bad\\xff.png"
