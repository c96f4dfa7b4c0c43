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
    :func:`~langchain_gemini_vision.images.load_images` and their async twins; all
    optional, each documented here once."""

    allowed_dirs: Iterable[str | PurePath] | None
    """When given, local files must resolve (symlinks followed) inside one, and are
    opened from that folder down without following any symlink, so a folder swapped for
    a symlink after the check cannot lead outside. Default ``None``: any path."""
    max_side: int | None
    """Downscale (LANCZOS) so neither side exceeds this."""
    max_pixels: int | None
    """Downscale so width x height does not exceed this."""
    fetch: bool
    """Download ``http(s)`` URLs (through the URL-safety policy) to measure, convert or
    downscale them. Without it (the default), URLs are passed to Gemini as they are
    (``placement="uri"``, type and size unknown). ``gs://`` and Files API references
    are never downloaded."""
    url_policy: UrlPolicy | None
    """The download policy (default ``UrlPolicy()``)."""
    inline_limit_bytes: int
    """An image whose base64 alone exceeds this is marked ``needs_upload`` (default:
    the profiles' inline limit)."""
    max_file_bytes: int
    """Largest file, byte string or payload accepted (default 100 MiB)."""
    max_decode_bytes: int
    """Most memory decoding one image may need (estimated from its header, before
    decoding). A JPEG over it is decoded at 1/2, 1/4 or 1/8 size (``downscaled``);
    anything else over it is refused (``too_large``)."""
    decode_budget: DecodeBudget | None
    """What all concurrent decodes may hold at once; the process-wide
    :data:`~langchain_gemini_vision.decode_budget.SHARED_DECODE_BUDGET` by default."""


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
