"""What the loader's documents hold: metadata any vector store takes, text from a template.

``metadata_format="flat"`` keeps only ``str``, ``int``, ``float``, ``bool`` and non-empty
lists of one of them, which Chroma, Pinecone, Qdrant, Weaviate, Milvus and pgvector all
store and filter on (``filter_complex_metadata`` would drop the rest instead):

* a dict becomes one key per entry, joined by ``_`` (``usage`` -> ``usage_input_tokens``...);
* a list of records (``objects``) becomes JSON text under the same key
  (``json.loads(doc.metadata["objects"])`` gives the records back);
* ``None`` and empty lists are left out (``object_count`` still says 0 objects).

``page_content_template`` builds the text that is embedded and retrieved: a
``str.format`` template over :data:`TEMPLATE_FIELDS`, checked when the loader is built.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping
from typing import Any, Final, Literal

from langchain_core.documents import Document
from pydantic import BaseModel, Field

from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.results import Caption, DetectionResult, VisualAnswer

__all__ = [
    "READ_TEXT_QUESTION",
    "TEMPLATE_FIELDS",
    "DocumentForm",
    "MetadataFormat",
    "VisibleText",
    "flat_metadata",
]

MetadataFormat = Literal["nested", "flat"]

TEMPLATE_FIELDS: Final[dict[str, str]] = {
    "caption": "the caption",
    "labels": "the detected labels, comma-separated (needs detect=True)",
    "text": "the text visible in the image (needs read_text=True)",
    "source": "the image's path or URL",
}
"""The fields a ``page_content_template`` may use, and what each one holds."""

READ_TEXT_QUESTION: Final = (
    "What text is visible in this image? Transcribe every sign, label, screen and "
    "document, in reading order, one line per line of text; answer with an empty "
    "text when there is none."
)
"""The question ``read_text=True`` asks, with the :class:`VisibleText` schema."""


class VisibleText(BaseModel):
    """The text an image shows, as the loader's ``read_text`` asks for it."""

    text: str = Field(description="Every line of text visible in the image, in reading order.")


_SCALARS = (str, int, float, bool)


def flat_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
    """``metadata`` with only scalars and non-empty lists of one scalar type (see above)."""
    flat: dict[str, Any] = {}
    for key, value in metadata.items():
        _flatten(str(key), value, flat)
    return flat


def _flatten(key: str, value: Any, flat: dict[str, Any]) -> None:
    if value is None:
        return
    if isinstance(value, _SCALARS):
        flat[key] = value
    elif isinstance(value, Mapping):
        for inner, item in value.items():
            _flatten(f"{key}_{inner}", item, flat)
    elif isinstance(value, (list, tuple)):
        if not value:
            return
        kinds = {type(item) for item in value}
        if len(kinds) == 1 and next(iter(kinds)) in _SCALARS:
            flat[key] = list(value)
        else:  # records, or mixed types: JSON text a store keeps whole
            flat[key] = json.dumps(value, ensure_ascii=False, default=str)
    else:
        flat[key] = str(value)


class DocumentForm:
    """How a loader shapes each document: its ``page_content`` and its metadata format.

    Raises:
        ValueError: An unknown format, or a template that is not a ``str.format``
            template over :data:`TEMPLATE_FIELDS` (or uses a field its loader does not fill).
    """

    def __init__(
        self,
        *,
        metadata_format: MetadataFormat,
        template: str | None,
        detect: bool,
        read_text: bool,
    ) -> None:
        if metadata_format not in ("nested", "flat"):
            msg = f"metadata_format must be 'nested' or 'flat', not {metadata_format!r}"
            raise ValueError(msg)
        self.metadata_format: MetadataFormat = metadata_format
        self.template = template
        if template is not None:
            _check_template(template, detect=detect, read_text=read_text)

    def document(
        self,
        label: str,
        image: PreparedImage,
        model: str,
        *,
        caption: Caption,
        detection: DetectionResult | None,
        reading: VisualAnswer | None,
    ) -> Document:
        """One image's document from its answers (``model``: the client's, when the
        caption does not name the one that answered)."""
        usage = caption.usage
        for other in (detection, reading):
            usage = usage + other.usage if other is not None else usage
        metadata: dict[str, Any] = {
            "source": label,
            "sha256": image.sha256,
            "mime_type": image.mime_type,
            "width": image.original_width or image.width,
            "height": image.original_height or image.height,
            "model": caption.model or model,
            "usage": usage.model_dump(),
        }
        if detection is not None:
            metadata["labels"] = sorted(set(detection.labels))
            metadata["object_count"] = len(detection)
            metadata["objects"] = [
                {"label": d.label, "box": [round(v, 1) for v in d.box]} for d in detection
            ]
        if reading is not None:
            metadata["text"] = reading.data.text if isinstance(reading.data, VisibleText) else ""
        return self.apply(Document(page_content=caption.text, metadata=metadata))

    def apply(self, document: Document) -> Document:
        """``document`` (the loader's nested form, caption as content) in this form."""
        metadata = document.metadata
        if self.template is not None and "error" not in metadata:
            document.page_content = self.template.format_map(
                {
                    "caption": document.page_content,
                    "labels": ", ".join(metadata.get("labels", ())),
                    "text": metadata.get("text", ""),
                    "source": metadata.get("source", ""),
                }
            )
        if self.metadata_format == "flat":
            document.metadata = flat_metadata(metadata)
        return document


def _check_template(template: object, *, detect: bool, read_text: bool) -> None:
    if not isinstance(template, str):
        msg = f"page_content_template must be a str, not {type(template).__name__}"
        raise TypeError(msg)
    try:
        fields = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        msg = f"page_content_template {template!r} is not a str.format template: {error}"
        raise ValueError(msg) from error
    known = ", ".join("{" + name + "}" for name in TEMPLATE_FIELDS)
    unknown = sorted(name for name in fields if name not in TEMPLATE_FIELDS)
    if unknown:
        msg = f"page_content_template uses {unknown}; the fields are {known}"
        raise ValueError(msg)
    if "labels" in fields and not detect:
        msg = "page_content_template uses {labels}: pass detect=True so there are labels"
        raise ValueError(msg)
    if "text" in fields and not read_text:
        msg = "page_content_template uses {text}: pass read_text=True so the text is read"
        raise ValueError(msg)
