"""How a command reports: consoles, errors and exit codes, JSON Lines, the failures, the summary."""

from __future__ import annotations

import json
import logging
import sys
import traceback
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

import typer
from rich.console import Console
from rich.markup import escape

from langchain_gemini_vision._text import json_escaped
from langchain_gemini_vision.cli._inputs import InputError
from langchain_gemini_vision.cli._run import clean, entry_to_json
from langchain_gemini_vision.errors import ConfigurationError, GeminiVisionError
from langchain_gemini_vision.report import ReportEntry

__all__ = [
    "EXIT_FAILURES",
    "EXIT_OK",
    "EXIT_USAGE",
    "JsonLines",
    "UsageProblemError",
    "guard",
    "list_failures",
    "say_error",
    "setup_logging",
    "stderr_console",
    "stdout_console",
    "summarise",
]

EXIT_OK = 0
EXIT_FAILURES = 1
EXIT_USAGE = 2


class UsageProblemError(Exception):
    """A user's mistake: printed as one sentence, exit code 2, never a traceback."""


# --------------------------------------------------------------------------- consoles


def stderr_console() -> Console:
    """A console on the current stderr (looked up per call, so test runners capture it)."""
    return Console(file=sys.stderr, soft_wrap=True, highlight=False)


def stdout_console() -> Console:
    """A console on the current stdout, for the demo's human-readable output."""
    return Console(file=sys.stdout, highlight=False)


def say_error(console: Console, message: str) -> None:
    """Print ``Error: message`` (markup shown literally, API keys masked)."""
    console.print(f"[bold red]Error:[/] {escape(clean(message))}")


def setup_logging(debug: bool) -> None:
    """With ``--debug``: the package's log on stderr."""
    if debug:
        logging.basicConfig(
            level=logging.WARNING, stream=sys.stderr, format="%(name)s: %(message)s"
        )
        logging.getLogger("langchain_gemini_vision").setLevel(logging.DEBUG)


@contextmanager
def guard(debug: bool) -> Iterator[None]:
    """Turn a user's mistake into exit code 2 and an unexpected error into exit code 1.

    Only ``--debug`` shows a traceback.
    """
    try:
        yield
    except (typer.Exit, typer.Abort):
        raise
    except (UsageProblemError, InputError, ConfigurationError) as error:
        say_error(stderr_console(), str(error))
        raise typer.Exit(EXIT_USAGE) from None
    except KeyboardInterrupt:
        stderr_console().print("Interrupted.")
        raise typer.Exit(130) from None
    except GeminiVisionError as error:
        say_error(stderr_console(), str(error))
        if debug:
            stderr_console().print(escape(clean("".join(traceback.format_exception(error)))))
        raise typer.Exit(EXIT_FAILURES) from None
    except Exception as error:
        console = stderr_console()
        if debug:
            console.print(escape(clean("".join(traceback.format_exception(error)))))
        say_error(console, f"unexpected {type(error).__name__}: {error}")
        if not debug:
            console.print("Run again with --debug to see the traceback, and please report it.")
        raise typer.Exit(EXIT_FAILURES) from None


# --------------------------------------------------------------------------- output


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
