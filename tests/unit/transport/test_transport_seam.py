"""The client holds a ``Transport``; ``transport=`` takes one (issue 17 item 3).

:class:`langchain_gemini_vision.testing.MockTransport` is the seam's test double, as
httpx's ``MockTransport`` is: a handler from the request on the wire to a response.
Everything above the transport (images, retries, error meaning, parsing, usage) runs
as it does against Gemini.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from langchain_gemini_vision import GeminiVisionClient, RetryPolicy
from langchain_gemini_vision._transport.base import Transport, VisionRequest
from langchain_gemini_vision.errors import (
    GeminiVisionInvalidRequestError,
    GeminiVisionRateLimitError,
)
from langchain_gemini_vision.testing import MockRequest, MockResponse, MockTransport, make_scene

SCENE = make_scene(64, 48, objects=1, seed=2).data
FAST = RetryPolicy(initial_delay=0, max_delay=0, max_attempts=3)


def _caption(_request: MockRequest) -> str:
    return json.dumps({"caption": "A red circle."})


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
async def test_an_injected_transport_carries_every_call(api: str) -> None:
    mock = MockTransport(_caption)
    client = GeminiVisionClient(api_key="k", api=api, transport=mock, timeout=9.0)
    assert client.transport is mock
    assert isinstance(mock, Transport)
    assert client.caption(SCENE).text == "A red circle."
    assert (await client.acaption(SCENE)).text == "A red circle."
    first, second = mock.requests
    assert first.api == second.api == api
    assert first.model == client.model
    assert first.timeout == 9.0
    assert not first.stream
    assert "caption" in json.dumps(first.body)  # the JSON body Gemini would receive
    assert first.body == second.body
    assert client.usage.total_tokens > 0  # usage is read from the answer as from Gemini's


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
async def test_streams_go_through_the_injected_transport(api: str) -> None:
    mock = MockTransport(lambda _request: "Hello there")
    client = GeminiVisionClient(api_key="k", api=api, transport=mock)
    request = VisionRequest(prompt="Say hello.", images=(client.prepare(SCENE),))
    assert "".join(client.stream(request)) == "Hello there"
    assert "".join([d async for d in client.astream(request)]) == "Hello there"
    assert [r.stream for r in mock.requests] == [True, True]


def _error(status: int, code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": code}}


async def test_errors_from_an_injected_transport_are_typed_and_retried() -> None:
    replies = iter(
        [
            MockResponse(503, _error(503, "UNAVAILABLE", "try later")),
            MockResponse(429, _error(429, "RESOURCE_EXHAUSTED", "slow"), {"retry-after": "0"}),
            json.dumps({"caption": "Fine."}),
        ]
    )
    mock = MockTransport(lambda _request: next(replies))
    client = GeminiVisionClient(api_key="k", transport=mock, retry=FAST)
    assert client.caption(SCENE).text == "Fine."
    assert len(mock.requests) == 3

    refused = MockTransport(lambda _r: MockResponse(400, _error(400, "INVALID_ARGUMENT", "no")))
    client = GeminiVisionClient(api_key="k", transport=refused, retry=FAST)
    with pytest.raises(GeminiVisionInvalidRequestError):
        await client.acaption(SCENE)
    assert len(refused.requests) == 1  # never retried

    limited = MockTransport(lambda _r: MockResponse(429, _error(429, "RESOURCE_EXHAUSTED", "x")))
    with pytest.raises(GeminiVisionRateLimitError):
        GeminiVisionClient(api_key="k", transport=limited, retry=FAST).caption(SCENE)
    assert len(limited.requests) == 3


def test_a_handler_can_answer_with_the_apis_own_json() -> None:
    answer = {
        "candidates": [
            {"content": {"parts": [{"text": '{"caption": "Raw."}'}]}, "finishReason": "STOP"}
        ],
        "modelVersion": "gemini-test",
    }
    mock = MockTransport(lambda _request: answer)
    client = GeminiVisionClient(api_key="k", api="generate_content", transport=mock)
    caption = client.caption(SCENE)
    assert (caption.text, caption.model) == ("Raw.", "gemini-test")


def test_runnables_and_tools_take_a_transport_object_too() -> None:
    from langchain_gemini_vision.runnables import GeminiCaptionRunnable

    mock = MockTransport(_caption)
    runnable = GeminiCaptionRunnable(api_key="k", transport=mock)
    assert runnable.invoke(SCENE).text == "A red circle."
    assert runnable.get_client().transport is mock
    assert len(mock.requests) == 1


def test_the_transport_name_says_which_kind_carries_the_calls() -> None:
    assert GeminiVisionClient(api_key="k").transport_name == "lean"
    assert GeminiVisionClient(api_key="k", transport=MockTransport(_caption)).transport_name == (
        "mock"
    )
