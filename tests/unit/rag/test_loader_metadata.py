"""The loader's documents go into any vector store: flat metadata, a content template."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.loaders import GeminiImageLoader

from .conftest import scene_folder


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
    scenes = scene_folder(tmp_path, 4)
    nested = GeminiImageLoader(tmp_path, client=client, detect=True).load()
    assert store_refusal(nested[0].metadata) is not None  # the defect: dicts inside
    flat = GeminiImageLoader(tmp_path, client=client, detect=True, metadata_format="flat").load()
    for doc, scene in zip(flat, scenes, strict=True):
        assert store_refusal(doc.metadata) is None, doc.metadata
        assert doc.metadata["labels"] == sorted({o.label for o in scene.objects})


def test_an_unknown_metadata_format_is_refused(client: GeminiVisionClient) -> None:
    with pytest.raises(ValueError, match="metadata_format"):
        GeminiImageLoader([], client=client, metadata_format="flattened")  # type: ignore[arg-type]
