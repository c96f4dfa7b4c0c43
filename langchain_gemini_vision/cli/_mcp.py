"""``gemini-vision mcp``: the toolkit the command line's options describe, served over MCP.

Imported only by the command, so the rest of the command line never imports ``mcp``.
"""

from __future__ import annotations

import asyncio
import importlib
from pathlib import Path

from langchain_gemini_vision.cli._options import ClientOptions, McpTransport
from langchain_gemini_vision.cli._output import UsageProblemError
from langchain_gemini_vision.mcp_server import (
    announce_on_stderr,
    build_mcp_server,
    serve_http,
    serve_stdio,
)
from langchain_gemini_vision.toolkit import GeminiVisionToolkit

__all__ = ["run_mcp"]


def run_mcp(
    options: ClientOptions,
    *,
    transport: McpTransport,
    host: str,
    port: int,
    annotated_images: bool,
    imports: list[str],
) -> None:
    """Serve every tool until the client leaves (stdio) or the process is stopped (HTTP)."""
    for module in imports:  # modules that register tasks of their own
        try:
            importlib.import_module(module)
        except ImportError as error:
            msg = f"--import {module}: {error}; name a module importable from here"
            raise UsageProblemError(msg) from error
    folders: list[Path] | None = list(options.allow_dir) if options.allow_dir else None
    toolkit = GeminiVisionToolkit(
        client=options.client(),
        reference_dirs=folders,
        return_annotated_image=annotated_images,
    )
    server = build_mcp_server(toolkit)
    if transport is McpTransport.stdio:
        asyncio.run(serve_stdio(server))
    else:
        asyncio.run(serve_http(server, host=host, port=port, announce=announce_on_stderr))
