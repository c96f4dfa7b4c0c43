"""The options every command shares (which API, what resolution) and the client they build.

:class:`ClientOptions` is the one mapping from the command line to
:class:`~langchain_gemini_vision.settings.GeminiVisionSettings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.settings import GeminiVisionSettings

__all__ = ["NO_KEY_MESSAGE", "Api", "ClientOptions", "MediaResolutionChoice", "has_api_key"]

NO_KEY_MESSAGE = (
    "No Gemini API key found. Set GEMINI_API_KEY (or GOOGLE_API_KEY) to a key from "
    "https://aistudio.google.com/apikey, for example: export GEMINI_API_KEY=your-key. "
    "To try the tool without a key, run: gemini-vision demo"
)


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


@dataclass(frozen=True)
class ClientOptions:
    """The command-line options a client is built from (the key comes from the environment)."""

    api: Api = Api.interactions
    model: str | None = None
    concurrency: int = 8
    media_resolution: MediaResolutionChoice | None = None
    base_url: str | None = None
    allow_dir: list[Path] | None = None
    """``--allow-dir``: the client's ``allowed_dirs``, so interactive runs and batch
    submissions read local images under the same rule."""

    def settings(self, **fields: Any) -> GeminiVisionSettings:
        """The client settings these options give; ``fields`` are other settings by name."""
        resolution = self.media_resolution
        given = {
            "api": self.api.value,
            "model": self.model,
            "max_concurrency": self.concurrency,
            "media_resolution": resolution.value if resolution is not None else None,
            "base_url": self.base_url,
            "allowed_dirs": tuple(self.allow_dir) if self.allow_dir else None,
        }
        return GeminiVisionSettings.build(owner="gemini-vision", **{**given, **fields})

    def client(self, **fields: Any) -> GeminiVisionClient:
        """A client built from :meth:`settings`."""
        return GeminiVisionClient(self.settings(**fields))


def has_api_key() -> bool:
    """Whether ``GEMINI_API_KEY`` or ``GOOGLE_API_KEY`` is set (and not empty)."""
    return bool(os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY"))
