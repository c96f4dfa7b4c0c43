"""The lean transport puts on the wire exactly the bytes the google-genai SDK would.

Both sides are captured with an in-memory httpx2 transport (no sockets).

* Lean against the package's SDK transport, both APIs: the bytes must match. For
  Interactions that proves key order and separators only (the SDK forwards what it
  is given); its shape is proven in ``test_wire_schema.py``.
* generateContent against google-genai's own typed path, built here without the
  package (``Part.from_bytes``, ``Part.from_uri``, ``GenerateContentConfig``; the SDK's
  ``_GenerateContentParameters_to_mldev`` converter runs inside ``generate_content``),
  for every image placement, and Batch items against the SDK's ``InlinedRequest``.
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx2
import pytest
from google import genai

from langchain_gemini_vision._transport.base import ImagePart, WireRequest
from langchain_gemini_vision._transport.lean import LeanTransport
from langchain_gemini_vision._transport.payloads import wire_json
from langchain_gemini_vision._transport.sdk import SdkTransport
from langchain_gemini_vision.profiles import profile_for

PNG_B64 = base64.b64encode(b"\x89PNG\r\n\x1a\n fake image bytes").decode()

INTERACTION_REPLY = {
    "id": "i1",
    "status": "completed",
    "model": "m",
    "steps": [{"type": "model_output", "content": [{"type": "text", "text": '{"a": 1}'}]}],
    "usage": {"total_input_tokens": 5, "total_output_tokens": 3, "total_tokens": 8},
}
GC_REPLY = {
    "candidates": [
        {"content": {"role": "model", "parts": [{"text": '{"a": 1}'}]}, "finishReason": "STOP"}
    ],
    "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 3, "totalTokenCount": 8},
    "modelVersion": "m",
}


class Capture:
    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        reply = INTERACTION_REPLY if request.url.path.endswith("/interactions") else GC_REPLY
        return httpx2.Response(200, json=reply)


def _schema() -> dict[str, Any]:
    return {
        "type": "object",
        "properties": {"boxes": {"type": "array", "items": {"type": "object"}}},
        "required": ["boxes"],
    }


CASES: list[tuple[str, dict[str, Any]]] = [
    ("text-and-inline-image", {"parts": (ImagePart(mime_type="image/png", data_base64=PNG_B64),)}),
    (
        "schema-thinking-resolution",
        {
            "parts": (ImagePart(mime_type="image/png", data_base64=PNG_B64, resolution="high"),),
            "response_schema": _schema(),
            "thinking_level": "minimal",
            "max_output_tokens": 256,
            "temperature": 0.2,
            "system_instruction": "Be precise.",
            "safety_settings": {"hate_speech": "block_only_high", "harassment": "off"},
            "labels": {"team": "vision", "run-id": "r_7"},
        },
    ),
    (
        "two-images-uri-and-inline",
        {
            "parts": (
                ImagePart(mime_type="image/png", uri="https://example.test/v1beta/files/abc"),
                ImagePart(mime_type="image/jpeg", data_base64=PNG_B64, resolution="low"),
            ),
            "response_schema": _schema(),
        },
    ),
    ("non-ascii-prompt", {"parts": (), "prompt": "Décris l'image, s'il te plaît — 画像"}),
    (
        "thinking-budget",
        {"parts": (ImagePart(mime_type="image/webp", data_base64=PNG_B64),), "thinking_budget": 0},
    ),
]


def _wire(fields: dict[str, Any]) -> WireRequest:
    values = {"model": "gemini-3-flash-preview", "prompt": "Describe this image.", **fields}
    return WireRequest(profile=profile_for(values["model"]), **values)


def _sdk_client(capture: Capture) -> genai.Client:
    return genai.Client(
        api_key="test-key",
        http_options={
            "base_url": "http://gemini.test",
            "client_args": {"transport": httpx2.MockTransport(capture)},
            "retry_options": {"attempts": 1},
        },
    )


def _lean(capture: Capture) -> LeanTransport:
    from pydantic import SecretStr

    return LeanTransport(
        api_key=SecretStr("test-key"),
        base_url="http://gemini.test",
        http_transport=httpx2.MockTransport(capture),
    )


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
@pytest.mark.parametrize(("name", "fields"), CASES, ids=[c[0] for c in CASES])
def test_lean_body_equals_sdk_body(api: str, name: str, fields: dict[str, Any]) -> None:
    if api == "interactions" and "thinking_budget" in fields:
        pytest.skip("Interactions has no thinking_budget; the client never sends one there")
    request = _wire(fields)
    sdk_capture, lean_capture = Capture(), Capture()
    sdk_client = _sdk_client(sdk_capture)
    sdk_answer = SdkTransport(sdk_client).send(request, api)  # type: ignore[arg-type]
    lean_answer = _lean(lean_capture).send(request, api)  # type: ignore[arg-type]

    (sdk_request,) = sdk_capture.requests
    (lean_request,) = lean_capture.requests
    assert lean_request.url.path == sdk_request.url.path
    assert lean_request.url.query == sdk_request.url.query
    assert json.loads(lean_request.content) == json.loads(sdk_request.content)
    assert lean_request.content == sdk_request.content, "bytes differ (key order or separators)"
    assert lean_request.headers["x-goog-api-key"] == sdk_request.headers["x-goog-api-key"]
    assert lean_request.headers["accept"] == sdk_request.headers["accept"] or api != "interactions"
    # ... and both read the same answer.
    assert lean_answer.text == sdk_answer.text == '{"a": 1}'
    assert lean_answer.usage == sdk_answer.usage
    assert lean_answer.parsed == sdk_answer.parsed


def test_lean_transport_repr_has_no_key() -> None:
    from pydantic import SecretStr

    lean = LeanTransport(api_key=SecretStr("AIza" + "-super-secret-key-value-123456"))
    assert "secret" not in repr(lean)


# --------------------------------------------------------------------------- generateContent,
# the SDK side built through google-genai's own typed path (Part.from_bytes / Part.from_uri,
# GenerateContentConfig, models._GenerateContentParameters_to_mldev inside generate_content),
# never through this package's payloads or its SDK transport.

# Bytes whose standard base64 holds "+" and "/": where the two alphabets differ.
ALPHABET_BYTES = b"\x89PNG\r\n\x1a\n" + bytes([0xFB, 0xFF, 0xBF, 0xFE, 0x3E, 0x3F]) * 8
FILES_URI = "https://generativelanguage.googleapis.com/v1beta/files/abc123"


class Img:
    """One image of a request, as the caller gave it (bytes or a URI) and as the client sends it."""

    def __init__(
        self,
        *,
        data: bytes | None = None,
        uri: str | None = None,
        mime: str | None = None,
        resolution: str | None = None,
    ) -> None:
        self.data, self.uri, self.mime, self.resolution = data, uri, mime, resolution

    def package_part(self) -> ImagePart:
        # What GeminiVisionClient hands the transport: standard base64 of the bytes
        # (PreparedImage.base64_data), or the URI with the type it knows (None for a URL).
        if self.data is not None:
            return ImagePart(
                mime_type=self.mime,
                data_base64=base64.b64encode(self.data).decode(),
                resolution=self.resolution,  # type: ignore[arg-type]
            )
        return ImagePart(mime_type=self.mime, uri=self.uri, resolution=self.resolution)  # type: ignore[arg-type]

    def sdk_part(self) -> Any:
        from google.genai import types

        level = f"MEDIA_RESOLUTION_{self.resolution.upper()}" if self.resolution else None
        if self.data is not None:
            return types.Part.from_bytes(
                data=self.data, mime_type=self.mime or "", media_resolution=level
            )
        return types.Part.from_uri(
            file_uri=self.uri or "", mime_type=self.mime, media_resolution=level
        )


GC_CASES: list[tuple[str, list[Img], dict[str, Any]]] = [
    ("inline-png-base64-alphabet", [Img(data=ALPHABET_BYTES, mime="image/png")], {}),
    (
        "inline-jpeg-everything-set",
        [Img(data=ALPHABET_BYTES, mime="image/jpeg", resolution="high")],
        {
            "response_schema": _schema(),
            "system_instruction": "Be precise.",
            "thinking_level": "minimal",
            "max_output_tokens": 256,
            "temperature": 0.2,
            "safety_settings": {"dangerous_content": "block_none", "hate_speech": "off"},
            "labels": {"team": "vision"},
        },
    ),
    ("files-api-uri", [Img(uri=FILES_URI, mime="image/png", resolution="low")], {}),
    # A URL whose type the client does not know: the SDK's Part.from_uri guesses it from
    # the extension; so must the package (never "mime_type": null).
    ("url-with-extension", [Img(uri="https://example.com/photos/cat.jpg")], {}),
    ("gcs-uri-with-extension", [Img(uri="gs://bucket/scenes/a.png", resolution="medium")], {}),
    (
        "three-images-mixed",
        [
            Img(data=ALPHABET_BYTES, mime="image/webp", resolution="ultra_high"),
            Img(uri=FILES_URI, mime="image/heic"),
            Img(uri="https://example.com/b.webp"),
        ],
        {"response_schema": _schema(), "thinking_level": "low"},
    ),
    ("thinking-budget", [Img(data=ALPHABET_BYTES, mime="image/png")], {"thinking_budget": 0}),
    ("non-ascii-prompt", [], {"prompt": "Décris l'image, s'il te plaît — 画像"}),
]


def _sdk_generate_content_request(prompt: str, images: list[Img], fields: dict[str, Any]) -> Any:
    """The request google-genai itself puts on the wire for the same call."""
    from google.genai import types

    thinking = None
    if fields.get("thinking_level") is not None:
        thinking = types.ThinkingConfig(
            thinking_level=types.ThinkingLevel(fields["thinking_level"].upper())
        )
    elif fields.get("thinking_budget") is not None:
        thinking = types.ThinkingConfig(thinking_budget=fields["thinking_budget"])
    schema = fields.get("response_schema")
    config = types.GenerateContentConfig(
        system_instruction=fields.get("system_instruction"),
        temperature=fields.get("temperature"),
        max_output_tokens=fields.get("max_output_tokens"),
        response_mime_type="application/json" if schema is not None else None,
        response_json_schema=schema,
        thinking_config=thinking,
        safety_settings=[
            types.SafetySetting(
                category=types.HarmCategory(f"HARM_CATEGORY_{category.upper()}"),
                threshold=types.HarmBlockThreshold(threshold.upper()),
            )
            for category, threshold in (fields.get("safety_settings") or {}).items()
        ]
        or None,
        labels=fields.get("labels"),
    )
    parts = [types.Part.from_text(text=prompt), *(image.sdk_part() for image in images)]
    capture = Capture()
    client = _sdk_client(capture)  # kept referenced: a collected Client closes its transport
    client.models.generate_content(
        model="gemini-3-flash-preview",
        contents=[types.Content(role="user", parts=parts)],
        config=config,
    )
    (request,) = capture.requests
    return request


def _lean_generate_content_request(prompt: str, images: list[Img], fields: dict[str, Any]) -> Any:
    values = {k: v for k, v in fields.items() if k != "prompt"}
    request = _wire({"prompt": prompt, "parts": tuple(i.package_part() for i in images), **values})
    capture = Capture()
    _lean(capture).send(request, "generate_content")
    (sent,) = capture.requests
    return sent


@pytest.mark.parametrize(("name", "images", "fields"), GC_CASES, ids=[c[0] for c in GC_CASES])
def test_generate_content_body_equals_the_sdk_typed_path(
    name: str, images: list[Img], fields: dict[str, Any]
) -> None:
    prompt = fields.get("prompt", "Describe this image.")
    sdk = _sdk_generate_content_request(prompt, images, fields)
    lean = _lean_generate_content_request(prompt, images, fields)
    assert lean.url.path == sdk.url.path
    assert json.loads(lean.content) == json.loads(sdk.content)
    assert lean.content == sdk.content, "bytes differ (key order, separators or base64 alphabet)"


def test_inline_bytes_travel_in_the_sdks_url_safe_alphabet() -> None:
    standard = base64.b64encode(ALPHABET_BYTES).decode()
    assert "+" in standard and "/" in standard  # the case is one where the alphabets differ
    lean = _lean_generate_content_request("x", [Img(data=ALPHABET_BYTES, mime="image/png")], {})
    sent = json.loads(lean.content)["contents"][0]["parts"][1]["inlineData"]["data"]
    # google-genai encodes bytes with base64.urlsafe_b64encode (_common.encode_unserializable_types).
    assert sent == base64.urlsafe_b64encode(ALPHABET_BYTES).decode()


def test_url_of_unknown_type_is_sent_without_mime_type_where_the_sdk_refuses_it() -> None:
    """The one deliberate difference: a URL whose type cannot be guessed from its name.

    google-genai's ``Part.from_uri`` raises ``ValueError`` for it. The package sends
    ``fileData`` with the URI only (``mime_type`` is optional in the API's ``FileData``;
    the service reads the type of what it fetches), which is exactly what the SDK's typed
    path sends for ``Part(file_data=FileData(file_uri=...))``; never ``"mime_type": null``.
    """
    from google.genai import types

    uri = "https://example.com/render?id=42"
    with pytest.raises(ValueError, match="mime type"):
        types.Part.from_uri(file_uri=uri)
    lean = _lean_generate_content_request("x", [Img(uri=uri)], {})
    capture = Capture()
    client = _sdk_client(capture)
    client.models.generate_content(
        model="gemini-3-flash-preview",
        contents=[
            types.Content(
                role="user",
                parts=[
                    types.Part.from_text(text="x"),
                    types.Part(file_data=types.FileData(file_uri=uri)),
                ],
            )
        ],
        config=types.GenerateContentConfig(),
    )
    (sdk,) = capture.requests
    assert json.loads(lean.content)["contents"][0]["parts"][1] == {"fileData": {"file_uri": uri}}
    assert lean.content == sdk.content


# --------------------------------------------------------------------------- Batch API


def test_batch_inline_request_equals_the_sdks_inlined_request() -> None:
    """A batch item's body is the SDK's ``InlinedRequest`` for the same call, metadata included."""
    from google.genai import types

    from langchain_gemini_vision._transport.retry import RetryPolicy
    from langchain_gemini_vision.batch._api import BatchApi

    images = [
        Img(data=ALPHABET_BYTES, mime="image/png", resolution="high"),
        Img(uri=FILES_URI, mime="image/png"),
    ]
    fields: dict[str, Any] = {
        "response_schema": _schema(),
        "thinking_level": "minimal",
        "system_instruction": "Be precise.",
    }
    from langchain_gemini_vision._transport.payloads import generate_content_body

    body = generate_content_body(
        _wire({"parts": tuple(i.package_part() for i in images), **fields})
    )

    package_capture, sdk_capture = Capture(), Capture()
    package_client = _sdk_client(package_capture)
    BatchApi(package_client, RetryPolicy(max_attempts=1)).create(
        "gemini-3-flash-preview", "run", requests=[("item-1", body)]
    )
    sdk_client = _sdk_client(sdk_capture)
    config = types.GenerateContentConfig(
        system_instruction="Be precise.",
        response_mime_type="application/json",
        response_json_schema=_schema(),
        thinking_config=types.ThinkingConfig(thinking_level=types.ThinkingLevel.MINIMAL),
    )
    parts = [types.Part.from_text(text="Describe this image."), *(i.sdk_part() for i in images)]
    sdk_client.batches.create(
        model="gemini-3-flash-preview",
        src=[
            types.InlinedRequest(
                contents=[types.Content(role="user", parts=parts)],
                config=config,
                metadata={"key": "item-1"},
            )
        ],
        config=types.CreateBatchJobConfig(display_name="run"),
    )
    (package_request,) = package_capture.requests
    (sdk_request,) = sdk_capture.requests
    assert package_request.url.path == sdk_request.url.path
    assert json.loads(package_request.content) == json.loads(sdk_request.content)


def _bodies(data: str) -> dict[str, dict[str, Any]]:
    """Both generation bodies carrying ``data`` where an image's base64 goes, twice."""
    image = {"data": data, "mime_type": "image/png", "type": "image"}
    inline = {"inlineData": {"data": data, "mime_type": "image/png"}}
    return {
        "interactions": {
            "model": "m",
            "input": [{"content": [{"text": 'say "hi" \\ ', "type": "text"}, image, image]}],
            "response_format": {"schema": _schema(), "type": "text"},
        },
        "generate_content": {
            "contents": [{"parts": [{"text": "a\nb"}, inline, inline], "role": "user"}],
            "generationConfig": {"responseJsonSchema": _schema()},
        },
    }


@pytest.mark.parametrize(
    "data",
    [
        PNG_B64,
        PNG_B64.translate(str.maketrans("+/", "-_")),
        base64.b64encode(bytes(range(256)) * 40).decode(),
        # Not base64: what the encoder must escape goes through the encoder.
        'AAAA", "injected": "x',
        "AAAA\\u0022",
        "AAAA\nAAAA\x00",
        "AAAAé",
        "",
    ],
    ids=["base64", "url_safe", "long", "quote", "backslash", "control", "non_ascii", "empty"],
)
@pytest.mark.parametrize("api", ["interactions", "generate_content"])
def test_wire_json_writes_the_bytes_json_dumps_would(api: str, data: str) -> None:
    """The images' base64 is written in place (never through the encoder's scan); the
    bytes are json.dumps's exactly, anything that is not base64 is escaped as json.dumps
    escapes it, and the caller's body is left as it was."""
    body = _bodies(data)[api]
    before = json.dumps(body)
    separators = (",", ":") if api == "interactions" else None
    assert wire_json(body, api) == json.dumps(body, separators=separators).encode()
    assert json.dumps(body) == before
    assert json.loads(wire_json(body, api)) == body
