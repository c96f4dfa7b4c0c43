"""`GeminiEmbeddings`: texts and images in one vector space, as a LangChain ``Embeddings``.

Gemini's multimodal embedding model (``gemini-embedding-2``) maps a text and an
image to comparable vectors, so a question in words finds the pictures that show it.
``embed_documents``/``embed_query`` embed texts (a vector store calls them);
``embed_images`` embeds any image input the package accepts (paths inside
``allowed_dirs``, bytes, PIL images, URLs, ``PreparedImage``). Sync and async alike:

* batched: ``batch_size`` inputs per ``batchEmbedContents`` request (100 at most, the
  API's bound), fewer when their images would pass the inline budget;
* through the client: its transport (lean or SDK, the same bytes), retries,
  concurrency bound (batches run ``max_concurrency`` at a time), usage totals, and the
  Files API for an image over the inline budget.

:meth:`GeminiEmbeddings.for_stored_images` gives the view a vector store needs to index
images by id (the multi-vector pattern, see :mod:`.retrievers`): its documents are ids
in a ``BaseStore`` of image bytes, its queries are text.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from langchain_core.embeddings import Embeddings
from langchain_core.stores import BaseStore
from pydantic import Field

from langchain_gemini_vision._client_owner import ClientOwner
from langchain_gemini_vision._transport.base import ImagePart
from langchain_gemini_vision._transport.embeddings import (
    EmbeddingTaskType,
    EmbedRequest,
)
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.errors import GeminiVisionError, ImageInputError
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.settings import LocalFilesField

__all__ = ["DEFAULT_EMBEDDING_MODEL", "GeminiEmbeddings", "StoredImageEmbeddings"]

DEFAULT_EMBEDDING_MODEL = "gemini-embedding-2"
_MAX_BATCH = 100  # batchEmbedContents takes at most 100 requests


class GeminiEmbeddings(LocalFilesField, ClientOwner, Embeddings):
    """Gemini embeddings for texts and images (see the module docstring).

    Takes every client setting by name (``api_key=``, ``base_url=``, ``retry=``,
    ``max_concurrency=``, ``allowed_dirs=``...) or ``client=``; the embedding's own:

    Args:
        embedding_model: The embedding model (``gemini-embedding-2`` embeds images too).
        output_dimensionality: Vector length (128-3072 for ``gemini-embedding-2``);
            ``None``: the model's full length.
        document_task_type: Task type sent with documents and images.
        query_task_type: Task type sent with queries.
        batch_size: Inputs per request (1-100).
    """

    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    output_dimensionality: int | None = Field(default=None, ge=1, le=3072)
    document_task_type: EmbeddingTaskType | None = "RETRIEVAL_DOCUMENT"
    query_task_type: EmbeddingTaskType | None = "RETRIEVAL_QUERY"
    batch_size: int = Field(default=_MAX_BATCH, ge=1, le=_MAX_BATCH)

    # ------------------------------------------------------------------ texts

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, embedded as documents."""
        return self._embed(_texts(texts), self.document_task_type)

    def embed_query(self, text: str) -> list[float]:
        """The vector of a query."""
        return self._embed(_texts([text]), self.query_task_type)[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async :meth:`embed_documents`."""
        return await self._aembed(_texts(texts), self.document_task_type)

    async def aembed_query(self, text: str) -> list[float]:
        """Async :meth:`embed_query`."""
        return (await self._aembed(_texts([text]), self.query_task_type))[0]

    # ------------------------------------------------------------------ images

    def embed_images(self, images: Sequence[Any]) -> list[list[float]]:
        """One vector per image, in the texts' space (any image input the package accepts).

        Raises:
            ImageInputError: An image that cannot be read (outside ``allowed_dirs``,
                not an image...), before anything is sent.
        """
        client = self.get_client()
        parts = [client.embedding_part(client.prepare(image)) for image in _images(images)]
        return self._embed(parts, self.document_task_type)

    async def aembed_images(self, images: Sequence[Any]) -> list[list[float]]:
        """Async :meth:`embed_images`."""
        client = self.get_client()
        parts = [
            await client.aembedding_part(await client.aprepare(image)) for image in _images(images)
        ]
        return await self._aembed(parts, self.document_task_type)

    def for_stored_images(self, store: BaseStore[str, bytes]) -> StoredImageEmbeddings:
        """The ``Embeddings`` a vector store indexes images with: documents are image ids
        in ``store``, embedded from their bytes; queries are text."""
        return StoredImageEmbeddings(self, store)

    # ------------------------------------------------------------------ the calls

    def _requests(
        self, client: GeminiVisionClient, items: Sequence[str | ImagePart], task: str | None
    ) -> list[EmbedRequest]:
        """``items`` cut into requests: ``batch_size`` at most, inline images within budget."""
        budget = client.inline_limit_bytes or client.profile.inline_limit_bytes
        requests: list[EmbedRequest] = []
        batch: list[str | ImagePart] = []
        size = 0
        for item in items:
            weight = len(item) if isinstance(item, str) else len(item.data_base64 or "")
            if batch and (len(batch) >= self.batch_size or size + weight > budget):
                requests.append(self._request(batch, task))
                batch, size = [], 0
            batch.append(item)
            size += weight
        if batch:
            requests.append(self._request(batch, task))
        return requests

    def _request(self, items: list[str | ImagePart], task: str | None) -> EmbedRequest:
        return EmbedRequest(
            model=self.embedding_model,
            items=tuple(items),
            task_type=task,
            output_dimensionality=self.output_dimensionality,
        )

    def _embed(self, items: Sequence[str | ImagePart], task: str | None) -> list[list[float]]:
        if not items:
            return []
        client = self.get_client()
        done = client.map(client.embed, self._requests(client, items, task))
        return _vectors(done)

    async def _aembed(
        self, items: Sequence[str | ImagePart], task: str | None
    ) -> list[list[float]]:
        if not items:
            return []
        client = self.get_client()
        done = await client.amap(client.aembed, self._requests(client, items, task))
        return _vectors(done)


class StoredImageEmbeddings(Embeddings):
    """Documents are ids of images in a ``BaseStore`` (embedded from the stored bytes);
    queries are text. Made by :meth:`GeminiEmbeddings.for_stored_images`."""

    def __init__(self, embeddings: GeminiEmbeddings, store: BaseStore[str, bytes]) -> None:
        self.embeddings = embeddings
        self.store = store

    def _images(self, ids: list[str]) -> list[bytes]:
        found = self.store.mget(ids)
        missing = [i for i, data in zip(ids, found, strict=True) if data is None]
        if missing:
            raise ImageInputError(
                ", ".join(missing[:5]),
                "not_found",
                f"{len(missing)} image id(s) are not in the image store: put the images "
                "in the store (store.mset) before indexing their ids",
            )
        return [data for data in found if data is not None]

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """The vectors of the stored images whose ids are ``texts``."""
        return self.embeddings.embed_images(self._images(texts))

    def embed_query(self, text: str) -> list[float]:
        """A text query's vector (the images' space)."""
        return self.embeddings.embed_query(text)

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async :meth:`embed_documents` (the store is read synchronously)."""
        return await self.embeddings.aembed_images(self._images(texts))

    async def aembed_query(self, text: str) -> list[float]:
        """Async :meth:`embed_query`."""
        return await self.embeddings.aembed_query(text)


def _texts(texts: Sequence[str]) -> list[str | ImagePart]:
    if isinstance(texts, str) or not all(isinstance(t, str) for t in texts):
        msg = "embed_documents takes a list of strings (embed images with embed_images)"
        raise TypeError(msg)
    return list(texts)


def _images(images: Sequence[Any]) -> list[Any]:
    if isinstance(images, (str, bytes, bytearray, PreparedImage)) or not isinstance(
        images, Sequence
    ):
        msg = "embed_images takes a list of images (one image: embed_images([image]))"
        raise TypeError(msg)
    return list(images)


def _vectors(done: list[Any]) -> list[list[float]]:
    """Every request's vectors in order; the first failure raises (none is half-used)."""
    for outcome in done:
        if isinstance(outcome, GeminiVisionError):
            raise outcome
    return [list(vector) for response in done for vector in response.vectors]
