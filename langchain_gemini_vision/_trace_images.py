"""What callbacks and tracers see of an image: a short description, never its bytes.

A Runnable's traced input, its chat-model run's prompt and a loader document's
``source`` show each image as its source, MIME type, size and a SHA-256 prefix
(``"bytes (image/png, 320x240, 1306 bytes, sha256:1a2b3c4d5e6f)"``), so a LangSmith
trace or a logging handler never holds image data: raw bytes, base64 in either
alphabet, ``data:`` URIs and content blocks are all described instead. A reference
(a path, a URL, a Files API name, an image id) is shown as it is, cut short. A
result's texts (a model's raw answer holds PNG masks as ``data:`` URIs) have their
images described too.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from pathlib import PurePath
from typing import Any

from pydantic import BaseModel

from langchain_gemini_vision._text import short_label
from langchain_gemini_vision._url_policy import url_label
from langchain_gemini_vision.image_formats import sniff_mime_type
from langchain_gemini_vision.images.references import (
    classify_reference,
    decode_base64,
    is_image_data,
)

__all__ = ["describe_image", "describe_input", "describe_result", "describe_text"]

_IMAGE_KEYS = ("image", "images")
_DATA_URI = re.compile(r"data:[\w.+/-]*;base64,[A-Za-z0-9+/_-]+={0,2}", re.IGNORECASE)
_BASE64_RUN = re.compile(r"[A-Za-z0-9+/_-]{24,}={0,2}")
"""Long enough to hold an image's signature; whether it is one, the bytes say."""
_BLOCK_DATA_KEYS = ("base64", "data")


def describe_image(image: Any) -> str:
    """A short, payload-free description of one image input of any accepted kind."""
    if isinstance(image, (bytes, bytearray, memoryview)):
        return _describe_bytes("bytes", bytes(image))
    if isinstance(image, PurePath):
        return short_label(str(image))
    if isinstance(image, str):
        return _describe_text(image)
    if isinstance(image, Mapping):
        return _describe_block(image)
    label = getattr(image, "source_label", None)
    if isinstance(label, str):  # a PreparedImage
        return _describe_prepared(image, label)
    size = getattr(image, "size", None)
    mode = getattr(image, "mode", None)
    if isinstance(size, tuple) and isinstance(mode, str):  # a PIL image
        return f"<PIL image {mode} {size[0]}x{size[1]}>"
    shape = getattr(image, "shape", None)
    if isinstance(shape, tuple):  # a numpy array
        return f"<{type(image).__name__} shape={shape} dtype={getattr(image, 'dtype', '?')}>"
    name = getattr(image, "name", None)
    if isinstance(name, str):  # a file object
        return f"<file object {short_label(name)}>"
    return f"<{type(image).__name__}>"


def describe_input(value: Any, *, several: bool) -> Any:
    """A Runnable input with every image described: one image, a list of images (for
    a task that takes ``several``), or a request dict whose other keys are kept."""
    if isinstance(value, Mapping) and any(key in value for key in _IMAGE_KEYS):
        return {
            key: (_describe_images(item) if key in _IMAGE_KEYS else item)
            for key, item in value.items()
        }
    if several and isinstance(value, (list, tuple)):
        return [describe_image(image) for image in value]
    return describe_image(value)


def describe_text(text: str) -> str:
    """``text`` with every image inside it (a ``data:`` URI, base64 of an image, as a
    model's answer holds PNG masks) replaced by its description."""
    text = _DATA_URI.sub(lambda m: f"<{_describe_text(m.group(0))}>", text)
    return _BASE64_RUN.sub(
        lambda m: f"<{_describe_text(m.group(0))}>" if is_image_data(m.group(0)) else m.group(0),
        text,
    )


def describe_result(result: BaseModel) -> dict[str, Any]:
    """A task's result as JSON for traces and tool artifacts: every field, the images
    its texts hold (a model's raw answer with PNG masks) described."""
    return _clean(result.model_dump(mode="json", warnings=False))  # type: ignore[no-any-return]


def _clean(value: Any) -> Any:
    if isinstance(value, str):
        return describe_text(value)
    if isinstance(value, dict):
        return {key: _clean(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_clean(item) for item in value]
    return value


def _describe_images(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [describe_image(image) for image in value]
    return describe_image(value)


def _describe_bytes(source: str, data: bytes) -> str:
    mime = sniff_mime_type(data) or "unknown type"
    digest = hashlib.sha256(data).hexdigest()[:12]
    return f"{source} ({mime}, {len(data)} bytes, sha256:{digest})"


def _describe_text(text: str) -> str:
    reference = classify_reference(text)
    if reference.kind == "data_uri":
        header, _, payload = reference.text.partition(",")
        data = decode_base64(payload, "data URI", strict=False)
        if ";base64" in header.lower() and data is not None:
            return _describe_bytes("data URI", data)
        return f"<data URI, {len(reference.text)} chars>"
    if reference.kind == "image_data":
        data = decode_base64(reference.text, "base64", strict=False)
        if data is not None:
            return _describe_bytes("base64 string", data)
    if reference.kind in ("http", "files_api", "gcs", "other_scheme"):
        return short_label(url_label(reference.text))
    if len(reference.text) > 300:  # too long for a reference: never shown whole
        return f"<text, {len(reference.text)} chars>"
    return short_label(reference.text)


def _describe_block(block: Mapping[str, Any]) -> str:
    """A LangChain content block (``image``/``image_url``/``file``): what it holds."""
    kind = short_label(str(block.get("type", "?")), 20)
    for key in _BLOCK_DATA_KEYS:
        data = block.get(key)
        if isinstance(data, str):
            decoded = decode_base64(data, "content block", strict=False)
            if decoded is not None:
                return _describe_bytes(f"{kind} block", decoded)
            return f"<{kind} block, {len(data)} chars>"
    url = block.get("url") or block.get("image_url")
    if isinstance(url, Mapping):
        url = url.get("url")
    if isinstance(url, str):
        return f"{kind} block {_describe_text(url)}"
    file_id = block.get("file_id") or block.get("id")
    if isinstance(file_id, str):
        return f"{kind} block {short_label(file_id)}"
    return f"<{kind} block>"


def _describe_prepared(image: Any, label: str) -> str:
    parts = [str(image.mime_type or "unknown type")]
    if image.width is not None and image.height is not None:
        parts.append(f"{image.width}x{image.height}")
    if image.data is not None:
        parts += [f"{len(image.data)} bytes", f"sha256:{str(image.sha256)[:12]}"]
    elif image.file_name or image.uri:
        parts.append(short_label(url_label(image.file_name or image.uri)))
    return f"{short_label(label)} ({', '.join(parts)})"
