"""``gemini-vision mcp`` (issue 19 item 1): the vision tools over the Model Context Protocol.

The ``mcp`` SDK's own client drives the server, started as a subprocess, over stdio and
over streamable HTTP, against the emulator; a LangChain agent uses the served tools through
``langchain-mcp-adapters`` (a real round trip). Every registered task with a tool is served
(a module given with ``--import`` registers one here), with the tools' reference rules:
local files only under ``--allow-dir``, URLs under the URL policy, never image data.
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx2
import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from PIL import Image

import langchain_gemini_vision
from langchain_gemini_vision.results import Caption, DetectionResult, ImageComparison
from langchain_gemini_vision.testing import GeminiEmulator

from .conftest import Scenes

ROOT = Path(langchain_gemini_vision.__file__).resolve().parents[1]
TOOLS = {
    "gemini_caption_image",
    "gemini_compare_images",
    "gemini_detect_objects",
    "gemini_segment_objects",
    "gemini_ask_about_images",
}
SECRET = "AIza" + "SyMCP-SERVER-SECRET-KEY-0123456789"


def _env() -> dict[str, str]:
    """The server's environment: the key and the package (with the tests, for --import)."""
    return {
        "PATH": os.environ.get("PATH", ""),
        "GEMINI_API_KEY": SECRET,
        "PYTHONPATH": os.pathsep.join([str(ROOT)]),
    }


def _args(emulator: GeminiEmulator, scenes: Scenes, *extra: str) -> list[str]:
    return [
        "-m",
        "langchain_gemini_vision.cli",
        "mcp",
        "--allow-dir",
        str(scenes.folder),
        "--base-url",
        emulator.base_url,
        "--import",
        "tests.unit.cli._count_task",
        *extra,
    ]


@asynccontextmanager
async def _stdio(emulator: GeminiEmulator, scenes: Scenes, *extra: str) -> AsyncIterator[Any]:
    params = StdioServerParameters(
        command=sys.executable, args=_args(emulator, scenes, *extra), env=_env(), cwd=str(ROOT)
    )
    with open(os.devnull, "w") as errlog:  # noqa: PTH123, ASYNC230
        async with stdio_client(params, errlog=errlog) as (read, write):
            async with ClientSession(read, write) as session:
                await session.initialize()
                yield session


def _text(result: Any) -> str:
    return "\n".join(c.text for c in result.content if c.type == "text")


@pytest.mark.slow  # a server process of its own
async def test_stdio_round_trip_serves_every_tool_with_typed_results(
    emulator: GeminiEmulator, scenes: Scenes
) -> None:
    async with _stdio(emulator, scenes, "--annotated-images") as session:
        listed = {tool.name: tool for tool in (await session.list_tools()).tools}
        assert TOOLS | {"gemini_count_shapes"} == set(listed), sorted(listed)
        detect = listed["gemini_detect_objects"]
        assert detect.outputSchema is not None and detect.outputSchema["type"] == "object"
        assert "image" in detect.inputSchema["properties"]
        assert "runtime" not in detect.inputSchema["properties"]
        assert detect.description and "reference" in detect.description

        result = await session.call_tool("gemini_detect_objects", {"image": str(scenes.wide)})
        assert not result.isError, _text(result)
        truth = scenes.truth["wide.png"]
        found = DetectionResult.model_validate(result.structuredContent)
        assert sorted(found.labels) == sorted(o.label for o in truth.objects)
        assert _text(result).startswith(f"Image 640x360 px. {len(truth.objects)} objects")
        (drawn,) = [c for c in result.content if c.type == "image"]
        assert drawn.mimeType == "image/png"
        assert Image.open(io.BytesIO(base64.b64decode(drawn.data))).size == (640, 360)

        counted = await session.call_tool("gemini_count_shapes", {"image": str(scenes.wide)})
        assert not counted.isError, _text(counted)
        assert counted.structuredContent == {"count": len(truth.objects)}


