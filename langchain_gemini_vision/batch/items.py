"""Batch items: what to ask about which image(s), built and parsed exactly as interactive calls.

:func:`plan_item` turns a :class:`BatchItem` into the ``generateContent`` body the
interactive path would send (``tasks.<task>.build_request`` -> the client's image
resolution -> ``payloads.generate_content_body``), and :func:`parse_item` reads
an answer with the task's own ``parse_response`` on a ``VisionResponse`` from
``payloads.read_generate_content``: one code path for both modes.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from langchain_gemini_vision._transport.base import VisionRequest
from langchain_gemini_vision._transport.payloads import (
    generate_content_body,
    read_generate_content,
)
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.tasks import TASKS, TaskName

if TYPE_CHECKING:
    from langchain_gemini_vision.client import GeminiVisionClient
    from langchain_gemini_vision.results import (
        Caption,
        DetectionResult,
        ImageComparison,
        VisualAnswer,
    )

__all__ = ["TASKS", "BatchItem", "PlannedItem", "TaskName", "parse_item", "plan_item"]

_SINGLE = frozenset({"caption", "detect", "segment"})
_MAX_SOURCE_CHARS = 4096
"""Longest path or URL kept as an image's ``source`` (a data URI or base64 text is not)."""
_IMAGE_FIELDS = (
    "mime_type",
    "width",
    "height",
    "original_width",
    "original_height",
    "sha256",
    "uri",
    "file_name",
    "source_label",
)


