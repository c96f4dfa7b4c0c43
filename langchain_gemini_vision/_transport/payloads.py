"""Request bodies and response readers for both Gemini APIs, as plain JSON.

This is the one place that knows the wire shapes. The lean transport sends
these bodies as they are; the SDK transport turns the same pieces into SDK
calls; tests prove both put identical JSON on the wire, that generateContent
bodies equal what google-genai builds through its own typed path, and that every
body fits the SDK's typed request models. Responses from either
transport (wire JSON, or an SDK object dumped to a dict) are read by the same
functions, which accept camelCase and snake_case keys alike.

Why one module: the bodies, the whole answers and the streamed events are one set of
wire shapes; the stream reader ends in the same reader a whole answer goes through,
so apart each half would import the other's private field pickers.
"""

from __future__ import annotations

import functools
import json
import mimetypes
import secrets
import time
from collections.abc import Iterable, Iterator, Mapping
from typing import Any

from langchain_gemini_vision import _json_depth as json_depth
from langchain_gemini_vision.errors import (
    EmptyResponseError,
    GeminiVisionConnectionError,
    ResponseBlockedError,
)
from langchain_gemini_vision.usage import Usage

from .base import ApiName, ImagePart, VisionResponse, WireRequest
from .errors import Secret, error_from_event

# Finish reasons (generateContent) and statuses (Interactions) that mean "no usable answer".
BLOCKING_FINISH_REASONS = frozenset(
    {
        "SAFETY",
        "RECITATION",
        "PROHIBITED_CONTENT",
        "BLOCKLIST",
        "SPII",
        "IMAGE_SAFETY",
        "IMAGE_PROHIBITED_CONTENT",
        "IMAGE_RECITATION",
        "LANGUAGE",
    }
)
FAILED_INTERACTION_STATUSES = frozenset({"failed", "cancelled", "budget_exceeded"})
TRUNCATED_FINISH_REASONS = frozenset({"MAX_TOKENS"})
TRUNCATED_INTERACTION_STATUSES = frozenset({"incomplete"})

_URL_SAFE = str.maketrans("+/", "-_")
_GC_RESOLUTION = {
    "low": "MEDIA_RESOLUTION_LOW",
    "medium": "MEDIA_RESOLUTION_MEDIUM",
    "high": "MEDIA_RESOLUTION_HIGH",
    "ultra_high": "MEDIA_RESOLUTION_ULTRA_HIGH",
}


# --------------------------------------------------------------------------- Interactions


def interactions_content(request: WireRequest) -> list[dict[str, Any]]:
    """The user's content blocks: the prompt, then each image (keys in the SDK's order)."""
    blocks: list[dict[str, Any]] = [{"text": request.prompt, "type": "text"}]
    for part in request.parts:
        blocks.append(
            _given(
                data=part.data_base64,
                mime_type=part.mime_type,
                resolution=part.resolution,
                type="image",
                uri=part.uri,
            )
        )
    return blocks


def interactions_options(request: WireRequest) -> dict[str, Any]:
    """``generation_config``, ``response_format`` and ``system_instruction``, as create() kwargs."""
    options: dict[str, Any] = {}
    config = _given(
        max_output_tokens=request.max_output_tokens,
        temperature=request.temperature,
        thinking_level=request.thinking_level,
    )
    if config:
        options["generation_config"] = config
    if request.response_schema is not None:
        options["response_format"] = {
            "mime_type": "application/json",
            "schema": request.response_schema,
            "type": "text",
        }
    if request.system_instruction is not None:
        options["system_instruction"] = request.system_instruction
    if request.safety_settings is not None:
        options["safety_settings"] = [
            {"threshold": threshold, "type": category}
            for category, threshold in request.safety_settings.items()
        ]
    if request.labels is not None:
        options["labels"] = dict(request.labels)
    return options