@asynccontextmanager
async def _in_process(emulator: GeminiEmulator, scenes: Scenes, key: str) -> AsyncIterator[Any]:
    """The same server in this process, over the SDK's in-memory streams (quick checks)."""
    from mcp.shared.memory import create_connected_server_and_client_session

    from langchain_gemini_vision import GeminiVisionToolkit
    from langchain_gemini_vision.mcp_server import build_mcp_server

    toolkit = GeminiVisionToolkit(
        api_key=key, base_url=emulator.base_url, reference_dirs=[scenes.folder]
    )
    async with create_connected_server_and_client_session(build_mcp_server(toolkit)) as session:
        yield session


async def test_the_reference_rules_hold_over_mcp(emulator: GeminiEmulator, scenes: Scenes) -> None:
    encoded = base64.b64encode(scenes.truth["wide.png"].data).decode()
    async with _in_process(emulator, scenes, SECRET) as session:
        refused = {
            "data:image/png;base64," + encoded: "Do not put image data",
            encoded: "base64",
            str(ROOT / "pyproject.toml"): "outside",
            # Detection reads the pixels here, so the URL policy applies to the download.
            "https://127.0.0.1/x.png": "non-public",
            "img_1": "no image is registered",
        }
        for reference, reason in refused.items():
            result = await session.call_tool("gemini_detect_objects", {"image": reference})
            assert result.isError, reference
            assert reason in _text(result), (reference, _text(result))
        # No annotated image unless the owner asked for it.
        result = await session.call_tool("gemini_detect_objects", {"image": str(scenes.wide)})
        assert [c.type for c in result.content] == ["text"]
        # Arguments the schema does not allow never reach the tool.
        result = await session.call_tool("gemini_detect_objects", {"images": [str(scenes.wide)]})
        assert result.isError and "image" in _text(result)


