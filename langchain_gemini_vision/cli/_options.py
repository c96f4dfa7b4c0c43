"""The options every command shares (which API, what resolution) and the client they build."""

from __future__ import annotations

from collections.abc import Sequence
from enum import Enum
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from langchain_gemini_vision._transport.base import ApiName
    from langchain_gemini_vision.client import GeminiVisionClient
    from langchain_gemini_vision.profiles import MediaResolution

__all__ = ["Api", "MediaResolutionChoice", "make_client"]


class Api(str, Enum):
    """Which Gemini API to call."""

    interactions = "interactions"
    generate_content = "generate_content"


class MediaResolutionChoice(str, Enum):
    """Per-image resolution (Gemini 3)."""

    low = "low"
    medium = "medium"
    high = "high"
    ultra_high = "ultra_high"


def make_client(
    *,
    api: Api,
    model: str | None,
    concurrency: int,
    media_resolution: MediaResolutionChoice | None,
    base_url: str | None,
    api_key: str | None = None,
    allowed_dirs: Sequence[Path] | None = None,
) -> GeminiVisionClient:
    """A :class:`GeminiVisionClient` for these options (key from the environment by default).

    ``--allow-dir`` is the client's ``allowed_dirs``, so interactive runs and batch
    submissions read local images under the same rule.
    """
    from langchain_gemini_vision.client import GeminiVisionClient

    api_name: ApiName = "generate_content" if api is Api.generate_content else "interactions"
    resolution: MediaResolution | None = (
        media_resolution.value if media_resolution is not None else None
    )
    return GeminiVisionClient(
        api_key=api_key,
        model=model,
        api=api_name,
        base_url=base_url,
        max_concurrency=concurrency,
        media_resolution=resolution,
        allowed_dirs=allowed_dirs or None,
    )
