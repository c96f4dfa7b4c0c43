"""The options the commands share (each option's flag and help written once) and the
client they build.

:class:`ClientOptions` is the one mapping from the command line to
:class:`~langchain_gemini_vision.settings.GeminiVisionSettings`.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.profiles import known_profiles
from langchain_gemini_vision.settings import GeminiVisionSettings
from langchain_gemini_vision.stores import FileStore

__all__ = [
    "NO_KEY_MESSAGE",
    "AllowDirOpt",
    "AnnotateDirOpt",
    "AnnotatedImagesOpt",
    "Api",
    "ApiOpt",
    "BaseUrlOpt",
    "CacheOpt",
    "ClientOptions",
    "ConcurrencyOpt",
    "DebugOpt",
    "HostOpt",
    "ImportOpt",
    "MaxOutputTokensOpt",
    "McpAllowDirOpt",
    "McpTransport",
    "McpTransportOpt",
    "MediaResolutionChoice",
    "MediaResolutionOpt",
    "ModelOpt",
    "OutOpt",
    "PortOpt",
    "PromptOpt",
    "QueryOpt",
    "QuietOpt",
    "RecursiveOpt",
    "ReportOpt",
    "RpmOpt",
    "SourcesArg",
    "TemperatureOpt",
    "ThinkingLevelChoice",
    "ThinkingLevelOpt",
    "TpmOpt",
    "has_api_key",
]

NO_KEY_MESSAGE = (
    "No Gemini API key found. Set GEMINI_API_KEY (or GOOGLE_API_KEY) to a key from "
    "https://aistudio.google.com/apikey, for example: export GEMINI_API_KEY=your-key. "
    "To try the tool without a key, run: gemini-vision demo"
)


class Api(str, Enum):
    """Which Gemini API to call."""

    interactions = "interactions"
    generate_content = "generate_content"


class McpTransport(str, Enum):
    """How an MCP client reaches ``gemini-vision mcp``."""

    stdio = "stdio"
    http = "http"


class MediaResolutionChoice(str, Enum):
    """Per-image resolution (Gemini 3)."""

    low = "low"
    medium = "medium"
    high = "high"
    ultra_high = "ultra_high"


class ThinkingLevelChoice(str, Enum):
    """A thinking level for every call (the model's profile must take it)."""

    minimal = "minimal"
    low = "low"
    medium = "medium"
    high = "high"


# --------------------------------------------------------------------------- flags

SourcesArg = Annotated[
    list[str],
    typer.Argument(
        metavar="IMAGE",
        help="Images: files, folders, glob patterns ('photos/*.jpg', quoted) or http(s) URLs.",
        show_default=False,
    ),
]
OutOpt = Annotated[
    Path | None,
    typer.Option(
        "--out", "-o", help="Write the JSON Lines to this file instead of stdout.", dir_okay=False
    ),
]
ReportOpt = Annotated[
    Path | None,
    typer.Option(
        "--report",
        help="Write a self-contained HTML report (report.html) into this folder.",
        file_okay=False,
    ),
]
ApiOpt = Annotated[Api, typer.Option("--api", help="Gemini API to call.", case_sensitive=False)]
ModelOpt = Annotated[
    str | None,
    typer.Option(
        "--model",
        "-m",
        help=(
            "Model name (default: GEMINI_VISION_MODEL or gemini-3-flash-preview). Families "
            "with a profile: " + ", ".join(p.family for p in known_profiles()) + "."
        ),
    ),
]
ConcurrencyOpt = Annotated[
    int,
    typer.Option("--concurrency", "-c", min=1, max=256, help="Requests in flight at once."),
]
RpmOpt = Annotated[
    int | None,
    typer.Option(
        "--rpm",
        min=1,
        help=(
            "Requests per minute at most (your quota). Without it the quota is learned from "
            "Gemini's 429s and the waits it asks for are honoured."
        ),
    ),
]
TpmOpt = Annotated[
    int | None,
    typer.Option(
        "--tpm", min=1, help="Input tokens per minute at most (your quota), counted before sending."
    ),
]
MediaResolutionOpt = Annotated[
    MediaResolutionChoice | None,
    typer.Option(
        "--media-resolution",
        help="Per-image resolution sent to Gemini 3 models.",
        case_sensitive=False,
    ),
]
MaxOutputTokensOpt = Annotated[
    int | None,
    typer.Option("--max-output-tokens", min=1, help="Output budget of every call."),
]
ThinkingLevelOpt = Annotated[
    ThinkingLevelChoice | None,
    typer.Option(
        "--thinking-level",
        help="Thinking level of every call, over the task's own (refused for a model "
        "that does not take it).",
        case_sensitive=False,
    ),
]
TemperatureOpt = Annotated[
    float | None,
    typer.Option(
        "--temperature", min=0.0, max=2.0, help="Sampling temperature (0-2), where honoured."
    ),
]
BaseUrlOpt = Annotated[
    str | None,
    typer.Option("--base-url", help="Another endpoint (a proxy, or the local emulator)."),
]
AllowDirOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--allow-dir",
        help=(
            "Only read local images inside this folder (repeatable). Without it, any file "
            "you name is read."
        ),
        exists=True,
        file_okay=False,
        dir_okay=True,
    ),
]
CacheOpt = Annotated[
    Path | None,
    typer.Option(
        "--cache",
        help=(
            "Keep every answer in this folder and reuse it: a run again over the same "
            "images, task and options pays for nothing already answered."
        ),
        file_okay=False,
    ),
]
RecursiveOpt = Annotated[
    bool, typer.Option("--recursive", "-r", help="Look for images in subfolders of folders.")
]
DebugOpt = Annotated[
    bool, typer.Option("--debug", help="Log requests and show tracebacks of unexpected errors.")
]
QuietOpt = Annotated[
    bool, typer.Option("--quiet", help="No progress bar or summary (failures are still listed).")
]
AnnotateDirOpt = Annotated[
    Path | None,
    typer.Option(
        "--annotate-dir",
        help="Write annotated PNGs into this folder (default: the --report folder).",
        file_okay=False,
    ),
]
QueryOpt = Annotated[
    str | None,
    typer.Option(
        "--query", help="What to look for, e.g. 'every price tag' (default: all prominent objects)."
    ),
]
PromptOpt = Annotated[
    str | None, typer.Option("--prompt", help="Replace the task's default prompt.")
]

