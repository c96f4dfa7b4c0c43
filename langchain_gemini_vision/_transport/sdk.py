"""The SDK transport: the same requests through google-genai's own calls.

Selected with ``transport="sdk"``, and used for Vertex AI and for a
``genai.Client`` the caller passes in. It builds its arguments from the same
pieces as the lean transport (:mod:`.payloads`), so both send the same JSON.
"""

from __future__ import annotations

import base64
import time
from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

from google import genai
from google.genai import types
from pydantic import BaseModel

from langchain_gemini_vision.errors import GeminiVisionConnectionError

from .base import ApiName, VisionResponse, WireRequest
from .errors import Secret, reraise_mapped
from .payloads import (
    StreamReader,
    decode_body,
    generate_content_mime_type,
    interactions_content,
    interactions_options,
    read_response,
)

_GC_LEVEL = {
    "low": types.PartMediaResolutionLevel.MEDIA_RESOLUTION_LOW,
    "medium": types.PartMediaResolutionLevel.MEDIA_RESOLUTION_MEDIUM,
    "high": types.PartMediaResolutionLevel.MEDIA_RESOLUTION_HIGH,
    "ultra_high": types.PartMediaResolutionLevel.MEDIA_RESOLUTION_ULTRA_HIGH,
}


def _gc_contents(request: WireRequest) -> list[types.Content]:
    parts: list[types.Part] = [types.Part(text=request.prompt)]
    for image in request.parts:
        resolution = (
            types.PartMediaResolution(level=_GC_LEVEL[image.resolution])
            if image.resolution is not None
            else None
        )
        if image.uri is not None:
            parts.append(
                types.Part(
                    file_data=types.FileData(
                        file_uri=image.uri, mime_type=generate_content_mime_type(image)
                    ),
                    media_resolution=resolution,
                )
            )
        else:
            parts.append(
                types.Part(
                    inline_data=types.Blob(
                        data=base64.b64decode(image.data_base64 or ""), mime_type=image.mime_type
                    ),
                    media_resolution=resolution,
                )
            )
    return [types.Content(role="user", parts=parts)]


def _gc_config(request: WireRequest, *, stream: bool) -> types.GenerateContentConfig:
    thinking = None
    if request.thinking_level is not None:
        thinking = types.ThinkingConfig(thinking_level=request.thinking_level.upper())
    elif request.thinking_budget is not None:
        thinking = types.ThinkingConfig(thinking_budget=request.thinking_budget)
    return types.GenerateContentConfig(
        system_instruction=request.system_instruction,
        temperature=request.temperature,
        max_output_tokens=request.max_output_tokens,
        response_mime_type="application/json" if request.response_schema is not None else None,
        response_json_schema=request.response_schema,
        thinking_config=thinking,
        # The body as it came: google-genai would decode it, and the answer in it, with
        # recursive decoders before the package has measured either (see _json_depth).
        # (Its streaming calls refuse this; their events are read one by one.)
        should_return_http_response=None if stream else True,
    )


def _dump(obj: Any) -> dict[str, Any]:
    raw = getattr(obj, "sdk_http_response", None)
    if raw is not None and raw.body is not None:  # asked for with should_return_http_response
        return decode_body(raw.body)
    if not isinstance(obj, BaseModel):  # google-genai hands back a body it could not type
        msg = f"the response body is not a JSON object ({type(obj).__name__})"
        raise GeminiVisionConnectionError(msg)
    # warnings=False: a value the SDK's own types did not expect (an int error code) is kept.
    dumped: dict[str, Any] = obj.model_dump(
        mode="json", by_alias=True, exclude_none=True, warnings=False
    )
    return dumped


