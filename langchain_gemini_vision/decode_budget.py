"""How much memory decoding an image may take: per image, and for all decodes at once.

Pillow's decompression-bomb guard counts pixels (about 89 million), not bytes: under
it, a 157 KB 16-bit PNG of 9000x9000 with an EXIF orientation took 1.8 GB to turn
upright and convert, an 82-byte lossless WEBP 1.3 GB, and four tool calls naming such
a URL at once 6 GB. So every decode is first estimated from the header alone
(:func:`decode_cost`: pixels x bytes per pixel for each buffer the decode, turn,
conversion, resize and re-encode hold at once) and

* refused with :class:`~langchain_gemini_vision.errors.ImageInputError`
  (``too_large``) when the estimate is over the per-image limit
  (``max_decode_bytes``, :data:`DEFAULT_MAX_DECODE_BYTES`), unless a JPEG decoded at
  1/2, 1/4 or 1/8 size fits (:mod:`.images` does that);
* then held in a :class:`DecodeBudget` shared by every decode of the process
  (:data:`SHARED_DECODE_BUDGET`, :data:`DEFAULT_DECODE_BUDGET_BYTES`), so concurrent
  decodes wait for each other instead of adding up.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager

from langchain_gemini_vision.errors import ConfigurationError, ImageInputError

__all__ = [
    "DEFAULT_DECODE_BUDGET_BYTES",
    "DEFAULT_MAX_DECODE_BYTES",
    "SHARED_DECODE_BUDGET",
    "DecodeBudget",
    "check_decode_cost",
    "decode_cost",
]

DEFAULT_MAX_DECODE_BYTES = 192 * 1024 * 1024
"""Most memory one image's decode may need (estimated from its header). A 20 MP photo
with an EXIF orientation needs about 180 MB; a JPEG over the limit is decoded at
reduced size, any other format is refused."""
DEFAULT_DECODE_BUDGET_BYTES = 192 * 1024 * 1024
"""Memory all decodes sharing :data:`SHARED_DECODE_BUDGET` may hold at once."""

# Bytes per pixel of the encoded result, an upper bound (PNG of RGBA noise).
_ENCODED_BYTES_PER_PIXEL = 4


class DecodeBudget:
    """Bytes of decoded pixels that the decodes sharing this budget may hold at once.

    A decode :meth:`reserve` s its estimate before it starts and gives it back when it
    ends; while others hold too much, it waits. One decode larger than the whole
    budget is refused rather than left waiting forever.

    Args:
        total_bytes: What may be held at once.
    """

    def __init__(self, total_bytes: int) -> None:
        if isinstance(total_bytes, bool) or not isinstance(total_bytes, int) or total_bytes <= 0:
            raise ConfigurationError(f"total_bytes must be a positive integer, got {total_bytes!r}")
        self.total_bytes = total_bytes
        self._in_use = 0
        self._peak = 0
        self._changed = threading.Condition()

    def __repr__(self) -> str:
        return f"DecodeBudget(total_bytes={self.total_bytes}, in_use_bytes={self._in_use})"

    @property
    def in_use_bytes(self) -> int:
        """What the decodes running now have reserved."""
        return self._in_use

    @property
    def peak_bytes(self) -> int:
        """The most ever reserved at once."""
        return self._peak

    @contextmanager
    def reserve(self, nbytes: int, label: str) -> Iterator[None]:
        """Hold ``nbytes`` for the ``with`` block, waiting while others hold too much.

        Raises:
            ImageInputError: ``too_large`` when ``nbytes`` alone is over the budget.
        """
        if nbytes > self.total_bytes:
            raise ImageInputError(
                label,
                "too_large",
                f"decoding it needs about {nbytes} bytes, over the shared decode budget of "
                f"{self.total_bytes} bytes (DecodeBudget); give it a larger budget",
            )
        with self._changed:
            while self._in_use + nbytes > self.total_bytes:
                self._changed.wait()
            self._in_use += nbytes
            self._peak = max(self._peak, self._in_use)
        try:
            yield
        finally:
            with self._changed:
                self._in_use -= nbytes
                self._changed.notify_all()


SHARED_DECODE_BUDGET = DecodeBudget(DEFAULT_DECODE_BUDGET_BYTES)
"""The budget every decode draws from unless it is given its own."""


def pixel_bytes(mode: str) -> int:
    """Bytes Pillow keeps per pixel in ``mode`` (RGB and LA are stored in 4)."""
    if mode in ("1", "L", "P"):
        return 1
    if mode.startswith("I;16"):
        return 2
    return 4


def decode_cost(
    size: tuple[int, int],
    mode: str,
    *,
    decoder_copy: bool = False,
    turn: bool = False,
    full_copy: bool = False,
    out: tuple[int, int] | None = None,
    out_copy: bool = False,
) -> int:
    """Bytes held at once, at most, by one decode and what follows it.

    Args:
        size: The pixels decoded (after any reduced-size decoding).
        mode: Their Pillow mode.
        decoder_copy: The decoder fills a buffer of its own first (WEBP: 4 bytes a pixel).
        turn: An EXIF orientation is applied (a second image of the same size).
        full_copy: A full-size 8-bit RGB(A) copy is made (CMYK, palette, 16-bit, ...).
        out: The size it is resized to, if any.
        out_copy: An 8-bit RGB(A) copy is made after the resize.
    """
    pixels = size[0] * size[1]
    cost = pixels * pixel_bytes(mode) * (2 if turn else 1)
    if decoder_copy or full_copy:
        cost += pixels * 4 * (int(decoder_copy) + int(full_copy))
    out_pixels = pixels if out is None else out[0] * out[1]
    if out is not None:
        cost += out_pixels * 4
    if out_copy:
        cost += out_pixels * 4
    return cost + out_pixels * _ENCODED_BYTES_PER_PIXEL


def check_decode_cost(cost: int, limit: int, what: str, label: str) -> None:
    """Refuse a decode whose estimate is over the per-image ``limit``.

    Raises:
        ImageInputError: ``too_large``, naming the setting that raises the limit.
    """
    if cost > limit:
        raise ImageInputError(
            label,
            "too_large",
            f"decoding this {what} needs about {cost} bytes, over the {limit}-byte limit for "
            f"one image (max_decode_bytes={limit}); pass a larger max_decode_bytes to accept it",
        )
