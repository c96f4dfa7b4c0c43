"""The vision tools over the Model Context Protocol (``gemini-vision mcp``).

Every registered task with a tool is served as an MCP tool, built by
:class:`~langchain_gemini_vision.toolkit.GeminiVisionToolkit`, so an MCP client meets
exactly the rules a LangChain agent does: an image is a *reference* (a local path only
inside the folders given with ``--allow-dir``, an ``http(s)://`` or ``gs://`` URL under
the URL policy, or a Files API name), never image data. MCP has no way for a client to
attach an image to a tool call: its model names one, so references are what it passes.

Each tool's ``inputSchema`` is the LangChain tool's argument schema (the injected
``runtime`` hidden), its ``outputSchema`` the task's typed result; a call answers with
the short text the tool gives a model, the typed result as ``structuredContent`` and,
when the owner asked for it (``annotated_images=True``), the image with the result drawn
as an ``image`` content block. A failure is an ``isError`` result whose text names the
error's type, with the owner's key masked.

Served over stdio (:func:`serve_stdio`, what desktop MCP clients start) or streamable
HTTP (:func:`serve_http`, bound to loopback unless told otherwise). Needs the ``mcp``
extra: ``pip install "langchain-gemini-vision[mcp]"``.
"""

from __future__ import annotations

import logging
import socket
import sys
from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from pydantic import BaseModel

from langchain_gemini_vision._version import __version__
from langchain_gemini_vision.errors import redact
from langchain_gemini_vision.toolkit import GeminiVisionToolkit
from langchain_gemini_vision.tools import GeminiVisionTool

try:
    import uvicorn
    from mcp import types
    from mcp.server.lowlevel import Server
    from mcp.server.stdio import stdio_server
    from mcp.server.streamable_http_manager import StreamableHTTPSessionManager
    from mcp.server.transport_security import TransportSecuritySettings
    from starlette.applications import Starlette
    from starlette.routing import Route
    from starlette.types import Receive, Scope, Send
except ImportError as missing:  # pragma: no cover - the extra is installed where tested
    msg = 'The MCP server needs the mcp extra: pip install "langchain-gemini-vision[mcp]"'
    raise ImportError(msg) from missing

__all__ = ["build_mcp_server", "serve_http", "serve_stdio"]

logger = logging.getLogger(__name__)

_INSTRUCTIONS = (
    "Gemini image understanding: caption, compare, detect, segment and ask about images. "
    "Pass each image by reference: a local file path inside the folders this server "
    "allows, an http(s):// or gs:// URL, or a Gemini Files API name. Never image data."
)
_LOOPBACK = ("127.0.0.1", "localhost", "::1")


def build_mcp_server(toolkit: GeminiVisionToolkit) -> Server[Any, Any]:
    """An MCP server (the ``mcp`` SDK's low-level ``Server``) for the toolkit's tools."""
    tools: dict[str, BaseTool] = {tool.name: tool for tool in toolkit.get_tools()}
    server: Server[Any, Any] = Server(
        "gemini-vision", version=__version__, instructions=_INSTRUCTIONS
    )

    @server.list_tools()  # type: ignore[no-untyped-call,untyped-decorator]
    async def list_tools() -> list[types.Tool]:
        return [_describe(tool) for tool in tools.values()]

    @server.call_tool()  # type: ignore[untyped-decorator]
    async def call_tool(name: str, arguments: dict[str, Any]) -> Any:
        tool = tools.get(name)
        if tool is None:
            return _error(f"no tool named {name!r}; the tools are {', '.join(tools)}")
        return await _call(tool, arguments)

    return server


def _describe(tool: BaseTool) -> types.Tool:
    """The MCP description of a tool: its arguments, and its typed result as output."""
    output = None
    if isinstance(tool, GeminiVisionTool):
        output = tool.task.result.model_json_schema(mode="serialization")
    schema = tool.tool_call_schema  # the model's arguments: the injected runtime left out
    if isinstance(schema, dict):
        arguments = schema
    elif issubclass(schema, BaseModel):
        arguments = schema.model_json_schema()
    else:  # pragma: no cover - a pydantic.v1 schema (not one of this package's tools)
        arguments = schema.schema()
    return types.Tool(
        name=tool.name, description=tool.description, inputSchema=arguments, outputSchema=output
    )