def interactions_body(request: WireRequest, *, stream: bool = False) -> dict[str, Any]:
    """The exact JSON ``client.interactions.create`` sends for this request."""
    body: dict[str, Any] = {"model": request.model}
    options = interactions_options(request)
    if "generation_config" in options:
        body["generation_config"] = options["generation_config"]
    body["input"] = [{"content": interactions_content(request), "type": "user_input"}]
    if "labels" in options:
        body["labels"] = options["labels"]
    if "response_format" in options:
        body["response_format"] = options["response_format"]
    if "safety_settings" in options:
        body["safety_settings"] = options["safety_settings"]
    if stream:
        body["stream"] = True
    if "system_instruction" in options:
        body["system_instruction"] = options["system_instruction"]
    return body


def _usage_from_interaction(usage: Mapping[str, Any] | None) -> Usage:
    if not usage:
        return Usage()
    image_tokens = 0
    for entry in usage.get("input_tokens_by_modality") or ():
        if str(entry.get("modality", "")).lower() == "image":
            image_tokens += int(entry.get("tokens") or 0)
    input_tokens = int(usage.get("total_input_tokens") or 0)
    output_tokens = int(usage.get("total_output_tokens") or 0)
    thought_tokens = int(usage.get("total_thought_tokens") or 0)
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        thought_tokens=thought_tokens,
        total_tokens=int(
            usage.get("total_tokens") or input_tokens + output_tokens + thought_tokens
        ),
        image_tokens=image_tokens,
    )


def _interaction_text(steps: Iterable[Mapping[str, Any]]) -> str:
    """Text of the model outputs after the last user input, thoughts skipped (as the SDK does)."""
    steps = list(steps)
    start = 0
    for index, step in enumerate(steps):
        if step.get("type") == "user_input":
            start = index + 1
    pieces: list[str] = []
    for step in steps[start:]:
        if step.get("type") != "model_output":
            continue
        for block in step.get("content") or ():
            if block.get("type") == "text" and block.get("text"):
                pieces.append(str(block["text"]))
    return "".join(pieces)


def read_interaction(
    data: Mapping[str, Any], *, want_json: bool, elapsed_s: float = 0.0
) -> VisionResponse:
    """Read an Interaction (wire JSON or SDK dump) into a :class:`VisionResponse`."""
    status = str(data.get("status") or "")
    return _answer(
        data,
        _interaction_text(data.get("steps") or data.get("outputs") or ()),
        status or None,
        blocked=status in FAILED_INTERACTION_STATUSES,
        truncated=status in TRUNCATED_INTERACTION_STATUSES,
        ended=f"interaction status {status or 'missing'}",
        usage=_usage_from_interaction(data.get("usage")),
        model=data.get("model"),
        response_id=data.get("id"),
        api="interactions",
        want_json=want_json,
        elapsed_s=elapsed_s,
    )


def _answer(
    data: Mapping[str, Any],
    text: str,
    finish_reason: str | None,
    *,
    blocked: bool,
    truncated: bool,
    ended: str,
    usage: Usage,
    model: Any,
    response_id: Any,
    api: ApiName,
    want_json: bool,
    elapsed_s: float,
) -> VisionResponse:
    """The answer both APIs give, once each has said how it ended: blocked, cut or empty."""
    if blocked:
        raise ResponseBlockedError(finish_reason or "", raw_text=text)
    if not text and not truncated:
        raise EmptyResponseError(f"Gemini returned no text ({ended}).", raw_text="")
    return VisionResponse(
        text=text,
        parsed=_maybe_json(text) if want_json else None,
        finish_reason=finish_reason,
        truncated=truncated,
        usage=usage,
        model=str(model or ""),
        response_id=str(response_id) if response_id else None,
        api=api,
        elapsed_s=elapsed_s,
        raw=dict(data),
    )


# --------------------------------------------------------------------------- generateContent


def generate_content_mime_type(part: ImagePart) -> str | None:
    """The type generateContent sends for an image: the known one; for a URI of unknown
    type, what the SDK's ``Part.from_uri`` guesses from its name (``mimetypes``); else none.

    Where the name says nothing (``https://host/render?id=4``) ``Part.from_uri`` raises;
    the package sends the URI without a type instead (``FileData.mime_type`` is optional;
    the service reads the type of what it fetches): the one deliberate difference from
    the SDK, named in ``tests/unit/transport/test_request_bodies.py``.
    """
    if part.mime_type is not None or part.uri is None:
        return part.mime_type
    return mimetypes.guess_type(part.uri)[0]


