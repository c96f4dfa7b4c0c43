"""The loaders: :func:`load_image`, :func:`load_images` and their async twins.

Each checks its options once, reads the source (:mod:`.sources`), fetches an
``http(s)`` URL when asked (sync or async: the only lines the twins do not share)
and lets nothing but :class:`~langchain_gemini_vision.errors.ImageInputError` (or a
:class:`~langchain_gemini_vision.errors.ConfigurationError` for bad options) escape.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Mapping
from contextlib import aclosing, contextmanager
from pathlib import PurePath

import numpy as np
from PIL import Image
from typing_extensions import Unpack

from langchain_gemini_vision._concurrency import aordered_map
from langchain_gemini_vision._url_policy import UrlPolicy
from langchain_gemini_vision._url_safety import afetch_url, fetch_url
from langchain_gemini_vision.errors import ConfigurationError, ImageInputError
from langchain_gemini_vision.images.model import MAX_IMAGES_PER_REQUEST, ImageSource, PreparedImage
from langchain_gemini_vision.images.options import ImageOptions, LoadOptions, load_options
from langchain_gemini_vision.images.prepare import prepare_bytes
from langchain_gemini_vision.images.sources import PendingDownload, describe, dispatch

__all__ = ["aload_image", "aload_images", "load_image", "load_images"]


def load_image(source: ImageSource, **options: Unpack[ImageOptions]) -> PreparedImage:
    """Turn one image source into a :class:`~langchain_gemini_vision.images.PreparedImage`.

    Args:
        source: A path (``str`` or ``pathlib.Path``); an ``http(s)://`` URL; a
            ``gs://`` URI; a Files API name (``files/abc``) or URI
            (``https://…/v1beta/files/abc``); ``bytes``/``bytearray``/``memoryview``;
            a binary file object; a base64 string or ``data:`` URI; a
            ``PIL.Image.Image``; a ``uint8`` numpy array (HxW, HxWx3, HxWx4);
            a LangChain image content block (``{"type": "image", "url"|"base64"|
            "file_id": ...}`` or ``{"type": "image_url", "image_url": {"url": ...}}``);
            or a ``PreparedImage`` (returned unchanged). Strings are read as: URL
            schemes and ``files/<id>`` first, then an existing path, then base64.
        **options: How to load, all optional, each documented on
            :class:`~langchain_gemini_vision.images.ImageOptions`: ``allowed_dirs``
            (where local files may be read), ``max_side`` and ``max_pixels``
            (downscale), ``fetch`` and ``url_policy`` (download URLs, safely),
            ``inline_limit_bytes``, ``max_file_bytes``, ``max_decode_bytes`` and
            ``decode_budget`` (the bounds).

    Raises:
        ImageInputError: for every bad input, with ``reason`` saying why.
        ConfigurationError: for invalid options (``max_side=0``, ...).
        TypeError: for an argument that is none of the above.
    """
    return _load(source, load_options(**options))


async def aload_image(source: ImageSource, **options: Unpack[ImageOptions]) -> PreparedImage:
    """Async :func:`load_image`: file and pixel work in a thread, downloads async."""
    return await _aload(source, load_options(**options))


def load_images(
    sources: Iterable[ImageSource], **options: Unpack[ImageOptions]
) -> list[PreparedImage]:
    """:func:`load_image` for each source, in order; at most 3,600 sources."""
    items = _as_list(sources)
    opts = load_options(**options)
    return [_load(item, opts) for item in items]


async def aload_images(
    sources: Iterable[ImageSource], *, concurrency: int = 8, **options: Unpack[ImageOptions]
) -> list[PreparedImage]:
    """Async :func:`load_images`: up to ``concurrency`` sources at a time, order kept.

    The first failure (in input order) is raised, and the loads still running are cancelled.
    """
    items = _as_list(sources)
    opts = load_options(**options)

    async def one(item: ImageSource) -> PreparedImage:
        return await _aload(item, opts)

    async with aclosing(aordered_map(one, items, limit=max(1, concurrency))) as outcomes:
        return [outcome.unwrap() async for outcome in outcomes]


def _load(source: ImageSource, opts: LoadOptions) -> PreparedImage:
    result = _read(source, opts)
    if isinstance(result, PendingDownload):
        data, _content_type = fetch_url(result.url, opts.url_policy or UrlPolicy())
        return _prepare_download(data, result.label, opts)
    return result


async def _aload(source: ImageSource, opts: LoadOptions) -> PreparedImage:
    result = await asyncio.to_thread(_read, source, opts)
    if isinstance(result, PendingDownload):
        data, _content_type = await afetch_url(result.url, opts.url_policy or UrlPolicy())
        return await asyncio.to_thread(_prepare_download, data, result.label, opts)
    return result


@contextmanager
def _image_errors_only(label: Callable[[], str]) -> Iterator[None]:
    """The last line of defence: nothing but ``ImageInputError`` (or a
    ``ConfigurationError``) escapes; ``label`` names the source only if one is needed."""
    try:
        yield
    except (ImageInputError, ConfigurationError):
        raise
    except MemoryError as exc:
        raise ImageInputError(label(), "too_large", "not enough memory") from exc
    except Exception as exc:
        raise ImageInputError(label(), "corrupted", f"{type(exc).__name__}: {exc}") from exc


def _read(source: ImageSource, opts: LoadOptions) -> PreparedImage | PendingDownload:
    with _image_errors_only(lambda: describe(source)):
        return dispatch(source, opts)


def _prepare_download(data: bytes, label: str, opts: LoadOptions) -> PreparedImage:
    with _image_errors_only(lambda: label):
        return prepare_bytes(data, label, opts)


def _as_list(sources: Iterable[ImageSource]) -> list[ImageSource]:
    single = (str, bytes, bytearray, memoryview, PurePath, Mapping, Image.Image, np.ndarray)
    if isinstance(sources, single):
        raise ImageInputError(
            describe(sources), "invalid_reference", "load_images takes a list of sources"
        )
    items = list(sources)
    if len(items) > MAX_IMAGES_PER_REQUEST:
        raise ImageInputError(
            f"{len(items)} images",
            "too_many_images",
            f"Gemini accepts at most {MAX_IMAGES_PER_REQUEST} images per request",
        )
    return items
