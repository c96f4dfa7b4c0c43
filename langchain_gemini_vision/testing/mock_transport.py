"""`MockTransport`: a transport whose answers a test's function gives.

httpx's ``MockTransport`` is the model: a handler takes the request as it would go on
the wire and returns the response. Inject it with
``GeminiVisionClient(transport=MockTransport(handler))`` (Runnables, Tools, the Toolkit
and the loader take ``transport=`` too); everything above the transport (image
handling, retries, error meaning, parsing, usage) runs as it does against Gemini::

    def handler(request: MockRequest) -> str:
        assert request.api == "interactions"
        return '{"caption": "A red circle."}'

    client = GeminiVisionClient(api_key="test", transport=MockTransport(handler))
    client.caption("cat.png").text  # 'A red circle.'

A handler returns the model's text (wrapped in the API's answer), the API's own
answer JSON (a mapping), or a :class:`MockResponse` (any status: an error body is read
as Gemini's would be). What it raises is translated as a transport's errors are. For a
server that answers from the pixels, use :class:`~.emulator.GeminiEmulator`.
"""

from __future__ import annotations

import threading
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_gemini_vision._transport.base import ApiName, VisionResponse, WireRequest
from langchain_gemini_vision._transport.errors import error_from_response, reraise_mapped
from langchain_gemini_vision._transport.payloads import (
    generate_content_body,
    interactions_body,
    read_response,
)
from langchain_gemini_vision.errors import GeminiVisionError

__all__ = ["MockRequest", "MockResponse", "MockTransport"]

_IMAGE_TOKENS = 258
"""Input tokens counted per image in a text answer's usage (Gemini's one-tile figure)."""


@dataclass(frozen=True)
class MockRequest:
    """One request as it would go on the wire.

    Attributes:
        api: ``"interactions"`` or ``"generate_content"``.
        model: The model asked.
        body: The JSON body Gemini would receive (as the lean transport sends it).
        stream: Whether streaming was asked for.
        timeout: Seconds the client gave this attempt (``None``: no limit).
        wire: The resolved request the body was built from.
    """

    api: ApiName
    model: str
    body: dict[str, Any] = field(repr=False)
    stream: bool
    timeout: float | None
    wire: WireRequest = field(repr=False)


@dataclass(frozen=True)
class MockResponse:
    """A whole HTTP answer: its status, JSON body and headers."""

    status: int = 200
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)


Handler = Callable[[MockRequest], "str | Mapping[str, Any] | MockResponse"]


class MockTransport:
    """A :class:`~langchain_gemini_vision._transport.base.Transport` answered by ``handler``.

    Attributes:
        requests: Every request seen, oldest first.
    """

    name = "mock"

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[MockRequest] = []
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"MockTransport({getattr(self.handler, '__name__', 'handler')})"

    def _answer(
        self, request: WireRequest, api: ApiName, *, stream: bool, timeout: float | None
    ) -> VisionResponse:
        body = interactions_body(request, stream=stream) if api == "interactions" else None
        seen = MockRequest(
            api, request.model, body or generate_content_body(request), stream, timeout, request
        )
        with self._lock:
            self.requests.append(seen)
        started = time.perf_counter()
        try:
            reply = self.handler(seen)
        except GeminiVisionError:
            raise
        except Exception as exc:
            reraise_mapped(exc)
        data = _answer_json(reply, request, api)
        want_json = request.response_schema is not None
        return read_response(
            data, api, want_json=want_json, elapsed_s=time.perf_counter() - started
        )

    def send(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> VisionResponse:
        """The handler's answer, read as Gemini's would be."""
        return self._answer(request, api, stream=False, timeout=timeout)

    async def asend(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> VisionResponse:
        """The same, from async code (the handler is called in place)."""
        return self._answer(request, api, stream=False, timeout=timeout)

    def stream_text(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> Iterator[str | VisionResponse]:
        """The answer's text, as one piece, then the whole answer."""
        response = self._answer(request, api, stream=True, timeout=timeout)
        yield response.text
        yield response

    async def astream_text(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> AsyncIterator[str | VisionResponse]:
        """Async :meth:`stream_text`."""
        response = self._answer(request, api, stream=True, timeout=timeout)
        yield response.text
        yield response

    def close(self) -> None:
        """Nothing to release."""

    async def aclose(self) -> None:
        """Nothing to release."""


def _answer_json(
    reply: str | Mapping[str, Any] | MockResponse, request: WireRequest, api: ApiName
) -> Mapping[str, Any]:
    """The API's answer JSON for what a handler returned (an error status raises)."""
    if isinstance(reply, MockResponse):
        if reply.status >= 400:
            raise error_from_response(reply.status, reply.json, reply.headers)
        return dict(reply.json or {})
    if isinstance(reply, Mapping):
        return reply
    return _text_answer(reply, request, api)


def _text_answer(text: str, request: WireRequest, api: ApiName) -> dict[str, Any]:
    """``text`` as the model's whole answer, in ``api``'s shape, with a usage count."""
    prompt_tokens = max(1, len(request.prompt) // 4) + _IMAGE_TOKENS * len(request.parts)
    output_tokens = max(1, len(text) // 4)
    if api == "interactions":
        return {
            "id": "mock-interaction",
            "model": request.model,
            "status": "completed",
            "steps": [{"type": "model_output", "content": [{"type": "text", "text": text}]}],
            "usage": {
                "total_input_tokens": prompt_tokens,
                "total_output_tokens": output_tokens,
                "total_tokens": prompt_tokens + output_tokens,
            },
        }
    return {
        "candidates": [
            {"content": {"parts": [{"text": text}], "role": "model"}, "finishReason": "STOP"}
        ],
        "usageMetadata": {
            "promptTokenCount": prompt_tokens,
            "candidatesTokenCount": output_tokens,
            "totalTokenCount": prompt_tokens + output_tokens,
        },
        "modelVersion": request.model,
        "responseId": "mock-response",
    }
