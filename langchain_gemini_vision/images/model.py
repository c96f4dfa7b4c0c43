"""The :class:`PreparedImage` model: one image ready for a request, and what a request holds.

A ``PreparedImage`` is what every loader returns and every task sends: the bytes (or
the reference) with their type and the sizes boxes are mapped back onto.
:func:`fit_inline_budget` decides which of a request's images travel inline and which
are uploaded first.
"""

from __future__ import annotations

import base64
import hashlib
import math
import warnings
from collections.abc import Mapping, Sequence
from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, computed_field, model_validator

from langchain_gemini_vision._url_policy import url_label
from langchain_gemini_vision.errors import ConfigurationError, ImageInputError

__all__ = [
    "MAX_IMAGES_PER_REQUEST",
    "SUPPORTED_MIME_TYPES",
    "ImageSource",
    "Placement",
    "PreparedImage",
    "base64_size",
    "fit_inline_budget",
]

MAX_IMAGES_PER_REQUEST = 3600
"""Gemini API limit on image files in one request."""
SUPPORTED_MIME_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/webp", "image/heic", "image/heif"}
)
"""What Gemini image understanding accepts; these travel unconverted."""

Placement = Literal["inline", "files_api", "uri"]
"""Where an image goes in a request: its bytes (``inline``, uploaded when large), an
existing Files API file (``files_api``) or a remote URI passed as is (``uri``)."""
ImageSource = Any
"""Anything :func:`~langchain_gemini_vision.images.load_image` accepts (see its docstring)."""

_TRANSPORT_RENAMED = (
    "PreparedImage.transport is deprecated, use placement (same values: the client's "
    "transport, lean or SDK, is another idea)"
)


class PreparedImage(BaseModel):
    """One image, ready for a request. Immutable.

    ``width``/``height`` are the image as sent (upright, possibly downscaled);
    ``original_width``/``original_height`` the upright image before any downscale.
    All four are ``None`` when unknown (an undownloaded URL, a Files API file).
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    placement: Placement
    """``inline``, ``files_api`` or ``uri``: see :data:`Placement` (the client's
    ``transport``, lean or SDK, is another idea)."""
    data: bytes | None = None
    uri: str | None = None
    file_name: str | None = None
    mime_type: str | None = None
    width: int | None = None
    height: int | None = None
    original_width: int | None = None
    original_height: int | None = None
    converted_from: str | None = None
    exif_orientation: int | None = None
    downscaled: bool = False
    needs_upload: bool = False
    source_label: str = "image"

    @computed_field  # type: ignore[prop-decorator]
    @cached_property
    def sha256(self) -> str | None:
        """Hex SHA-256 of ``data`` (``None`` for references); computed on first use.

        Lazy because hashing a 12 MP JPEG costs about as much as reading it, and only
        the Files API cache, batch keys and loader metadata need it.
        """
        return hashlib.sha256(self.data).hexdigest() if self.data is not None else None

    @model_validator(mode="before")
    @classmethod
    def _renamed_transport(cls, data: Any) -> Any:
        if isinstance(data, dict) and "transport" in data and "placement" not in data:
            # 3: past pydantic's __init__, at the caller's line.
            warnings.warn(_TRANSPORT_RENAMED, DeprecationWarning, stacklevel=3)
            data = {("placement" if k == "transport" else k): v for k, v in data.items()}
        return data

    @model_validator(mode="after")
    def _check_placement(self) -> PreparedImage:
        if self.placement == "inline" and (self.data is None or self.mime_type is None):
            raise ValueError("an inline image needs data and mime_type")
        if self.placement == "files_api" and not (self.file_name or self.uri):
            raise ValueError("a files_api image needs file_name or uri")
        if self.placement == "uri" and not self.uri:
            raise ValueError("a uri image needs uri")
        return self

    @property
    def transport(self) -> Placement:
        """Deprecated: the old name of :attr:`placement`."""
        warnings.warn(_TRANSPORT_RENAMED, DeprecationWarning, stacklevel=2)
        return self.placement

    @property
    def size_bytes(self) -> int:
        """Length of ``data`` (0 when the image is a reference)."""
        return len(self.data) if self.data is not None else 0

    @cached_property
    def base64_data(self) -> str:
        """``data`` as standard base64 (computed once)."""
        if self.data is None:
            raise ImageInputError(self.source_label, "invalid_reference", "has no inline data")
        return base64.b64encode(self.data).decode("ascii")

    @property
    def scale_x(self) -> float | None:
        """Sent width over original width (``None`` when unknown)."""
        if self.width is None or not self.original_width:
            return None
        return self.width / self.original_width

    @property
    def scale_y(self) -> float | None:
        """Sent height over original height (``None`` when unknown)."""
        if self.height is None or not self.original_height:
            return None
        return self.height / self.original_height

    def model_copy(
        self, *, update: Mapping[str, Any] | None = None, deep: bool = False
    ) -> PreparedImage:
        """Copy, dropping the cached base64 so it always matches ``data``."""
        copy = super().model_copy(update=update, deep=deep)
        copy.__dict__.pop("base64_data", None)
        copy.__dict__.pop("sha256", None)
        return copy

    def __repr__(self) -> str:
        parts = [f"placement={self.placement!r}", f"mime_type={self.mime_type!r}"]
        if self.width is not None and self.height is not None:
            parts.append(f"size={self.width}x{self.height}")
        if self.downscaled:
            parts.append(f"original={self.original_width}x{self.original_height}")
        if self.data is not None:
            parts.append(f"bytes={len(self.data)}")
        if self.file_name:
            parts.append(f"file_name={self.file_name!r}")
        if self.uri:
            parts.append(f"uri={url_label(self.uri)!r}")
        if self.converted_from:
            parts.append(f"converted_from={self.converted_from!r}")
        if self.exif_orientation:
            parts.append(f"exif_orientation={self.exif_orientation}")
        if self.needs_upload:
            parts.append("needs_upload=True")
        parts.append(f"source={self.source_label!r}")
        return f"PreparedImage({', '.join(parts)})"

    __str__ = __repr__


def base64_size(n_bytes: int) -> int:
    """Length of the base64 encoding of ``n_bytes`` bytes."""
    return 4 * math.ceil(n_bytes / 3)


def fit_inline_budget(images: Sequence[PreparedImage], limit_bytes: int) -> list[PreparedImage]:
    """Mark the largest inline images ``needs_upload`` until the rest fit ``limit_bytes``.

    The budget counts base64 size (4/3 of the bytes). An image over the budget on its
    own is always marked. Order is kept; images not marked are returned unchanged;
    references (``files_api``/``uri``) never count.
    """
    if limit_bytes <= 0:
        raise ConfigurationError(f"limit_bytes must be positive, got {limit_bytes!r}")
    marked: set[int] = set()
    candidates: list[tuple[int, int]] = []  # (base64 size, index)
    for index, image in enumerate(images):
        if image.placement != "inline" or image.data is None or image.needs_upload:
            continue
        size = base64_size(len(image.data))
        if size > limit_bytes:
            marked.add(index)
        else:
            candidates.append((size, index))
    total = sum(size for size, _ in candidates)
    for size, index in sorted(candidates, key=lambda item: (-item[0], item[1])):
        if total <= limit_bytes:
            break
        marked.add(index)
        total -= size
    return [
        image.model_copy(update={"needs_upload": True}) if index in marked else image
        for index, image in enumerate(images)
    ]
