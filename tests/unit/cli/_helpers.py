"""Helpers of the CLI tests."""

from __future__ import annotations

import json
import re
from typing import Any

from typer.testing import CliRunner, Result

from langchain_gemini_vision.cli import app
from langchain_gemini_vision.testing import GeminiEmulator


def invoke(args: list[str], *, key: str | None = "emulator") -> Result:
    """Run ``gemini-vision args`` in-process (stdout and stderr kept apart)."""
    env = {"GEMINI_API_KEY": key} if key is not None else {}
    return CliRunner().invoke(app, args, env=env)


def emu_args(emulator: GeminiEmulator) -> list[str]:
    """The options that point the CLI at the emulator."""
    return ["--base-url", emulator.base_url]


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every line of ``text`` parsed as JSON (fails on any other line)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


_BOX = re.compile(r"[\u2500-\u257f]+")


def plain(text: str) -> str:
    """``text`` without rich's box drawing, whitespace collapsed (for message checks)."""
    return " ".join(_BOX.sub(" ", text).split())
