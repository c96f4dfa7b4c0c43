"""Image and request token estimates, table-driven."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from langchain_gemini_vision.errors import ConfigurationError, ImageInputError
from langchain_gemini_vision.profiles import MediaResolution
from langchain_gemini_vision.tokens import (
    UNKNOWN_SIZE_IMAGE_TOKENS,
    estimate_image_tokens,
    estimate_request_tokens,
    estimate_text_tokens,
)

TILING = [
    # (width, height, expected, id)
    (1, 1, 258, "tiny"),
    (384, 384, 258, "small-limit"),
    (384, 100, 258, "small-strip"),
    (960, 540, 1548, "guide-example-960x540"),  # unit 360 -> 3 x 2
    (540, 960, 1548, "portrait-is-symmetric"),
    (385, 384, 258 * 4, "just-over-small"),  # unit 256 -> 2 x 2
    (768, 768, 258 * 4, "square-768"),  # unit 512 -> 2 x 2
    (1024, 1024, 258 * 4, "square-1024"),  # unit 682 -> 2 x 2
    (4000, 3000, 258 * 4, "12mp"),  # unit 2000 -> 2 x 2
    (1000, 10, 258 * 167 * 2, "thin-strip"),  # unit 6 -> 167 x 2
]


@pytest.mark.parametrize(
    ("width", "height", "expected"), [t[:3] for t in TILING], ids=[t[3] for t in TILING]
)
def test_tiling_rule(width: int, height: int, expected: int) -> None:
    assert estimate_image_tokens(width, height) == expected


RESOLUTIONS: list[tuple[MediaResolution, int]] = [
    ("low", 280),
    ("medium", 560),
    ("high", 1120),
    ("ultra_high", 2240),
]


@pytest.mark.parametrize(("level", "budget"), RESOLUTIONS, ids=[r[0] for r in RESOLUTIONS])
@pytest.mark.parametrize("size", [(10, 10), (960, 540), (8000, 6000)], ids=["tiny", "mid", "huge"])
def test_media_resolution_is_a_fixed_budget(
    level: MediaResolution, budget: int, size: tuple[int, int]
) -> None:
    assert estimate_image_tokens(*size, media_resolution=level) == budget


@pytest.mark.parametrize(
    ("width", "height"),
    [(0, 10), (10, 0), (-5, 5), (True, 5)],
    ids=["zero-width", "zero-height", "negative", "bool"],
)
def test_bad_sizes_are_refused(width: int, height: int) -> None:
    with pytest.raises(ImageInputError) as info:
        estimate_image_tokens(width, height)
    assert info.value.reason == "not_an_image"


def test_unknown_media_resolution_is_a_configuration_error() -> None:
    with pytest.raises(ConfigurationError, match="ultra_high"):
        estimate_image_tokens(10, 10, media_resolution="extreme")  # type: ignore[arg-type]


@dataclass
class _Sized:
    width: int | None
    height: int | None


REQUESTS = [
    ([], "", 0, "empty"),
    ([], "abcd", 1, "four-chars"),
    ([], "abcde", 2, "rounds-up"),
    ([_Sized(960, 540)], "", 1548, "one-image"),
    ([_Sized(960, 540), _Sized(100, 100)], "x" * 40, 1548 + 258 + 10, "two-images-and-text"),
    ([_Sized(None, None)], "", UNKNOWN_SIZE_IMAGE_TOKENS, "unknown-size"),
]


@pytest.mark.parametrize(
    ("images", "prompt", "expected"), [r[:3] for r in REQUESTS], ids=[r[3] for r in REQUESTS]
)
def test_request_estimate(images: list[_Sized], prompt: str, expected: int) -> None:
    assert estimate_request_tokens(images, prompt) == expected


def test_request_estimate_with_media_resolution_counts_unknown_sizes_at_the_budget() -> None:
    images = [_Sized(960, 540), _Sized(None, None)]
    assert estimate_request_tokens(images, "", media_resolution="low") == 560


def test_text_tokens() -> None:
    assert estimate_text_tokens("") == 0
    assert estimate_text_tokens("a" * 400) == 100
