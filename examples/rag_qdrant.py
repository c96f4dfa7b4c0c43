"""RAG over images, end to end, on an embedded Qdrant: no server, no internet with --emulator.

    pip install "langchain-gemini-vision[rag]"
    python examples/rag_qdrant.py photos/ "Which photo shows a red circle?"            # Gemini
    python examples/rag_qdrant.py --emulator demo/ "Which image shows a red circle?"   # offline

1. ``GeminiImageLoader`` captions every image of the folder.
2. The image bytes go into a ``BaseStore`` by id (here ``InMemoryByteStore``;
   ``LocalFileStore`` keeps them on disk).
3. One Qdrant collection (local mode: ``QdrantClient(path=...)`` or ``":memory:"``)
   indexes, for each image, its caption (a text vector) and the image itself (an image
   vector from ``gemini-embedding-2``), both pointing to the image by ``image_id``.
4. ``GeminiImageRetriever`` turns a text question into the best images (caption and image
   hits merged), and ``image_answer_chain`` hands those images to the chat model that
   answers.

``--emulator`` runs the package's local Gemini emulator and, with no folder's images,
draws a few scenes into the folder first: captions, vectors and the answer are then
computed from the pixels on this machine. Without it the same code talks to Gemini
(``GEMINI_API_KEY``); only ``base_url`` differs.
"""

from __future__ import annotations

import argparse
import uuid
from pathlib import Path
from typing import Any

from langchain_core.language_models import BaseChatModel
from langchain_core.stores import InMemoryByteStore
from langchain_qdrant import QdrantVectorStore
from qdrant_client import QdrantClient
from qdrant_client.models import Distance, VectorParams

from langchain_gemini_vision import GeminiImageLoader, GeminiVisionClient
from langchain_gemini_vision.embeddings import GeminiEmbeddings
from langchain_gemini_vision.retrievers import GeminiImageRetriever, image_answer_chain

DIMENSIONS = 768  # gemini-embedding-2 takes 128-3072; 768 is one of its recommended sizes
COLLECTION = "images"


def _point_id(image_id: str, kind: str) -> str:
    """Qdrant wants UUIDs: one per image and kind of vector, the same on every run."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"{kind}:{image_id}"))


def build_index(
    folder: Path, client: GeminiVisionClient, qdrant: QdrantClient
) -> tuple[QdrantVectorStore, InMemoryByteStore]:
    """Caption, store and index every image of ``folder``; returns the store to search."""
    documents = GeminiImageLoader(folder, client=client).load()
    images = InMemoryByteStore()
    sources = [Path(doc.metadata["source"]) for doc in documents]
    ids = [source.name for source in sources]
    images.mset([(source.name, source.read_bytes()) for source in sources])
    # Flat metadata only (str/int): what every vector store accepts.
    metadatas = [
        {"image_id": source.name, "source": str(source), "sha256": doc.metadata["sha256"]}
        for source, doc in zip(sources, documents, strict=True)
    ]
    if not qdrant.collection_exists(COLLECTION):
        qdrant.create_collection(
            COLLECTION, vectors_config=VectorParams(size=DIMENSIONS, distance=Distance.COSINE)
        )
    embeddings = GeminiEmbeddings(client=client, output_dimensionality=DIMENSIONS)
    captions = QdrantVectorStore(qdrant, COLLECTION, embedding=embeddings)
    captions.add_texts(
        [doc.page_content for doc in documents],
        metadatas=metadatas,
        ids=[_point_id(i, "caption") for i in ids],
    )
    # The same collection, written through the image view: its "texts" are image ids
    # (the collection was checked above: Qdrant's check would embed a "dummy_text" id).
    pictures = QdrantVectorStore(
        qdrant,
        COLLECTION,
        embedding=embeddings.for_stored_images(images),
        validate_collection_config=False,
    )
    pictures.add_texts(ids, metadatas=metadatas, ids=[_point_id(i, "image") for i in ids])
    return captions, images


def default_chat_model(base_url: str | None, api_key: str | None) -> BaseChatModel:
    """Gemini as the answering model (langchain-google-genai, in the ``rag`` extra)."""
    from langchain_google_genai import ChatGoogleGenerativeAI

    options: dict[str, Any] = {"base_url": base_url} if base_url else {}
    if api_key:
        options["google_api_key"] = api_key
    return ChatGoogleGenerativeAI(model="gemini-3-flash-preview", **options)


def main(
    folder: str | Path,
    question: str,
    *,
    base_url: str | None = None,
    api_key: str | None = None,
    chat_model: BaseChatModel | None = None,
    qdrant_path: str | Path | None = None,
    k: int = 3,
) -> dict[str, Any]:
    """Index ``folder`` and answer ``question`` with the retrieved images.

    Returns ``{"question", "answer", "image_ids", "documents"}``.
    """
    folder = Path(folder)
    options: dict[str, Any] = {"base_url": base_url} if base_url else {}
    if api_key:
        options["api_key"] = api_key
    qdrant = QdrantClient(path=str(qdrant_path)) if qdrant_path else QdrantClient(":memory:")
    with GeminiVisionClient(allowed_dirs=[folder], **options) as client:
        try:
            vectorstore, images = build_index(folder, client, qdrant)
            retriever = GeminiImageRetriever(vectorstore=vectorstore, image_store=images, k=k)
            chain = image_answer_chain(
                retriever, chat_model or default_chat_model(base_url, api_key)
            )
            result: dict[str, Any] = chain.invoke(question)
        finally:
            qdrant.close()
    result["image_ids"] = [doc.metadata["image_id"] for doc in result["documents"]]
    return result


def _draw_demo_scenes(folder: Path, count: int = 12) -> None:
    from langchain_gemini_vision.testing import make_scene

    folder.mkdir(parents=True, exist_ok=True)
    if not any(folder.iterdir()):
        for seed in range(count):
            scene = make_scene(320, 240, objects=3, seed=seed)
            (folder / f"scene_{seed:02d}.png").write_bytes(scene.data)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path)
    parser.add_argument("question")
    parser.add_argument("--emulator", action="store_true", help="run offline on the emulator")
    arguments = parser.parse_args()
    if arguments.emulator:
        from langchain_gemini_vision.testing import GeminiEmulator

        _draw_demo_scenes(arguments.folder)
        with GeminiEmulator() as emulator:
            done = main(
                arguments.folder, arguments.question, base_url=emulator.base_url, api_key="local"
            )
    else:
        done = main(arguments.folder, arguments.question)
    print("images:", ", ".join(done["image_ids"]))
    print(done["answer"])
