"""Embedding requests put on the wire exactly the bytes google-genai sends.

The SDK side is built through google-genai's own typed path (``types.Content``,
``Part.from_bytes`` / ``Part.from_uri``, ``EmbedContentConfig``; its
``_EmbedContentParametersPrivate_to_mldev`` converter runs inside
``client.models.embed_content``), never through this package. Both sides are captured
with an in-memory httpx2 transport; every body also fits the SDK's typed request
models (``testing/request_schema.py``).
"""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx2
import pytest
from pydantic import SecretStr

from langchain_gemini_vision._transport.base import ImagePart
from langchain_gemini_vision._transport.embeddings import EmbedRequest
from langchain_gemini_vision._transport.lean import LeanTransport
from langchain_gemini_vision._transport.sdk import SdkTransport
from langchain_gemini_vision.errors import GeminiVisionConnectionError
from langchain_gemini_vision.testing.request_schema import check_request, request_violations

from .test_request_bodies import _lean, _sdk_client

# Bytes whose standard base64 holds "+" and "/": where the two alphabets differ.
ALPHABET_BYTES = b"\x89PNG\r\n\x1a\n" + bytes([0xFB, 0xFF, 0xBF, 0xFE, 0x3E, 0x3F]) * 8
FILES_URI = "https://generativelanguage.googleapis.com/v1beta/files/abc123"


class Capture:
    def __init__(self) -> None:
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        count = len(json.loads(request.content)["requests"])
        vectors = [{"values": [0.5 + i, -0.25, 0.125]} for i in range(count)]
        return httpx2.Response(200, json={"embeddings": vectors})


# (case, items as (package item, SDK part), task type, output dimensionality, model)
def _cases() -> list[tuple[str, list[tuple[Any, Any]], str | None, int | None, str]]:
    from google.genai import types

    inline = (
        ImagePart(mime_type="image/png", data_base64=base64.b64encode(ALPHABET_BYTES).decode()),
        types.Part.from_bytes(data=ALPHABET_BYTES, mime_type="image/png"),
    )
    uploaded = (
        ImagePart(mime_type="image/jpeg", uri=FILES_URI),
        types.Part.from_uri(file_uri=FILES_URI, mime_type="image/jpeg"),
    )
    url = (
        ImagePart(mime_type=None, uri="https://example.com/photos/cat.webp"),
        types.Part.from_uri(file_uri="https://example.com/photos/cat.webp"),
    )
    text = ("a red circle", types.Part.from_text(text="a red circle"))
    accents = ("Décris l'image — 画像", types.Part.from_text(text="Décris l'image — 画像"))
    return [
        ("one-text-query", [text], "RETRIEVAL_QUERY", None, "gemini-embedding-2"),
        ("texts-dimensions", [text, accents], "RETRIEVAL_DOCUMENT", 256, "gemini-embedding-2"),
        ("inline-image", [inline], "RETRIEVAL_DOCUMENT", 768, "gemini-embedding-2"),
        ("mixed-images-no-task", [inline, uploaded, url, text], None, None, "gemini-embedding-2"),
        ("full-model-name", [text], "SEMANTIC_SIMILARITY", 128, "models/gemini-embedding-2"),
    ]


CASE_IDS = [c[0] for c in _cases()]


def _sdk_request(items: list[Any], task: str | None, dims: int | None, model: str) -> Any:
    from google.genai import types

    capture = Capture()
    client = _sdk_client(capture)  # kept referenced: a collected Client closes its transport
    client.models.embed_content(
        model=model,
        contents=[types.Content(parts=[part]) for _, part in items],
        config=types.EmbedContentConfig(task_type=task, output_dimensionality=dims),
    )
    (request,) = capture.requests
    return request


@pytest.mark.parametrize("index", range(len(CASE_IDS)), ids=CASE_IDS)
def test_lean_embedding_body_equals_the_sdk_typed_path(index: int) -> None:
    _, items, task, dims, model = _cases()[index]
    request = EmbedRequest(
        model=model,
        items=tuple(item for item, _ in items),
        task_type=task,  # type: ignore[arg-type]
        output_dimensionality=dims,
    )
    capture = Capture()
    answer = _lean(capture).embed(request)
    (lean,) = capture.requests
    sdk = _sdk_request(items, task, dims, model)
    assert lean.url.path == sdk.url.path
    assert lean.url.path.endswith(":batchEmbedContents")
    assert json.loads(lean.content) == json.loads(sdk.content)
    assert lean.content == sdk.content, "bytes differ (key order, separators or base64 alphabet)"
    assert lean.headers["x-goog-api-key"] == sdk.headers["x-goog-api-key"]
    # One vector per input, in order: never merged into one content.
    assert [v[0] for v in answer.vectors] == [0.5 + i for i in range(len(items))]
    # ... and the body fits google-genai's typed request models.
    assert request_violations("batch_embed_contents", json.loads(lean.content)) == []

    # The package's SDK transport sends the same bytes and reads the same vectors.
    sdk_capture = Capture()
    client = _sdk_client(sdk_capture)
    assert SdkTransport(client).embed(request) == answer
    (through_sdk,) = sdk_capture.requests
    assert through_sdk.content == lean.content


async def test_async_embedding_calls_send_what_the_sync_ones_do() -> None:
    """aiohttp carries the async lean call: served by a local handler, the body is the same."""
    from aiohttp import web
    from aiohttp.test_utils import TestServer

    seen: list[bytes] = []

    async def handler(request: web.Request) -> web.Response:
        seen.append(await request.read())
        return web.json_response({"embeddings": [{"values": [1.0, 0.0]}]})

    app = web.Application()
    app.router.add_post("/v1/models/{target}", handler)
    async with TestServer(app, host="127.0.0.1") as server:
        base = str(server.make_url("")).rstrip("/")
        lean = LeanTransport(api_key=SecretStr("k"), base_url=base)
        request = EmbedRequest(model="gemini-embedding-2", items=("x",), task_type="CLUSTERING")
        answer = await lean.aembed(request)
        await lean.aclose()
    capture = Capture()
    _lean(capture).embed(request)
    assert seen == [capture.requests[0].content]
    assert answer.vectors == ((1.0, 0.0),)


def test_schema_refuses_what_gemini_would_refuse() -> None:
    good = {"requests": [{"content": {"parts": [{"text": "x"}]}, "model": "models/m"}]}
    check_request("batch_embed_contents", good)
    bad = {"requests": [{"content": {"parts": [{"text": "x"}]}, "dimensions": 3}]}
    (violation,) = request_violations("batch_embed_contents", bad)
    assert violation.kind == "unknown_field"
    assert violation.name == "dimensions"


@pytest.mark.parametrize(
    "reply",
    [
        {"embeddings": [{"values": [1.0]}]},  # one vector short
        {"embeddings": [{"values": []}, {"values": [1.0]}]},  # an empty vector
        {"embeddings": [{"values": ["a"]}, {"values": [1.0]}]},  # not numbers
        {},
    ],
)
def test_a_short_or_garbled_answer_is_a_typed_error(reply: dict[str, Any]) -> None:
    def handler(request: httpx2.Request) -> httpx2.Response:
        return httpx2.Response(200, json=reply)

    lean = LeanTransport(
        api_key=SecretStr("k"),
        base_url="http://gemini.test",
        http_transport=httpx2.MockTransport(handler),
    )
    with pytest.raises(GeminiVisionConnectionError, match="usable vectors for 2 inputs"):
        lean.embed(EmbedRequest(model="gemini-embedding-2", items=("a", "b")))
