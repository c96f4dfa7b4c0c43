"""Batch items: what to ask about which image(s), built and parsed exactly as interactive calls.

:func:`plan_item` turns a :class:`BatchItem` into the ``generateContent`` body the
interactive path would send (the task's ``build`` from the registry -> the client's
``resolve_request`` -> ``payloads.generate_content_body``), and :func:`parse_item` reads
an answer with the task's own ``parse`` on a ``VisionResponse`` from
``payloads.read_generate_content``: one code path for both modes, for every registered task.
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

from langchain_gemini_vision._transport.payloads import (
    generate_content_body,
    read_generate_content,
)
from langchain_gemini_vision.images import PreparedImage
from langchain_gemini_vision.tasks import TASKS, TaskCall, TaskName, get_task

if TYPE_CHECKING:
    from langchain_gemini_vision.client import GeminiVisionClient

__all__ = ["TASKS", "BatchItem", "PlannedItem", "TaskName", "parse_item", "plan_item"]

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
        task: ``caption``, ``detect``, ``segment``, ``compare``, ``ask``, or any task
            registered since (:func:`~langchain_gemini_vision.tasks.register_task`).
        images: The image sources (anything the client's ``prepare`` accepts).
        options: The task's options (``prompt``, ``query``, ``max_objects``, ``question``,
            ``schema`` as a JSON schema).
        key: The caller's key, or ``None`` to derive one.
        schema_model: For ``ask``: the pydantic model to validate answers with (kept in
            memory only; a resumed batch validates against its JSON schema).
    """

    task: TaskName | str
    images: tuple[Any, ...]
    options: Mapping[str, Any] = field(default_factory=dict)
    key: str | None = None
    schema_model: type[BaseModel] | None = None

    def __post_init__(self) -> None:
        task = get_task(self.task)  # an unknown task is a ValueError naming the known ones
        if task.single and len(self.images) != 1:
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
    task: str
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


def plan_item(client: GeminiVisionClient, item: BatchItem) -> PlannedItem:
    """Load the images, build the request and resolve images (uploading large ones), as
    the interactive call of the item's task does."""
    task = get_task(item.task)
    options = dict(item.options)
    chosen = task.validate_options(options, owner=f"BatchItem.{task.name}")
    images = client.prepare_for(task, item.images[0] if task.single else list(item.images))
    request = task.build(TaskCall(images, chosen, client.task_context))
    wire = client.resolve_request(request, api="generate_content")
    key = item.key or derive_key(item.task, images, options)
    described = []
    for source, image, part in zip(item.images, images, wire.parts, strict=False):
        entry = {name: getattr(image, name) for name in _IMAGE_FIELDS}
        entry["placement"] = part.uri if part.uri is not None else "inline"
        named = os.fspath(source) if isinstance(source, (str, PurePath)) else None
        if named is not None and len(named) <= _MAX_SOURCE_CHARS:
            entry["source"] = named  # exactly as named: a path that is not UTF-8 stays exact
        described.append(entry)
    body = generate_content_body(wire)
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
) -> BaseModel:
    """Read one ``GenerateContentResponse`` with the task's own parser.

    Raises what the interactive call raises: ``ResponseBlockedError``,
    ``EmptyResponseError``, ``OutputParsingError``...
    """
    spec = get_task(task)
    given = {**options, **({"schema": schema_model} if schema_model is not None else {})}
    chosen = spec.validate_options(given, owner=f"BatchItem.{spec.name}")
    # The parser reads the text; the JSON is not parsed twice.
    vision = read_generate_content(response, want_json=False)
    prepared = [image_for_parsing(entry) for entry in images]
    result: BaseModel = spec.read(vision, TaskCall(prepared, chosen, client.task_context))
    return result