def _free_server(emulator: GeminiEmulator, scenes: Scenes) -> tuple[subprocess.Popen[str], str]:
    process = subprocess.Popen(
        [
            sys.executable,
            *_args(emulator, scenes, "--transport", "http", "--host", "127.0.0.1", "--port", "0"),
        ],
        env=_env(),
        cwd=str(ROOT),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stderr is not None
    for line in process.stderr:
        if "http://127.0.0.1:" in line:
            return process, line[line.index("http://") :].split()[0]
    process.kill()
    raise AssertionError("the server never said where it listens")


@pytest.mark.slow  # a server process of its own
async def test_http_round_trip(emulator: GeminiEmulator, scenes: Scenes) -> None:
    process, url = _free_server(emulator, scenes)
    try:
        assert url.endswith("/mcp")
        async with streamable_http_client(url) as (read, write, _):
            async with ClientSession(read, write) as session:
                await session.initialize()
                assert {t.name for t in (await session.list_tools()).tools} >= TOOLS
                caption = await session.call_tool(
                    "gemini_caption_image", {"image": str(scenes.wide)}
                )
                assert not caption.isError, _text(caption)
                assert Caption.model_validate(caption.structuredContent).text == _text(caption)
                compared = await session.call_tool(
                    "gemini_compare_images", {"images": [str(scenes.wide), str(scenes.tall)]}
                )
                assert not compared.isError, _text(compared)
                assert ImageComparison.model_validate(compared.structuredContent).differences
        # DNS rebinding: a page on another origin cannot drive the loopback server.
        rebound = httpx2.post(
            url,
            json={"jsonrpc": "2.0", "id": 1, "method": "tools/list"},
            headers={
                "Host": "evil.example",
                "Accept": "application/json, text/event-stream",
                "Content-Type": "application/json",
            },
            timeout=10,
        )
        assert rebound.status_code in (400, 403, 421), rebound.status_code
    finally:
        process.terminate()
        process.wait(timeout=10)


async def test_errors_never_carry_the_key(scenes: Scenes) -> None:
    """A refused key (an owner's error, raised by the tool) reaches the MCP client as an
    error result without the key itself."""
    with GeminiEmulator(expected_api_key="another-key") as emulator:
        async with _in_process(emulator, scenes, SECRET) as session:
            result = await session.call_tool("gemini_caption_image", {"image": str(scenes.wide)})
    assert result.isError
    assert SECRET not in _text(result)
    assert "key" in _text(result).lower()


@pytest.mark.slow  # a server process of its own
async def test_a_langchain_agent_uses_the_served_tools_through_langchain_mcp_adapters(
    emulator: GeminiEmulator, scenes: Scenes
) -> None:
    from langchain.agents import create_agent
    from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, ToolMessage
    from langchain_mcp_adapters.client import MultiServerMCPClient

    from tests.unit.langchain._scripted import ScriptedChatModel, tool_call

    connections: Any = {
        "vision": {
            "transport": "stdio",
            "command": sys.executable,
            "args": _args(emulator, scenes),
            "env": _env(),
            "cwd": str(ROOT),
        }
    }
    tools = await MultiServerMCPClient(connections).get_tools()
    assert {tool.name for tool in tools} >= TOOLS

    def count_from_the_artifact(messages: list[BaseMessage]) -> AIMessage:
        last = messages[-1]
        assert isinstance(last, ToolMessage) and last.status == "success", last.content
        result = DetectionResult.model_validate(last.artifact["structured_content"])
        return AIMessage(f"{len(result)} objects: {', '.join(sorted(result.labels))}")

    model = ScriptedChatModel(
        steps=[
            tool_call("gemini_detect_objects", {"image": str(scenes.wide)}, "c1"),
            count_from_the_artifact,
        ]
    )
    state = await create_agent(model, tools=tools).ainvoke(
        {"messages": [HumanMessage(f"How many objects are in {scenes.wide}?")]}
    )
    truth = scenes.truth["wide.png"]
    labels = ", ".join(sorted(o.label for o in truth.objects))
    assert state["messages"][-1].text == f"{len(truth.objects)} objects: {labels}"


def test_usage_errors_exit_2_before_serving(scenes: Scenes) -> None:
    from tests.unit.cli._helpers import invoke, plain

    no_key = invoke(["mcp", "--allow-dir", str(scenes.folder)], key=None)
    assert no_key.exit_code == 2, no_key.output
    assert "GEMINI_API_KEY" in plain(no_key.stderr)
    missing = invoke(["mcp", "--import", "no_such_module_anywhere"])
    assert missing.exit_code == 2, missing.output
    assert "--import no_such_module_anywhere" in plain(missing.stderr)


async def test_every_tool_answers_its_typed_result_valid_against_its_output_schema(
    emulator: GeminiEmulator, scenes: Scenes
) -> None:
    """The SDK checks each structuredContent against the tool's outputSchema: all five pass."""
    from langchain_gemini_vision.results import VisualAnswer

    wide, tall = str(scenes.wide), str(scenes.tall)
    calls = {
        "gemini_caption_image": ({"image": wide}, Caption),
        "gemini_compare_images": ({"images": [wide, tall]}, ImageComparison),
        "gemini_detect_objects": ({"image": wide}, DetectionResult),
        "gemini_segment_objects": ({"image": wide}, DetectionResult),
        "gemini_ask_about_images": (
            {"images": [wide], "question": "How many objects?"},
            VisualAnswer,
        ),
    }
    async with _in_process(emulator, scenes, SECRET) as session:
        listed = {tool.name: tool for tool in (await session.list_tools()).tools}
        for name, (arguments, result_type) in calls.items():
            assert listed[name].outputSchema == result_type.model_json_schema(mode="serialization")
            result = await session.call_tool(name, arguments)
            assert not result.isError, (name, _text(result))
            typed = result_type.model_validate(result.structuredContent)
            assert _text(result), name
            if isinstance(typed, DetectionResult):
                truth = scenes.truth["wide.png"]
                assert sorted(typed.labels) == sorted(o.label for o in truth.objects)
        segmented = DetectionResult.model_validate(
            (await session.call_tool("gemini_segment_objects", {"image": wide})).structuredContent
        )
        assert all(d.mask is not None for d in segmented)


def test_listening_beyond_loopback_is_warned_about(capsys: pytest.CaptureFixture[str]) -> None:
    from langchain_gemini_vision.mcp_server import announce_on_stderr

    announce_on_stderr("http://127.0.0.1:8000/mcp")
    assert "warning" not in capsys.readouterr().err
    announce_on_stderr("http://0.0.0.0:8000/mcp")
    assert "no authentication" in capsys.readouterr().err
