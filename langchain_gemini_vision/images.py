"""Every accepted image input, turned into one :class:`PreparedImage`.

:func:`load_image` accepts paths, URLs, ``gs://`` URIs, Files API names, bytes,
file objects, base64 and ``data:`` strings, Pillow images, numpy arrays and
LangChain image content blocks. What it guarantees:

* the MIME type comes from the bytes (magic numbers), never from a file name or a
  caller's claim;
* PNG, JPEG, WEBP, HEIC and HEIF that need nothing travel byte for byte, measured
  from their headers without decoding a pixel; their structure is walked cheaply
  (JPEG markers up to EOI, PNG chunks up to IEND, the WEBP RIFF length) so a
  truncated file is refused, and bytes after the end of the image (a ZIP appended
  to a JPEG, a phone's motion-photo video, ...) are dropped rather than sent;
* any other raster format Pillow reads safely (GIF's first frame, BMP, TIFF, ICO,
  ...) and CMYK JPEGs are converted to 8-bit RGB/RGBA PNG (``converted_from`` says
  from what); 16-bit PNGs stay as they are (they are PNG);
* an EXIF orientation other than 1 is applied, so the model sees the image upright
  (only IFD0's orientation tag is read, never the rest of the EXIF);
  ``width``/``height`` describe what is sent, ``original_*`` the upright image before
  any downscale, so a normalised box maps straight back onto the original;
* every decode is bounded in memory before it starts (:mod:`.decode_budget`): an
  estimate from the header over ``max_decode_bytes`` is refused (a JPEG is decoded at
  1/2, 1/4 or 1/8 size instead when that fits), and concurrent decodes share one
  :class:`~langchain_gemini_vision.decode_budget.DecodeBudget`; only a GIF's first
  frame is read, and a JPEG's marker segments are counted before Pillow walks them;
* local files are read only inside ``allowed_dirs`` when given, opened so that the
  file read is the file checked (:mod:`._local_files`);
* every failure is an :class:`~langchain_gemini_vision.errors.ImageInputError` with a
  reason; no Pillow or OS exception escapes.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import hashlib
import io
import math
import os
import re
import warnings
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import aclosing, contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path, PurePath
from typing import Any, Literal

import numpy as np
from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, computed_field, model_validator

from langchain_gemini_vision._concurrency import aordered_map
from langchain_gemini_vision._local_files import (
    is_within,
    outside_allowed_dirs,
    read_local_file,
)
from langchain_gemini_vision._url_safety import (
    UrlPolicy,
    afetch_url,
    fetch_url,
    url_label,
)
from langchain_gemini_vision.decode_budget import (
    DEFAULT_MAX_DECODE_BYTES,
    SHARED_DECODE_BUDGET,
    DecodeBudget,
    check_decode_cost,
    decode_cost,
)
from langchain_gemini_vision.errors import ConfigurationError, ImageInputError
from langchain_gemini_vision.image_formats import (
    UNSUPPORTED_TYPES,
    check_jpeg_segments,
    check_pixels,
    exif_orientation,
    largest_embedded_size,
    png_size,
    sniff_mime_type,
    trim_to_image,
)
from langchain_gemini_vision.profiles import DEFAULT_INLINE_LIMIT_BYTES

__all__ = [
    "DEFAULT_INLINE_LIMIT_BYTES",
    "DEFAULT_MAX_DECODE_BYTES",
    "DEFAULT_MAX_FILE_BYTES",
    "MAX_IMAGES_PER_REQUEST",
    "SUPPORTED_MIME_TYPES",
    "DecodeBudget",
    "ImageSource",
    "PreparedImage",
    "aload_image",
    "aload_images",
    "base64_size",
    "fit_inline_budget",
    "is_image_data",
    "load_image",
    "load_images",
    "sniff_mime_type",
]

MAX_IMAGES_PER_REQUEST = 3600
"""Gemini API limit on image files in one request."""
DEFAULT_MAX_FILE_BYTES = 100 * 1024 * 1024
"""Largest local file, byte string or base64 payload accepted."""
SUPPORTED_MIME_TYPES = frozenset(
    {"image/png", "image/jpeg", "image/webp", "image/heic", "image/heif"}
)
"""What Gemini image understanding accepts; these travel unconverted."""

Placement = Literal["inline", "files_api", "uri"]
"""Where an image goes in a request: its bytes (``inline``, uploaded when large), an
existing Files API file (``files_api``) or a remote URI passed as is (``uri``)."""
ImageSource = Any
"""Anything :func:`load_image` accepts (see its docstring)."""

_EXIF_ORIENTATION = 0x0112
# Orientation tag -> the transposition that makes the image upright (as ImageOps does).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_JPEG_DRAFT_SCALES = (1, 2, 4, 8)
# Decoders that fill a buffer of their own before Pillow copies it into the image.
_OWN_BUFFER_DECODERS = frozenset({"WEBP", "HEIF", "AVIF"})
_STRIP_PIXELS = 1 << 18  # pixels converted at once from 16/32-bit grey
_JPEG_QUALITY = 95
_LABEL_LIMIT = 80
_TRANSPORT_RENAMED = (
    "PreparedImage.transport is deprecated, use placement (same values: the client's "
    "transport, lean or SDK, is another idea)"
)
_ACCEPTED = "Gemini image understanding accepts PNG, JPEG, WEBP, HEIC and HEIF"
_HEIC_EXTRA = "pip install 'langchain-gemini-vision[heic]'"

# Formats Pillow may open for conversion: each has a magic number, none shells out
# (EPS would run Ghostscript), none accepts arbitrary bytes (TGA has no magic).
_CONVERTIBLE_FORMATS = (
    "GIF",
    "BMP",
    "DIB",
    "TIFF",
    "ICO",
    "PPM",
    "QOI",
    "AVIF",
    "JPEG2000",
    "ICNS",
)
_PASS_THROUGH_FORMATS = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}

_FILES_NAME = re.compile(r"files/[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_FILES_URI = re.compile(
    r"https?://[^/?#\s]+/v1(?:beta|alpha)?/(files/[A-Za-z0-9][A-Za-z0-9_-]{0,63})/?"
)
_BASE64 = re.compile(r"[A-Za-z0-9+/_-]+={0,2}")


# --------------------------------------------------------------------------- model


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


# --------------------------------------------------------------------------- options


@dataclass(frozen=True)
class _Options:
    allowed_dirs: tuple[str, ...] | None
    max_side: int | None
    max_pixels: int | None
    fetch: bool
    url_policy: UrlPolicy | None
    inline_limit_bytes: int
    max_file_bytes: int
    max_decode_bytes: int = DEFAULT_MAX_DECODE_BYTES
    decode_budget: DecodeBudget = SHARED_DECODE_BUDGET


def _options(
    *,
    allowed_dirs: Iterable[str | PurePath] | None,
    max_side: int | None,
    max_pixels: int | None,
    fetch: bool,
    url_policy: UrlPolicy | None,
    inline_limit_bytes: int,
    max_file_bytes: int,
    max_decode_bytes: int = DEFAULT_MAX_DECODE_BYTES,
    decode_budget: DecodeBudget | None = None,
) -> _Options:
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
    return _Options(
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


# --------------------------------------------------------------------------- labels


def _printable(text: str, limit: int = _LABEL_LIMIT) -> str:
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --------------------------------------------------------------------------- pillow


def _open(data: bytes, formats: Sequence[str], label: str, mime: str | None) -> Image.Image:
    """Open headers only, with the decompression-bomb guard on; map every failure."""
    if not all(f in Image.OPEN for f in formats):
        Image.init()  # register every plugin: which are loaded depends on import order
    available = [f for f in formats if f in Image.OPEN] or list(formats)
    try:
        img = Image.open(io.BytesIO(data), formats=available)
    except Image.DecompressionBombError as exc:
        raise ImageInputError(label, "too_large", f"decompression bomb refused: {exc}") from exc
    except UnidentifiedImageError as exc:
        if mime is None:
            raise _not_an_image(data, label) from exc
        raise ImageInputError(
            label, "corrupted", f"the {mime} header cannot be read: {_clean(exc)}"
        ) from exc
    except Exception as exc:  # Pillow plugins raise many types on hostile input
        raise ImageInputError(
            label,
            "corrupted",
            f"the {mime or 'image'} header cannot be read: {type(exc).__name__}: {_clean(exc)}",
        ) from exc
    check_pixels(img.size, label)
    return img


def _clean(exc: BaseException) -> str:
    """Pillow's message without the ``<_io.BytesIO object at 0x...>`` noise."""
    return re.sub(r"\s*<_io\.BytesIO object at 0x[0-9a-fA-F]+>", "", str(exc)) or type(exc).__name__


