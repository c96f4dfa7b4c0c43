"""Embedding requests: the body google-genai sends for ``models.embed_content``, and its answer.

On the Gemini Developer API the SDK always calls ``models/{model}:batchEmbedContents``
(``models._EmbedContentParametersPrivate_to_mldev``): one entry of ``requests`` per
content, each carrying the config's ``taskType`` / ``outputDimensionality`` and the
model's full name. A multimodal model (``gemini-embedding-2``) merges a *list of
strings* into one content (``t_contents``), so the package always sends one
``Content`` per input: one vector per text or image, as LangChain's ``Embeddings``
promise. Parts are dumped as the SDK dumps ``types.Content`` (snake_case keys,
URL-safe base64), so the lean transport's bytes equal the SDK's
(``tests/unit/transport/test_embedding_bodies.py``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from langchain_gemini_vision.errors import GeminiVisionConnectionError
from langchain_gemini_vision.usage import Usage

from .base import ImagePart
from .payloads import generate_content_mime_type, url_safe_base64

__all__ = [
    "EmbedRequest",
    "EmbedResponse",
    "EmbeddingTaskType",
    "batch_embed_body",
    "embed_model_path",
    "read_embeddings",
]

EmbeddingTaskType = Literal[
    "RETRIEVAL_QUERY",
    "RETRIEVAL_DOCUMENT",
    "SEMANTIC_SIMILARITY",
    "CLASSIFICATION",
    "CLUSTERING",
    "QUESTION_ANSWERING",
    "FACT_VERIFICATION",
    "CODE_RETRIEVAL_QUERY",
]
"""The API's ``TaskType`` values (google-genai types it as a free string)."""


class EmbedRequest(BaseModel):
    """Inputs to embed, each to its own vector: texts, or images resolved for the wire."""

    model_config = ConfigDict(frozen=True)

    model: str
    items: tuple[str | ImagePart, ...]
    task_type: EmbeddingTaskType | None = None
    output_dimensionality: int | None = None


class EmbedResponse(BaseModel):
    """One vector per input, in order, and what the call cost when the API says."""

    model_config = ConfigDict(frozen=True)

    vectors: tuple[tuple[float, ...], ...]
    usage: Usage = Usage()


def embed_model_path(model: str) -> str:
    """``models/<name>``, as ``t_model`` writes it (a full name is kept)."""
    return model if model.startswith(("models/", "tunedModels/")) else f"models/{model}"


def _part(item: str | ImagePart) -> dict[str, Any]:
    if isinstance(item, str):
        return {"text": item}
    if item.uri is not None:
        file_data: dict[str, Any] = {"file_uri": item.uri}
        mime_type = generate_content_mime_type(item)
        if mime_type is not None:
            file_data["mime_type"] = mime_type
        return {"file_data": file_data}
    data = url_safe_base64(item.data_base64 or "")
    return {"inline_data": {"data": data, "mime_type": item.mime_type}}


def batch_embed_body(request: EmbedRequest) -> dict[str, Any]:
    """The exact JSON ``client.models.embed_content`` sends for these inputs."""
    model = embed_model_path(request.model)
    entries: list[dict[str, Any]] = []
    for item in request.items:
        entry: dict[str, Any] = {"content": {"parts": [_part(item)]}}
        # Key order of models._EmbedContentConfig_to_mldev, then the model.
        if request.task_type is not None:
            entry["taskType"] = request.task_type
        if request.output_dimensionality is not None:
            entry["outputDimensionality"] = request.output_dimensionality
        entry["model"] = model
        entries.append(entry)
    return {"requests": entries}


def read_embeddings(data: Mapping[str, Any], expected: int) -> EmbedResponse:
    """The vectors of a ``batchEmbedContents`` answer; a short or malformed one raises.

    Raises:
        GeminiVisionConnectionError: The answer does not hold ``expected`` lists of numbers
            (a cut or garbled reply: retried like any transport failure).
    """
    embeddings = data.get("embeddings")
    vectors: list[tuple[float, ...]] = []
    if isinstance(embeddings, Sequence):
        for entry in embeddings:
            values = entry.get("values") if isinstance(entry, Mapping) else None
            if not isinstance(values, Sequence) or not all(
                isinstance(v, (int, float)) and not isinstance(v, bool) for v in values
            ):
                break
            vectors.append(tuple(float(v) for v in values))
    if len(vectors) != expected or any(not v for v in vectors):
        msg = f"the embedding answer holds {len(vectors)} usable vectors for {expected} inputs"
        raise GeminiVisionConnectionError(msg)
    meta = data.get("usageMetadata") or data.get("usage_metadata") or {}
    tokens = meta.get("promptTokenCount") or meta.get("prompt_token_count") or 0
    usage = Usage(input_tokens=int(tokens), total_tokens=int(tokens)) if tokens else Usage()
    return EmbedResponse(vectors=tuple(vectors), usage=usage)
