"""A tiny Gemini endpoint on loopback that answers exactly what a test scripts.

The emulator answers from pixels; some tests need an answer no honest model
would give (pathological JSON, an error event in a stream, a stream without
text, an endpoint that echoes the key back). :class:`ServedGemini` speaks just
enough of both APIs, plain and streamed, for the package and google-genai to
read what it serves::

    with ServedGemini() as served:
        served.reply = model_text("[" * 5000)
        client = GeminiVisionClient(api_key="k", base_url=served.base_url)
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from langchain_gemini_vision.testing import GeminiEmulator


@dataclass(frozen=True)
class Call:
    """One request as the endpoint saw it."""

    api: str
    """``"interactions"`` or ``"generate_content"``."""
    stream: bool
    key: str
    """The ``x-goog-api-key`` the client sent."""
    model: str
    body: dict[str, Any] = field(repr=False)


@dataclass(frozen=True)
class Reply:
    """What the endpoint sends back."""

    status: int
    body: bytes
    content_type: str = "application/json"


Script = Callable[[Call], Reply]


def _json(status: int, value: Any) -> Reply:
    return Reply(status, json.dumps(value).encode())


def _sse(events: list[Any]) -> Reply:
    lines = [
        b"data: " + (e if isinstance(e, bytes) else json.dumps(e).encode()) + b"\r\n\r\n"
        for e in events
    ]
    return Reply(200, b"".join(lines), "text/event-stream")


def sse(events: list[Any]) -> Script:
    """Answer with a 200 event stream of exactly ``events`` (dicts become JSON ``data:``)."""
    return lambda _call: _sse(events)


def _interaction(model: str, text: str, status: str = "completed") -> dict[str, Any]:
    steps = [{"type": "model_output", "content": [{"type": "text", "text": text}]}] if text else []
    return {
        "id": "served-1",
        "object": "interaction",
        "model": model,
        "status": status,
        "created": "2026-01-01T00:00:00Z",
        "updated": "2026-01-01T00:00:01Z",
        "steps": steps,
    }


def _chunk(model: str, text: str, finish: str | None) -> dict[str, Any]:
    candidate: dict[str, Any] = {"content": {"parts": [{"text": text}], "role": "model"}}
    if finish is not None:
        candidate["finishReason"] = finish
    return {"candidates": [candidate], "modelVersion": model, "responseId": "served-1"}


def text_events(call: Call, text: str) -> list[dict[str, Any]]:
    """The events a real stream of ``text`` would carry, for ``call``'s API."""
    if call.api == "generate_content":
        return [_chunk(call.model, text, "STOP")]
    brief = {"id": "served-1", "model": call.model}
    return [
        {"event_type": "interaction.created", "interaction": {**brief, "status": "in_progress"}},
        {"event_type": "step.start", "index": 0, "step": {"type": "model_output"}},
        {"event_type": "step.delta", "index": 0, "delta": {"type": "text", "text": text}},
        {"event_type": "step.stop", "index": 0},
        {"event_type": "interaction.completed", "interaction": {**brief, "status": "completed"}},
    ]


def model_text(text: str) -> Script:
    """Answer every request with ``text`` as the model's answer (plain or streamed)."""

    def reply(call: Call) -> Reply:
        if call.stream:
            return _sse(text_events(call, text))
        if call.api == "generate_content":
            return _json(200, _chunk(call.model, text, "STOP"))
        return _json(200, _interaction(call.model, text))

    return reply


def error(status: int, body: dict[str, Any]) -> Script:
    """Answer every request with this HTTP error."""
    return lambda _call: _json(status, body)


def echo_key(status: int = 400) -> Script:
    """A misbehaving proxy: its error message repeats the key the client sent."""
    return lambda call: _json(
        status,
        {
            "error": {
                "code": status,
                "message": f"API key {call.key} is not valid for this gateway",
                "status": "INVALID_ARGUMENT",
            }
        },
    )


class ServedGemini(GeminiEmulator):
    """The endpoint: the emulator's server and thread, with scripted routes instead of its
    vision (``with ServedGemini() as served``).

    Attributes:
        reply: The script that answers each request (set it before the call).
        calls: Every request seen, oldest first.
    """

    def __init__(self) -> None:
        super().__init__()
        self.reply: Script = model_text("[]")
        self.calls: list[Call] = []

    async def _handle(self, request: web.Request) -> web.Response:
        raw = await request.read()
        body = json.loads(raw) if raw else {}
        key = request.headers.get("x-goog-api-key", "")
        model, _, method = request.match_info.get("target", "").partition(":")
        if method:
            call = Call("generate_content", method == "streamGenerateContent", key, model, body)
        else:
            model = str(body.get("model", ""))
            call = Call("interactions", bool(body.get("stream")), key, model, body)
        self.calls.append(call)
        answer = self.reply(call)
        return web.Response(
            status=answer.status, body=answer.body, headers={"Content-Type": answer.content_type}
        )

    def build_app(self) -> web.Application:
        """Two routes, answered by :attr:`reply`."""
        app = web.Application()
        app.router.add_post("/{version}/interactions", self._handle)
        app.router.add_post("/{version}/models/{target}", self._handle)
        return app