def generate_content_parts(request: WireRequest) -> list[dict[str, Any]]:
    """The user's parts: the prompt first, then each image, in the SDK's wire form."""
    parts: list[dict[str, Any]] = [{"text": request.prompt}]
    for image in request.parts:
        part: dict[str, Any] = {}
        if image.resolution is not None:
            part["mediaResolution"] = {"level": _GC_RESOLUTION[image.resolution]}
        if image.uri is not None:
            # As the SDK dumps types.FileData: keys in field order, None left out.
            file_data: dict[str, Any] = {"file_uri": image.uri}
            mime_type = generate_content_mime_type(image)
            if mime_type is not None:
                file_data["mime_type"] = mime_type
            part["fileData"] = file_data
        else:
            # google-genai writes bytes in the URL-safe alphabet
            # (_common.encode_unserializable_types); so do we, from the standard base64 the
            # image carries (Interactions takes that as it is, as its SDK sends it).
            data = url_safe_base64(image.data_base64 or "")
            part["inlineData"] = {"data": data, "mime_type": image.mime_type}
        parts.append(part)
    return parts


def generate_content_body(request: WireRequest) -> dict[str, Any]:
    """The exact JSON ``client.models.generate_content`` sends for this request."""
    body: dict[str, Any] = {
        "contents": [{"parts": generate_content_parts(request), "role": "user"}]
    }
    if request.system_instruction is not None:
        body["systemInstruction"] = {
            "parts": [{"text": request.system_instruction}],
            "role": "user",
        }
    # Key order follows the SDK's own converter (models._GenerateContentConfig_to_mldev).
    if request.safety_settings is not None:
        body["safetySettings"] = generate_content_safety(request.safety_settings)
    if request.labels is not None:
        body["labels"] = dict(request.labels)
    config = _given(temperature=request.temperature, maxOutputTokens=request.max_output_tokens)
    if request.response_schema is not None:
        config["responseMimeType"] = "application/json"
        config["responseJsonSchema"] = request.response_schema
    if request.thinking_level is not None:
        config["thinkingConfig"] = {"thinking_level": request.thinking_level.upper()}
    elif request.thinking_budget is not None:
        config["thinkingConfig"] = {"thinking_budget": request.thinking_budget}
    # The SDK always sends a config object, empty or not; so do we.
    body["generationConfig"] = config
    return body


def generate_content_safety(settings: Mapping[str, str]) -> list[dict[str, str]]:
    """Safety settings as generateContent names them (``HARM_CATEGORY_HATE_SPEECH``)."""
    return [
        {"category": f"HARM_CATEGORY_{category.upper()}", "threshold": threshold.upper()}
        for category, threshold in settings.items()
    ]


def url_safe_base64(data: str) -> str:
    """``data`` (standard base64) in the URL-safe alphabet, as google-genai writes bytes."""
    if len(data) > _MEMO_MAX_CHARS:
        return data.translate(_URL_SAFE)
    return _url_safe_small(data)


_MEMO_MAX_CHARS = 1 << 16
"""Images this small keep their URL-safe form (a prepared image is sent again and again;
a lookup of the same string object costs nothing), at most 64 KiB each, 32 of them."""


@functools.lru_cache(maxsize=32)
def _url_safe_small(data: str) -> str:
    return data.translate(_URL_SAFE)


def _given(**values: Any) -> dict[str, Any]:
    """``values`` but those that are ``None``, in the order given (the SDK's key order)."""
    return {key: value for key, value in values.items() if value is not None}


def _pick(data: Mapping[str, Any], camel: str, snake: str) -> Any:
    value = data.get(camel)
    return data.get(snake) if value is None else value