def _not_an_image(data: bytes, label: str) -> ImageInputError:
    if not data:
        return ImageInputError(label, "not_an_image", "the data is empty (0 bytes)")
    if sniff_mime_type(data) == "text/html":
        return ImageInputError(label, "not_an_image", "this is an HTML page, not an image")
    return ImageInputError(
        label,
        "not_an_image",
        f"the data is not a recognised image (first bytes: {data[:8].hex()}); {_ACCEPTED}",
    )


@contextmanager
def _pixel_step(label: str, done: str) -> Iterator[None]:
    """Map what Pillow raises on hostile pixels to ``too_large`` or ``corrupted``."""
    try:
        yield
    except Image.DecompressionBombError as exc:
        raise ImageInputError(label, "too_large", f"decompression bomb refused: {exc}") from exc
    except MemoryError as exc:
        raise ImageInputError(
            label, "too_large", f"not enough memory: it cannot be {done}"
        ) from exc
    except ImageInputError:
        raise
    except Exception as exc:
        raise ImageInputError(
            label, "corrupted", f"the image cannot be {done}: {type(exc).__name__}: {exc}"
        ) from exc


def _decode(img: Image.Image, label: str) -> Image.Image:
    """Decode pixels (the first frame only: ``n_frames`` would walk every frame of a
    GIF), mapping every failure to ``corrupted``."""
    with _pixel_step(label, "decoded"):
        img.load()
    return img


