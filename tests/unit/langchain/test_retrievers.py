"""`GeminiImageRetriever`, `image_message` and `image_answer_chain`: the images come back."""

from __future__ import annotations

import base64

import pytest
from langchain_core.documents import Document
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from langchain_core.stores import InMemoryByteStore
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_gemini_vision.embeddings import GeminiEmbeddings
from langchain_gemini_vision.errors import ConfigurationError, ImageInputError
from langchain_gemini_vision.retrievers import (
    GeminiImageRetriever,
    image_answer_chain,
    image_message,
)
from langchain_gemini_vision.testing import Scene, make_scene

from ._scripted import ScriptedChatModel
from .test_embeddings import _unique_label


@pytest.fixture(scope="module")
def scenes() -> list[Scene]:
    return [make_scene(200, 150, objects=2, seed=seed) for seed in range(40, 46)]


def _index(
    settings: dict[str, str], scenes: list[Scene], *, captions: bool, pictures: bool
) -> tuple[InMemoryVectorStore, InMemoryByteStore, list[str]]:
    embeddings = GeminiEmbeddings(**settings, output_dimensionality=256)
    store = InMemoryByteStore()
    ids = [f"scene-{i}" for i in range(len(scenes))]
    store.mset(list(zip(ids, (s.data for s in scenes), strict=True)))
    vectors = InMemoryVectorStore(embedding=embeddings)
    metadatas = [{"image_id": i} for i in ids]
    if captions:  # ground-truth captions stand in for the loader's here
        texts = [", ".join(o.label for o in s.objects) for s in scenes]
        vectors.add_texts(texts, metadatas=metadatas)
    if pictures:
        # The same index, its image points embedded from the stored bytes.
        image_view = InMemoryVectorStore(embedding=embeddings.for_stored_images(store))
        image_view.store = vectors.store  # one index, written through the image view
        image_view.add_texts(ids, metadatas=metadatas)
    return vectors, store, ids


@pytest.mark.parametrize(
    ("captions", "pictures", "kinds"),
    [(True, False, ["caption"]), (False, True, ["image"]), (True, True, ["caption", "image"])],
    ids=["captions", "image-embeddings", "both"],
)
def test_the_retriever_returns_each_image_once_with_its_bytes(
    settings: dict[str, str],
    scenes: list[Scene],
    captions: bool,
    pictures: bool,
    kinds: list[str],
) -> None:
    vectors, store, ids = _index(settings, scenes, captions=captions, pictures=pictures)
    retriever = GeminiImageRetriever(vectorstore=vectors, image_store=store, k=3)
    index, label = _unique_label(scenes)
    docs = retriever.invoke(f"a {label}")
    assert docs[0].metadata["image_id"] == ids[index]
    assert len({d.metadata["image_id"] for d in docs}) == len(docs) == 3
    first = docs[0]
    assert base64.b64decode(first.metadata["image_base64"]) == scenes[index].data
    assert first.metadata["mime_type"] == "image/png"
    assert sorted(first.metadata["retrieved_by"]) == kinds
    # The caption is the text, whichever hit came first; an image-only hit has none.
    assert (label in first.page_content) == captions


async def test_the_async_retriever_gives_the_same_documents(
    settings: dict[str, str], scenes: list[Scene]
) -> None:
    vectors, store, _ = _index(settings, scenes, captions=True, pictures=True)
    retriever = GeminiImageRetriever(vectorstore=vectors, image_store=store, k=2)
    assert await retriever.ainvoke("a red circle") == retriever.invoke("a red circle")


def test_stores_out_of_step_are_a_clear_error(
    settings: dict[str, str], scenes: list[Scene]
) -> None:
    vectors, store, ids = _index(settings, scenes, captions=True, pictures=False)
    store.mdelete(ids[:3] + ids[3:])
    with pytest.raises(ImageInputError, match="out of step"):
        GeminiImageRetriever(vectorstore=vectors, image_store=store).invoke("circle")
    unlabelled = InMemoryVectorStore(embedding=GeminiEmbeddings(**settings))
    unlabelled.add_texts(["a red circle"])
    with pytest.raises(ConfigurationError, match="image_id"):
        GeminiImageRetriever(vectorstore=unlabelled, image_store=store).invoke("circle")


def test_image_message_carries_the_question_and_each_image_as_a_standard_block(
    settings: dict[str, str], scenes: list[Scene]
) -> None:
    vectors, store, _ = _index(settings, scenes, captions=True, pictures=False)
    docs = GeminiImageRetriever(vectorstore=vectors, image_store=store, k=2).invoke("square")
    message = image_message("How many squares?", docs)
    assert isinstance(message, HumanMessage)
    blocks = message.content
    assert blocks[0] == {"type": "text", "text": "How many squares?"}
    images = [b for b in blocks if isinstance(b, dict) and b["type"] == "image"]
    assert [b["base64"] for b in images] == [d.metadata["image_base64"] for d in docs]
    assert all(b["mime_type"] == "image/png" for b in images)
    with pytest.raises(ConfigurationError, match="GeminiImageRetriever"):
        image_message("q", [Document(page_content="no image")])


def test_the_chain_answers_having_seen_the_retrieved_images(
    settings: dict[str, str], scenes: list[Scene]
) -> None:
    vectors, store, ids = _index(settings, scenes, captions=False, pictures=True)
    retriever = GeminiImageRetriever(vectorstore=vectors, image_store=store, k=2)
    seen: list[list[BaseMessage]] = []

    def answer(messages: list[BaseMessage]) -> AIMessage:
        seen.append(messages)
        return AIMessage(content="It is in the first image.")

    chain = image_answer_chain(retriever, ScriptedChatModel(steps=[answer]))
    index, label = _unique_label(scenes)
    result = chain.invoke({"question": f"Where is the {label}?"})
    assert result["answer"] == "It is in the first image."
    assert result["documents"][0].metadata["image_id"] == ids[index]
    (messages,) = seen
    assert isinstance(messages[0], SystemMessage)
    images = [b for b in messages[1].content if isinstance(b, dict) and b["type"] == "image"]
    assert base64.b64decode(images[0]["base64"]) == scenes[index].data
    with pytest.raises(ValueError, match="takes a question"):
        chain.invoke({"query": "wrong key"})
