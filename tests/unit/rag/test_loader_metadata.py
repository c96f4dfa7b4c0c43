"""The loader's documents go into any vector store: flat metadata, a content template."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.errors import ConfigurationError
from langchain_gemini_vision.loaders import GeminiImageLoader
from langchain_gemini_vision.testing import GeminiEmulator

from .conftest import paid, scene_folder


def store_refusal(metadata: dict[str, Any]) -> str | None:
    """Why the strictest of the common vector stores would refuse ``metadata``, or ``None``.

    Their rules meet here: Chroma takes str, int, float, bool and non-empty lists of one
    of them (no nested dicts); Pinecone takes strings, numbers, booleans and lists of
    strings, never null; Qdrant takes any JSON but filters only on flat keys.
    """
    for key, value in metadata.items():
        if value is None:
            return f"{key}: null"
        if isinstance(value, list):
            if not value:
                return f"{key}: an empty list"
            if not all(isinstance(item, str) for item in value):
                return f"{key}: a list of something other than strings"
        elif not isinstance(value, (str, int, float, bool)):
            return f"{key}: a {type(value).__name__}"
    return None


def test_nested_metadata_is_refused_and_flat_metadata_is_accepted_by_vector_stores(
    client: GeminiVisionClient, tmp_path: Path
) -> None:
    scene_folder(tmp_path, 4)
    nested = GeminiImageLoader(tmp_path, client=client, detect=True).load()
    assert store_refusal(nested[0].metadata) is not None  # the defect: dicts inside
    flat = GeminiImageLoader(tmp_path, client=client, detect=True, metadata_format="flat").load()
    assert len(flat) == 4
    for doc, full in zip(flat, nested, strict=True):
        assert store_refusal(doc.metadata) is None, doc.metadata
        assert doc.page_content == full.page_content
        # Nothing lost: every value is there, flattened.
        assert doc.metadata.get("labels", []) == full.metadata["labels"]
        assert doc.metadata["object_count"] == len(full.metadata["objects"])
        assert json.loads(doc.metadata.get("objects", "[]")) == full.metadata["objects"]
        for name, value in full.metadata["usage"].items():
            assert doc.metadata[f"usage_{name}"] == value
        for name in ("source", "sha256", "mime_type", "width", "height", "model"):
            assert doc.metadata[name] == full.metadata[name]


def test_an_unknown_metadata_format_is_refused(client: GeminiVisionClient) -> None:
    with pytest.raises(ValueError, match="metadata_format"):
        GeminiImageLoader([], client=client, metadata_format="flattened")  # type: ignore[arg-type]


def test_flat_metadata_keeps_scalars_flattens_dicts_and_writes_records_as_json() -> None:
    from langchain_gemini_vision._loader_content import flat_metadata

    flat = flat_metadata(
        {
            "a": 1,
            "b": None,
            "c": [],
            "d": {"x": 1, "y": {"z": "deep"}, "n": None},
            "e": [1, 2],
            "f": [{"label": "cat"}],
            "g": [1, "mixed"],
            "h": True,
        }
    )
    assert flat == {
        "a": 1,
        "d_x": 1,
        "d_y_z": "deep",
        "e": [1, 2],
        "f": '[{"label": "cat"}]',
        "g": '[1, "mixed"]',
        "h": True,
    }


def test_page_content_follows_the_template_and_read_text_reads_the_visible_text(
    emu: GeminiEmulator, client: GeminiVisionClient, tmp_path: Path
) -> None:
    from langchain_gemini_vision._loader_content import READ_TEXT_QUESTION, VisibleText

    scene_folder(tmp_path, 3)
    loader = GeminiImageLoader(
        tmp_path,
        client=client,
        detect=True,
        read_text=True,
        page_content_template="{caption}\nObjects: {labels}\nText: {text}\n({source})",
        metadata_format="flat",
    )
    docs = loader.load()
    assert paid(emu) == 9  # caption, detection and reading, per image
    for doc in docs:
        path = doc.metadata["source"]
        caption = client.caption(path).text
        read = client.ask(path, READ_TEXT_QUESTION, schema=VisibleText)
        assert isinstance(read.data, VisibleText)
        assert doc.metadata["text"] == read.data.text == ""  # the scenes hold shapes, no glyphs
        labels = ", ".join(doc.metadata.get("labels", []))
        assert doc.page_content == f"{caption}\nObjects: {labels}\nText: {read.data.text}\n({path})"
    again = asyncio.run(loader.aload())
    assert [d.page_content for d in again] == [d.page_content for d in docs]
    assert [d.metadata["text"] for d in again] == [d.metadata["text"] for d in docs]


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"page_content_template": "{caption} {colour}"}, "colour"),
        ({"page_content_template": "{caption.upper}"}, "caption.upper"),
        ({"page_content_template": "{}"}, "fields are"),
        ({"page_content_template": "{caption"}, "not a str.format template"),
        ({"page_content_template": "{labels}"}, "detect=True"),
        ({"page_content_template": "{text}"}, "read_text=True"),
    ],
)
def test_a_template_the_loader_cannot_fill_is_refused_at_construction(
    client: GeminiVisionClient, fields: dict[str, Any], message: str
) -> None:
    with pytest.raises(ValueError, match=re.escape(message)):
        GeminiImageLoader([], client=client, **fields)


def test_read_text_is_refused_with_batch_jobs(client: GeminiVisionClient, tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="read_text"):
        GeminiImageLoader([], client=client, read_text=True, batch_dir=tmp_path)


def test_the_progress_bar_counts_the_images(
    client: GeminiVisionClient, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scene_folder(tmp_path, 3)
    GeminiImageLoader(tmp_path, client=client).load()
    assert "loading images" not in capsys.readouterr().err  # off by default
    docs = GeminiImageLoader(tmp_path, client=client, show_progress=True).load()
    captured = capsys.readouterr()
    assert len(docs) == 3
    assert "loading images" in captured.err and "3/3" in captured.err
    assert captured.out == ""