async def _call(tool: BaseTool, arguments: dict[str, Any]) -> Any:
    """Run one tool call; its text (and drawn image) as content, its result as structure."""
    call = {"type": "tool_call", "id": "mcp", "name": tool.name, "args": arguments}
    try:
        message = await tool.ainvoke(call)
    except Exception as error:  # what only the owner can fix: told to the client, key masked
        logger.warning("%s failed: %s", tool.name, type(error).__name__)
        return _error(f"{type(error).__name__}: {_redacted(tool, str(error))}")
    if not isinstance(message, ToolMessage):  # pragma: no cover - tool calls answer messages
        return _error(f"{tool.name} gave no tool message")
    content = list(_content(message.content))
    if message.status == "error":
        return types.CallToolResult(content=content, isError=True)
    return content, message.artifact


def _content(content: str | list[Any]) -> Iterable[types.TextContent | types.ImageContent]:
    """A tool message's content as MCP content blocks (text, and a drawn image)."""
    blocks = [content] if isinstance(content, str) else content
    for block in blocks:
        if isinstance(block, str):
            yield types.TextContent(type="text", text=block)
        elif block.get("type") == "text":
            yield types.TextContent(type="text", text=block["text"])
        elif block.get("type") == "image" and "base64" in block:
            yield types.ImageContent(
                type="image", data=block["base64"], mimeType=block["mime_type"]
            )


def _redacted(tool: BaseTool, text: str) -> str:
    if isinstance(tool, GeminiVisionTool):
        return tool.get_client().redact(text)
    return redact(text)


def _error(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], isError=True)


async def serve_stdio(server: Server[Any, Any]) -> None:
    """Serve over stdin/stdout (the process an MCP client starts) until the client leaves."""
    async with stdio_server() as (read, write):
        await server.run(read, write, server.create_initialization_options())


async def serve_http(
    server: Server[Any, Any],
    *,
    host: str = "127.0.0.1",
    port: int = 8000,
    announce: Callable[[str], None] | None = None,
) -> None:
    """Serve over streamable HTTP at ``http://host:port/mcp`` until stopped.

    ``port=0`` takes a free port; ``announce`` is told the URL once the socket listens.
    On a loopback host, requests whose ``Host`` or ``Origin`` names another host are
    refused (DNS rebinding protection, as the SDK's FastMCP does).
    """
    manager = StreamableHTTPSessionManager(app=server, security_settings=_security(host))

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        async with manager.run():
            yield

    app = Starlette(routes=[Route("/mcp", endpoint=_Endpoint(manager))], lifespan=lifespan)
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    listener = socket.socket(family, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind((host, port))
    bound = listener.getsockname()[1]
    shown = f"[{host}]" if ":" in host else host
    config = uvicorn.Config(app, log_level="warning", lifespan="on")
    if announce is not None:
        announce(f"http://{shown}:{bound}/mcp")
    await uvicorn.Server(config).serve(sockets=[listener])


class _Endpoint:
    """``/mcp`` itself, as an ASGI app (a Route, not a Mount: no redirect to ``/mcp/``)."""

    def __init__(self, manager: StreamableHTTPSessionManager) -> None:
        self.manager = manager

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.manager.handle_request(scope, receive, send)


def _security(host: str) -> TransportSecuritySettings | None:
    if host not in _LOOPBACK:
        return None
    return TransportSecuritySettings(
        enable_dns_rebinding_protection=True,
        allowed_hosts=["127.0.0.1:*", "localhost:*", "[::1]:*"],
        allowed_origins=["http://127.0.0.1:*", "http://localhost:*", "http://[::1]:*"],
    )


def announce_on_stderr(url: str) -> None:
    """Say where the HTTP server listens (stdout stays free for stdio's protocol), and
    warn when that is beyond this machine: the server authenticates no one."""
    print(f"gemini-vision MCP server listening on {url}", file=sys.stderr, flush=True)
    host = urlsplit(url).hostname or ""
    if host not in _LOOPBACK:
        print(
            "warning: this address is reachable from other machines and the server has no "
            "authentication: anyone who reaches it spends your Gemini quota",
            file=sys.stderr,
            flush=True,
        )
