"""Sync and async calls treat HTTP(S)_PROXY and NO_PROXY alike, as google-genai does (it
builds its httpx2 client and its aiohttp session with ``trust_env=True``): issue 15, item 13.

The proxy here is a few lines of asyncio on loopback that records each request line and
answers it itself: an error for CONNECT (so nothing leaves the machine) and a Gemini-shaped
error for a plain proxied request.
"""

from __future__ import annotations

import asyncio
import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest

from langchain_gemini_vision import GeminiVisionClient, RetryPolicy
from langchain_gemini_vision.errors import (
    GeminiVisionConnectionError,
    GeminiVisionInvalidRequestError,
)
from langchain_gemini_vision.testing import GeminiEmulator, make_scene

PROXIED = json.dumps(
    {"error": {"code": 400, "message": "answered by the proxy", "status": "INVALID_ARGUMENT"}}
).encode()


class RecordingProxy:
    """Records request lines; refuses CONNECT, answers plain requests with a 400."""

    def __init__(self) -> None:
        self.seen: list[str] = []
        self.port = 0
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            head = await reader.readuntil(b"\r\n\r\n")
        except (asyncio.IncompleteReadError, asyncio.LimitOverrunError):
            writer.close()
            return
        lines = head.decode("latin-1").split("\r\n")
        self.seen.append(lines[0])
        length = 0
        for line in lines[1:]:
            name, _, value = line.partition(":")
            if name.strip().lower() == "content-length":
                length = int(value.strip())
        if length:
            await reader.readexactly(length)
        if lines[0].startswith("CONNECT "):
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n")
        else:
            writer.write(
                b"HTTP/1.1 400 Bad Request\r\nContent-Type: application/json\r\n"
                + f"Content-Length: {len(PROXIED)}\r\nConnection: close\r\n\r\n".encode()
                + PROXIED
            )
        await writer.drain()
        writer.close()

    def __enter__(self) -> RecordingProxy:
        ready = threading.Event()

        def serve() -> None:
            loop = asyncio.new_event_loop()
            self._loop = loop
            server = loop.run_until_complete(asyncio.start_server(self._handle, "127.0.0.1", 0))
            self.port = server.sockets[0].getsockname()[1]
            ready.set()
            try:
                loop.run_forever()
            finally:
                server.close()
                loop.run_until_complete(server.wait_closed())
                loop.close()

        self._thread = threading.Thread(target=serve, name="recording-proxy", daemon=True)
        self._thread.start()
        ready.wait(timeout=30)
        return self

    def __exit__(self, *_: object) -> None:
        if self._loop is not None and self._thread is not None:
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(timeout=30)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"


@pytest.fixture
def proxy() -> Iterator[RecordingProxy]:
    with RecordingProxy() as running:
        yield running


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emu:
        yield emu


IMAGE = make_scene(32, 32, objects=1).data


async def _call(mode: str, transport: Any, base_url: str | None = None) -> Any:
    """One caption, sync or async, with no retry to hide what happened."""
    client = GeminiVisionClient(
        api_key="k", base_url=base_url, transport=transport, retry=RetryPolicy(max_attempts=1)
    )
    try:
        if mode == "sync":
            return client.caption(IMAGE)
        return await client.acaption(IMAGE)
    finally:
        await client.aclose()


@pytest.mark.parametrize("transport", ["lean", "sdk"])
@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_https_proxy_carries_calls_to_the_default_endpoint(
    proxy: RecordingProxy, monkeypatch: pytest.MonkeyPatch, transport: Any, mode: str
) -> None:
    monkeypatch.setenv("HTTPS_PROXY", proxy.url)
    with pytest.raises(GeminiVisionConnectionError):
        await _call(mode, transport)
    assert proxy.seen == ["CONNECT generativelanguage.googleapis.com:443 HTTP/1.1"]


@pytest.mark.parametrize("transport", ["lean", "sdk"])
@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("no_proxy", [None, "127.0.0.1,localhost"], ids=["proxied", "no_proxy"])
async def test_http_proxy_carries_plain_http_calls_unless_no_proxy_names_the_host(
    proxy: RecordingProxy,
    emulator: GeminiEmulator,
    monkeypatch: pytest.MonkeyPatch,
    transport: Any,
    mode: str,
    no_proxy: str | None,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    if no_proxy is None:
        with pytest.raises(GeminiVisionInvalidRequestError, match="answered by the proxy"):
            await _call(mode, transport, emulator.base_url)
        assert len(proxy.seen) == 1
        assert proxy.seen[0].startswith(f"POST {emulator.base_url}/")
        return
    monkeypatch.setenv("NO_PROXY", no_proxy)  # the emulator is on loopback: go direct
    caption = await _call(mode, transport, emulator.base_url)
    assert caption.text
    assert proxy.seen == []