def _orientation(img: Image.Image, png_exif: bytes | None) -> int | None:
    """EXIF orientation 2..8 from the raw EXIF block, IFD0 only; ``None`` otherwise.

    Never ``getexif()``: it parses every tag (and on a PNG decodes the image to find
    a late ``eXIf``). A TIFF's own tags were read by Pillow's ``open``.
    """
    if img.format == "TIFF":
        value = getattr(img, "tag_v2", {}).get(_EXIF_ORIENTATION)
        return value if isinstance(value, int) and 2 <= value <= 8 else None
    raw = png_exif or img.info.get("exif")
    return exif_orientation(raw) if isinstance(raw, bytes) else None


def _upright(size: tuple[int, int], orientation: int | None) -> tuple[int, int]:
    """The size once ``orientation`` is applied (5-8 swap the sides)."""
    return (size[1], size[0]) if orientation is not None and orientation >= 5 else size


def _transpose(img: Image.Image, orientation: int, label: str) -> Image.Image:
    with _pixel_step(label, "turned upright (EXIF orientation)"):
        return img.transpose(_UPRIGHT[orientation])


def _wide_to_rgb(img: Image.Image) -> Image.Image:
    """16/32-bit grey or float to 8-bit RGB, a strip of rows at a time.

    Values over 255 are scaled (high byte), floats up to 1.0 stretched to 255; no
    full-size wide copy is made (an int64 copy of a 9000x9000 image is 648 MB).
    """
    high = img.getextrema()[1]  # one band: (min, max)
    top = float(high) if isinstance(high, (int, float)) else 0.0
    width, height = img.size
    out = Image.new("RGB", img.size)
    rows = max(1, _STRIP_PIXELS // width)
    for y in range(0, height, rows):
        strip = np.asarray(img.crop((0, y, width, min(height, y + rows))))
        if img.mode == "F":
            eight = np.clip(strip * 255.0 if top <= 1.0 else strip, 0, 255).astype(np.uint8)
        elif img.mode == "I":  # 32-bit: may be negative or past 16 bits
            eight = np.clip(strip >> 8 if top > 255 else strip, 0, 255).astype(np.uint8)
        else:  # 16-bit: the high byte, or the value itself when all fit in 8 bits
            eight = (strip >> 8 if top > 255 else strip).astype(np.uint8)
        out.paste(Image.fromarray(eight, mode="L"), (0, y))
    return out


def _to_8bit(img: Image.Image) -> Image.Image:
    """RGB or RGBA, 8 bits per channel, from any Pillow mode."""
    mode = img.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _wide_to_rgb(img)
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if has_alpha:
        return img if mode == "RGBA" else img.convert("RGBA")
    return img if mode == "RGB" else img.convert("RGB")


def _encode(img: Image.Image, fmt: Literal["PNG", "JPEG"], icc: bytes | None) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(out, "JPEG", quality=_JPEG_QUALITY, icc_profile=icc, optimize=True)
    else:
        img.save(out, "PNG", icc_profile=icc, compress_level=6)
    return out.getvalue()


def _target_size(width: int, height: int, opts: _Options) -> tuple[int, int] | None:
    scale = 1.0
    if opts.max_side is not None and max(width, height) > opts.max_side:
        scale = opts.max_side / max(width, height)
    if opts.max_pixels is not None and width * height > opts.max_pixels:
        scale = min(scale, math.sqrt(opts.max_pixels / (width * height)))
    if scale >= 1.0:
        return None
    new_w = max(1, min(width, round(width * scale)))
    new_h = max(1, min(height, round(height * scale)))
    if opts.max_side is not None:
        new_w, new_h = min(new_w, opts.max_side), min(new_h, opts.max_side)
    if opts.max_pixels is not None:
        while new_w * new_h > opts.max_pixels and (new_w > 1 or new_h > 1):
            if new_w >= new_h:
                new_w -= 1
            else:
                new_h -= 1
    return new_w, new_h


def _resize(img: Image.Image, size: tuple[int, int], label: str) -> Image.Image:
    with _pixel_step(label, "resized"):
        if img.mode not in ("RGB", "RGBA", "L", "LA"):
            img = _to_8bit(img)
        return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


# --------------------------------------------------------------------------- bytes


def _finish(
    data: bytes,
    *,
    mime: str,
    label: str,
    size: tuple[int, int] | None,
    original: tuple[int, int] | None,
    opts: _Options,
    converted_from: str | None = None,
    exif_orientation: int | None = None,
    downscaled: bool = False,
) -> PreparedImage:
    return PreparedImage(
        placement="inline",
        data=data,
        mime_type=mime,
        width=size[0] if size else None,
        height=size[1] if size else None,
        original_width=original[0] if original else None,
        original_height=original[1] if original else None,
        converted_from=converted_from,
        exif_orientation=exif_orientation,
        downscaled=downscaled,
        needs_upload=base64_size(len(data)) > opts.inline_limit_bytes,
        source_label=label,
    )


def _prepare_bytes(data: bytes, label: str, opts: _Options) -> PreparedImage:
    """The core: bytes in any format -> a prepared inline image."""
    if not data:
        raise _not_an_image(data, label)
    if len(data) > opts.max_file_bytes:
        raise ImageInputError(
            label, "too_large", f"{len(data)} bytes is over the {opts.max_file_bytes}-byte limit"
        )
    mime = sniff_mime_type(data)
    if mime in UNSUPPORTED_TYPES:
        raise ImageInputError(
            label,
            "unsupported",
            f"this is {UNSUPPORTED_TYPES[mime]} ({mime}), not a raster image; {_ACCEPTED}",
        )
    if mime == "text/html":
        raise _not_an_image(data, label)
    if mime in ("image/heic", "image/heif"):
        return _prepare_heif(data, mime, label, opts)
    if mime in _PASS_THROUGH_FORMATS:
        return _prepare_web_format(data, mime, label, opts)
    return _convert_other(data, mime, label, opts)


def _fit_decode(
    img: Image.Image,
    label: str,
    opts: _Options,
    *,
    orientation: int | None,
    to_png: bool,
    declared: tuple[int, int] | None = None,
) -> tuple[int, tuple[int, int] | None]:
    """Choose how to decode ``img`` within ``opts.max_decode_bytes``: the estimate, and
    the upright size to resize the decoded pixels to (``None``: send them as they are).

    A JPEG is decoded at 1/2, 1/4 or 1/8 size (DCT scaling, Pillow's draft mode) when
    that still covers the size to send, or when the full size would not fit the
    budget (it is then sent at that size, ``downscaled``). Any other format is
    decoded whole or refused. ``declared`` overrides the header's size (a container
    whose embedded picture is larger than it says).

    Raises:
        ImageInputError: ``too_large``: over the budget at every size it can decode at.
    """
    full = declared or img.size
    mode = img.mode
    wanted = _target_size(*_upright(full, orientation), opts)

    def cost(scale: int) -> tuple[int, tuple[int, int] | None]:
        decoded = (-(-full[0] // scale), -(-full[1] // scale))
        out = _target_size(*_upright(decoded, orientation), opts)
        estimate = decode_cost(
            decoded,
            mode,
            decoder_copy=img.format in _OWN_BUFFER_DECODERS,
            turn=orientation is not None,
            full_copy=mode not in ("RGB", "RGBA", "L", "LA"),
            out=out,
            out_copy=to_png and mode not in ("RGB", "RGBA"),
        )
        return estimate, out

    def covers(scale: int) -> bool:  # decoding at 1/scale still gives what is sent
        if wanted is None:
            return scale == 1
        width, height = _upright((full[0] // scale, full[1] // scale), orientation)
        return width >= wanted[0] and height >= wanted[1]

    scales = _JPEG_DRAFT_SCALES if img.format == "JPEG" else (1,)
    first = max((s for s in scales if covers(s)), default=1)
    candidates = [s for s in scales if s >= first]
    for scale in candidates:
        estimate, out = cost(scale)
        if estimate <= opts.max_decode_bytes:
            break
    what = f"{full[0]}x{full[1]} {mode} {img.format or 'image'}"
    if scale > 1:
        what += f" (even at 1/{scale} size)"
    check_decode_cost(estimate, opts.max_decode_bytes, what, label)
    if scale > 1:
        img.draft(mode, (full[0] // scale, full[1] // scale))
    return estimate, out


def _prepare_web_format(data: bytes, mime: str, label: str, opts: _Options) -> PreparedImage:
    """PNG, JPEG, WEBP: pass through untouched unless something must change."""
    data, png_exif = trim_to_image(data, mime, label)
    if mime == "image/png":
        size = png_size(data, label)
        if exif_orientation(png_exif) is None and _target_size(*size, opts) is None:
            return _finish(data, mime=mime, label=label, size=size, original=size, opts=opts)
    elif mime == "image/jpeg":
        check_jpeg_segments(data, label)
    img = _open(data, [_PASS_THROUGH_FORMATS[mime]], label, mime)
    with img:
        orientation = _orientation(img, png_exif)
        cmyk = mime == "image/jpeg" and img.mode == "CMYK"
        upright = _upright(img.size, orientation)
        target = _target_size(*upright, opts)
        if orientation is None and target is None and not cmyk:
            return _finish(
                data, mime=mime, label=label, size=img.size, original=img.size, opts=opts
            )
        # Something must change: decode once (within the budget), fix, re-encode.
        icc = None if cmyk else img.info.get("icc_profile")
        out_format: Literal["PNG", "JPEG"] = "JPEG" if mime == "image/jpeg" and not cmyk else "PNG"
        estimate, target = _fit_decode(
            img, label, opts, orientation=orientation, to_png=out_format == "PNG"
        )
        with opts.decode_budget.reserve(estimate, label):
            pixels = _decode(img, label)
            if orientation is not None:
                pixels = _transpose(pixels, orientation, label)
            if cmyk:
                pixels = pixels.convert("RGB")
            if target is not None:
                pixels = _resize(pixels, target, label)
            if out_format == "PNG":
                pixels = _to_8bit(pixels)
            encoded = _encode(pixels, out_format, icc)
        out_mime = "image/jpeg" if out_format == "JPEG" else "image/png"
        return _finish(
            encoded,
            mime=out_mime,
            label=label,
            size=pixels.size,
            original=upright,
            opts=opts,
            converted_from=mime if out_mime != mime else None,
            exif_orientation=orientation,
            downscaled=pixels.size != upright,
        )


def _convert_other(data: bytes, mime: str | None, label: str, opts: _Options) -> PreparedImage:
    """Formats Gemini does not take: decode the first frame, send PNG."""
    embedded = largest_embedded_size(data)
    if embedded is not None:  # ICO decodes at open: measure what it embeds first
        what = f"{embedded[0]}x{embedded[1]} picture inside a {mime or 'container'}"
        check_decode_cost(decode_cost(embedded, "RGBA"), opts.max_decode_bytes, what, label)
    img = _open(data, _CONVERTIBLE_FORMATS, label, mime)
    with img:
        source_mime = mime or Image.MIME.get(img.format or "", None) or "image/unknown"
        if img.format == "AVIF" or source_mime == "image/avif":
            source_mime = "image/avif"
        icc = img.info.get("icc_profile") if img.mode != "CMYK" else None
        orientation = _orientation(img, None)
        declared = None
        if embedded is not None and embedded[0] * embedded[1] > img.width * img.height:
            declared = embedded
        estimate, _ = _fit_decode(
            img, label, opts, orientation=orientation, to_png=True, declared=declared
        )
        with opts.decode_budget.reserve(estimate, label):
            pixels = _decode(img, label)
            if orientation is not None:
                pixels = _transpose(pixels, orientation, label)
            pixels = _to_8bit(pixels)
            upright = pixels.size
            target = _target_size(*upright, opts)
            if target is not None:
                pixels = _resize(pixels, target, label)
            encoded = _encode(pixels, "PNG", icc)
    return _finish(
        encoded,
        mime="image/png",
        label=label,
        size=pixels.size,
        original=upright,
        opts=opts,
        converted_from=source_mime,
        exif_orientation=orientation,
        downscaled=target is not None,
    )


def _heif_available() -> bool:
    try:
        import pillow_heif
    except ImportError:
        return False
    if "HEIF" not in Image.OPEN:
        pillow_heif.register_heif_opener()
    return True


def _prepare_heif(data: bytes, mime: str, label: str, opts: _Options) -> PreparedImage:
    """HEIC/HEIF travel as they are; pillow-heif measures them (and decodes to downscale).

    The HEIF container's own rotation (``irot``/``imir``) is what decoders apply, and
    pillow-heif reports the size after it; EXIF orientation inside HEIF is not applied.
    """
    needs_decode = opts.max_side is not None or opts.max_pixels is not None
    if not _heif_available():
        if needs_decode:
            raise ImageInputError(
                label,
                "heic_support_missing",
                f"resizing {mime} needs pillow-heif: {_HEIC_EXTRA}",
            )
        return _finish(data, mime=mime, label=label, size=None, original=None, opts=opts)
    img = _open(data, ["HEIF"], label, mime)
    with img:
        size = img.size
        target = _target_size(*size, opts)
        if target is None:
            return _finish(data, mime=mime, label=label, size=size, original=size, opts=opts)
        estimate, _ = _fit_decode(img, label, opts, orientation=None, to_png=True)
        with opts.decode_budget.reserve(estimate, label):
            pixels = _resize(_to_8bit(_decode(img, label)), target, label)
            encoded = _encode(pixels, "PNG", None)
    return _finish(
        encoded,
        mime="image/png",
        label=label,
        size=pixels.size,
        original=size,
        opts=opts,
        converted_from=mime,
        downscaled=True,
    )


# --------------------------------------------------------------------------- in-memory


def _from_pil(img: Image.Image, opts: _Options) -> PreparedImage:
    label = _printable(f"PIL image {img.width}x{img.height} {img.mode}")
    check_pixels(img.size, label)
    try:
        img.load()
        raw = img.info.get("exif")
        if isinstance(raw, bytes):  # the file's EXIF: read the one tag, not all of them
            orientation = exif_orientation(raw)
        else:  # set in memory by the caller
            value = img.getexif().get(_EXIF_ORIENTATION)
            orientation = value if isinstance(value, int) and 2 <= value <= 8 else None
        upright = _transpose(img, orientation, label) if orientation is not None else img
        buffer = io.BytesIO()
        _to_8bit(upright).save(buffer, "PNG", compress_level=6)
    except ImageInputError:
        raise
    except Exception as exc:
        raise ImageInputError(
            label, "corrupted", f"the image cannot be encoded: {type(exc).__name__}: {exc}"
        ) from exc
    prepared = _prepare_bytes(buffer.getvalue(), label, opts)
    return prepared.model_copy(update={"exif_orientation": orientation})


def _from_array(array: np.ndarray[Any, Any], opts: _Options) -> PreparedImage:
    shape = "x".join(str(s) for s in array.shape)
    label = f"numpy array {shape} {array.dtype}"
    if array.dtype != np.uint8:
        raise ImageInputError(
            label, "unsupported", "only uint8 arrays are accepted (convert with .astype(np.uint8))"
        )
    if array.ndim == 3 and array.shape[2] == 1:
        array = array[:, :, 0]
    if not (array.ndim == 2 or (array.ndim == 3 and array.shape[2] in (3, 4))):
        raise ImageInputError(label, "not_an_image", "expected a HxW, HxWx3 or HxWx4 array")
    if array.shape[0] == 0 or array.shape[1] == 0:
        raise ImageInputError(label, "not_an_image", "the array is empty")
    check_pixels((array.shape[1], array.shape[0]), label)
    mode = {2: "L", 3: "RGB", 4: "RGBA"}[array.ndim if array.ndim == 2 else array.shape[2]]
    img = Image.fromarray(np.ascontiguousarray(array), mode=mode)
    buffer = io.BytesIO()
    (img.convert("RGB") if mode == "L" else img).save(buffer, "PNG", compress_level=6)
    return _prepare_bytes(buffer.getvalue(), label, opts)


def _read_stream(stream: Any, opts: _Options) -> tuple[bytes, str]:
    name = getattr(stream, "name", None)
    label = _printable(f"file object {name}" if isinstance(name, str) else "file object")
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


# --------------------------------------------------------------------------- local files


def _read_path(path: str | PurePath, opts: _Options) -> tuple[bytes, str]:
    raw = os.fspath(path)
    label = _printable(raw)
    if "\x00" in raw:
        raise ImageInputError(label, "invalid_reference", "the path contains a NUL byte")
    return read_local_file(raw, label, opts.allowed_dirs, opts.max_file_bytes), label


# --------------------------------------------------------------------------- strings


@dataclass(frozen=True)
class _Download:
    url: str
    label: str


def _decode_base64(text: str, label: str, *, strict: bool) -> bytes | None:
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
    decoded = _decode_base64(compact[:4096], "base64", strict=False)
    return decoded is not None and sniff_mime_type(decoded) is not None


def _from_data_uri(uri: str, opts: _Options) -> PreparedImage:
    header, sep, payload = uri.partition(",")
    label = _printable(f"{header[:40]},… ({len(uri)} chars)")
    if not sep:
        raise ImageInputError(label, "invalid_reference", "a data: URI needs a ',' before the data")
    if len(payload) > base64_size(opts.max_file_bytes) + 1024:
        raise ImageInputError(label, "too_large", f"over the {opts.max_file_bytes}-byte limit")
    if header.lower().endswith(";base64"):
        data = _decode_base64(payload, label, strict=True)
        assert data is not None
    else:
        from urllib.parse import unquote_to_bytes

        data = unquote_to_bytes(payload)
    return _prepare_bytes(data, label, opts)


def _classify_url(text: str, opts: _Options) -> PreparedImage | _Download:
    """URL-shaped strings: data:, Files API, gs://, http(s). Never a local path."""
    stripped = text.strip()
    lowered = stripped.lower()
    if lowered.startswith("data:"):
        return _from_data_uri(stripped, opts)
    label = url_label(stripped)
    files = _FILES_URI.fullmatch(stripped)
    if files is not None:
        return PreparedImage(
            placement="files_api", file_name=files.group(1), uri=stripped, source_label=label
        )
    if _FILES_NAME.fullmatch(stripped):
        return PreparedImage(placement="files_api", file_name=stripped, source_label=label)
    scheme = lowered.split(":", 1)[0]
    if scheme == "gs":
        if not re.fullmatch(r"gs://[a-z0-9][a-z0-9._-]{2,221}/.+", stripped, re.IGNORECASE):
            raise ImageInputError(label, "invalid_reference", "expected gs://bucket/object")
        return PreparedImage(placement="uri", uri=stripped, source_label=label)
    if scheme in ("http", "https"):
        from urllib.parse import urlsplit

        try:
            host = urlsplit(stripped).hostname
        except ValueError as exc:
            raise ImageInputError(label, "invalid_reference", f"malformed URL: {exc}") from exc
        if not host:
            raise ImageInputError(label, "invalid_reference", "the URL has no host")
        if opts.fetch:
            return _Download(stripped, label)
        return PreparedImage(placement="uri", uri=stripped, source_label=label)
    raise ImageInputError(
        label,
        "blocked_url",
        f"the {scheme!r} scheme is not accepted; use http(s)://, gs://, data: or a Files API name",
    )


_URL_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*://|data:|files/", re.IGNORECASE)


def _looks_like_path(text: str) -> bool:
    return (
        "/" in text
        or "\\" in text
        or text.startswith(("~", "."))
        or bool(re.search(r"\.[A-Za-z0-9]{1,5}$", text))
    )


def _from_string(text: str, opts: _Options) -> PreparedImage | _Download | tuple[bytes, str]:
    stripped = text.strip()
    if not stripped:
        raise ImageInputError("''", "invalid_reference", "the image reference is empty")
    if _URL_PREFIX.match(stripped) and (
        not stripped.lower().startswith("files/") or _FILES_NAME.fullmatch(stripped)
    ):
        return _classify_url(stripped, opts)
    # A path that exists wins over base64 (only short strings can be paths).
    if len(text) < 4096 and "\x00" not in text:
        candidate = Path(text).expanduser()
        if os.path.lexists(candidate):
            return _read_path(text, opts)
    # A path outside is answered as such whether it exists or not (no oracle), unless
    # it is base64 of an image.
    outside = (
        opts.allowed_dirs is not None
        and _looks_like_path(text)
        and not any(
            is_within(os.path.realpath(Path(text).expanduser()), allowed)
            for allowed in opts.allowed_dirs
        )
    )
    if len(stripped) >= 16:
        decoded = _decode_base64(stripped, "base64 string", strict=False)
        if decoded is not None and (
            sniff_mime_type(decoded) or (len(stripped) >= 64 and not outside)
        ):
            label = f"base64 string ({len(stripped)} chars)"
            if len(decoded) > opts.max_file_bytes:
                raise ImageInputError(
                    label, "too_large", f"over the {opts.max_file_bytes}-byte limit"
                )
            return decoded, label
    label = _printable(text)
    if outside:
        raise outside_allowed_dirs(label)
    if _looks_like_path(text):
        raise ImageInputError(label, "not_found", "no such file")
    raise ImageInputError(
        label,
        "invalid_reference",
        "not an existing file, a URL, a gs:// URI, a Files API name, a data: URI or base64",
    )


# --------------------------------------------------------------------------- blocks


def _from_block(block: Mapping[str, Any], opts: _Options) -> PreparedImage | _Download:
    kind = block.get("type")
    label = _printable(f"content block type={kind!r}")
    if kind == "image_url":
        inner = block.get("image_url")
        url = inner.get("url") if isinstance(inner, Mapping) else inner
        if not isinstance(url, str) or not url.strip():
            raise ImageInputError(label, "invalid_reference", "image_url.url must be a string")
        return _block_url(url, opts, label)
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
        data = _decode_base64(value, blabel, strict=True)
        assert data is not None
        return _prepare_bytes(data, blabel, opts)
    if key == "file_id":
        stripped = value.strip()
        if _FILES_NAME.fullmatch(stripped) or _FILES_URI.fullmatch(stripped):
            result = _classify_url(stripped, opts)
            assert isinstance(result, PreparedImage)
            return result
        raise ImageInputError(
            _printable(value),
            "invalid_reference",
            "file_id must be a Gemini Files API name like 'files/abc123' or its URI",
        )
    return _block_url(value, opts, label)


def _block_url(url: str, opts: _Options, label: str) -> PreparedImage | _Download:
    # A URL from a conversation never reads the local disk.
    if not _URL_PREFIX.match(url.strip()):
        raise ImageInputError(
            _printable(url) or label,
            "invalid_reference",
            "a block's url must be http(s)://, gs://, data: or a Files API URI",
        )
    return _classify_url(url, opts)


# --------------------------------------------------------------------------- dispatch


def _dispatch(source: Any, opts: _Options) -> PreparedImage | _Download:
    if isinstance(source, PreparedImage):
        return source
    if isinstance(source, Image.Image):
        return _from_pil(source, opts)
    if isinstance(source, np.ndarray):
        return _from_array(source, opts)
    if isinstance(source, (bytes, bytearray, memoryview)):
        data = bytes(source)
        return _prepare_bytes(data, f"{type(source).__name__} ({len(data)} bytes)", opts)
    if isinstance(source, PurePath):
        data, label = _read_path(source, opts)
        return _prepare_bytes(data, label, opts)
    if isinstance(source, str):
        result = _from_string(source, opts)
        if isinstance(result, tuple):
            return _prepare_bytes(result[0], result[1], opts)
        return result
    if isinstance(source, Mapping):
        return _from_block(source, opts)
    if hasattr(source, "read"):
        data, label = _read_stream(source, opts)
        return _prepare_bytes(data, label, opts)
    raise ImageInputError(
        _printable(type(source).__name__),
        "invalid_reference",
        "unsupported image source type; pass a path, URL, bytes, base64, PIL image, "
        "numpy array or image content block",
    )


def _safe_dispatch(source: Any, opts: _Options) -> PreparedImage | _Download:
    try:
        return _dispatch(source, opts)
    except (ImageInputError, ConfigurationError):
        raise
    except MemoryError as exc:
        raise ImageInputError(_describe(source), "too_large", "not enough memory") from exc
    except Exception as exc:  # last line of defence: nothing but ImageInputError escapes
        raise ImageInputError(
            _describe(source), "corrupted", f"{type(exc).__name__}: {exc}"
        ) from exc


def _safe_bytes(data: bytes, label: str, opts: _Options) -> PreparedImage:
    try:
        return _prepare_bytes(data, label, opts)
    except (ImageInputError, ConfigurationError):
        raise
    except MemoryError as exc:
        raise ImageInputError(label, "too_large", "not enough memory") from exc
    except Exception as exc:
        raise ImageInputError(label, "corrupted", f"{type(exc).__name__}: {exc}") from exc


def _describe(source: Any) -> str:
    if isinstance(source, str):
        return _printable(source) if len(source) < 200 else f"string ({len(source)} chars)"
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"{type(source).__name__} ({len(source)} bytes)"
    return _printable(type(source).__name__)


def load_image(
    source: ImageSource,
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
) -> PreparedImage:
    """Turn one image source into a :class:`PreparedImage`.

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
        allowed_dirs: When given, local files must resolve (symlinks followed) inside one,
            and are opened from that folder down without following any symlink, so a
            folder swapped for a symlink after the check cannot lead outside.
        max_side: Downscale (LANCZOS) so neither side exceeds this.
        max_pixels: Downscale so width x height does not exceed this.
        fetch: Download ``http(s)`` URLs (through the URL-safety policy) to measure,
            convert or downscale them. Without it, URLs are passed to Gemini as they
            are (``placement="uri"``, type and size unknown). ``gs://`` and Files API
            references are never downloaded.
        url_policy: The download policy (default :class:`UrlPolicy()`).
        inline_limit_bytes: An image whose base64 alone exceeds this is marked
            ``needs_upload``.
        max_file_bytes: Largest file, byte string or payload accepted.
        max_decode_bytes: Most memory decoding one image may need (estimated from its
            header, before decoding). A JPEG over it is decoded at 1/2, 1/4 or 1/8 size
            (``downscaled``); anything else over it is refused (``too_large``).
        decode_budget: What all concurrent decodes may hold at once; the process-wide
            :data:`~langchain_gemini_vision.decode_budget.SHARED_DECODE_BUDGET` by default.

    Raises:
        ImageInputError: for every bad input, with ``reason`` saying why.
        ConfigurationError: for invalid options (``max_side=0``, ...).
    """
    opts = _options(
        allowed_dirs=allowed_dirs,
        max_side=max_side,
        max_pixels=max_pixels,
        fetch=fetch,
        url_policy=url_policy,
        inline_limit_bytes=inline_limit_bytes,
        max_file_bytes=max_file_bytes,
        max_decode_bytes=max_decode_bytes,
        decode_budget=decode_budget,
    )
    result = _safe_dispatch(source, opts)
    if isinstance(result, _Download):
        data, _content_type = fetch_url(result.url, opts.url_policy or UrlPolicy())
        return _safe_bytes(data, result.label, opts)
    return result


async def aload_image(
    source: ImageSource,
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
) -> PreparedImage:
    """Async :func:`load_image`: file and pixel work in a thread, downloads async."""
    opts = _options(
        allowed_dirs=allowed_dirs,
        max_side=max_side,
        max_pixels=max_pixels,
        fetch=fetch,
        url_policy=url_policy,
        inline_limit_bytes=inline_limit_bytes,
        max_file_bytes=max_file_bytes,
        max_decode_bytes=max_decode_bytes,
        decode_budget=decode_budget,
    )
    result = await asyncio.to_thread(_safe_dispatch, source, opts)
    if isinstance(result, _Download):
        data, _content_type = await afetch_url(result.url, opts.url_policy or UrlPolicy())
        return await asyncio.to_thread(_safe_bytes, data, result.label, opts)
    return result


def _as_list(sources: Iterable[ImageSource]) -> list[ImageSource]:
    single = (str, bytes, bytearray, memoryview, PurePath, Mapping, Image.Image, np.ndarray)
    if isinstance(sources, single):
        raise ImageInputError(
            _describe(sources), "invalid_reference", "load_images takes a list of sources"
        )
    items = list(sources)
    if len(items) > MAX_IMAGES_PER_REQUEST:
        raise ImageInputError(
            f"{len(items)} images",
            "too_many_images",
            f"Gemini accepts at most {MAX_IMAGES_PER_REQUEST} images per request",
        )
    return items


def load_images(
    sources: Iterable[ImageSource],
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
) -> list[PreparedImage]:
    """:func:`load_image` for each source, in order; at most 3,600 sources."""
    items = _as_list(sources)
    return [
        load_image(
            item,
            allowed_dirs=allowed_dirs,
            max_side=max_side,
            max_pixels=max_pixels,
            fetch=fetch,
            url_policy=url_policy,
            inline_limit_bytes=inline_limit_bytes,
            max_file_bytes=max_file_bytes,
            max_decode_bytes=max_decode_bytes,
            decode_budget=decode_budget,
        )
        for item in items
    ]


async def aload_images(
    sources: Iterable[ImageSource],
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
    concurrency: int = 8,
) -> list[PreparedImage]:
    """Async :func:`load_images`: up to ``concurrency`` sources at a time, order kept.

    The first failure (in input order) is raised, and the loads still running are cancelled.
    """
    items = _as_list(sources)

    async def one(item: ImageSource) -> PreparedImage:
        return await aload_image(
            item,
            allowed_dirs=allowed_dirs,
            max_side=max_side,
            max_pixels=max_pixels,
            fetch=fetch,
            url_policy=url_policy,
            inline_limit_bytes=inline_limit_bytes,
            max_file_bytes=max_file_bytes,
            max_decode_bytes=max_decode_bytes,
            decode_budget=decode_budget,
        )

    async with aclosing(aordered_map(one, items, limit=max(1, concurrency))) as outcomes:
        return [outcome.unwrap() async for outcome in outcomes]


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