@dataclass(frozen=True)
class BatchItem:
    """One request of a batch: a task, its image(s), its options and a stable key.

    Build items with the class methods (``BatchItem.detect("a.png", query="cars")``).
    ``key`` is yours to choose (unique within a manifest); when omitted it is derived
    from the images' sha256, the task and the options, so the same question about the
    same image always has the same key and is never submitted twice.

    Attributes:
        task: ``caption``, ``detect``, ``segment``, ``compare`` or ``ask``.
        images: The image sources (anything the client's ``prepare`` accepts).
        options: The task's options (``prompt``, ``query``, ``max_objects``, ``question``,
            ``schema`` as a JSON schema).
        key: The caller's key, or ``None`` to derive one.
        schema_model: For ``ask``: the pydantic model to validate answers with (kept in
            memory only; a resumed batch validates against its JSON schema).
    """

    task: TaskName
    images: tuple[Any, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    key: str | None = None
    schema_model: type[BaseModel] | None = None

    def __post_init__(self) -> None:
        if self.task not in TASKS:
            msg = f"unknown task {self.task!r}; use one of {', '.join(TASKS)}"
            raise ValueError(msg)
        if self.task in _SINGLE and len(self.images) != 1:
            msg = f"{self.task} takes exactly one image, not {len(self.images)}"
            raise ValueError(msg)
        if not self.images:
            msg = "an item needs at least one image"
            raise ValueError(msg)

    @classmethod
    def caption(cls, image: Any, *, prompt: str | None = None, key: str | None = None) -> BatchItem:
        """Describe one image."""
        return cls("caption", (image,), _drop_none({"prompt": prompt}), key)

    @classmethod
    def detect(
        cls,
        image: Any,
        *,
        query: str | None = None,
        max_objects: int | None = None,
        key: str | None = None,
    ) -> BatchItem:
        """Find objects and their boxes."""
        options = _drop_none({"query": query, "max_objects": max_objects})
        return cls("detect", (image,), options, key)

    @classmethod
    def segment(cls, image: Any, *, query: str | None = None, key: str | None = None) -> BatchItem:
        """Find objects with masks."""
        return cls("segment", (image,), _drop_none({"query": query}), key)

    @classmethod
    def compare(
        cls, images: Sequence[Any], *, prompt: str | None = None, key: str | None = None
    ) -> BatchItem:
        """Compare two or more images."""
        return cls("compare", tuple(images), _drop_none({"prompt": prompt}), key)

    @classmethod
    def ask(
        cls,
        images: Any,
        question: str,
        *,
        schema: type[BaseModel] | dict[str, Any] | None = None,
        key: str | None = None,
    ) -> BatchItem:
        """Ask a question, free text or structured."""
        sources = tuple(images) if isinstance(images, (list, tuple)) else (images,)
        options: dict[str, Any] = {"question": question}
        model: type[BaseModel] | None = None
        if isinstance(schema, type):
            model = schema
            options["schema"] = schema.model_json_schema()
        elif schema is not None:
            options["schema"] = schema
        return cls("ask", sources, options, key, model)


@dataclass(frozen=True)
class PlannedItem:
    """An item ready for a job: its key, the exact request body and what parsing needs."""

    key: str
    task: TaskName
    options: dict[str, Any]
    images: list[dict[str, Any]]
    """Per image: size, sha256, label, where it went (``placement``: inline or a file URI) and,
    for a path or URL, the ``source`` as named."""
    body: dict[str, Any]
    """The ``GenerateContentRequest``: exactly what interactive ``generateContent`` sends."""
    body_json: bytes = field(repr=False)
    """The body serialised once (compact JSON): stored in the manifest, written to the JSONL."""

    @property
    def size(self) -> int:
        """Bytes of the body as JSON."""
        return len(self.body_json)


def _drop_none(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


def derive_key(task: str, images: Sequence[PreparedImage], options: Mapping[str, Any]) -> str:
    """``<task>-<32 hex>`` from the images' sha256 (or URI), the task and the options."""
    identity = {
        "task": task,
        "images": [image.sha256 or image.uri or image.file_name for image in images],
        "options": options,
    }
    digest = hashlib.sha256(
        json.dumps(identity, sort_keys=True, separators=(",", ":"), default=str).encode()
    )
    return f"{task}-{digest.hexdigest()[:32]}"


def _prepare(client: GeminiVisionClient, item: BatchItem) -> list[PreparedImage]:
    if item.task in ("detect", "segment"):
        # Boxes are mapped onto the image's size, so remote images are fetched (as interactive).
        return [client.prepare(item.images[0], fetch=True)]
    if item.task == "caption":
        return [client.prepare(item.images[0])]
    return client.prepare_many(item.images)


def build_vision_request(
    client: GeminiVisionClient,
    task: str,
    images: Sequence[PreparedImage],
    options: Mapping[str, Any],
) -> VisionRequest:
    """The task's own ``build_request`` with the client's prompts and profile."""
    from langchain_gemini_vision.tasks import ask, caption, compare, detect, segment

    prompts = client.prompts
    if task == "caption":
        return caption.build_request(images[0], prompt=options.get("prompt"), prompts=prompts)
    if task == "detect":
        return detect.build_request(
            images[0],
            query=options.get("query"),
            max_objects=options.get("max_objects"),
            prompts=prompts,
        )
    if task == "segment":
        return segment.build_request(
            images[0], query=options.get("query"), profile=client.profile, prompts=prompts
        )
    if task == "compare":
        return compare.build_request(images, prompt=options.get("prompt"), prompts=prompts)
    return ask.build_request(
        images, str(options.get("question", "")), schema=options.get("schema"), prompts=prompts
    )


def plan_item(client: GeminiVisionClient, item: BatchItem) -> PlannedItem:
    """Load the images, build the request and resolve images (uploading large ones)."""
    images = _prepare(client, item)
    options = dict(item.options)
    request = build_vision_request(client, item.task, images, options)
    resolution = client._resolution(request)
    parts = client._resolve_parts(images, resolution)
    body = generate_content_body(client.wire_request(request, parts, api="generate_content"))
    key = item.key or derive_key(item.task, images, options)
    described = []
    for source, image, part in zip(item.images, images, parts, strict=False):
        entry = {name: getattr(image, name) for name in _IMAGE_FIELDS}
        entry["placement"] = part.uri if part.uri is not None else "inline"
        named = os.fspath(source) if isinstance(source, (str, PurePath)) else None
        if named is not None and len(named) <= _MAX_SOURCE_CHARS:
            entry["source"] = named  # exactly as named: a path that is not UTF-8 stays exact
        described.append(entry)
    body_json = json.dumps(body, separators=(",", ":")).encode()
    return PlannedItem(key, item.task, options, described, body, body_json)


def image_for_parsing(entry: Mapping[str, Any]) -> PreparedImage:
    """A data-less :class:`PreparedImage` with what the parsers read (size, label)."""
    fields: dict[str, Any] = {name: entry.get(name) for name in _IMAGE_FIELDS}
    fields["source_label"] = fields.get("source_label") or "image"
    # Only the size and label are read; the bytes stayed with the submitter.
    return PreparedImage.model_construct(_fields_set=None, placement="uri", **fields)


def parse_item(
    client: GeminiVisionClient,
    task: str,
    options: Mapping[str, Any],
    images: Sequence[Mapping[str, Any]],
    response: Mapping[str, Any],
    *,
    schema_model: type[BaseModel] | None = None,
) -> Caption | DetectionResult | ImageComparison | VisualAnswer:
    """Read one ``GenerateContentResponse`` with the task's own parser.

    Raises what the interactive call raises: ``ResponseBlockedError``,
    ``EmptyResponseError``, ``OutputParsingError``...
    """
    from langchain_gemini_vision.tasks import ask, caption, compare, detect, segment

    schema = options.get("schema")
    want_json = task != "ask" or schema is not None
    vision = read_generate_content(response, want_json=want_json)
    if task == "caption":
        return caption.parse_response(vision)
    if task == "detect":
        return detect.parse_response(
            vision,
            image_for_parsing(images[0]),
            mask_threshold=client.mask_threshold,
            max_objects=options.get("max_objects"),
        )
    if task == "segment":
        return segment.parse_response(
            vision,
            image_for_parsing(images[0]),
            profile=client.profile,
            mask_threshold=client.mask_threshold,
        )
    if task == "compare":
        return compare.parse_response(vision)
    return ask.parse_response(vision, schema=schema_model or schema)
