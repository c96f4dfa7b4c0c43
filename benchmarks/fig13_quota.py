"""Figure 13: saturate the quota, never trip it (issue 18).

2,000 images captioned by ``GeminiCaptionRunnable.abatch(images, config={"max_concurrency":
96})`` against the emulator in its own process, with 1 s of latency and Gemini's quotas
scaled to a 2 s window: 96 requests and 80,000 input tokens per key per window (below
what 96 requests in flight with 1 s of latency could send, so the quota binds). The
first 1,000 images are small (64x64: the request quota binds), the last 1,000 larger
(400x400: the token quota binds).

The client has default settings: no ``rpm``/``tpm``, nothing tuned; it learns the quota
from the 429s it meets. Beside it, the same run as before issue 18 (today's behaviour:
``learn_quota=False`` and the interactive retry policy in bulk: no pacing, 429s retried
up to five attempts within 30 s waits). The two runs use two API keys, so each has the
whole quota.

The reference is the quota's ideal: every request sent at the first moment the quota
allows it, in order, with unlimited concurrency (the emulator's own quota book, on a
virtual clock, with the input tokens the answers reported), plus one latency for the last
answer. Target: wall <= 1.10x of it, at most 1% of calls answered 429, no image lost.
The images are two pools of 32 distinct scenes, cycled, so the emulator's pixel analysis
(cached by content) stays small next to the client's work.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from pydantic import SecretStr

from langchain_gemini_vision import GeminiCaptionRunnable, GeminiVisionClient
from langchain_gemini_vision._transport.lean import LeanTransport
from langchain_gemini_vision._transport.retry import RetryPolicy
from langchain_gemini_vision.errors import GeminiVisionRateLimitError
from langchain_gemini_vision.testing import Quota, make_scene
from langchain_gemini_vision.testing._api_errors import ApiError
from langchain_gemini_vision.testing._emulator_quota import QuotaBook

from ._common import EmulatorProcess, Result, Sizes, load_average, ratio

MODEL = "gemini-3-flash-preview"
WALL_TARGET = 1.10
REFUSED_TARGET = 0.01
POOL = 32


class CountingTransport(LeanTransport):
    """The lean transport, counting the requests it sends and the 429s it gets."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.sent = 0
        self.refused = 0

    async def asend(self, *args: Any, **kwargs: Any) -> Any:
        self.sent += 1
        try:
            return await super().asend(*args, **kwargs)
        except GeminiVisionRateLimitError:
            self.refused += 1
            raise


def images(n: int) -> list[bytes]:
    """``n // 2`` small images, then the rest large (pools of distinct scenes, cycled)."""
    pool = max(1, min(POOL, n // 2))
    small = [make_scene(64, 64, objects=1, seed=i).data for i in range(pool)]
    large = [make_scene(400, 400, objects=2, seed=1000 + i).data for i in range(pool)]
    half = n // 2
    return [small[i % pool] for i in range(half)] + [large[i % pool] for i in range(n - half)]


def ideal_seconds(tokens: list[int], quota: Quota, latency: float) -> float:
    """When the last answer could arrive: each request at the first moment the quota
    allows (the emulator's quota book on a virtual clock), plus the latency."""
    now = [0.0]
    book = QuotaBook(quota, clock=lambda: now[0])
    for count in tokens:
        while True:
            try:
                book.charge("ideal", MODEL, count)
                break
            except ApiError as refused:
                delay = next(d["retryDelay"] for d in refused.details if "retryDelay" in d)
                now[0] += max(float(delay.removesuffix("s")), 1e-3)
    return now[0] + latency


async def _run(
    emulator: EmulatorProcess, key: str, pictures: list[bytes], concurrency: int, **settings: Any
) -> dict[str, Any]:
    transport = CountingTransport(
        api_key=SecretStr(key), base_url=emulator.base_url, max_connections=None
    )
    client = GeminiVisionClient(api_key=key, model=MODEL, transport=transport, **settings)
    runnable = GeminiCaptionRunnable(client=client)
    server0, wall0 = emulator.server_cpu(), time.perf_counter()
    cpu0 = time.process_time()
    results = await runnable.abatch(
        pictures, config={"max_concurrency": concurrency}, return_exceptions=True
    )
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    await client.aclose()
    learned = [(r.limit, round(r.window, 3)) for r in client.limiter.rules]
    lost = [r for r in results if isinstance(r, Exception)]
    tokens = [r.usage.input_tokens for r in results if not isinstance(r, Exception)]
    return {
        "wall": wall,
        "cpu": cpu,
        "server": emulator.server_cpu() - server0,
        "sent": transport.sent,
        "refused": transport.refused,
        "lost": len(lost),
        "lost_kinds": sorted({type(e).__name__ for e in lost}),
        "tokens": tokens,
        "learned": learned,
    }


def run(sizes: Sizes) -> list[Result]:
    quota = Quota(requests=sizes.quota_rpm, tokens=sizes.quota_tpm, window=sizes.quota_window)
    args = ["--rpm", str(quota.requests), "--tpm", str(quota.tokens)]
    args += ["--quota-window", str(quota.window)]
    pictures = images(sizes.quota_images)
    n, c = len(pictures), sizes.quota_concurrency
    with EmulatorProcess(latency=sizes.quota_latency, args=args) as emulator:
        load = load_average()
        limited = asyncio.run(_run(emulator, "limiter-key", pictures, c))
        plain = asyncio.run(
            _run(emulator, "plain-key", pictures, c, learn_quota=False, bulk_retry=RetryPolicy())
        )
    ideal = ideal_seconds(limited["tokens"], quota, sizes.quota_latency)
    where = (
        f"{n} images ({n // 2} 64x64, {n - n // 2} 400x400) @ {c}, "
        f"{quota.requests} req + {quota.tokens:,} tokens per {quota.window:g} s window, "
        f"{sizes.quota_latency:g} s latency"
    )
    rows = []
    for name, measured, target in (
        ("learned quota (default settings)", limited, True),
        ("without the limiter (before issue 18)", plain, False),
    ):
        share = measured["refused"] / max(1, measured["sent"])
        wall_ratio = ratio(measured["wall"], ideal)
        met = (
            wall_ratio <= WALL_TARGET and share <= REFUSED_TARGET and measured["lost"] == 0
            if target
            else None
        )
        rows.append(
            Result(
                figure=f"13 abatch under a quota, {name}: {where}",
                value=measured["wall"],
                unit="s",
                reference="the quota's ideal (each request at the first moment it allows)",
                reference_value=ideal,
                ratio=wall_ratio,
                target=f"<= {WALL_TARGET:.2f}x, <= 1% 429s, 0 lost" if target else "report",
                met=met,
                notes=(
                    f"429s {measured['refused']} of {measured['sent']} calls "
                    f"({100 * share:.2f}%), images lost {measured['lost']} "
                    f"{measured['lost_kinds'] or ''}; client CPU {measured['cpu']:.1f} s, "
                    f"server CPU {measured['server']:.1f} s; windows learned (limit, s) "
                    f"{measured['learned']}; load before {load}"
                ),
                extra={key: measured[key] for key in ("wall", "sent", "refused", "lost", "cpu")}
                | {"ideal": ideal, "input_tokens": sum(limited["tokens"])},
            )
        )
    return rows
