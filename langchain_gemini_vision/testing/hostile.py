"""Hostile image files that cost little to build and much to read naively.

Each builder writes the file's bytes directly (no full-size pixel buffer is ever
made), so tests and the benchmark can build the issue's bombs at their real sizes:

* :func:`exif_bomb_png`: a small PNG whose ``eXIf`` chunk holds an orientation and
  one LONG tag with millions of values;
* :func:`jpeg_segment_flood`: a tiny JPEG with millions of empty COM segments;
* :func:`gif_frame_flood`: a GIF of millions of 1x1 frames;
* :func:`png16_bomb`: a 16-bit grey PNG, all zeros (compresses about 500:1);
* :func:`webp_bomb`: a lossless WEBP whose pixels all cost zero bits (a few dozen bytes);
* :func:`ico_bomb`: an ICO whose one entry is a large RGBA PNG of zeros;
* :func:`detection_answer_with_masks`: a detection answer whose items all carry a
  1x1 PNG mask over the whole image;
* :func:`serve`: any of them at an http:// URL on loopback, as a model might name it.
"""

from __future__ import annotations

import base64
import io
import json
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PIL import Image

__all__ = [
    "detection_answer_with_masks",
    "exif_bomb_png",
    "exif_orientation_ifd",
    "gif_frame_flood",
    "ico_bomb",
    "jpeg_segment_flood",
    "png16_bomb",
    "serve",
    "webp_bomb",
]

_ORIENTATION = 0x0112


def _png_chunk(kind: bytes, payload: bytes) -> bytes:
    crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
    return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)


def _encoded(img: Image.Image, fmt: str) -> bytes:
    buffer = io.BytesIO()
    img.save(buffer, fmt)
    return buffer.getvalue()


def exif_orientation_ifd(orientation: int, *, long_values: int = 0) -> bytes:
    """A little-endian TIFF/EXIF block: IFD0 with the orientation and, when
    ``long_values`` > 0, a private LONG tag (0x9999) holding that many values."""
    entries = 2 if long_values else 1
    data_offset = 8 + 2 + entries * 12 + 4
    ifd = struct.pack("<H", entries) + struct.pack("<HHIHH", _ORIENTATION, 3, 1, orientation, 0)
    if long_values:
        ifd += struct.pack("<HHII", 0x9999, 4, long_values, data_offset)
    ifd += struct.pack("<I", 0)  # no next IFD
    return b"II*\x00" + struct.pack("<I", 8) + ifd + bytes(4 * long_values)


def exif_bomb_png(long_values: int = 10_000_000, size: tuple[int, int] = (50, 40)) -> bytes:
    """A PNG with orientation 6 and a LONG tag of ``long_values`` values (4 bytes each)."""
    png = _encoded(Image.new("RGB", size, (200, 30, 30)), "PNG")
    exif = _png_chunk(b"eXIf", exif_orientation_ifd(6, long_values=long_values))
    return png[:33] + exif + png[33:]  # right after IHDR


def jpeg_segment_flood(segments: int = 20_000_000, size: tuple[int, int] = (16, 16)) -> bytes:
    """A JPEG whose SOI is followed by ``segments`` empty COM segments (4 bytes each)."""
    jpg = _encoded(Image.new("RGB", size, (40, 90, 160)), "JPEG")
    return jpg[:2] + b"\xff\xfe\x00\x02" * segments + jpg[2:]


def gif_frame_flood(frames: int = 4_000_000) -> bytes:
    """A GIF of ``frames`` 1x1 frames, each with its graphic control extension (23 bytes)."""
    gif = _encoded(Image.new("P", (1, 1), 0), "GIF")
    start = gif.index(b"\x2c")  # the first image descriptor
    control = b"\x21\xf9\x04\x00\x01\x00\x00\x00"  # 10 ms, no transparency
    return gif[:start] + (control + gif[start:-1]) * frames + b"\x3b"


