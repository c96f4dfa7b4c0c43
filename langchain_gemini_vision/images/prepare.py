"""Bytes in any image format, and in-memory pictures, to an inline :class:`PreparedImage`.

PNG, JPEG, WEBP, HEIC and HEIF that need nothing travel byte for byte, measured from
their headers; what must change (an EXIF orientation, a downscale, a CMYK JPEG) is
decoded once within the decode budget and re-encoded; any other raster format Pillow
reads safely is converted to PNG. PIL images and numpy arrays are encoded to PNG first.
"""

from __future__ import annotations

import io
from typing import Any, Literal

import numpy as np
from PIL import Image

from langchain_gemini_vision._text import short_label
from langchain_gemini_vision.decode_budget import check_decode_cost, decode_cost
from langchain_gemini_vision.errors import ImageInputError
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
from langchain_gemini_vision.images.model import PreparedImage, base64_size
from langchain_gemini_vision.images.options import LoadOptions
from langchain_gemini_vision.images.pixels import (
    ACCEPTED,
    EXIF_ORIENTATION,
    decode_pixels,
    encode,
    fit_decode,
    not_an_image,
    open_image,
    orientation_of,
    resize,
    target_size,
    to_8bit,
    transpose_upright,
    upright_size,
)

__all__ = ["from_array", "from_pil", "prepare_bytes"]

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


