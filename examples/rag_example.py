"""RAG over images: caption them with the loader, index the captions, answer from them.

    python examples/rag_example.py photos/ "Which photo shows a rocket?"

``GeminiImageLoader`` turns each image into a ``Document`` (caption as text;
labels, boxes, size and sha256 as metadata), an ``InMemoryVectorStore`` indexes
them, and a chat model answers the question from the retrieved captions, citing
the image files. Embeddings and chat model are parameters, so tests run it with
``DeterministicFakeEmbedding`` and a scripted model.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from langchain_core.documents import Document
from langchain_core.embeddings import Embeddings
from langchain_core.language_models import BaseChatModel
from langchain_core.output_parsers import StrOutputParser
from langchain_core.prompts import ChatPromptTemplate
from langchain_core.runnables import RunnableLambda, RunnablePassthrough
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.loaders import GeminiImageLoader

PROMPT = ChatPromptTemplate.from_messages(
    [
        (
            "system",
            "Answer the question from these image descriptions only. Name the image "
            "file(s) your answer comes from.\n\n{context}",
        ),
        ("human", "{question}"),
    ]
)


def format_docs(docs: list[Document]) -> str:
    """One line per image: ``[source] caption (labels: ...)``."""
    lines = []
    for doc in docs:
        labels = ", ".join(doc.metadata.get("labels", []))
        suffix = f" (objects: {labels})" if labels else ""
        lines.append(f"[{doc.metadata['source']}] {doc.page_content}{suffix}")
    return "\n".join(lines)


def default_models() -> tuple[Embeddings, BaseChatModel]:
    """Google embeddings and chat model, when langchain-google-genai is installed."""
    try:
        from langchain_google_genai import (  # type: ignore[import-not-found]
            ChatGoogleGenerativeAI,
            GoogleGenerativeAIEmbeddings,
        )
    except ImportError as exc:  # pragma: no cover - depends on the environment
        msg = "pip install langchain-google-genai, or pass embeddings= and chat_model="
        raise SystemExit(msg) from exc
    return (
        GoogleGenerativeAIEmbeddings(model="gemini-embedding-001"),
        ChatGoogleGenerativeAI(model="gemini-3-flash-preview"),
    )


def main(
    folder: str | Path,
    question: str,
    *,
    client: GeminiVisionClient | None = None,
    embeddings: Embeddings | None = None,
    chat_model: BaseChatModel | None = None,
    k: int = 4,
) -> dict[str, Any]:
    """Index the images of ``folder`` and answer ``question``; returns answer and sources."""
    if embeddings is None or chat_model is None:
        default_embeddings, default_chat = default_models()
        embeddings = embeddings or default_embeddings
        chat_model = chat_model or default_chat
    loader = GeminiImageLoader(folder, client=client or GeminiVisionClient(), detect=True)
    documents = list(loader.lazy_load())
    store = InMemoryVectorStore(embedding=embeddings)
    store.add_documents(documents)
    retriever = store.as_retriever(search_kwargs={"k": k})

    retrieve = RunnablePassthrough.assign(docs=RunnableLambda(lambda x: x["question"]) | retriever)
    answer = (
        RunnablePassthrough.assign(context=lambda x: format_docs(x["docs"]))
        | PROMPT
        | chat_model
        | StrOutputParser()
    )
    chain = retrieve | RunnablePassthrough.assign(answer=answer)
    result: dict[str, Any] = chain.invoke({"question": question})
    return {
        "answer": result["answer"],
        "sources": [doc.metadata["source"] for doc in result["docs"]],
        "documents": documents,
    }


if __name__ == "__main__":
    done = main(sys.argv[1], sys.argv[2])
    print(done["answer"])
