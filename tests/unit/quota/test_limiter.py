"""Issue 18 items 1-3: the client's limiter, on a virtual clock and against the emulator.

``rpm``/``tpm`` pace sends before they leave (counted from the token estimate); a quota
learned from one 429 is remembered for the client's life; a daily quota fails at once,
in bulk too; the requests in flight back off on 429s that name no quota and grow back.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterator

import pytest
from PIL import Image

from langchain_gemini_vision import GeminiCaptionRunnable, GeminiVisionClient
from langchain_gemini_vision._quota import AdaptiveGate, SendLog, WindowRule
from langchain_gemini_vision._quota.window import SPREAD
from langchain_gemini_vision.errors import (
    GeminiVisionDailyQuotaError,
    GeminiVisionRateLimitError,
)
from langchain_gemini_vision.testing import GeminiEmulator, MockResponse, MockTransport, Quota
from langchain_gemini_vision.testing._emulator_quota import QuotaBook

from ._recorded import PER_DAY_429, FakeClock

CAPTION = '{"caption": "A blue square."}'


def _png(side: int = 32) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (side, side), (40, 40, 200)).save(out, "PNG")
    return out.getvalue()


def _mock() -> MockTransport:
    return MockTransport(lambda request: CAPTION)


def test_item1_rpm_paces_bulk_sends_and_an_interactive_call_fails_fast() -> None:
    clock = FakeClock()
    client = GeminiVisionClient(api_key="test", transport=_mock(), clock=clock, rpm=2)
    started = clock.time
    results = client.map(client.caption, [_png()] * 4, max_concurrency=1)
    assert all(getattr(r, "text", None) == "A blue square." for r in results)
    # Two requests a minute: the third and fourth waited for the first two to age out.
    assert clock.time - started >= 60
    assert len(client.transport.requests) == 4  # type: ignore[attr-defined]
    with pytest.raises(GeminiVisionRateLimitError) as caught:
        client.caption(_png())  # interactive: the wait is over a minute, so not sent
    assert caught.value.retry_after is not None and caught.value.retry_after > 30
    assert len(client.transport.requests) == 4  # type: ignore[attr-defined]


def test_item1_a_windows_whole_budget_leaves_early_in_the_window_never_more() -> None:
    """Gemini's window slides: the quota's ideal sends a window's budget at its start.
    Evenly spaced sends (one every quarter minute at rpm=4) would leave later each window."""
    clock = FakeClock()
    sent: list[float] = []

    def answer(request: object) -> str:
        sent.append(clock.time)
        return CAPTION

    client = GeminiVisionClient(api_key="test", transport=MockTransport(answer), clock=clock, rpm=4)
    results = client.map(client.caption, [_png()] * 8, max_concurrency=1)
    assert all(getattr(r, "text", None) == "A blue square." for r in results)
    first = sent[0]
    assert sent[3] - first <= 15.5, sent  # a window's four within its first quarter
    assert sent[4] - first >= 60, sent  # never five in one minute
    assert all(later - earlier >= 60 for earlier, later in zip(sent[:4], sent[4:], strict=True)), (
        sent
    )
    assert sent[7] - first <= 60 + 15.5 + 1, sent


def test_item2_bookings_made_before_a_429_taught_the_quota_are_withdrawn_not_counted() -> None:
    log = SendLog(61.0)
    left = log.add(0.0, 500.0)
    left.left = True
    log.add(5.0, 500.0)  # booked under the old rules, still waiting to leave
    rule = WindowRule(1000.0, 60.0, counts_tokens=True)
    assert log.earliest(1.0, [rule], 500.0) == 60.0  # the booking holds the next one back
    log.withdraw_waiting()
    assert len(log) == 1
    # Only what left counts: 500 more fit now, after the burst's spread of the one send.
    assert log.earliest(1.0, [rule], 500.0) == pytest.approx(SPREAD * 500.0 * 60.0 / 1000.0)
    assert log.earliest(1.0, [rule], 600.0) == 60.0


def test_item1_tpm_counts_the_estimate_before_sending() -> None:
    clock = FakeClock()
    client = GeminiVisionClient(api_key="test", transport=_mock(), clock=clock, tpm=600)
    # A 32x32 image is 258 tokens plus the prompt's: two fit in a minute, not three.
    results = client.map(client.caption, [_png()] * 3, max_concurrency=3)
    assert all(getattr(r, "text", None) == "A blue square." for r in results)
    assert any(s >= 30 for s in clock.sleeps), clock.sleeps


def test_item3_a_daily_quota_fails_at_once_in_bulk_too() -> None:
    clock = FakeClock()
    mock = MockTransport(lambda request: MockResponse(429, PER_DAY_429))
    client = GeminiVisionClient(api_key="test", transport=mock, clock=clock)
    results = client.map(client.caption, [_png()] * 5, max_concurrency=1)
    assert all(isinstance(r, GeminiVisionDailyQuotaError) for r in results), results
    assert clock.sleeps == []  # neither its 22 s RetryInfo nor a backoff was waited
    assert len(mock.requests) == 1  # remembered: the other four were never sent
    error = results[0]
    assert isinstance(error, GeminiVisionDailyQuotaError)
    assert error.daily and error.quota_id == "GenerateRequestsPerDayPerProjectPerModel-FreeTier"
    assert "daily quota" in str(error) and "midnight Pacific" in str(error)


def test_item2_the_gate_halves_on_unexplained_429s_and_grows_back() -> None:
    gate = AdaptiveGate()
    entered = [gate.enter() for _ in range(8)]
    gate.leave("refused", entered[0])  # 8 in flight: the limit becomes 4
    assert gate.limit == 4
    gate.leave("refused", entered[1])  # same round: no second cut
    assert gate.limit == 4
    expected = 4.0
    for e in entered[2:]:
        gate.leave("ok", e)
        expected += 1 / expected  # one more per round trip of successes
    assert gate.limit == pytest.approx(expected)
    assert 5 < gate.limit < 6
    gate.leave("paced", gate.enter())  # a quota the client now paces to: no cut
    assert gate.limit > 4


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator(record_requests=False) as emu:
        yield emu


def test_item2_a_quota_learned_from_429s_is_remembered(emulator: GeminiEmulator) -> None:
    emulator.quotas = QuotaBook(Quota(requests=6, window=0.6))
    client = GeminiVisionClient(api_key="learner", base_url=emulator.base_url)
    runnable = GeminiCaptionRunnable(client=client)
    first = asyncio.run(runnable.abatch([_png()] * 12, config={"max_concurrency": 12}))
    assert len(first) == 12  # every image, the 429s waited out
    learned = emulator.quotas.refused
    assert learned >= 1
    assert any(rule.limit == 6 and not rule.counts_tokens for rule in client.limiter.rules)
    second = asyncio.run(runnable.abatch([_png()] * 12, config={"max_concurrency": 12}))
    assert len(second) == 12
    # Paced from the start: at most a stray refusal of a send a hair early.
    assert emulator.quotas.refused - learned <= 2


def test_item3_an_interactive_call_over_the_emulators_quota_fails_fast(
    emulator: GeminiEmulator,
) -> None:
    emulator.quotas = QuotaBook(Quota(requests=1, window=40.0))
    client = GeminiVisionClient(api_key="interactive", base_url=emulator.base_url)
    client.caption(_png())
    with pytest.raises(GeminiVisionRateLimitError) as caught:
        client.caption(_png())
    assert 35 < (caught.value.retry_after or 0) <= 40
    assert caught.value.quota_value == 1
