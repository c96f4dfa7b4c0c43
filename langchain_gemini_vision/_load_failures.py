"""What an image that failed to load becomes: a record, a stand-in document, one error.

Shared by the loader's interactive mode and its batch mode
(:func:`~langchain_gemini_vision.batch.caption_documents`), so both report failures
the same way under ``on_error``, and neither imports the other.
"""

from __future__ import annotations

from dataclasses import dataclass

from langchain_core.documents import Document

from langchain_gemini_vision.errors import GeminiVisionError, PartialLoadError

__all__ = ["LoaderFailure", "failure_document", "partial_load_error"]


@dataclass(frozen=True)
class LoaderFailure:
    """One image that did not become a document.

    Attributes:
        source: The printable source (path, URL, or ``"<bytes #n>"``).
        error: What went wrong.
    """

    source: str
    error: GeminiVisionError


def failure_document(source: str, error: GeminiVisionError) -> Document:
    """The stand-in ``Document`` of ``on_error="include"``: empty text, the error in metadata."""
    return Document(
        page_content="", metadata={"source": source, "error": f"{type(error).__name__}: {error}"}
    )


def partial_load_error(
    failures: list[LoaderFailure], total: int, documents: list[Document] | None = None
) -> PartialLoadError:
    """The error of ``on_error="raise"``: every failure listed (the first 20 by name)."""
    listing = "; ".join(f"{f.source}: {f.error}" for f in failures[:20])
    more = f" (and {len(failures) - 20} more)" if len(failures) > 20 else ""
    msg = f"{len(failures)} of {total} image(s) failed to load: {listing}{more}"
    return PartialLoadError(msg, documents=documents or [], failures=failures)