def _finish(
    data: bytes,
    *,
    mime: str,
    label: str,
    size: tuple[int, int] | None,
    original: tuple[int, int] | None,
    opts: LoadOptions,
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


def _as_png(
    encoded: bytes,
    pixels: Image.Image,
    label: str,
    opts: LoadOptions,
    *,
    original: tuple[int, int],
    source_mime: str,
    downscaled: bool,
    orientation: int | None = None,
) -> PreparedImage:
    """A picture decoded and sent as PNG: another format converted, or a HEIF resized."""
    return _finish(
        encoded,
        mime="image/png",
        label=label,
        size=pixels.size,
        original=original,
        opts=opts,
        converted_from=source_mime,
        exif_orientation=orientation,
        downscaled=downscaled,
    )


def prepare_bytes(data: bytes, label: str, opts: LoadOptions) -> PreparedImage:
    """The core: bytes in any format -> a prepared inline image."""
    if not data:
        raise not_an_image(data, label)
    if len(data) > opts.max_file_bytes:
        raise ImageInputError(
            label, "too_large", f"{len(data)} bytes is over the {opts.max_file_bytes}-byte limit"
        )
    mime = sniff_mime_type(data)
    if mime in UNSUPPORTED_TYPES:
        raise ImageInputError(
            label,
            "unsupported",
            f"this is {UNSUPPORTED_TYPES[mime]} ({mime}), not a raster image; {ACCEPTED}",
        )
    if mime == "text/html":
        raise not_an_image(data, label)
    if mime in ("image/heic", "image/heif"):
        return _prepare_heif(data, mime, label, opts)
    if mime in _PASS_THROUGH_FORMATS:
        return _prepare_web_format(data, mime, label, opts)
    return _convert_other(data, mime, label, opts)


def _prepare_web_format(data: bytes, mime: str, label: str, opts: LoadOptions) -> PreparedImage:
    """PNG, JPEG, WEBP: pass through untouched unless something must change."""
    data, png_exif = trim_to_image(data, mime, label)
    if mime == "image/png":
        size = png_size(data, label)
        if exif_orientation(png_exif) is None and target_size(*size, opts) is None:
            return _finish(data, mime=mime, label=label, size=size, original=size, opts=opts)
    elif mime == "image/jpeg":
        check_jpeg_segments(data, label)
    img = open_image(data, [_PASS_THROUGH_FORMATS[mime]], label, mime)
    with img:
        orientation = orientation_of(img, png_exif)
        cmyk = mime == "image/jpeg" and img.mode == "CMYK"
        upright = upright_size(img.size, orientation)
        target = target_size(*upright, opts)
        if orientation is None and target is None and not cmyk:
            return _finish(
                data, mime=mime, label=label, size=img.size, original=img.size, opts=opts
            )
        # Something must change: decode once (within the budget), fix, re-encode.
        icc = None if cmyk else img.info.get("icc_profile")
        out_format: Literal["PNG", "JPEG"] = "JPEG" if mime == "image/jpeg" and not cmyk else "PNG"
        estimate, target = fit_decode(
            img, label, opts, orientation=orientation, to_png=out_format == "PNG"
        )
        with opts.decode_budget.reserve(estimate, label):
            pixels = decode_pixels(img, label)
            if orientation is not None:
                pixels = transpose_upright(pixels, orientation, label)
            if cmyk:
                pixels = pixels.convert("RGB")
            if target is not None:
                pixels = resize(pixels, target, label)
            if out_format == "PNG":
                pixels = to_8bit(pixels)
            encoded = encode(pixels, out_format, icc)
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


def _convert_other(data: bytes, mime: str | None, label: str, opts: LoadOptions) -> PreparedImage:
    """Formats Gemini does not take: decode the first frame, send PNG."""
    embedded = largest_embedded_size(data)
    if embedded is not None:  # ICO decodes at open: measure what it embeds first
        what = f"{embedded[0]}x{embedded[1]} picture inside a {mime or 'container'}"
        check_decode_cost(decode_cost(embedded, "RGBA"), opts.max_decode_bytes, what, label)
    img = open_image(data, _CONVERTIBLE_FORMATS, label, mime)
    with img:
        source_mime = mime or Image.MIME.get(img.format or "", None) or "image/unknown"
        if img.format == "AVIF" or source_mime == "image/avif":
            source_mime = "image/avif"
        icc = img.info.get("icc_profile") if img.mode != "CMYK" else None
        orientation = orientation_of(img, None)
        declared = None
        if embedded is not None and embedded[0] * embedded[1] > img.width * img.height:
            declared = embedded
        estimate, _ = fit_decode(
            img, label, opts, orientation=orientation, to_png=True, declared=declared
        )
        with opts.decode_budget.reserve(estimate, label):
            pixels = decode_pixels(img, label)
            if orientation is not None:
                pixels = transpose_upright(pixels, orientation, label)
            pixels = to_8bit(pixels)
            upright = pixels.size
            target = target_size(*upright, opts)
            if target is not None:
                pixels = resize(pixels, target, label)
            encoded = encode(pixels, "PNG", icc)
    return _as_png(
        encoded,
        pixels,
        label,
        opts,
        original=upright,
        source_mime=source_mime,
        downscaled=target is not None,
        orientation=orientation,
    )


def _heif_available() -> bool:
    try:
        import pillow_heif
    except ImportError:
        return False
    if "HEIF" not in Image.OPEN:
        pillow_heif.register_heif_opener()
    return True


def _prepare_heif(data: bytes, mime: str, label: str, opts: LoadOptions) -> PreparedImage:
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
    img = open_image(data, ["HEIF"], label, mime)
    with img:
        size = img.size
        target = target_size(*size, opts)
        if target is None:
            return _finish(data, mime=mime, label=label, size=size, original=size, opts=opts)
        estimate, _ = fit_decode(img, label, opts, orientation=None, to_png=True)
        with opts.decode_budget.reserve(estimate, label):
            pixels = resize(to_8bit(decode_pixels(img, label)), target, label)
            encoded = encode(pixels, "PNG", None)
    return _as_png(encoded, pixels, label, opts, original=size, source_mime=mime, downscaled=True)


def from_pil(img: Image.Image, opts: LoadOptions) -> PreparedImage:
    label = short_label(f"PIL image {img.width}x{img.height} {img.mode}")
    check_pixels(img.size, label)
    try:
        img.load()
        raw = img.info.get("exif")
        if isinstance(raw, bytes):  # the file's EXIF: read the one tag, not all of them
            orientation = exif_orientation(raw)
        else:  # set in memory by the caller
            value = img.getexif().get(EXIF_ORIENTATION)
            orientation = value if isinstance(value, int) and 2 <= value <= 8 else None
        upright = transpose_upright(img, orientation, label) if orientation is not None else img
        buffer = io.BytesIO()
        to_8bit(upright).save(buffer, "PNG", compress_level=6)
    except ImageInputError:
        raise
    except Exception as exc:
        raise ImageInputError(
            label, "corrupted", f"the image cannot be encoded: {type(exc).__name__}: {exc}"
        ) from exc
    prepared = prepare_bytes(buffer.getvalue(), label, opts)
    return prepared.model_copy(update={"exif_orientation": orientation})


def from_array(array: np.ndarray[Any, Any], opts: LoadOptions) -> PreparedImage:
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
    return prepare_bytes(buffer.getvalue(), label, opts)
