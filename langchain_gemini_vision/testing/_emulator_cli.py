"""The emulator's command line: ``python -m langchain_gemini_vision.testing.emulator``.

Reads the options, serves on the interface and port asked for until Ctrl-C, and
prints the base URL once the socket is bound (``--port 0`` picks a free one).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
from types import TracebackType
from typing import Any, Protocol

from ._emulator_quota import Quota

__all__ = ["parse_args", "serve_until_interrupted"]


class _Server(Protocol):
    @property
    def base_url(self) -> str: ...

    async def __aenter__(self) -> Any: ...

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...


def parse_args(argv: list[str] | None) -> dict[str, Any]:
    """The emulator's keyword arguments from the command line."""
    parser = argparse.ArgumentParser(
        prog="python -m langchain_gemini_vision.testing.emulator",
        description="Run the local Gemini emulator until interrupted.",
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="port (0 for a free one)")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added to each reply")
    parser.add_argument("--latency-jitter", type=float, default=0.0, help="extra random seconds")
    parser.add_argument("--seed", type=int, default=0, help="seed of ids, jitter and faults")
    parser.add_argument("--api-key", default=None, help="reject any other key")
    parser.add_argument(
        "--stream-tokens-per-second",
        type=float,
        default=None,
        help="pace streamed answers at this token rate (default: unpaced)",
    )
    parser.add_argument(
        "--stream-chunk-tokens", type=int, default=8, help="tokens per streamed event"
    )
    parser.add_argument(
        "--reroute",
        action="append",
        default=[],
        metavar="ASKED=ANSWERING",
        help="answer requests for ASKED as ANSWERING (repeatable), as Gemini reroutes",
    )
    spoil = parser.add_argument_group("spoiled spatial answers (see testing.degrade)")
    spoil.add_argument("--drop-every", type=int, default=None, help="leave out every k-th object")
    spoil.add_argument("--shift", type=float, default=0.0, help="move boxes by this share of width")
    spoil.add_argument("--swap-label-every", type=int, default=None, help="misname every k-th")
    parser.add_argument("--rpm", type=int, default=None, help="requests per key per window")
    parser.add_argument("--tpm", type=int, default=None, help="input tokens per key per window")
    parser.add_argument("--rpd", type=int, default=None, help="requests per key per day")
    parser.add_argument(
        "--quota-window", type=float, default=60.0, help="a quota's window in seconds (60)"
    )
    args = parser.parse_args(argv)
    reroutes = {}
    for route in args.reroute:
        asked, sep, answering = route.partition("=")
        if not sep or not asked or not answering:
            parser.error(f"--reroute takes ASKED=ANSWERING, got {route!r}")
        reroutes[asked] = answering
    degrade = {
        "drop_every": args.drop_every,
        "shift": args.shift,
        "swap_label_every": args.swap_label_every,
    }
    quota = None
    if args.rpm or args.tpm or args.rpd:
        quota = Quota(
            requests=args.rpm,
            tokens=args.tpm,
            requests_per_day=args.rpd,
            window=args.quota_window,
        )
    return {
        "quota": quota,
        "reroutes": reroutes,
        "degrade": {k: v for k, v in degrade.items() if v},
        "host": args.host,
        "port": args.port,
        "latency": args.latency,
        "latency_jitter": args.latency_jitter,
        "seed": args.seed,
        "expected_api_key": args.api_key,
        "stream_tokens_per_second": args.stream_tokens_per_second,
        "stream_chunk_tokens": args.stream_chunk_tokens,
    }


def serve_until_interrupted(server: _Server, name: str) -> None:
    """Run ``server`` on a new event loop until Ctrl-C; say where it listens first."""

    async def serve() -> None:
        async with server:
            print(f"Gemini emulator ({name}) at {server.base_url}", flush=True)
            await asyncio.Event().wait()

    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve())
