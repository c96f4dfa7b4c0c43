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
  Files API for an image over the inline budget;
* cached when ``cache`` is a ``BaseStore``: an input embedded before (the same text or
  image bytes, model, task type and length) is read back, not paid again, and an
  image found there is not uploaded either.

:meth:`GeminiEmbeddings.for_stored_images` gives the view a vector store needs to index
images by id (the multi-vector pattern, see :mod:`.retrievers`): its documents are ids
in a ``BaseStore`` of image bytes, its queries are text.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, ClassVar, cast

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
from langchain_gemini_vision.errors import ConfigurationError, GeminiVisionError, ImageInputError
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.settings import GeminiVisionSettings, LocalFilesField

__all__ = ["DEFAULT_EMBEDDING_MODEL", "GeminiEmbeddings", "StoredImageEmbeddings"]

DEFAULT_EMBEDDING_MODEL = "gemini-embedding-2"
_CACHE_VERSION = 1  # part of every cache key: a change of encoding misses old entries
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
        cache: The client setting ``cache`` (any ``BaseStore[str, bytes]``) keeps the
            vectors already paid for too, keyed on the text or the image's SHA-256, the
            model, the task type and ``output_dimensionality``: an input embedded before is
            never paid again (on a client given with ``client=``, that client's cache).
    """

    embedding_model: str = DEFAULT_EMBEDDING_MODEL
    output_dimensionality: int | None = Field(default=None, ge=1, le=3072)
    document_task_type: EmbeddingTaskType | None = "RETRIEVAL_DOCUMENT"
    query_task_type: EmbeddingTaskType | None = "RETRIEVAL_QUERY"
    batch_size: int = Field(default=_MAX_BATCH, ge=1, le=_MAX_BATCH)
    _generation_only: ClassVar[frozenset[str]] = frozenset(
        {"model", "api", "media_resolution", "mask_threshold", "prompts"}
        | {"max_detection_items", "max_mask_bytes"}
    )
    """Client settings that shape generation and answers, never an embedding: refused."""

    def __init__(self, **data: Any) -> None:
        self._refuse_generation_settings(data)
        super().__init__(**data)

    def __setattr__(self, name: str, value: Any) -> None:
        self._refuse_generation_settings({name: value})
        super().__setattr__(name, value)

    @classmethod
    def _refuse_generation_settings(cls, data: dict[str, Any]) -> None:
        fields = GeminiVisionSettings.model_fields
        given = sorted(
            name
            for name in cls._generation_only & set(data)
            if data[name] != fields[name].get_default(call_default_factory=True)
        )
        if given:
            msg = (
                f"GeminiEmbeddings: {', '.join(given)} shape(s) generated answers, not "
                "embeddings, and would have no effect; the embedding model is "
                "embedding_model=..."
            )
            raise ConfigurationError(msg)

    # ------------------------------------------------------------------ texts

    def embed_documents(self, texts: list[str]) -> list[list[float]]:
        """One vector per text, embedded as documents."""
        return self._cached_texts(_checked_texts(texts), self.document_task_type)

    def embed_query(self, text: str) -> list[float]:
        """The vector of a query."""
        return self._cached_texts(_checked_texts([text]), self.query_task_type)[0]

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async :meth:`embed_documents`."""
        return await self._acached_texts(_checked_texts(texts), self.document_task_type)

    async def aembed_query(self, text: str) -> list[float]:
        """Async :meth:`embed_query`."""
        return (await self._acached_texts(_checked_texts([text]), self.query_task_type))[0]

    # ------------------------------------------------------------------ images

    def embed_images(self, images: Sequence[Any]) -> list[list[float]]:
        """One vector per image, in the texts' space (any image input the package accepts).

        Raises:
            ImageInputError: An image that cannot be read (outside ``allowed_dirs``,
                not an image...), before anything is sent.
        """
        client = self.get_client()
        prepared = [client.prepare(image) for image in _images(images)]
        task = self.document_task_type

        def pay(missing: list[int]) -> list[list[float]]:
            # Only images not in the cache are uploaded (when over the budget) and sent.
            return self._embed([client.embedding_part(prepared[i]) for i in missing], task)

        return self._through_cache([_identity(image) for image in prepared], task, pay)

    async def aembed_images(self, images: Sequence[Any]) -> list[list[float]]:
        """Async :meth:`embed_images`."""
        client = self.get_client()
        prepared = [await client.aprepare(image) for image in _images(images)]
        task = self.document_task_type

        async def pay(missing: list[int]) -> list[list[float]]:
            parts = [await client.aembedding_part(prepared[i]) for i in missing]
            return await self._aembed(parts, task)

        return await self._athrough_cache([_identity(image) for image in prepared], task, pay)

    def for_stored_images(self, store: BaseStore[str, bytes]) -> StoredImageEmbeddings:
        """The ``Embeddings`` a vector store indexes images with: documents are image ids
        in ``store``, embedded from their bytes; queries are text."""
        return StoredImageEmbeddings(self, store)

    # ------------------------------------------------------------------ the cache

    def _cached_texts(self, texts: list[str], task: str | None) -> list[list[float]]:
        def pay(missing: list[int]) -> list[list[float]]:
            return self._embed([texts[i] for i in missing], task)

        return self._through_cache([f"text:{text}" for text in texts], task, pay)

    async def _acached_texts(self, texts: list[str], task: str | None) -> list[list[float]]:
        async def pay(missing: list[int]) -> list[list[float]]:
            return await self._aembed([texts[i] for i in missing], task)

        return await self._athrough_cache([f"text:{text}" for text in texts], task, pay)

    def _through_cache(
        self,
        identities: list[str],
        task: str | None,
        pay: Callable[[list[int]], list[list[float]]],
    ) -> list[list[float]]:
        """The vectors of ``identities``: the cached ones read, the others paid (``pay``
        gets their indices) and cached."""
        keys = self._keys(identities, task)
        store = self._store()
        found = self._hits(keys, store.mget(keys) if store is not None else None)
        missing = [i for i, vector in enumerate(found) if vector is None]
        paid = self._fill(keys, found, missing, pay(missing) if missing else [])
        if store is not None and paid:
            store.mset(paid)
        return cast("list[list[float]]", found)

    async def _athrough_cache(
        self,
        identities: list[str],
        task: str | None,
        pay: Callable[[list[int]], Awaitable[list[list[float]]]],
    ) -> list[list[float]]:
        """Async :meth:`_through_cache`."""
        keys = self._keys(identities, task)
        store = self._store()
        found = self._hits(keys, await store.amget(keys) if store is not None else None)
        missing = [i for i, vector in enumerate(found) if vector is None]
        paid = self._fill(keys, found, missing, await pay(missing) if missing else [])
        if store is not None and paid:
            await store.amset(paid)
        return cast("list[list[float]]", found)

    def _store(self) -> BaseStore[str, bytes] | None:
        # The client's result cache holds vectors beside answers: their keys never meet.
        return self.get_client().settings.cache

    def _keys(self, identities: list[str], task: str | None) -> list[str]:
        """What a vector depends on: the input, the model, the task type and the length."""
        settings = [_CACHE_VERSION, self.embedding_model, task, self.output_dimensionality]
        return [
            "embedding:" + hashlib.sha256(json.dumps([*settings, i]).encode()).hexdigest()
            for i in identities
        ]

    def _hits(
        self, keys: list[str], stored: Sequence[bytes | None] | None
    ) -> list[list[float] | None]:
        """The cached vectors; a missing, cut or foreign entry is a miss, never an error."""
        if stored is None:
            return [None] * len(keys)
        return [_vector_of(data, self.output_dimensionality) for data in stored]

    @staticmethod
    def _fill(
        keys: list[str],
        found: list[list[float] | None],
        missing: list[int],
        vectors: list[list[float]],
    ) -> list[tuple[str, bytes]]:
        """Put the paid ``vectors`` in their places; the entries to cache."""
        for index, vector in zip(missing, vectors, strict=True):
            found[index] = vector
        return [(keys[i], array("d", vectors[n]).tobytes()) for n, i in enumerate(missing)]

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

    @staticmethod
    def _found(ids: list[str], found: Sequence[bytes | None]) -> list[bytes]:
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
        return self.embeddings.embed_images(self._found(texts, self.store.mget(texts)))

    def embed_query(self, text: str) -> list[float]:
        """A text query's vector (the images' space)."""
        return self.embeddings.embed_query(text)

    async def aembed_documents(self, texts: list[str]) -> list[list[float]]:
        """Async :meth:`embed_documents`."""
        found = self._found(texts, await self.store.amget(texts))
        return await self.embeddings.aembed_images(found)

    async def aembed_query(self, text: str) -> list[float]:
        """Async :meth:`embed_query`."""
        return await self.embeddings.aembed_query(text)


def _identity(image: PreparedImage) -> str:
    """What an image is, for the cache: its bytes' digest, or the reference sent as is."""
    if image.sha256 is not None:
        return f"image:{image.sha256}"
    return f"ref:{image.uri or image.file_name}"


def _vector_of(data: bytes | None, length: int | None) -> list[float] | None:
    if not data or len(data) % 8 or (length is not None and len(data) != 8 * length):
        return None
    vector = array("d")
    vector.frombytes(data)
    return vector.tolist()


def _checked_texts(texts: Sequence[str]) -> list[str]:
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