def _usage_from_metadata(meta: Mapping[str, Any] | None) -> Usage:
    if not meta:
        return Usage()
    image_tokens = 0
    for entry in _pick(meta, "promptTokensDetails", "prompt_tokens_details") or ():
        if str(entry.get("modality", "")).upper() == "IMAGE":
            image_tokens += int(_pick(entry, "tokenCount", "token_count") or 0)
    input_tokens = int(_pick(meta, "promptTokenCount", "prompt_token_count") or 0)
    output_tokens = int(_pick(meta, "candidatesTokenCount", "candidates_token_count") or 0)
    thought_tokens = int(_pick(meta, "thoughtsTokenCount", "thoughts_token_count") or 0)
    total = _pick(meta, "totalTokenCount", "total_token_count")
    return Usage(
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        thought_tokens=thought_tokens,
        total_tokens=int(total or input_tokens + output_tokens + thought_tokens),
        image_tokens=image_tokens,
    )


def _candidate_text(candidate: Mapping[str, Any]) -> str:
    content = candidate.get("content") or {}
    return "".join(
        str(part.get("text") or "")
        for part in content.get("parts") or ()
        if not part.get("thought")
    )


def read_generate_content(
    data: Mapping[str, Any], *, want_json: bool, elapsed_s: float = 0.0
) -> VisionResponse:
    """Read a GenerateContentResponse (wire JSON or SDK dump) into a :class:`VisionResponse`."""
    candidates = data.get("candidates") or []
    if not candidates:
        feedback = _pick(data, "promptFeedback", "prompt_feedback") or {}
        reason = _pick(feedback, "blockReason", "block_reason")
        if reason:
            raise ResponseBlockedError(str(reason))
        raise EmptyResponseError("Gemini returned no candidates.")
    candidate = candidates[0]
    finish = _pick(candidate, "finishReason", "finish_reason")
    finish_reason = str(finish) if finish else None
    return _answer(
        data,
        _candidate_text(candidate),
        finish_reason,
        blocked=finish_reason in BLOCKING_FINISH_REASONS,
        truncated=finish_reason in TRUNCATED_FINISH_REASONS,
        ended=f"finish reason {finish_reason or 'missing'}",
        usage=_usage_from_metadata(_pick(data, "usageMetadata", "usage_metadata")),
        model=_pick(data, "modelVersion", "model_version"),
        response_id=_pick(data, "responseId", "response_id"),
        api="generate_content",
        want_json=want_json,
        elapsed_s=elapsed_s,
    )


def decode_body(body: bytes | str) -> dict[str, Any]:
    """An answer's HTTP body as JSON, measured before it is decoded (see
    :mod:`.._json_depth`); anything but a JSON object is a transport failure."""
    try:
        data = json_depth.loads(body)
    except ValueError as exc:  # cut, garbled or absurdly nested
        msg = f"the response body is not JSON ({len(body)} bytes or chars): {exc}"
        raise GeminiVisionConnectionError(msg) from exc
    if not isinstance(data, dict):
        msg = f"the response body is not a JSON object ({type(data).__name__})"
        raise GeminiVisionConnectionError(msg)
    return data


def read_response(
    data: Mapping[str, Any], api: ApiName, *, want_json: bool, elapsed_s: float = 0.0
) -> VisionResponse:
    """Read either API's response (``elapsed_s``: the call's time on the wire)."""
    if api == "interactions":
        return read_interaction(data, want_json=want_json, elapsed_s=elapsed_s)
    return read_generate_content(data, want_json=want_json, elapsed_s=elapsed_s)


def _maybe_json(text: str) -> Any:
    """The answer as JSON, or ``None``: the task's parser reports what is wrong with it
    (absurd nesting included, see :mod:`.._json_depth`)."""
    try:
        return json_depth.loads(text)
    except ValueError:
        return None


# --------------------------------------------------------------------------- streaming


def _event(payload: str) -> dict[str, Any]:
    """One event's JSON; anything else means the stream was garbled on the way."""
    try:
        value = json_depth.loads(payload)
    except ValueError:
        value = None
    if not isinstance(value, dict):
        msg = f"a streamed event is not a JSON object ({len(payload)} chars)"
        raise GeminiVisionConnectionError(msg)
    return value


