"""Issue 18 item 3: waiting as Gemini says.

Bulk work (``abatch``/``batch``, ``map``/``amap``, the loader, the CLI) waits out a 429
whose ``RetryInfo`` asks for a wait within a quota's minute; one interactive call fails at
once with the wait in its typed error; a daily quota fails at once everywhere.
"""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from langchain_gemini_vision import GeminiCaptionRunnable, GeminiVisionClient
from langchain_gemini_vision.errors import GeminiVisionRateLimitError
from langchain_gemini_vision.testing import MockRequest, MockResponse, MockTransport

from ._recorded import FakeClock, per_minute_429

CAPTION = '{"caption": "A red circle."}'


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), (200, 40, 40)).save(out, "PNG")
    return out.getvalue()


def _rejecting_first(n: int, body: dict) -> MockTransport:
    """A transport answering the recorded 429 to the first ``n`` requests, then a caption."""
    seen: list[int] = []

    def handler(request: MockRequest) -> str | MockResponse:
        seen.append(1)
        if len(seen) <= n:
            return MockResponse(429, body)
        return CAPTION

    return MockTransport(handler)


async def test_item3_bulk_abatch_waits_out_the_real_34s_retry_info() -> None:
    # The default policy gave up at once on a 34.4 s RetryInfo (it honoured 30 s at most),
    # so a bulk run lost every image the quota refused.
    clock = FakeClock()
    mock = _rejecting_first(3, per_minute_429())
    client = GeminiVisionClient(api_key="test", transport=mock, clock=clock)
    runnable = GeminiCaptionRunnable(client=client)
    results = await runnable.abatch([_png()] * 6, config={"max_concurrency": 6})
    assert [r.text for r in results] == ["A red circle."] * 6
    # Waited as Gemini said (34.4 s, on the injected clock), not a shorter guess.
    assert any(34.4 <= s < 40 for s in clock.sleeps), clock.sleeps


def test_item3_bulk_map_waits_out_the_real_34s_retry_info_on_threads() -> None:
    clock = FakeClock()
    mock = _rejecting_first(2, per_minute_429())
    client = GeminiVisionClient(api_key="test", transport=mock, clock=clock)
    results = client.map(client.caption, [_png()] * 4, max_concurrency=4)
    assert [getattr(r, "text", r) for r in results] == ["A red circle."] * 4
    assert any(34.4 <= s < 40 for s in clock.sleeps), clock.sleeps


def test_item3_an_interactive_call_fails_at_once_with_the_wait_in_its_error() -> None:
    clock = FakeClock()
    mock = _rejecting_first(1, per_minute_429())
    client = GeminiVisionClient(api_key="test", transport=mock, clock=clock)
    started = time.monotonic()
    with pytest.raises(GeminiVisionRateLimitError) as caught:
        client.caption(_png())
    assert time.monotonic() - started < 5  # at once: nothing slept, really or virtually
    assert clock.sleeps == []
    error = caught.value
    assert error.retry_after == pytest.approx(34.4)
    assert error.quota_id == "GenerateRequestsPerMinutePerProjectPerModel-FreeTier"
    assert error.quota_value == 10
    assert error.daily is False
    assert len(mock.requests) == 1
