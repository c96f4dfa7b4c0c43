"""What an image reference chosen by a model may name, decided before anything is read.

A tool's image arguments come from the model, so they are read more strictly than the
application's own: the string's shape is read as the loader reads it
(:func:`~langchain_gemini_vision.images.classify_reference`), then a tool accepts an id
from the application's :class:`~langchain_gemini_vision.image_store.ImageStore`,
``"latest"`` (the newest image a user sent) when enabled, a URL or Files API name, and a
local path only inside ``reference_dirs``. ``data:`` URIs and base64 are refused with a
message telling the model to use an id; an id-shaped string nobody registered is an
unknown id, never a file name.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from os import PathLike
from pathlib import Path
from typing import Any, ClassVar, Literal

from langchain_core.messages import BaseMessage, HumanMessage
from pydantic import BaseModel, field_validator

from langchain_gemini_vision._client_owner import warn_renamed
from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.image_store import ImageStore, image_blocks
from langchain_gemini_vision.images import classify_reference
from langchain_gemini_vision.images.local_files import names_path_within, outside_allowed_dirs

__all__ = [
    "ATTACHMENTS",
    "LATEST",
    "ReferenceDirs",
    "ReferenceKind",
    "read_reference",
    "take_references",
]

LATEST = "latest"
"""The reference that means "the newest image the user sent in this conversation"."""
ATTACHMENTS = "image_attachments"
"""The agent state's key for the conversation's images by id (``{id: {"image": block,
...}}``), kept by :class:`~langchain_gemini_vision.attachments.GeminiAttachmentsMiddleware`:
being in the thread's state, an id never resolves in another conversation."""

ReferenceKind = Literal["trusted", "url", "path"]
"""``trusted``: the application's own image (a store id, ``"latest"``), read as it is;
``url``: a URL or Files API name; ``path``: a local file inside ``reference_dirs``."""

_ID_LIKE = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")
_BASE64_LIKE = re.compile(r"[A-Za-z0-9+/=_\-\s]+")
_USE_ID_HINT = (
    "Do not put image data (base64 or data: URIs) in tool arguments; refer to the image "
    "by its id (for example 'img_1'), a URL or a Files API name instead."
)


class ReferenceDirs(BaseModel):
    """``reference_dirs``: the folders a model-chosen reference may point into.

    Shared by the tools and the Toolkit; ``allowed_dirs`` is its deprecated old name.
    """

    reference_dirs: list[Path] | None = None
    """Local folders a path chosen by the model may point into (checked on the resolved
    path). ``None`` (the default): no local file is ever read, whatever path the model
    names."""

    _renamed: ClassVar[Mapping[str, str]] = {"allowed_dirs": "reference_dirs"}

    @field_validator("reference_dirs", mode="before")
    @classmethod
    def _one_folder(cls, value: Any) -> Any:
        return [value] if isinstance(value, (str, PathLike)) else value

    @property
    def allowed_dirs(self) -> list[Path] | None:
        """Deprecated: the old name of :attr:`reference_dirs` (assigning it sets that)."""
        warn_renamed(type(self).__name__, "allowed_dirs", "reference_dirs", stacklevel=2)
        return self.reference_dirs