def iter_sse_data(lines: Iterable[str]) -> Iterator[dict[str, Any]]:
    """Yield each SSE event's JSON ``data`` (multi-line data joined; ``[DONE]`` ends)."""
    buffer: list[str] = []
    for raw_line in lines:
        line = raw_line.rstrip("\r\n")
        if line.startswith("data:"):
            buffer.append(line[5:].lstrip())
            continue
        if line == "" and buffer:
            payload = "\n".join(buffer)
            buffer = []
            if payload == "[DONE]":
                return
            yield _event(payload)
    if buffer and "\n".join(buffer) != "[DONE]":
        yield _event("\n".join(buffer))


def text_delta(event: Mapping[str, Any], api: ApiName) -> str:
    """The text an SSE event adds to the answer (empty for other events)."""
    if api == "interactions":
        if event.get("event_type") == "step.delta":
            delta = event.get("delta") or {}
            if delta.get("type") == "text":
                return str(delta.get("text") or "")
        return ""
    candidates = event.get("candidates") or []
    return _candidate_text(candidates[0]) if candidates else ""


def _stream_finish(event: Mapping[str, Any], api: ApiName) -> str | None:
    """The finish reason (generateContent) or final status (Interactions) an event carries."""
    if api == "interactions":
        if event.get("event_type") == "interaction.completed":
            interaction = event.get("interaction") or {}
            return str(interaction.get("status") or "") or None
        if event.get("event_type") == "interaction.status_update":
            return str(event.get("status") or "") or None
        return None
    candidates = event.get("candidates") or []
    finish = _pick(candidates[0], "finishReason", "finish_reason") if candidates else None
    return str(finish) if finish else None


class StreamReader:
    """Reads one answer's stream, event by event, the same for both APIs and transports.

    :meth:`feed` gives the text an event adds, and raises on an ``error`` event
    (whatever the type of its code) or a blocked answer, as a whole answer would;
    :meth:`finish` raises :class:`EmptyResponseError` when the stream ended without
    any text (and was not cut at the output limit).
    """

    def __init__(self, api: ApiName, *, secret: Secret = None) -> None:
        self._api: ApiName = api
        self._secret = secret
        self._pieces: list[str] = []
        self._truncated = False
        self._started = time.perf_counter()
        # What the whole answer says besides its text: the last chunk (generateContent)
        # or the interaction the stream ends with (status, usage, model, id).
        self._envelope: dict[str, Any] = {}

    def feed(self, event: Mapping[str, Any]) -> str:
        """The text ``event`` adds to the answer (empty for bookkeeping events)."""
        if event.get("event_type") == "error" or isinstance(event.get("error"), Mapping):
            raise error_from_event(event, secret=self._secret)
        delta = text_delta(event, self._api)
        if delta:
            self._pieces.append(delta)
        self._keep_envelope(event)
        finish = _stream_finish(event, self._api)
        if finish in BLOCKING_FINISH_REASONS or finish in FAILED_INTERACTION_STATUSES:
            raise ResponseBlockedError(finish or "", raw_text="".join(self._pieces))
        if finish in TRUNCATED_FINISH_REASONS or finish in TRUNCATED_INTERACTION_STATUSES:
            self._truncated = True
        return delta

    def _keep_envelope(self, event: Mapping[str, Any]) -> None:
        if self._api == "generate_content":
            if event.get("candidates") or _pick(event, "usageMetadata", "usage_metadata"):
                self._envelope = dict(event)
            return
        kind = event.get("event_type")
        interaction = event.get("interaction")
        if kind in ("interaction.created", "interaction.completed") and isinstance(
            interaction, Mapping
        ):
            self._envelope = {**self._envelope, **interaction}
        elif kind == "interaction.status_update" and event.get("status"):
            self._envelope = {**self._envelope, "status": event["status"]}

    def finish(self, *, want_json: bool = False) -> VisionResponse:
        """Call when the stream ended: the whole answer, as :func:`read_response` reads it.

        Raises:
            EmptyResponseError: The stream ended without any text (and was not cut at
                the output limit).
        """
        if not self._pieces and not self._truncated:
            msg = "Gemini's stream ended without any text."
            raise EmptyResponseError(msg, raw_text="")
        text = "".join(self._pieces)
        envelope = self._envelope
        if self._api == "interactions":
            output = {"type": "model_output", "content": [{"type": "text", "text": text}]}
            data: dict[str, Any] = {**envelope, "steps": [output]}
            if self._truncated and data.get("status") not in TRUNCATED_INTERACTION_STATUSES:
                data["status"] = "incomplete"
        else:
            candidates = envelope.get("candidates") or [{}]
            candidate = {**candidates[0], "content": {"parts": [{"text": text}], "role": "model"}}
            data = {**envelope, "candidates": [candidate]}
        elapsed = time.perf_counter() - self._started
        return read_response(data, self._api, want_json=want_json, elapsed_s=elapsed)


