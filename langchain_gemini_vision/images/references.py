"""What a string reference to an image is, decided from its shape alone.

One pure decision, shared by everything that reads image references from text (the
loader, the tools, the command line): a ``data:`` URI, a Files API name or URI, a
``gs://`` URI, an ``http(s)://`` URL, a URL of another scheme, base64 of an image, or
anything else (a path, an id, junk; :attr:`ImageReference.looks_like_path` says which
it resembles). Nothing here touches a file or the network: whether a path exists, and
what a caller accepts, is the caller's to decide.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from typing import Literal

from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.image_formats import sniff_mime_type

__all__ = [
    "REMOTE_KINDS",
    "ImageReference",
    "ReferenceKind",
    "classify_reference",
    "decode_base64",
    "is_image_data",
    "looks_like_path",
]

ReferenceKind = Literal[
    "empty", "data_uri", "files_api", "gcs", "http", "other_scheme", "image_data", "other"
]
"""What a reference is; see :func:`classify_reference`."""
REMOTE_KINDS: frozenset[ReferenceKind] = frozenset(
    {"data_uri", "files_api", "gcs", "http", "other_scheme"}
)
"""The kinds that name an image somewhere other than this machine's disk."""

_FILES_NAME = re.compile(r"files/[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_FILES_URI = re.compile(
    r"https?://[^/?#\s]+/v1(?:beta|alpha)?/(files/[A-Za-z0-9][A-Za-z0-9_-]{0,63})/?"
)
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*)://")
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{2,5}$")
"""A file suffix: no image format's is one character, so ``frame.1`` reads as an id."""


@dataclass(frozen=True)
class ImageReference:
    """A string reference, classified.

    Attributes:
        kind: ``"empty"`` (blank); ``"data_uri"``; ``"files_api"`` (``files/<id>`` or its
            ``https://…/v1beta/files/<id>`` URI); ``"gcs"`` (``gs://``); ``"http"``
            (``http://`` or ``https://``); ``"other_scheme"`` (any other ``scheme://``);
            ``"image_data"`` (base64, standard or URL-safe, of a file with a known
            signature); ``"other"`` (a path, an id, or nothing recognisable).
        text: The reference without surrounding whitespace.
        scheme: The lower-cased URL scheme (``gcs``, ``http`` and ``other_scheme``).
        file_name: ``files/<id>`` for a Files API reference.
        looks_like_path: For ``"other"``: it has a separator, starts with ``~`` or
            ``.``, or ends in a file suffix (a dot and two to five letters or digits).
    """

    kind: ReferenceKind
    text: str
    scheme: str | None = None
    file_name: str | None = None
    looks_like_path: bool = False

    @property
    def is_remote(self) -> bool:
        """Whether it names an image elsewhere than the local disk (a URL of any kind,
        a Files API file, a data URI)."""
        return self.kind in REMOTE_KINDS


def looks_like_path(text: str) -> bool:
    """Whether ``text`` is shaped like a file path (it need not exist)."""
    return "/" in text or "\\" in text or text.startswith(("~", ".")) or bool(_SUFFIX.search(text))


def decode_base64(text: str, label: str, *, strict: bool) -> bytes | None:
    """Bytes of standard or URL-safe base64, padded or not, whitespace ignored.

    Returns ``None`` for a malformed payload, or raises when ``strict``.

    Raises:
        ImageInputError: ``invalid_reference`` (``strict`` only).
    """
    compact = "".join(text.split())
    if not compact or not _BASE64.fullmatch(compact):
        if strict:
            raise ImageInputError(label, "invalid_reference", "the base64 payload is malformed")
        return None
    if "-" in compact or "_" in compact:
        compact = compact.replace("-", "+").replace("_", "/")
    compact += "=" * (-len(compact) % 4)
    try:
        return base64.b64decode(compact, validate=True)
    except (binascii.Error, ValueError) as exc:
        if strict:
            raise ImageInputError(
                label, "invalid_reference", f"the base64 payload is malformed: {exc}"
            ) from exc
        return None


def is_image_data(text: str) -> bool:
    """Whether ``text`` is base64 (standard or URL-safe, padded or not) of a file with a
    known signature: image data, never a reference to one, however short."""
    compact = "".join(text.split())
    if len(compact) < 8 or not _BASE64.fullmatch(compact):
        return False
    decoded = decode_base64(compact[:4096], "base64", strict=False)
    return decoded is not None and sniff_mime_type(decoded) is not None


def classify_reference(text: str) -> ImageReference:
    """Decide what the string ``text`` refers to, from its shape alone (no I/O).

    Checked in this order: blank; ``data:``; a Files API name or URI; ``scheme://``
    (``gs``, ``http``/``https``, any other); base64 of an image; anything else.

    Example:
        >>> classify_reference("files/abc123").kind
        'files_api'
        >>> classify_reference("https://example.com/cat.png").scheme
        'https'
        >>> classify_reference("photos/cat.png").looks_like_path
        True
    """
    stripped = text.strip()
    if not stripped:
        return ImageReference("empty", "")
    if stripped[:5].lower() == "data:":
        return ImageReference("data_uri", stripped)
    files = _FILES_URI.fullmatch(stripped)
    if files is not None:
        return ImageReference("files_api", stripped, file_name=files.group(1))
    if _FILES_NAME.fullmatch(stripped):
        return ImageReference("files_api", stripped, file_name=stripped)
    url = _SCHEME.match(stripped)
    if url is not None:
        scheme = url.group(1).lower()
        kind: ReferenceKind = (
            "gcs" if scheme == "gs" else "http" if scheme in ("http", "https") else "other_scheme"
        )
        return ImageReference(kind, stripped, scheme=scheme)
    if is_image_data(stripped):
        return ImageReference("image_data", stripped)
    return ImageReference("other", stripped, looks_like_path=looks_like_path(stripped))
