"""A malformed base_url is a ConfigurationError, never a retried connection failure
(issue 15, item 3)."""

from __future__ import annotations

from typing import Any

import pytest

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.errors import ConfigurationError, GeminiVisionConnectionError
from langchain_gemini_vision.testing import make_scene

MALFORMED = [
    "http//127.0.0.1:8080",  # a missing colon
    "ftp://127.0.0.1:8080",  # a scheme HTTP clients do not speak
    "127.0.0.1:8080",  # no scheme at all
    "http://",  # no host
    "https:///v1",  # no host either
    "http://127.0.0.1:99999",  # no such port
    "http://127.0.0.1:80a",  # not a port
    "http://exa mple.com",  # a space in the host
    "",  # empty
]


@pytest.mark.parametrize("transport", ["lean", "sdk"])
@pytest.mark.parametrize("url", MALFORMED)
def test_a_malformed_base_url_fails_at_construction(url: str, transport: Any) -> None:
    with pytest.raises(ConfigurationError, match="base_url") as info:
        GeminiVisionClient(api_key="k", base_url=url, transport=transport)
    assert not isinstance(info.value, GeminiVisionConnectionError)


@pytest.mark.parametrize(
    "url", ["http://127.0.0.1:8080", "https://proxy.example/gemini/", "HTTPS://Host.Example"]
)
def test_a_well_formed_base_url_is_accepted(url: str) -> None:
    GeminiVisionClient(api_key="k", base_url=url)


@pytest.mark.parametrize("url", ["ftp://127.0.0.1:8080", "http//127.0.0.1:8080"])
async def test_a_genai_client_with_a_malformed_base_url_fails_on_first_call_without_retries(
    url: str,
) -> None:
    from google import genai

    given = genai.Client(api_key="k", http_options={"base_url": url})
    client = GeminiVisionClient(genai_client=given, api_key="k")
    transport: Any = client.transport
    attempts: list[str] = []
    send, asend = transport.send, transport.asend

    def counted_send(*args: Any, **kwargs: Any) -> Any:
        attempts.append("sync")
        return send(*args, **kwargs)

    async def counted_asend(*args: Any, **kwargs: Any) -> Any:
        attempts.append("async")
        return await asend(*args, **kwargs)

    transport.send, transport.asend = counted_send, counted_asend
    image = make_scene(32, 32, objects=1).data
    with pytest.raises(ConfigurationError):
        client.caption(image)
    with pytest.raises(ConfigurationError):
        await client.acaption(image)
    assert attempts == ["sync", "async"]  # one attempt each: never retried