# `gemini-vision mcp`
McpAllowDirOpt = Annotated[
    list[Path] | None,
    typer.Option(
        "--allow-dir",
        help="A folder whose images the tools may read by path (repeatable). Without it, "
        "no local file is read: only URLs and Files API names.",
        exists=True,
        file_okay=False,
    ),
]
McpTransportOpt = Annotated[
    McpTransport,
    typer.Option(
        "--transport",
        help="stdio (an MCP client starts this command) or http (streamable HTTP at /mcp).",
        case_sensitive=False,
    ),
]
HostOpt = Annotated[
    str, typer.Option("--host", help="With --transport http: the address to listen on.")
]
PortOpt = Annotated[
    int,
    typer.Option(
        "--port", min=0, max=65535, help="With --transport http: the port (0: any free one)."
    ),
]
AnnotatedImagesOpt = Annotated[
    bool,
    typer.Option(
        "--annotated-images",
        help="Detection and segmentation results also carry the image with them drawn.",
    ),
]
ImportOpt = Annotated[
    list[str] | None,
    typer.Option(
        "--import",
        help="Import this module first, so the tasks it registers are served (repeatable).",
    ),
]


# --------------------------------------------------------------------------- the client


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
    cache: Path | None = None
    """``--cache``: the client's ``cache``, a :class:`FileStore` on that folder."""
    max_output_tokens: int | None = None
    thinking_level: ThinkingLevelChoice | None = None
    temperature: float | None = None
    rpm: int | None = None
    tpm: int | None = None

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
            "cache": FileStore(self.cache) if self.cache is not None else None,
            "max_output_tokens": self.max_output_tokens,
            "thinking_level": self.thinking_level.value if self.thinking_level else None,
            "temperature": self.temperature,
            "rpm": self.rpm,
            "tpm": self.tpm,
        }
        return GeminiVisionSettings.build(owner="gemini-vision", **{**given, **fields})

    def client(self, **fields: Any) -> GeminiVisionClient:
        """A client built from :meth:`settings`."""
        return GeminiVisionClient(self.settings(**fields))


def has_api_key() -> bool:
    """Whether ``GEMINI_API_KEY`` or ``GOOGLE_API_KEY`` is set (and not empty)."""
    return bool(os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY"))
