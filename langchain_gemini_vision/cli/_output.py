"""How a command reports: consoles, JSON Lines, the failures, the summary, its exit code."""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TextIO

from rich.console import Console
from rich.markup import escape

from langchain_gemini_vision._text import json_escaped
from langchain_gemini_vision.cli._run import entry_to_json
from langchain_gemini_vision.report import ReportEntry

__all__ = [
    "EXIT_FAILURES",
    "EXIT_OK",
    "EXIT_USAGE",
    "JsonLines",
    "UsageProblemError",
    "list_failures",
    "stderr_console",
    "stdout_console",
    "summarise",
]

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2


class UsageProblemError(Exception):
    """A user's mistake: printed as one sentence, exit code 2, never a traceback."""


def stderr_console() -> Console:
    """A console on the current stderr (looked up per call, so test runners capture it)."""
    return Console(file=sys.stderr, soft_wrap=True, highlight=False)


def stdout_console() -> Console:
    """A console on the current stdout, for the demo's human-readable output."""
    return Console(file=sys.stdout, highlight=False)


class JsonLines:
    """Writes one JSON object per line to a file or stdout, flushing each line."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._file: TextIO | None = None

    def __enter__(self) -> JsonLines:
        if self.path is not None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._file = self.path.open("w", encoding="utf-8")
        return self

    def __exit__(self, *_: object) -> None:
        if self._file is not None:
            self._file.close()

    def write(self, entry: ReportEntry) -> None:
        """Write ``entry`` as one line."""
        stream = self._file if self._file is not None else sys.stdout
        line = json.dumps(entry_to_json(entry), ensure_ascii=False)
        stream.write(json_escaped(line) + "\n")  # a non-UTF-8 file name never stops the run
        stream.flush()


def list_failures(console: Console, entries: Sequence[ReportEntry]) -> None:
    """One line per failed call on stderr: its source(s), the error, what to do."""
    for entry in entries:
        if entry.error is None:
            continue
        what = ", ".join(entry.sources)
        line = f"[red]failed[/] {escape(what)}: {escape(entry.error.type)}: " + escape(
            entry.error.message
        )
        if entry.error.hint:
            line += f" [dim]({escape(entry.error.hint)})[/]"
        console.print(line)


def summarise(console: Console, entries: Sequence[ReportEntry], wall_s: float) -> None:
    """``Done: 3 ok, 1 failed in 2.1 s; 1,234 tokens.`` on stderr."""
    failed = sum(1 for entry in entries if not entry.ok)
    tokens = sum(entry.usage.total_tokens for entry in entries)
    noun = "call" if len(entries) == 1 else "calls"
    state = f"[red]{failed} failed[/]" if failed else "all ok"
    console.print(
        f"Done: {len(entries)} {noun}, {state}, in {wall_s:.1f} s; {tokens:,} tokens used."
    )
