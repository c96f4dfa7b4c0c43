"""What an image's bytes say about themselves, before any pixel is decoded.

The type its magic numbers announce (:func:`sniff_mime_type`), where the picture
ends (:func:`trim_to_image`: truncated files are refused, trailing bytes dropped),
a PNG's size from its header (:func:`png_size`), a JPEG's segment count before
Pillow walks them (:func:`check_jpeg_segments`), the EXIF orientation read from
IFD0 alone (:func:`exif_orientation`) and the decompression-bomb check on a
declared size (:func:`check_pixels`). :mod:`.images` builds on these.
"""

from __future__ import annotations

import re
import struct
import zlib

from PIL import Image

from langchain_gemini_vision.errors import ImageInputError

__all__ = [
    "MAX_EXIF_BYTES",
    "MAX_JPEG_SEGMENTS",
    "UNSUPPORTED_TYPES",
    "check_jpeg_segments",
    "check_pixels",
    "exif_orientation",
    "largest_embedded_size",
    "png_size",
    "sniff_mime_type",
    "trim_to_image",
]

MAX_EXIF_BYTES = 1024 * 1024
"""EXIF bytes looked at for the orientation: IFD0's table (at most 65,535 entries of 12
bytes) sits near the start; an orientation placed further in is ignored."""
MAX_JPEG_SEGMENTS = 4096
"""Most marker segments a JPEG may hold. Pillow reads and keeps every segment before
the first scan, one Python step each (20 million empty comments: 36 s and 1.5 GB);
a photo has a few dozen, a progressive one a few hundred at most."""

_HEIC_BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"hevm", b"hevs"})
_HEIF_BRANDS = frozenset({b"mif1", b"msf1", b"heif", b"mif2"})
_AVIF_BRANDS = frozenset({b"avif", b"avis"})
_VIDEO_BRANDS = frozenset(
    {b"isom", b"iso2", b"mp41", b"mp42", b"qt  ", b"M4V ", b"3gp4", b"3gp5", b"avc1", b"dash"}
)
_JPEG_SCAN_END = re.compile(rb"\xff[\x01-\xcf\xd8-\xfe]")


# --------------------------------------------------------------------------- sniffing


def _ftyp_kind(data: bytes) -> str | None:
    if len(data) < 12 or data[4:8] != b"ftyp":
        return None
    box_size = int.from_bytes(data[0:4], "big")
    end = min(len(data), box_size if 16 <= box_size <= 4096 else 16)
    brands = {data[8:12]} | {data[i : i + 4] for i in range(16, end - 3, 4)}
    if brands & _HEIC_BRANDS:
        return "image/heic"
    if brands & _AVIF_BRANDS:
        return "image/avif"
    if brands & _HEIF_BRANDS:
        return "image/heif"
    if data[8:12] in _VIDEO_BRANDS or brands & _VIDEO_BRANDS:
        return "video/mp4"
    return None


def _looks_like_svg(data: bytes) -> bool:
    head = data[:4096].lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    return head.startswith((b"<?xml", b"<svg", b"<!--", b"<!doctype svg")) and b"<svg" in head


