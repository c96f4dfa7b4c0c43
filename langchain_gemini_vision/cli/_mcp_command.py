"""``gemini-vision mcp``: the command that serves the tools over MCP.

Apart from the server itself (``cli/_mcp``, which imports the ``mcp`` extra), so the
command is listed and its usage errors are said without that extra installed.
"""

from __future__ import annotations

from langchain_gemini_vision.cli._options import (
    NO_KEY_MESSAGE,
    AnnotatedImagesOpt,
    Api,
    ApiOpt,
    BaseUrlOpt,
    ClientOptions,
    ConcurrencyOpt,
    DebugOpt,
    HostOpt,
    ImportOpt,
    McpAllowDirOpt,
    McpTransport,
    McpTransportOpt,
    MediaResolutionOpt,
    ModelOpt,
    PortOpt,
    has_api_key,
)
from langchain_gemini_vision.cli._output import UsageProblemError, guard, setup_logging

__all__ = ["mcp_command"]


def mcp_command(
    *,
    allow_dir: McpAllowDirOpt = None,
    transport: McpTransportOpt = McpTransport.stdio,
    host: HostOpt = "127.0.0.1",
    port: PortOpt = 8000,
    annotated_images: AnnotatedImagesOpt = False,
    imports: ImportOpt = None,
    api: ApiOpt = Api.interactions,
    model: ModelOpt = None,
    concurrency: ConcurrencyOpt = 8,
    media_resolution: MediaResolutionOpt = None,
    base_url: BaseUrlOpt = None,
    debug: DebugOpt = False,
) -> None:
    """Serve the vision tools to MCP clients (Claude Desktop, IDEs, agents).

    Images are passed by reference: a local path inside an --allow-dir folder (no local
    file is read without one), an http(s):// or gs:// URL, or a Files API name. The key
    comes from GEMINI_API_KEY (or GOOGLE_API_KEY).
    """
    with guard(debug):
        setup_logging(debug)
        if not has_api_key():
            raise UsageProblemError(NO_KEY_MESSAGE)
        try:
            from langchain_gemini_vision.cli._mcp import run_mcp
        except ImportError as error:  # the mcp extra is not installed
            raise UsageProblemError(str(error)) from error
        options = ClientOptions(api, model, concurrency, media_resolution, base_url, allow_dir)
        run_mcp(
            options,
            transport=transport,
            host=host,
            port=port,
            annotated_images=annotated_images,
            imports=list(imports or ()),
        )
