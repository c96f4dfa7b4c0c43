"""The emulator as the benchmarks run it, in its own process.

Like ``python -m langchain_gemini_vision.testing.emulator`` (same server class), with
two settings its command line does not expose: requests are not recorded (recording
parses every body as JSON again, server CPU the client does not cause) and the pixel
analysis cache holds every image a figure sends, so an untimed warm-up pass leaves
the timed pass measuring the client and the wire rather than the emulator's own
image analysis (real Gemini does that work on Google's machines, not ours).
"""

from __future__ import annotations

import argparse

from langchain_gemini_vision.testing import GeminiEmulator, Quota
from langchain_gemini_vision.testing._emulator_cli import serve_until_interrupted


def main(argv: list[str] | None = None) -> None:
    """Serve until interrupted; print the base URL first."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks._server")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--analysis-cache", type=int, default=4096)
    parser.add_argument("--rpm", type=int, default=None, help="requests per key per window")
    parser.add_argument("--tpm", type=int, default=None, help="input tokens per key per window")
    parser.add_argument("--quota-window", type=float, default=60.0)
    args = parser.parse_args(argv)
    quota = None
    if args.rpm or args.tpm:
        quota = Quota(requests=args.rpm, tokens=args.tpm, window=args.quota_window)
    emulator = GeminiEmulator(
        port=args.port,
        latency=args.latency,
        record_requests=False,
        analysis_cache_size=args.analysis_cache,
        quota=quota,
    )
    serve_until_interrupted(emulator, "benchmarks")


if __name__ == "__main__":
    main()
