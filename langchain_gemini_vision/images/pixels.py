"""Pillow work: open headers, decode within the budget, turn upright, convert, resize, encode.

Every step maps what Pillow raises on hostile input to an
:class:`~langchain_gemini_vision.errors.ImageInputError` (``corrupted``, ``too_large``);
:func:`fit_decode` chooses, from the header alone, how a picture can be decoded within
``max_decode_bytes`` (a JPEG at 1/2, 1/4 or 1/8 size when that is enough or all that fits).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from typing import Literal

import numpy as np
from PIL import Image, UnidentifiedImageError

from langchain_gemini_vision.decode_budget import check_decode_cost, decode_cost
from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.image_formats import check_pixels, exif_orientation, sniff_mime_type
from langchain_gemini_vision.images.options import LoadOptions

__all__ = [
    "ACCEPTED",
    "EXIF_ORIENTATION",
    "decode_pixels",
    "encode",
    "fit_decode",
    "not_an_image",
    "open_image",
    "orientation_of",
    "resize",
    "target_size",
    "to_8bit",
    "transpose_upright",
    "upright_size",
]

EXIF_ORIENTATION = 0x0112
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
ACCEPTED = "Gemini image understanding accepts PNG, JPEG, WEBP, HEIC and HEIF"


def open_image(data: bytes, formats: Sequence[str], label: str, mime: str | None) -> Image.Image:
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
            raise not_an_image(data, label) from exc
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


def not_an_image(data: bytes, label: str) -> ImageInputError:
    if not data:
        return ImageInputError(label, "not_an_image", "the data is empty (0 bytes)")
    if sniff_mime_type(data) == "text/html":
        return ImageInputError(label, "not_an_image", "this is an HTML page, not an image")
    return ImageInputError(
        label,
        "not_an_image",
        f"the data is not a recognised image (first bytes: {data[:8].hex()}); {ACCEPTED}",
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


def decode_pixels(img: Image.Image, label: str) -> Image.Image:
    """Decode pixels (the first frame only: ``n_frames`` would walk every frame of a
    GIF), mapping every failure to ``corrupted``."""
    with _pixel_step(label, "decoded"):
        img.load()
    return img


def orientation_of(img: Image.Image, png_exif: bytes | None) -> int | None:
    """EXIF orientation 2..8 from the raw EXIF block, IFD0 only; ``None`` otherwise.

    Never ``getexif()``: it parses every tag (and on a PNG decodes the image to find
    a late ``eXIf``). A TIFF's own tags were read by Pillow's ``open``.
    """
    if img.format == "TIFF":
        value = getattr(img, "tag_v2", {}).get(EXIF_ORIENTATION)
        return value if isinstance(value, int) and 2 <= value <= 8 else None
    raw = png_exif or img.info.get("exif")
    return exif_orientation(raw) if isinstance(raw, bytes) else None


def upright_size(size: tuple[int, int], orientation: int | None) -> tuple[int, int]:
    """The size once ``orientation`` is applied (5-8 swap the sides)."""
    return (size[1], size[0]) if orientation is not None and orientation >= 5 else size


def transpose_upright(img: Image.Image, orientation: int, label: str) -> Image.Image:
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


def to_8bit(img: Image.Image) -> Image.Image:
    """RGB or RGBA, 8 bits per channel, from any Pillow mode."""
    mode = img.mode
    if mode.startswith("I;16") or mode in ("I", "F"):
        return _wide_to_rgb(img)
    has_alpha = mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in img.info
    if has_alpha:
        return img if mode == "RGBA" else img.convert("RGBA")
    return img if mode == "RGB" else img.convert("RGB")


def encode(img: Image.Image, fmt: Literal["PNG", "JPEG"], icc: bytes | None) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        if img.mode not in ("RGB", "L"):
            img = img.convert("RGB")
        img.save(out, "JPEG", quality=_JPEG_QUALITY, icc_profile=icc, optimize=True)
    else:
        img.save(out, "PNG", icc_profile=icc, compress_level=6)
    return out.getvalue()


def target_size(width: int, height: int, opts: LoadOptions) -> tuple[int, int] | None:
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


def resize(img: Image.Image, size: tuple[int, int], label: str) -> Image.Image:
    with _pixel_step(label, "resized"):
        if img.mode not in ("RGB", "RGBA", "L", "LA"):
            img = to_8bit(img)
        return img.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def fit_decode(
    img: Image.Image,
    label: str,
    opts: LoadOptions,
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
    wanted = target_size(*upright_size(full, orientation), opts)

    def cost(scale: int) -> tuple[int, tuple[int, int] | None]:
        decoded = (-(-full[0] // scale), -(-full[1] // scale))
        out = target_size(*upright_size(decoded, orientation), opts)
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
        width, height = upright_size((full[0] // scale, full[1] // scale), orientation)
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
