"""The emulator as the benchmarks run it, in its own process.

Like ``python -m langchain_gemini_vision.testing.emulator`` (same server class), with
two settings its command line does not expose: requests are not recorded (recording
parses every body as JSON again, server CPU the client does not cause) and the pixel
analysis cache holds every image a figure sends, so an untimed warm-up pass leaves
the timed pass measuring the client and the wire rather than the emulator's own
image analysis (real Gemini does that work on Google's machines, not ours).

``--paid-log FILE`` appends one line per billable request answered (a generation or an
embedding answered 200): the SHA-256 of its body. Figure 12 reads it to count what was
paid for twice across a killed and restarted run: two equal bodies are the same image
asked the same question.
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Awaitable, Callable
from typing import IO

from aiohttp import web

from langchain_gemini_vision.testing import GeminiEmulator, Quota
from langchain_gemini_vision.testing._emulator_cli import serve_until_interrupted

_PAID_ROUTES = (":generateContent", ":embedContent", ":batchEmbedContents", "/interactions")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


class PaidLogEmulator(GeminiEmulator):
    """The emulator, logging the SHA-256 of each billable request's body as it answers."""

    def __init__(self, paid_log: IO[str], **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self._paid_log = paid_log

    def build_app(self) -> web.Application:
        app = super().build_app()

        @web.middleware
        async def log_paid(request: web.Request, handler: Handler) -> web.StreamResponse:
            body = await request.read()  # aiohttp keeps it for the emulator's own reading
            response = await handler(request)
            paid = request.method == "POST" and request.path.endswith(_PAID_ROUTES)
            if paid and response.status == 200:
                self._paid_log.write(hashlib.sha256(body).hexdigest() + "\n")
                self._paid_log.flush()
            return response

        app.middlewares.insert(0, log_paid)
        return app


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; print the base URL first."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks._server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--analysis-cache", type=int, default=4096)
    parser.add_argument("--paid-log", default=None)
    parser.add_argument("--stream-tokens-per-second", type=float, default=None)
    parser.add_argument("--stream-chunk-tokens", type=int, default=8)
    parser.add_argument("--rpm", type=int, default=None, help="requests per key per window")
    parser.add_argument("--tpm", type=int, default=None, help="input tokens per key per window")
    parser.add_argument("--quota-window", type=float, default=60.0)
    args = parser.parse_args(argv)
    quota = None
    if args.rpm or args.tpm:
        quota = Quota(requests=args.rpm, tokens=args.tpm, window=args.quota_window)
    settings = {
        "port": args.port,
        "latency": args.latency,
        "record_requests": False,
        "analysis_cache_size": args.analysis_cache,
        "stream_tokens_per_second": args.stream_tokens_per_second,
        "stream_chunk_tokens": args.stream_chunk_tokens,
        "quota": quota,
    }
    if args.paid_log is None:
        serve_until_interrupted(GeminiEmulator(**settings), "benchmarks")
        return
    with open(args.paid_log, "a", encoding="ascii") as log:  # noqa: PTH123
        serve_until_interrupted(PaidLogEmulator(log, **settings), "benchmarks")


if __name__ == "__main__":
    main()