class SdkTransport:
    """Calls ``client.interactions.create`` / ``client.models.generate_content``."""

    name = "sdk"

    def __init__(self, client: genai.Client, *, secret: Secret = None) -> None:
        # Holding the Client keeps its transport open (the SDK closes it on GC).
        self._client = client
        self._secret = secret  # masked in every error text

    def __repr__(self) -> str:
        return "SdkTransport()"

    def _method(
        self,
        request: WireRequest,
        api: ApiName,
        timeout: float | None,
        *,
        aio: bool,
        stream: bool = False,
    ) -> tuple[Callable[..., Any], dict[str, Any]]:
        """The SDK call that carries ``request`` (sync, or ``aio``), and its arguments."""
        client: Any = self._client.aio if aio else self._client
        if api == "interactions":
            options = {**interactions_options(request), **_timeout_kwargs(timeout)}
            if stream:
                options["stream"] = True
            content = interactions_content(request)
            return client.interactions.create, {"model": request.model, "input": content, **options}
        models = client.models
        return models.generate_content_stream if stream else models.generate_content, {
            "model": request.model,
            "contents": _gc_contents(request),
            "config": _with_timeout(_gc_config(request, stream=stream), timeout),
        }

    def send(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> VisionResponse:
        """Send through the SDK, synchronously."""
        started = time.perf_counter()
        method, arguments = self._method(request, api, timeout, aio=False)
        try:
            result = method(**arguments)
        except Exception as exc:
            reraise_mapped(exc, secret=self._secret)
        return _answer(result, request, api, started)

    async def asend(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> VisionResponse:
        """Send through the SDK's async client."""
        started = time.perf_counter()
        method, arguments = self._method(request, api, timeout, aio=True)
        try:
            result = await method(**arguments)
        except Exception as exc:
            reraise_mapped(exc, secret=self._secret)
        return _answer(result, request, api, started)

    def stream_text(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> Iterator[str]:
        """Yield text deltas through the SDK's streaming calls."""
        reader = StreamReader(api, secret=self._secret)
        method, arguments = self._method(request, api, timeout, aio=False, stream=True)
        try:
            stream = method(**arguments)
            if not hasattr(stream, "__iter__"):  # a JSON answer to a stream request
                yield from _whole_text(stream, api)
                return
            for event in stream:
                yield from _delta(reader, event)
            reader.finish()
        except Exception as exc:
            reraise_mapped(exc, secret=self._secret)

    async def astream_text(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> AsyncIterator[str]:
        """Async twin of :meth:`stream_text`."""
        reader = StreamReader(api, secret=self._secret)
        method, arguments = self._method(request, api, timeout, aio=True, stream=True)
        try:
            stream = await method(**arguments)
            if not hasattr(stream, "__aiter__"):
                for text in _whole_text(stream, api):
                    yield text
                return
            async for event in stream:
                for delta in _delta(reader, event):
                    yield delta
            reader.finish()
        except Exception as exc:
            reraise_mapped(exc, secret=self._secret)

    def close(self) -> None:
        """Nothing to do: the caller's or the client's genai.Client owns the connections."""

    async def aclose(self) -> None:
        """Nothing to do (see :meth:`close`)."""


def _answer(result: Any, request: WireRequest, api: ApiName, started: float) -> VisionResponse:
    want_json = request.response_schema is not None
    elapsed = time.perf_counter() - started
    return read_response(_dump(result), api, want_json=want_json, elapsed_s=elapsed)


def _delta(reader: StreamReader, event: Any) -> Iterator[str]:
    """The text one streamed event adds (none for events without text)."""
    delta = reader.feed(_dump(event))
    if delta:
        yield delta


def _whole_text(result: Any, api: ApiName) -> Iterator[str]:
    response = read_response(_dump(result), api, want_json=False)
    if response.text:
        yield response.text


def _timeout_kwargs(timeout: float | None) -> dict[str, Any]:
    return {} if timeout is None else {"timeout": timeout}


def _with_timeout(
    config: types.GenerateContentConfig, timeout: float | None
) -> types.GenerateContentConfig:
    if timeout is None:
        return config
    # HttpOptions.timeout is in milliseconds.
    config.http_options = types.HttpOptions(timeout=max(1, int(timeout * 1000)))
    return config