def _zero_png(side: int, depth: int, colour: int, channels: int, extra: bytes = b"") -> bytes:
    row = b"\x00" * (1 + side * channels * depth // 8)
    compressor = zlib.compressobj(9)
    idat = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    ihdr = struct.pack(">IIBBBBB", side, side, depth, colour, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", ihdr)
        + extra
        + _png_chunk(b"IDAT", idat)
        + _png_chunk(b"IEND", b"")
    )


def png16_bomb(side: int = 9000, *, orientation: int | None = 6) -> bytes:
    """A ``side`` x ``side`` 16-bit grey PNG of zeros, with an EXIF orientation."""
    exif = _png_chunk(b"eXIf", exif_orientation_ifd(orientation)) if orientation else b""
    return _zero_png(side, 16, 0, 1, exif)


def ico_bomb(side: int = 9000) -> bytes:
    """An ICO of one ``side`` x ``side`` RGBA PNG; its directory says at most 256x256."""
    png = _zero_png(side, 8, 6, 4)
    listed = side if side < 256 else 0  # 0 means 256
    entry = struct.pack("<BBBBHHII", listed, listed, 0, 0, 1, 32, len(png), 22)
    return struct.pack("<HHH", 0, 1, 1) + entry + png


class _Bits:
    """Bits written least significant first, as VP8L reads them."""

    def __init__(self) -> None:
        self.value = 0
        self.count = 0

    def put(self, value: int, count: int) -> None:
        self.value |= (value & ((1 << count) - 1)) << self.count
        self.count += count

    def to_bytes(self) -> bytes:
        return self.value.to_bytes((self.count + 7) // 8, "little")


def _vp8l_constant(width: int, height: int) -> bytes:
    """A VP8L bitstream whose five prefix codes have one symbol each: 0 bits a pixel."""
    bits = _Bits()
    bits.put(0x2F, 8)
    bits.put(width - 1, 14)
    bits.put(height - 1, 14)
    bits.put(0, 1)  # no alpha
    bits.put(0, 3)  # version 0
    bits.put(0, 3)  # no transform, no colour cache, no meta prefix codes
    for symbol in (0, 0, 0, 255, 0):  # green, red, blue, alpha, distance
        bits.put(1, 1)  # a simple code
        bits.put(0, 1)  # of one symbol
        if symbol < 2:
            bits.put(0, 1)
            bits.put(symbol, 1)
        else:
            bits.put(1, 1)
            bits.put(symbol, 8)
    return bits.to_bytes()


def _riff_chunk(kind: bytes, payload: bytes) -> bytes:
    pad = b"\x00" if len(payload) % 2 else b""
    return kind + struct.pack("<I", len(payload)) + payload + pad


def webp_bomb(side: int = 9000, *, orientation: int | None = 6) -> bytes:
    """A black ``side`` x ``side`` lossless WEBP of a few dozen bytes, with an orientation."""
    body = _riff_chunk(b"VP8L", _vp8l_constant(side, side))
    if orientation:
        canvas = (side - 1).to_bytes(3, "little") * 2
        body = (
            _riff_chunk(b"VP8X", b"\x08\x00\x00\x00" + canvas)  # flag: has EXIF
            + body
            + _riff_chunk(b"EXIF", exif_orientation_ifd(orientation))
        )
    return b"RIFF" + struct.pack("<I", 4 + len(body)) + b"WEBP" + body


def detection_answer_with_masks(items: int = 200, label: str = "thing") -> str:
    """A detection answer of ``items`` objects, each a full-image box with a 1x1 PNG mask."""
    mask = "data:image/png;base64," + base64.b64encode(
        _encoded(Image.new("L", (1, 1), 255), "PNG")
    ).decode("ascii")
    answer = [
        {"box_2d": [0, 0, 1000, 1000], "label": f"{label} {i}", "mask": mask} for i in range(items)
    ]
    return json.dumps(answer)


@contextmanager
def serve(body: bytes, content_type: str = "image/png") -> Iterator[str]:
    """Serve ``body`` to every GET on 127.0.0.1 (a thread); yields its URL."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, format: str, *args: object) -> None:
            return

        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/photo.png"
    finally:
        server.shutdown()
        server.server_close()