def sniff_mime_type(data: bytes) -> str | None:
    """The MIME type the leading bytes announce, or ``None`` when unrecognised.

    Recognises the Gemini formats, the formats converted to PNG, and a few
    non-images (PDF, SVG, MP4, HTML) so errors can say what was given.
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[0:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    kind = _ftyp_kind(data)
    if kind is not None:
        return kind
    if data.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if data.startswith(b"BM") and len(data) >= 26:
        return "image/bmp"
    if data.startswith((b"II*\x00", b"MM\x00*")):
        return "image/tiff"
    if data.startswith((b"\x00\x00\x01\x00", b"\x00\x00\x02\x00")):
        return "image/x-icon"
    if data.startswith((b"\xff\x0a", b"\x00\x00\x00\x0cJXL \r\n\x87\n")):
        return "image/jxl"
    if data.startswith(b"%PDF-"):
        return "application/pdf"
    if _looks_like_svg(data):
        return "image/svg+xml"
    head = data[:512].lstrip().lower()
    if head.startswith((b"<!doctype html", b"<html")):
        return "text/html"
    return None


# Recognised and refused, with what each is (for the error message).
UNSUPPORTED_TYPES = {
    "application/pdf": "a PDF document",
    "image/svg+xml": "an SVG vector image",
    "image/jxl": "a JPEG XL image",
    "video/mp4": "a video (MP4/QuickTime container)",
}


# --------------------------------------------------------------------------- structure


def _jpeg_walk(data: bytes, label: str, *, to_end: bool) -> int | None:
    """Offset just past the first image's EOI marker (``to_end``) or at its first SOS
    marker; ``None`` if the image never gets there.

    Raises:
        ImageInputError: ``too_large`` past :data:`MAX_JPEG_SEGMENTS` segments.
    """
    n = len(data)
    pos = 2
    segments = 0
    while pos < n:
        if data[pos] != 0xFF:  # junk between segments: decoders skip it
            pos = data.find(b"\xff", pos)
            if pos < 0:
                return None
        while pos < n and data[pos] == 0xFF:
            pos += 1
        if pos >= n:
            return None
        marker = data[pos]
        pos += 1
        if marker == 0xD9:
            return pos
        if marker == 0x01 or 0xD0 <= marker <= 0xD8:
            continue
        segments += 1
        if segments > MAX_JPEG_SEGMENTS:
            raise ImageInputError(
                label,
                "too_large",
                f"the JPEG holds more than {MAX_JPEG_SEGMENTS} marker segments "
                "(a photo has a few dozen); refused before reading them",
            )
        if marker == 0xDA and not to_end:
            return pos - 2
        if pos + 2 > n:
            return None
        length = int.from_bytes(data[pos : pos + 2], "big")
        if length < 2:
            return None
        pos += length
        if pos > n:
            return None
        if marker == 0xDA:  # start of scan: entropy-coded data up to the next marker
            match = _JPEG_SCAN_END.search(data, pos)
            if match is None:
                return None
            pos = match.start()
    return None


def check_jpeg_segments(data: bytes, label: str) -> None:
    """Count the segments before the first scan, as Pillow's ``open`` will walk them.

    Raises:
        ImageInputError: ``too_large`` past :data:`MAX_JPEG_SEGMENTS` segments.
    """
    _jpeg_walk(data, label, to_end=False)


def _png_header_error(label: str, why: str) -> ImageInputError:
    return ImageInputError(label, "corrupted", f"the image/png header cannot be read: {why}")


def _png_walk(data: bytes, label: str) -> tuple[int, bytes | None] | None:
    """``(offset past IEND, eXIf payload)``; ``None`` when the chunk chain breaks.

    The checksums of the chunks before the first IDAT are verified, as Pillow's
    ``open`` verifies them (the pixel data's are left to the decoder).
    """
    n = len(data)
    pos = 8
    exif: bytes | None = None
    seen_idat = False
    first = True
    while pos + 12 <= n:
        length = int.from_bytes(data[pos : pos + 4], "big")
        kind = data[pos + 4 : pos + 8]
        if length > 0x7FFFFFFF or not kind.isalpha():
            return None
        if first and kind != b"IHDR":
            return None
        first = False
        end = pos + 12 + length
        if end > n:
            return None
        if not seen_idat and kind != b"IDAT":
            crc = int.from_bytes(data[end - 4 : end], "big")
            if zlib.crc32(memoryview(data)[pos + 4 : end - 4]) != crc:
                raise _png_header_error(
                    label, f"the {kind.decode('latin-1')} chunk's checksum does not match"
                )
        if kind == b"eXIf" and exif is None:
            exif = data[pos + 8 : pos + 8 + min(length, MAX_EXIF_BYTES)]
        elif kind == b"IDAT":
            seen_idat = True
        elif kind == b"IEND":
            return (end, exif) if seen_idat else None
        pos = end
    return None


# Bit depths each PNG colour type allows (PNG specification, table 11.1).
_PNG_DEPTHS: dict[int, frozenset[int]] = {
    0: frozenset({1, 2, 4, 8, 16}),
    2: frozenset({8, 16}),
    3: frozenset({1, 2, 4, 8}),
    4: frozenset({8, 16}),
    6: frozenset({8, 16}),
}


def png_size(data: bytes, label: str) -> tuple[int, int]:
    """Width and height from a PNG's IHDR, checked as Pillow's ``open`` checks them.

    ``data`` has been through :func:`trim_to_image`, whose walk verified the chunk
    chain and the checksums before the first IDAT; this reads IHDR's fields. It is
    all an image that needs no change requires, without building a Pillow image.
    """
    if int.from_bytes(data[8:12], "big") != 13:
        raise _png_header_error(label, "the IHDR chunk is not 13 bytes long")
    width = int.from_bytes(data[16:20], "big")
    height = int.from_bytes(data[20:24], "big")
    depth, color, compression, filtering, interlace = data[24:29]
    if not (0 < width < 2**31 and 0 < height < 2**31):
        raise _png_header_error(label, f"it declares a size of {width}x{height}")
    if depth not in _PNG_DEPTHS.get(color, frozenset()):
        raise _png_header_error(
            label, f"bit depth {depth} with colour type {color} is not a PNG mode"
        )
    if compression or filtering or interlace > 1:
        raise _png_header_error(label, "unknown compression, filter or interlace method")
    check_pixels((width, height), label)
    return width, height


def _webp_end(data: bytes) -> int | None:
    size = int.from_bytes(data[4:8], "little")
    end = 8 + size + (size & 1)
    if size < 4 or end > len(data) + (size & 1):
        return None
    return min(end, len(data))


def trim_to_image(data: bytes, mime: str, label: str) -> tuple[bytes, bytes | None]:
    """Check the container ends where it should; drop trailing bytes.

    Returns the trimmed bytes and, for PNG, the eXIf payload found anywhere.
    """
    exif: bytes | None = None
    if mime == "image/jpeg" and data.endswith(b"\xff\xd9") and b"MPF\x00" not in data[:65536]:
        # Ends with EOI and declares no second picture (MPO): complete as it is.
        # Walking the entropy-coded data costs as much as base64-encoding it.
        return data, None
    if mime == "image/jpeg":
        end = _jpeg_walk(data, label, to_end=True)
        what = "no end-of-image marker (FFD9): the JPEG is truncated"
    elif mime == "image/png":
        walked = _png_walk(data, label)
        end, exif = walked if walked is not None else (None, None)
        what = "the PNG chunk chain is broken or has no IEND chunk: the file is truncated"
    else:
        end = _webp_end(data)
        what = "the WEBP is shorter than its RIFF header says: the file is truncated"
    if end is None:
        raise ImageInputError(label, "corrupted", what)
    return (data[:end] if end < len(data) else data), exif


# --------------------------------------------------------------------------- icons

_PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_JP2_MAGIC = b"\x00\x00\x00\x0cjP  \r\n\x87\n"


def _embedded_size(data: bytes, offset: int, *, bitmaps: bool) -> tuple[int, int]:
    """Size a PNG, JPEG 2000 or (``bitmaps``) DIB at ``offset`` declares; (0, 0) if none."""
    head = data[offset : offset + 256]
    if head.startswith(_PNG_MAGIC) and len(head) >= 24:
        return int.from_bytes(head[16:20], "big"), int.from_bytes(head[20:24], "big")
    if head.startswith(_JP2_MAGIC):
        at = head.find(b"ihdr")
        if at >= 0 and len(head) >= at + 12:
            return int.from_bytes(head[at + 8 : at + 12], "big"), int.from_bytes(
                head[at + 4 : at + 8], "big"
            )
        return (0, 0)
    if bitmaps and len(head) >= 12:
        header = int.from_bytes(head[0:4], "little")
        if header == 12:  # BITMAPCOREHEADER
            return int.from_bytes(head[4:6], "little"), int.from_bytes(head[6:8], "little") // 2
        if header >= 40:
            width = abs(int.from_bytes(head[4:8], "little", signed=True))
            return width, abs(int.from_bytes(head[8:12], "little", signed=True)) // 2
    return (0, 0)


def largest_embedded_size(data: bytes) -> tuple[int, int] | None:
    """The largest picture an icon container (ICO, ICNS) holds, read from the headers of
    the pictures themselves; ``None`` for any other file.

    Pillow decodes an ICO's largest picture while *opening* it, at the size its embedded
    PNG or bitmap declares whatever the directory says (a 300 KB ICO holding a
    9000x9000 PNG took 674 MB), so the size must be known before ``Image.open``.
    """
    sizes: list[tuple[int, int]] = []
    if data[:4] in (b"\x00\x00\x01\x00", b"\x00\x00\x02\x00") and len(data) >= 6:
        count = int.from_bytes(data[4:6], "little")
        for index in range(count):
            entry = 6 + 16 * index
            if entry + 16 > len(data):
                break
            offset = int.from_bytes(data[entry + 12 : entry + 16], "little")
            sizes.append(_embedded_size(data, offset, bitmaps=True))
    elif data.startswith(b"icns"):
        pos = 8
        while pos + 8 <= len(data):
            length = int.from_bytes(data[pos + 4 : pos + 8], "big")
            sizes.append(_embedded_size(data, pos + 8, bitmaps=False))
            if length < 8:
                break
            pos += length
    else:
        return None
    return max(sizes, key=lambda wh: wh[0] * wh[1], default=(0, 0))


# --------------------------------------------------------------------------- EXIF

_EXIF_ORIENTATION = 0x0112
_TIFF_INTEGER = {3: "H", 4: "I"}  # SHORT (the standard's), LONG (some writers)


def exif_orientation(raw: bytes | None) -> int | None:
    """The EXIF orientation 2..8 of a TIFF-structured EXIF block; ``None`` otherwise.

    Only IFD0's entry table is read, within the first :data:`MAX_EXIF_BYTES` of the
    block, never the value of another tag: a block holding one tag with millions of
    values costs nothing, where Pillow's ``getexif`` would build them all (a 40 MB
    ``eXIf`` chunk: 19 s and 2.4 GB). Accepts the JPEG APP1 form (``Exif\\0\\0`` first).
    Malformed blocks give ``None``: the image is kept, its orientation ignored.
    """
    if not raw:
        return None
    if raw.startswith(b"Exif\x00\x00"):
        raw = raw[6:]
    raw = raw[:MAX_EXIF_BYTES]
    order = {b"II": "<", b"MM": ">"}.get(raw[:2])
    if order is None or len(raw) < 8:
        return None
    (ifd,) = struct.unpack_from(f"{order}I", raw, 4)
    if ifd < 8 or ifd + 2 > len(raw):
        return None
    (count,) = struct.unpack_from(f"{order}H", raw, ifd)
    for index in range(count):
        entry = ifd + 2 + 12 * index
        if entry + 12 > len(raw):
            return None
        tag, kind, values = struct.unpack_from(f"{order}HHI", raw, entry)
        if tag == _EXIF_ORIENTATION:
            if kind not in _TIFF_INTEGER or values != 1:
                return None
            (value,) = struct.unpack_from(order + _TIFF_INTEGER[kind], raw, entry + 8)
            return value if 2 <= value <= 8 else None
    return None


# --------------------------------------------------------------------------- pixels


def check_pixels(size: tuple[int, int], label: str) -> None:
    """Refuse a declared size that is empty or over Pillow's decompression-bomb limit."""
    width, height = size
    if width <= 0 or height <= 0:
        raise ImageInputError(label, "corrupted", f"the image declares a size of {width}x{height}")
    limit = Image.MAX_IMAGE_PIXELS
    if limit is not None and width * height > limit:
        raise ImageInputError(
            label,
            "too_large",
            f"{width}x{height} is {width * height} pixels, over Pillow's "
            f"decompression-bomb limit of {limit}",
        )