def read_reference(
    reference: str,
    runtime: Any,
    *,
    store: ImageStore | None,
    allow_latest: bool,
    reference_dirs: Sequence[Path] | None,
) -> tuple[ReferenceKind, Any]:
    """What a model-given reference is, and the source to load: ``(kind, source)``.

    ``runtime`` is the agent's (LangGraph's ``ToolRuntime``), for ``"latest"``.

    Raises:
        ImageInputError: The reference is empty, image data, an unknown id, a URL of a
            scheme other than ``http(s)``/``gs``, ``"latest"`` where it is not enabled or
            not available, or a path outside ``reference_dirs`` (one answer whether it
            exists or not).
    """
    ref = classify_reference(reference)
    text = ref.text
    if ref.kind == "empty":
        raise ImageInputError("''", "invalid_reference", "the image reference is empty")
    attachments = _attachments(runtime)
    if text in attachments:  # the conversation's own ids first: the model saw them there
        return "trusted", _attached_block(text, attachments[text])
    if store is not None and text in store:
        return "trusted", store.get(text)
    if text.lower() == LATEST:
        if not allow_latest:
            raise ImageInputError(
                LATEST,
                "invalid_reference",
                "'latest' is not enabled for this tool; refer to the image by its id or URL",
            )
        if runtime is None:
            raise ImageInputError(
                LATEST,
                "not_found",
                "'latest' only works inside an agent conversation; use an image id or URL",
            )
        return "trusted", _latest_user_image(runtime)
    if ref.kind == "data_uri":
        raise ImageInputError(f"data: URI ({len(text)} chars)", "invalid_reference", _USE_ID_HINT)
    if ref.kind == "other_scheme":
        raise ImageInputError(
            text[:80],
            "blocked_url",
            f"{ref.scheme}:// is not accepted; use an image id, an http(s):// or gs:// URL "
            "or a Files API name",
        )
    if ref.kind in ("http", "gcs", "files_api"):
        return "url", text
    if ref.kind == "image_data" or (len(text) >= 100 and _BASE64_LIKE.fullmatch(text)):
        raise ImageInputError(
            f"base64-like string ({len(text)} chars)", "invalid_reference", _USE_ID_HINT
        )
    if not ref.looks_like_path and _ID_LIKE.fullmatch(text):
        known = ", ".join([*attachments, *(store.ids() if store is not None else ())])
        raise ImageInputError(
            text,
            "not_found",
            "no image is registered under this id"
            + (f" (known ids: {known})" if known else " (no images are registered)")
            + "; use one of the ids given in the conversation, or a URL",
        )
    if reference_dirs is None:
        raise ImageInputError(
            text[:80],
            "outside_allowed_dirs",
            "this tool does not read local files; refer to the image by its id or URL",
        )
    # Refused without touching the disk unless it names a path in an allowed folder;
    # a Path is only ever read as a file (never as base64 or a URL).
    if not names_path_within(text, reference_dirs):
        raise outside_allowed_dirs(text[:80])
    return "path", Path(text)


def take_references(arguments: dict[str, Any]) -> list[str]:
    """The image reference(s) among a tool call's arguments (taken out of them).

    Raises:
        ImageInputError: ``"latest"`` is named twice: both would be the same image.
    """
    if "image" in arguments:
        return [arguments.pop("image")]
    references = list(arguments.pop("images"))
    if sum(reference.strip().lower() == LATEST for reference in references) > 1:
        raise ImageInputError(
            LATEST,
            "invalid_reference",
            "'latest' names one image, the newest, so naming it twice compares it with "
            "itself; name each image by its id (like 'img_1') or URL",
        )
    return references


def _state_value(runtime: Any, key: str) -> Any:
    """A key of the agent's state (LangGraph's ``ToolRuntime.state``), if any."""
    state = getattr(runtime, "state", None)
    if isinstance(state, Mapping):
        return state.get(key)
    return getattr(state, key, None)


def _attachments(runtime: Any) -> Mapping[str, Any]:
    """The conversation's attachments by id (none outside an agent, or without them)."""
    found = _state_value(runtime, ATTACHMENTS)
    return found if isinstance(found, Mapping) else {}


def _attached_block(image_id: str, attachment: Any) -> Mapping[str, Any]:
    """An attachment's image: only ever a content block, which never names a local file."""
    image = attachment.get("image") if isinstance(attachment, Mapping) else None
    if not isinstance(image, Mapping):
        raise ImageInputError(image_id, "invalid_reference", "this attachment holds no image")
    return image


def _latest_user_image(runtime: Any) -> Any:
    """The newest image block in a user message of the agent's state."""
    messages = _state_value(runtime, "messages")
    if not messages:
        raise ImageInputError(
            LATEST,
            "not_found",
            "there are no messages to take the latest image from; use an image id or URL",
        )
    for message in reversed(list(messages)):
        if not isinstance(message, BaseMessage) or not isinstance(message, HumanMessage):
            continue
        images = image_blocks(message)
        if images:
            return images[-1]
    raise ImageInputError(
        LATEST, "not_found", "no user message in this conversation contains an image"
    )