def wire_json(body: Mapping[str, Any], api: ApiName) -> bytes:
    """Serialise a body as the SDK does: compact for Interactions, spaced for generateContent.

    The bytes are ``json.dumps(body).encode()``'s, but each image's base64 is written in
    place rather than run through the encoder: base64 never needs escaping, and the
    encoder's scan of it was most of the cost of sending (about 2.5 ms a megabyte).
    """
    payloads: list[str] = []
    text = _dumps(_lift_payloads(body, payloads), api)
    if not payloads:
        return text.encode()
    pieces = text.split(f'"{_STAND_IN}"')
    if len(pieces) != len(payloads) + 1:  # pragma: no cover - the stand-in is unguessable
        return _dumps(body, api).encode()
    out = [pieces[0].encode()]
    for payload, piece in zip(payloads, pieces[1:], strict=True):
        out += (b'"', payload.encode("ascii"), b'"', piece.encode())
    return b"".join(out)


def _dumps(body: Mapping[str, Any], api: ApiName) -> str:
    if api == "interactions":
        return json.dumps(body, separators=(",", ":"))
    return json.dumps(body)


_BASE64_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=-_"
_STAND_IN = f"langchain-gemini-vision-{secrets.token_hex(16)}"
"""Holds an image's place while the rest of a body is encoded (random: no text holds it)."""


def _lift_payloads(body: Mapping[str, Any], payloads: list[str]) -> Mapping[str, Any]:
    """``body`` with each image's base64 (where the two generation bodies put it) replaced
    by the stand-in and appended to ``payloads`` in the encoder's order. Only the
    containers on the way are copied: the caller's body is never changed."""
    if "input" in body:  # Interactions: input[].content[].data
        turns_key, parts_key, holder_key = "input", "content", None
    else:  # generateContent: contents[].parts[].inlineData.data
        turns_key, parts_key, holder_key = "contents", "parts", "inlineData"
    turns = body.get(turns_key)
    if not isinstance(turns, list):
        return body
    lifted_turns = []
    for turn in turns:
        parts = turn.get(parts_key) if isinstance(turn, dict) else None
        lifted_turns.append(
            {**turn, parts_key: [_lift_part(p, holder_key, payloads) for p in parts]}
            if isinstance(parts, list)
            else turn
        )
    return {**body, turns_key: lifted_turns}


def _lift_part(part: Any, holder_key: str | None, payloads: list[str]) -> Any:
    holder = part.get(holder_key) if holder_key and isinstance(part, dict) else part
    if not isinstance(holder, dict):
        return part
    data = holder.get("data")
    if not isinstance(data, str) or not _plain_base64(data):
        return part
    payloads.append(data)
    lifted = {**holder, "data": _STAND_IN}  # the key keeps its place
    return {**part, holder_key: lifted} if holder_key else lifted


def _plain_base64(text: str) -> bool:
    """Whether ``text`` is base64 (either alphabet): nothing in it needs escaping."""
    return text.isascii() and not text.encode("ascii").translate(None, _BASE64_ALPHABET)
