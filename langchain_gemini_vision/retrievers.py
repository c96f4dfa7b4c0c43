"""Retrieval that hands back the image: a text question finds pictures, the model sees them.

The multi-vector pattern: what a vector store indexes (a caption document, an image
embedding, or both) carries ``metadata[id_key]``, the id of the original image in a
``BaseStore[str, bytes]`` (``InMemoryByteStore``, ``LocalFileStore``...).
:class:`GeminiImageRetriever` searches the vector store, merges the hits of one image
(its caption and its image vector), and returns one ``Document`` per image, the image
itself attached::

    Document(page_content="2 objects: a red circle ...",       # the caption, if indexed
             metadata={"image_id": "photos/a.png", "image_base64": "iVBOR...",
                       "mime_type": "image/png", "retrieved_by": ["image", "caption"], ...})

:func:`image_message` builds the multimodal message for the answering chat model
(LangChain's standard ``image`` blocks, which every multimodal chat model reads), and
:func:`image_answer_chain` is the small chain ``question -> retrieve -> answer``.
"""

from __future__ import annotations

import base64
from collections.abc import Sequence
from typing import Any

from langchain_core.callbacks import (
    AsyncCallbackManagerForRetrieverRun,
    CallbackManagerForRetrieverRun,
)
from langchain_core.documents import Document
from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from langchain_core.retrievers import BaseRetriever
from langchain_core.runnables import Runnable, RunnableLambda
from langchain_core.stores import BaseStore
from langchain_core.vectorstores import VectorStore
from pydantic import ConfigDict, Field

from langchain_gemini_vision.errors import ConfigurationError, ImageInputError
from langchain_gemini_vision.image_formats import sniff_mime_type

__all__ = [
    "DEFAULT_ANSWER_INSTRUCTION",
    "GeminiImageRetriever",
    "image_answer_chain",
    "image_message",
]

DEFAULT_ANSWER_INSTRUCTION = (
    "Answer the question from the images you are given, and name the image(s) your "
    "answer comes from by their id. If the images do not show the answer, say so."
)


class GeminiImageRetriever(BaseRetriever):
    """Finds images by a text query and returns each with its bytes (see the module docstring).

    Args:
        vectorstore: Where captions and/or image vectors are indexed; every document
            carries ``metadata[id_key]``.
        image_store: The original images by id.
        id_key: The metadata key holding an image's id.
        k: Images returned (after merging the hits of one image).
        fetch_k: Hits asked of the vector store (default ``4 * k``: an image may be hit
            by its caption and its image vector).
    """

    model_config = ConfigDict(arbitrary_types_allowed=True, extra="forbid")

    vectorstore: VectorStore
    image_store: BaseStore[str, bytes]
    id_key: str = "image_id"
    k: int = Field(default=4, ge=1)
    fetch_k: int | None = Field(default=None, ge=1)

    def _fetch(self) -> int:
        return self.fetch_k or 4 * self.k

    def _get_relevant_documents(
        self, query: str, *, run_manager: CallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = self.vectorstore.similarity_search(query, k=self._fetch())
        ids, merged = self._merge(hits)
        return self._attach(merged, self.image_store.mget(ids))

    async def _aget_relevant_documents(
        self, query: str, *, run_manager: AsyncCallbackManagerForRetrieverRun
    ) -> list[Document]:
        hits = await self.vectorstore.asimilarity_search(query, k=self._fetch())
        ids, merged = self._merge(hits)
        return self._attach(merged, await self.image_store.amget(ids))

    def _merge(self, hits: Sequence[Document]) -> tuple[list[str], list[Document]]:
        """One document per image, best first: the caption as text, every hit's metadata."""
        merged: dict[str, Document] = {}
        for hit in hits:
            image_id = hit.metadata.get(self.id_key)
            if not isinstance(image_id, str) or not image_id:
                msg = (
                    f"a retrieved document has no metadata[{self.id_key!r}]: index every "
                    "caption and image vector with the id of its image in the image store"
                )
                raise ConfigurationError(msg)
            by_image = hit.page_content == image_id  # an image vector indexes its id
            kind = "image" if by_image else "caption"
            doc = merged.get(image_id)
            if doc is None:
                if len(merged) == self.k:
                    continue
                doc = merged[image_id] = Document(
                    page_content="", metadata={**hit.metadata, "retrieved_by": []}
                )
            else:
                doc.metadata = {**hit.metadata, **doc.metadata}
            if not by_image and not doc.page_content:
                doc.page_content = hit.page_content
            if kind not in doc.metadata["retrieved_by"]:
                doc.metadata["retrieved_by"].append(kind)
        return list(merged), list(merged.values())

    def _attach(self, docs: list[Document], images: Sequence[bytes | None]) -> list[Document]:
        missing = [
            d.metadata[self.id_key] for d, data in zip(docs, images, strict=True) if not data
        ]
        if missing:
            raise ImageInputError(
                ", ".join(missing[:5]),
                "not_found",
                f"{len(missing)} retrieved image(s) are not in the image store: the vector "
                "store and the image store are out of step (index and store the same ids)",
            )
        for doc, data in zip(docs, images, strict=True):
            assert data is not None
            doc.metadata["image_base64"] = base64.b64encode(data).decode("ascii")
            doc.metadata["mime_type"] = sniff_mime_type(data) or "application/octet-stream"
        return docs


def image_message(
    question: str, documents: Sequence[Document], *, id_key: str = "image_id"
) -> HumanMessage:
    """The question and the retrieved images (each named by its id, with its caption when
    there is one) as one multimodal message, in LangChain's standard content blocks."""
    blocks: list[str | dict[str, Any]] = [{"type": "text", "text": question}]
    for doc in documents:
        if "image_base64" not in doc.metadata:
            msg = "image_message takes documents from GeminiImageRetriever (with their images)"
            raise ConfigurationError(msg)
        label = f"Image {doc.metadata.get(id_key, '?')}"
        if doc.page_content:
            label += f" (caption: {doc.page_content})"
        blocks.append({"type": "text", "text": label + ":"})
        blocks.append(
            {
                "type": "image",
                "base64": doc.metadata["image_base64"],
                "mime_type": doc.metadata["mime_type"],
            }
        )
    return HumanMessage(content=blocks)


def image_answer_chain(
    retriever: GeminiImageRetriever,
    chat_model: BaseChatModel,
    *,
    instruction: str = DEFAULT_ANSWER_INSTRUCTION,
) -> Runnable[Any, dict[str, Any]]:
    """``question`` (a string, or ``{"question": ...}``) -> ``{"question", "documents",
    "answer"}``: the images retrieved, then the chat model's answer having seen them."""

    def question_of(value: Any) -> dict[str, Any]:
        question = value.get("question") if isinstance(value, dict) else value
        if not isinstance(question, str) or not question.strip():
            msg = "image_answer_chain takes a question: a string or {'question': '...'}"
            raise ValueError(msg)
        return {"question": question}

    def messages(state: dict[str, Any]) -> list[BaseMessage]:
        return [
            SystemMessage(content=instruction),
            image_message(state["question"], state["documents"], id_key=retriever.id_key),
        ]

    def answer_text(message: BaseMessage) -> str:
        return message.text

    answer = RunnableLambda(messages) | chat_model | RunnableLambda(answer_text)
    chain = (
        RunnableLambda(question_of)
        .assign(documents=RunnableLambda(lambda s: s["question"]) | retriever)
        .assign(answer=answer)
    )
    return chain.with_config(run_name="image_answer_chain")
