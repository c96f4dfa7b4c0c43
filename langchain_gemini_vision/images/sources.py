"""Each kind of image source, read: strings, content blocks, streams, paths, pixels.

:func:`dispatch` turns one source into a :class:`PreparedImage`, or into a
:class:`PendingDownload` when an ``http(s)`` URL is to be fetched (the loaders do the
fetching, sync or async). Strings are read through
:func:`~langchain_gemini_vision.images.references.classify_reference`: a URL of any
kind, a Files API name or a ``data:`` URI first, then an existing path, then base64.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import PurePath
from typing import Any
from urllib.parse import unquote_to_bytes, urlsplit

import numpy as np
from PIL import Image

from langchain_gemini_vision._text import short_label
from langchain_gemini_vision._url_policy import url_label
from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.image_formats import sniff_mime_type
from langchain_gemini_vision.images.local_files import (
    is_within,
    outside_allowed_dirs,
    read_local_file,
)
from langchain_gemini_vision.images.model import PreparedImage, base64_size
from langchain_gemini_vision.images.options import LoadOptions
from langchain_gemini_vision.images.prepare import from_array, from_pil, prepare_bytes
from langchain_gemini_vision.images.references import (
    ImageReference,
    classify_reference,
    decode_base64,
    looks_like_path,
)

__all__ = ["PendingDownload", "describe", "dispatch", "from_reference"]

_GCS_URI = re.compile(r"gs://[a-z0-9][a-z0-9._-]{2,221}/.+", re.IGNORECASE)


@dataclass(frozen=True)
class PendingDownload:
    """An ``http(s)`` URL to fetch (``fetch=True``) before its bytes are prepared."""

    url: str
    label: str


# --------------------------------------------------------------------------- streams, paths


def _read_stream(stream: Any, opts: LoadOptions) -> tuple[bytes, str]:
    name = getattr(stream, "name", None)
    label = short_label(f"file object {name}" if isinstance(name, str) else "file object")
    try:
        chunk = stream.read(opts.max_file_bytes + 1)
    except Exception as exc:
        raise ImageInputError(
            label, "invalid_reference", f"cannot read the file object: {exc}"
        ) from exc
    if isinstance(chunk, str):
        raise ImageInputError(
            label, "invalid_reference", "the file is open in text mode; open it with 'rb'"
        )
    if not isinstance(chunk, (bytes, bytearray, memoryview)):
        raise ImageInputError(label, "invalid_reference", "read() did not return bytes")
    data = bytes(chunk)
    if len(data) > opts.max_file_bytes:
        raise ImageInputError(
            label, "too_large", f"the stream is over the {opts.max_file_bytes}-byte limit"
        )
    return data, label


def _resolves_outside(text: str, allowed_dirs: tuple[str, ...] | None) -> bool:
    """Whether ``text``, read as a path, resolves outside the allowed folders (``None``:
    none are set). Resolving the path is the check (``realpath``'s ``lstat`` of each
    part, the same steps whether the file exists or not): it is never opened."""
    if allowed_dirs is None:
        return False
    real = os.path.realpath(os.path.expanduser(text))  # noqa: PTH111
    return not any(is_within(real, allowed) for allowed in allowed_dirs)


def _read_path(path: str | PurePath, opts: LoadOptions) -> tuple[bytes, str]:
    raw = os.fspath(path)
    label = short_label(raw)
    if "\x00" in raw:
        raise ImageInputError(label, "invalid_reference", "the path contains a NUL byte")
    return read_local_file(raw, label, opts.allowed_dirs, opts.max_file_bytes), label


# --------------------------------------------------------------------------- references


def _from_data_uri(uri: str, opts: LoadOptions) -> PreparedImage:
    header, sep, payload = uri.partition(",")
    label = short_label(f"{header[:40]},… ({len(uri)} chars)")
    if not sep:
        raise ImageInputError(label, "invalid_reference", "a data: URI needs a ',' before the data")
    if len(payload) > base64_size(opts.max_file_bytes) + 1024:
        raise ImageInputError(label, "too_large", f"over the {opts.max_file_bytes}-byte limit")
    if header.lower().endswith(";base64"):
        data = decode_base64(payload, label, strict=True)
        assert data is not None
    else:
        data = unquote_to_bytes(payload)
    return prepare_bytes(data, label, opts)


def from_reference(reference: ImageReference, opts: LoadOptions) -> PreparedImage | PendingDownload:
    """A remote reference (``reference.is_remote``): data:, Files API, gs://, http(s).

    Never a local path; a scheme other than these is refused (``blocked_url``).
    """
    text = reference.text
    if reference.kind == "data_uri":
        return _from_data_uri(text, opts)
    label = url_label(text)
    if reference.kind == "files_api":
        uri = None if text == reference.file_name else text
        return PreparedImage(
            placement="files_api", file_name=reference.file_name, uri=uri, source_label=label
        )
    if reference.kind == "gcs":
        if not _GCS_URI.fullmatch(text):
            raise ImageInputError(label, "invalid_reference", "expected gs://bucket/object")
        return PreparedImage(placement="uri", uri=text, source_label=label)
    if reference.kind == "http":
        try:
            host = urlsplit(text).hostname
        except ValueError as exc:
            raise ImageInputError(label, "invalid_reference", f"malformed URL: {exc}") from exc
        if not host:
            raise ImageInputError(label, "invalid_reference", "the URL has no host")
        if opts.fetch:
            return PendingDownload(text, label)
        return PreparedImage(placement="uri", uri=text, source_label=label)
    raise ImageInputError(
        label,
        "blocked_url",
        f"the {reference.scheme!r} scheme is not accepted; use http(s)://, gs://, data: or a "
        "Files API name",
    )


def _from_string(text: str, opts: LoadOptions) -> PreparedImage | PendingDownload:
    reference = classify_reference(text)
    if reference.kind == "empty":
        raise ImageInputError("''", "invalid_reference", "the image reference is empty")
    if reference.is_remote:
        return from_reference(reference, opts)
    stripped = reference.text
    # Only short strings can be paths. One that resolves outside the allowed folders is
    # answered as such, unless it is base64 of an image, before it is looked up: one
    # answer, and the same steps, whether it exists or not (no oracle). One that exists
    # inside wins over base64.
    could_be_path = len(text) < 4096 and "\x00" not in text
    outside = could_be_path and _resolves_outside(text, opts.allowed_dirs)
    if could_be_path and not outside and os.path.lexists(os.path.expanduser(text)):  # noqa: PTH111
        return prepare_bytes(*_read_path(text, opts), opts)
    if len(stripped) >= 16:
        decoded = decode_base64(stripped, "base64 string", strict=False)
        if decoded is not None and (
            sniff_mime_type(decoded) or (len(stripped) >= 64 and not outside)
        ):
            label = f"base64 string ({len(stripped)} chars)"
            if len(decoded) > opts.max_file_bytes:
                raise ImageInputError(
                    label, "too_large", f"over the {opts.max_file_bytes}-byte limit"
                )
            return prepare_bytes(decoded, label, opts)
    label = short_label(text)
    if outside:
        raise outside_allowed_dirs(label)
    if looks_like_path(text):
        raise ImageInputError(label, "not_found", "no such file")
    raise ImageInputError(
        label,
        "invalid_reference",
        "not an existing file, a URL, a gs:// URI, a Files API name, a data: URI or base64",
    )


# --------------------------------------------------------------------------- blocks


def _from_block(block: Mapping[str, Any], opts: LoadOptions) -> PreparedImage | PendingDownload:
    kind = block.get("type")
    label = short_label(f"content block type={kind!r}")
    if kind == "image_url":
        inner = block.get("image_url")
        url = inner.get("url") if isinstance(inner, Mapping) else inner
        if not isinstance(url, str) or not url.strip():
            raise ImageInputError(label, "invalid_reference", "image_url.url must be a string")
        return _block_url(url, label, opts)
    if kind != "image":
        raise ImageInputError(
            label,
            "invalid_reference",
            "expected an 'image' or 'image_url' content block, a path, URL or image data",
        )
    source_type = block.get("source_type")  # LangChain v0 blocks
    if source_type == "base64":
        block = {"base64": block.get("data")}
    elif source_type == "url":
        block = {"url": block.get("url")}
    elif source_type == "id":
        block = {"file_id": block.get("id")}
    present = [key for key in ("base64", "url", "file_id") if block.get(key) is not None]
    if len(present) != 1:
        raise ImageInputError(
            label,
            "invalid_reference",
            "an image block needs exactly one of 'base64', 'url' or 'file_id'"
            + (f" (got {', '.join(present)})" if present else ""),
        )
    key = present[0]
    value = block[key]
    if not isinstance(value, str):
        raise ImageInputError(label, "invalid_reference", f"'{key}' must be a string")
    if key == "base64":
        blabel = f"image block, base64 ({len(value)} chars)"
        data = decode_base64(value, blabel, strict=True)
        assert data is not None
        return prepare_bytes(data, blabel, opts)
    if key == "file_id":
        reference = classify_reference(value)
        if reference.kind == "files_api":
            return from_reference(reference, opts)
        raise ImageInputError(
            short_label(value),
            "invalid_reference",
            "file_id must be a Gemini Files API name like 'files/abc123' or its URI",
        )
    return _block_url(value, label, opts)


def _block_url(url: str, label: str, opts: LoadOptions) -> PreparedImage | PendingDownload:
    # A URL from a conversation never reads the local disk.
    reference = classify_reference(url)
    if not reference.is_remote:
        raise ImageInputError(
            short_label(url) or label,
            "invalid_reference",
            "a block's url must be http(s)://, gs://, data: or a Files API URI",
        )
    return from_reference(reference, opts)


# --------------------------------------------------------------------------- dispatch


def dispatch(source: Any, opts: LoadOptions) -> PreparedImage | PendingDownload:
    """One source of any accepted kind, read (see
    :func:`~langchain_gemini_vision.images.load_image` for the kinds)."""
    if isinstance(source, PreparedImage):
        return source
    if isinstance(source, Image.Image):
        return from_pil(source, opts)
    if isinstance(source, np.ndarray):
        return from_array(source, opts)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return prepare_bytes(data, f"{type(source).__name__} ({len(data)} bytes)", opts)
    if isinstance(source, PurePath):
        return prepare_bytes(*_read_path(source, opts), opts)
    if isinstance(source, str):
        return _from_string(source, opts)
    if isinstance(source, Mapping):
        return _from_block(source, opts)
    if hasattr(source, "read"):
        return prepare_bytes(*_read_stream(source, opts), opts)
    raise ImageInputError(
        short_label(type(source).__name__),
        "invalid_reference",
        "unsupported image source type; pass a path, URL, bytes, base64, PIL image, "
        "numpy array or image content block",
    )


def describe(source: Any) -> str:
    """A short label for ``source`` in a message, whatever it is."""
    if isinstance(source, str):
        return short_label(source) if len(source) < 200 else f"string ({len(source)} chars)"
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"{type(source).__name__} ({len(source)} bytes)"
    return short_label(type(source).__name__)
