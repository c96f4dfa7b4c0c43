"""A prototype, for evidence only: the lean transport's async path on aiohttp.

Not used by the package. Figure 2 runs the same batch with this transport
swapped into a client (``client._transport``) to show what the fix proposed in
README.md ("what the misses come from") would buy. Everything but the HTTP
client is the package's own code: the same body, URL and headers
(``LeanTransport._prepare``), the same response reader and error mapping.
"""

from __future__ import annotations

import asyncio
import json
import time
import weakref
from typing import Any

import aiohttp

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision._transport.base import ApiName, VisionResponse, WireRequest
from langchain_gemini_vision._transport.errors import error_from_response, reraise_mapped
from langchain_gemini_vision._transport.lean import LeanTransport
from langchain_gemini_vision._transport.payloads import read_response


class AiohttpLeanTransport(LeanTransport):
    """``LeanTransport`` whose ``asend`` uses one ``aiohttp`` session per event loop."""

    def __init__(self, *, max_connections: int, **kwargs: Any) -> None:
        super().__init__(max_connections=max_connections, **kwargs)
        self._max = max_connections
        self._sessions: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, aiohttp.ClientSession
        ] = weakref.WeakKeyDictionary()

    def _session(self) -> aiohttp.ClientSession:
        loop = asyncio.get_running_loop()
        session = self._sessions.get(loop)
        if session is None:
            connector = aiohttp.TCPConnector(limit=self._max)
            session = aiohttp.ClientSession(connector=connector)
            self._sessions[loop] = session
        return session

    async def asend(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> VisionResponse:
        """POST with aiohttp; read exactly as the package does."""
        url, content, headers = self._prepare(request, api, stream=False)
        started = time.perf_counter()
        seconds = timeout or self.timeout
        try:
            async with self._session().post(
                url,
                data=content,
                headers=headers,
                timeout=aiohttp.ClientTimeout(total=seconds),
            ) as response:
                body = await response.read()
                status, response_headers = response.status, response.headers
        except Exception as exc:
            reraise_mapped(exc)
        if status >= 400:
            raise error_from_response(status, body, response_headers)
        result = read_response(json.loads(body), api, want_json=request.response_schema is not None)
        return result.model_copy(update={"elapsed_s": time.perf_counter() - started})

    async def aclose(self) -> None:
        """Close this loop's session and the sync pool."""
        session = self._sessions.pop(asyncio.get_running_loop(), None)
        if session is not None:
            await session.close()
        await super().aclose()


def with_aiohttp(client: GeminiVisionClient, base_url: str) -> GeminiVisionClient:
    """Swap the prototype transport into ``client`` (benchmarks only)."""
    client._transport = AiohttpLeanTransport(
        api_key=client._api_key,  # type: ignore[arg-type]
        base_url=base_url,
        max_connections=client.max_concurrency,
    )
    return client
