"""Issue 18 items 1 and 5: ``rate_limiter=`` (LangChain's ``BaseRateLimiter``), as chat
models take it, on the client and on everything built on one."""

from __future__ import annotations

import io

from langchain_core.rate_limiters import BaseRateLimiter, InMemoryRateLimiter
from PIL import Image

from langchain_gemini_vision import GeminiCaptionRunnable, GeminiDetectTool, GeminiImageLoader
from langchain_gemini_vision.testing import MockTransport


class CountingLimiter(BaseRateLimiter):
    """A LangChain rate limiter that lets everything through and counts."""

    def __init__(self) -> None:
        self.sync = 0
        self.asynchronous = 0

    def acquire(self, *, blocking: bool = True) -> bool:
        self.sync += 1
        return True

    async def aacquire(self, *, blocking: bool = True) -> bool:
        self.asynchronous += 1
        return True


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (40, 200, 40)).save(out, "PNG")
    return out.getvalue()


def _mock() -> MockTransport:
    return MockTransport(lambda request: '{"caption": "A green square."}')


def test_item1_a_runnable_takes_rate_limiter_and_acquires_it_per_request() -> None:
    limiter = CountingLimiter()
    runnable = GeminiCaptionRunnable(api_key="test", transport=_mock(), rate_limiter=limiter)
    runnable.invoke(_png())
    runnable.batch([_png(), _png()])
    assert limiter.sync == 3
    assert runnable.get_client().settings.rate_limiter is limiter


async def test_item1_async_calls_acquire_the_limiter_asynchronously() -> None:
    limiter = CountingLimiter()
    runnable = GeminiCaptionRunnable(api_key="test", transport=_mock(), rate_limiter=limiter)
    await runnable.ainvoke(_png())
    await runnable.abatch([_png(), _png()])
    assert limiter.asynchronous == 3
    assert limiter.sync == 0


def test_item1_in_memory_rate_limiter_is_accepted_by_tools_and_the_loader() -> None:
    limiter = InMemoryRateLimiter(requests_per_second=1000, check_every_n_seconds=0.001)
    tool = GeminiDetectTool(api_key="test", transport=_mock(), rate_limiter=limiter)
    loader = GeminiImageLoader([_png()], api_key="test", transport=_mock(), rate_limiter=limiter)
    assert tool.get_client().settings.rate_limiter is limiter
    assert loader.client.settings.rate_limiter is limiter


def test_item5_the_command_line_takes_rpm_and_tpm_as_client_settings() -> None:
    from langchain_gemini_vision.cli._options import ClientOptions
    from tests.unit.cli._helpers import invoke, plain

    settings = ClientOptions(rpm=30, tpm=90_000).settings(api_key="k")
    assert (settings.rpm, settings.tpm) == (30, 90_000)
    shown = plain(invoke(["caption", "--help"]).stdout)
    assert "--rpm" in shown and "--tpm" in shown
    refused = invoke(["caption", "x.png", "--rpm", "0"])
    assert refused.exit_code != 0  # a quota of nothing is a usage error, not a hang
