"""Rough input-token estimates for images and prompts, before any call.

Two rules, both from Google's documentation (see the README's "Tokens"):

* the tiling rule (Gemini 2.x, and the image-understanding page): 258 tokens when
  both sides are at most 384 px; otherwise the image is cut into square crops of
  ``floor(min(w, h) / 1.5)`` px, 258 tokens each
  (960x540 -> crop 360 -> 3 x 2 tiles -> 1,548 tokens);
* Gemini 3 ``media_resolution``: a fixed maximum per image, whatever its size
  (low 280, medium 560, high 1120, ultra_high 2240).

These are estimates for budgeting; the response's usage metadata is the truth.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Protocol

from langchain_gemini_vision.errors import ConfigurationError, ImageInputError
from langchain_gemini_vision.profiles import MediaResolution

__all__ = [
    "CHARS_PER_TEXT_TOKEN",
    "MEDIA_RESOLUTION_TOKENS",
    "SMALL_IMAGE_SIDE",
    "TOKENS_PER_TILE",
    "UNKNOWN_SIZE_IMAGE_TOKENS",
    "SizedImage",
    "estimate_image_tokens",
    "estimate_request_tokens",
    "estimate_text_tokens",
]

TOKENS_PER_TILE = 258
SMALL_IMAGE_SIDE = 384
CHARS_PER_TEXT_TOKEN = 4
MEDIA_RESOLUTION_TOKENS: dict[MediaResolution, int] = {
    "low": 280,
    "medium": 560,
    "high": 1120,
    "ultra_high": 2240,
}
UNKNOWN_SIZE_IMAGE_TOKENS = MEDIA_RESOLUTION_TOKENS["high"]
"""Used for an image whose size is unknown (an undownloaded URL, a Files API file):
Gemini 3's default per-image maximum."""


class SizedImage(Protocol):
    """Anything with the size of the image as sent (``PreparedImage`` fits)."""

    @property
    def width(self) -> int | None: ...

    @property
    def height(self) -> int | None: ...


def estimate_image_tokens(
    width: int, height: int, media_resolution: MediaResolution | None = None
) -> int:
    """Estimate the input tokens one ``width`` x ``height`` image costs.

    Args:
        width: Width in pixels of the image as sent.
        height: Height in pixels of the image as sent.
        media_resolution: A Gemini 3 per-image resolution; when given, its fixed
            per-image budget is returned instead of the tiling estimate.

    Raises:
        ImageInputError: a side is not a positive integer (reason ``"not_an_image"``).
        ConfigurationError: ``media_resolution`` is not one of the known levels.
    """
    if (
        isinstance(width, bool)
        or isinstance(height, bool)
        or not isinstance(width, int)
        or not isinstance(height, int)
        or width <= 0
        or height <= 0
    ):
        raise ImageInputError(
            f"{width}x{height}", "not_an_image", "image sides must be positive integers"
        )
    if media_resolution is not None:
        try:
            return MEDIA_RESOLUTION_TOKENS[media_resolution]
        except KeyError:
            known = ", ".join(MEDIA_RESOLUTION_TOKENS)
            raise ConfigurationError(
                f"unknown media_resolution {media_resolution!r}; expected one of {known}"
            ) from None
    if width <= SMALL_IMAGE_SIDE and height <= SMALL_IMAGE_SIDE:
        return TOKENS_PER_TILE
    unit = max(1, math.floor(min(width, height) / 1.5))
    tiles = math.ceil(width / unit) * math.ceil(height / unit)
    return tiles * TOKENS_PER_TILE


def estimate_text_tokens(text: str) -> int:
    """Roughly one token per four characters, rounded up."""
    return math.ceil(len(text) / CHARS_PER_TEXT_TOKEN)


def estimate_request_tokens(
    images: Iterable[SizedImage],
    prompt_text: str = "",
    media_resolution: MediaResolution | None = None,
) -> int:
    """Estimate a request's input tokens: every image plus the prompt text.

    Images of unknown size count :data:`UNKNOWN_SIZE_IMAGE_TOKENS` (or the
    ``media_resolution`` budget when one is given).
    """
    total = estimate_text_tokens(prompt_text)
    for image in images:
        if image.width is None or image.height is None:
            if media_resolution is not None:
                total += estimate_image_tokens(1, 1, media_resolution)
            else:
                total += UNKNOWN_SIZE_IMAGE_TOKENS
        else:
            total += estimate_image_tokens(image.width, image.height, media_resolution)
    return total
