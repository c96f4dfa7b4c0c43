"""How images are loaded: the options every loader takes, checked once.

:class:`ImageOptions` names the keyword arguments of
:func:`~langchain_gemini_vision.images.load_image` and its siblings (documented
there); :func:`load_options` checks them and gives the :class:`LoadOptions` the
rest of the package reads.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path, PurePath

from typing_extensions import TypedDict

from langchain_gemini_vision._url_policy import UrlPolicy
from langchain_gemini_vision.decode_budget import (
    DEFAULT_MAX_DECODE_BYTES,
    SHARED_DECODE_BUDGET,
    DecodeBudget,
)
from langchain_gemini_vision.errors import ConfigurationError
from langchain_gemini_vision.profiles import DEFAULT_INLINE_LIMIT_BYTES

__all__ = ["DEFAULT_MAX_FILE_BYTES", "ImageOptions", "LoadOptions", "load_options"]

DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024
"""Largest local file, byte string or base64 payload accepted."""


class ImageOptions(TypedDict, total=False):
    """The keyword arguments of :func:`~langchain_gemini_vision.images.load_image`,
    :func:`~langchain_gemini_vision.images.load_images` and their async twins."""

    allowed_dirs: Iterable[str | PurePath] | None
    max_side: int | None
    max_pixels: int | None
    fetch: bool
    url_policy: UrlPolicy | None
    inline_limit_bytes: int
    max_file_bytes: int
    max_decode_bytes: int
    decode_budget: DecodeBudget | None


@dataclass(frozen=True)
class LoadOptions:
    """The checked options: folders resolved, the decode budget chosen."""

    allowed_dirs: tuple[str, ...] | None
    max_side: int | None
    max_pixels: int | None
    fetch: bool
    url_policy: UrlPolicy | None
    inline_limit_bytes: int
    max_file_bytes: int
    max_decode_bytes: int = DEFAULT_MAX_DECODE_BYTES
    decode_budget: DecodeBudget = SHARED_DECODE_BUDGET


def load_options(
    *,
    allowed_dirs: Iterable[str | PurePath] | None = None,
    max_side: int | None = None,
    max_pixels: int | None = None,
    fetch: bool = False,
    url_policy: UrlPolicy | None = None,
    inline_limit_bytes: int = DEFAULT_INLINE_LIMIT_BYTES,
    max_file_bytes: int = DEFAULT_MAX_FILE_BYTES,
    max_decode_bytes: int = DEFAULT_MAX_DECODE_BYTES,
    decode_budget: DecodeBudget | None = None,
) -> LoadOptions:
    """Check the options (the defaults are the documented ones) and resolve the folders.

    Raises:
        ConfigurationError: A size that is not a positive integer, a limit that is not
            positive, a ``decode_budget`` that is not a ``DecodeBudget``.
        TypeError: An argument that is not one of :class:`ImageOptions`.
    """
    for name, value in (("max_side", max_side), ("max_pixels", max_pixels)):
        if value is not None and (isinstance(value, bool) or int(value) != value or value <= 0):
            raise ConfigurationError(f"{name} must be a positive integer, got {value!r}")
    if inline_limit_bytes <= 0 or max_file_bytes <= 0 or max_decode_bytes <= 0:
        raise ConfigurationError(
            "inline_limit_bytes, max_file_bytes and max_decode_bytes must be positive"
        )
    if decode_budget is not None and not isinstance(decode_budget, DecodeBudget):
        raise ConfigurationError(f"decode_budget must be a DecodeBudget, got {decode_budget!r}")
    dirs: tuple[str, ...] | None = None
    if allowed_dirs is not None:
        if isinstance(allowed_dirs, (str, PurePath)):
            allowed_dirs = [allowed_dirs]
        dirs = tuple(os.path.realpath(Path(os.fspath(d)).expanduser()) for d in allowed_dirs)
    return LoadOptions(
        allowed_dirs=dirs,
        max_side=max_side,
        max_pixels=max_pixels,
        fetch=fetch,
        url_policy=url_policy,
        inline_limit_bytes=inline_limit_bytes,
        max_file_bytes=max_file_bytes,
        max_decode_bytes=max_decode_bytes,
        decode_budget=decode_budget or SHARED_DECODE_BUDGET,
    )
