"""Run the figures, print the table, write ``results.json``.

Usage: ``python -m benchmarks`` (every figure, full sizes); ``--smoke`` (tiny sizes,
for CI); ``--only 1 5`` (some figures); ``--output PATH``; ``--markdown``; ``--table`` (print the
Markdown table of an existing results.json).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from ._common import FIGURES, Result, load_average, machine_header

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_OUTPUT = ROOT / "benchmarks" / "results.json"


def _fmt(x: float) -> str:
    if abs(x) >= 100:
        return f"{x:,.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    return f"{x:.2f}"


def render(results: list[Result], console: Console) -> None:
    """The table, as printed and as copied into the README."""
    table = Table(title="langchain-gemini-vision benchmarks", show_lines=False)
    for column in ("figure", "value", "reference", "ratio", "target", "met"):
        table.add_column(column, overflow="fold")
    for r in results:
        met = "n/a" if r.met is None else ("yes" if r.met else "NO")
        style = None if r.met is not False else "bold red"
        table.add_row(
            r.figure,
            f"{_fmt(r.value)} {r.unit}",
            f"{_fmt(r.reference_value)} {r.unit} ({r.reference})",
            f"{r.ratio:.2f}x",
            r.target,
            met,
            style=style,
        )
    console.print(table)


def markdown(results: list[Result]) -> str:
    """The same table in Markdown (for the README)."""
    lines = [
        "| figure | value | reference | ratio | target | met |",
        "|---|---|---|---|---|---|",
    ]
    for r in results:
        met = "n/a" if r.met is None else ("yes" if r.met else "**NO**")
        lines.append(
            f"| {r.figure} | {_fmt(r.value)} {r.unit} | {_fmt(r.reference_value)} {r.unit} "
            f"({r.reference}) | {r.ratio:.2f}x | {r.target} | {met} |"
        )
    return "\n".join(lines)


def header_markdown(header: dict[str, Any]) -> str:
    """One paragraph: when, where, how loaded."""
    machine = header["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in machine["packages"].items() if v)
    return (
        f"Run {header['timestamp']} ({header['mode']}, {header['duration_s']} s) on "
        f"{machine['cpu_model']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['platform']}, Python {machine['python']}; {packages}. Load average "
        f"{header['load_average_start']} at the start, {header['load_average_end']} at the end "
        "(the machine was shared with other test runs)."
    )


class FigureError(Exception):
    """A figure's process ended in an error (its traceback went to stderr)."""


def _run_figure(number: str, *, smoke: bool) -> list[Result]:
    """Run one figure in a fresh interpreter (see :mod:`benchmarks._figure`) and read its rows."""
    with tempfile.TemporaryDirectory() as scratch:
        rows_path = Path(scratch) / "rows.json"
        command = [sys.executable, "-m", "benchmarks._figure", number, "--rows", str(rows_path)]
        if smoke:
            command.append("--smoke")
        done = subprocess.run(command, cwd=ROOT, check=False)
        if done.returncode != 0 or not rows_path.exists():
            msg = f"figure {number} exited with status {done.returncode} (traceback above)"
            raise FigureError(msg)
        return [Result(**row) for row in json.loads(rows_path.read_text(encoding="utf-8"))]


def main(argv: list[str] | None = None) -> int:
    """Entry point of ``python -m benchmarks``; returns the exit status."""
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks that it runs")
    parser.add_argument(
        "--only", nargs="*", choices=sorted(FIGURES, key=int), help="figure numbers"
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="results.json path")
    parser.add_argument("--markdown", action="store_true", help="also print the Markdown table")
    parser.add_argument(
        "--table", action="store_true", help="print the Markdown table of --output, run nothing"
    )
    args = parser.parse_args(argv)
    if args.table:
        document = json.loads(args.output.read_text(encoding="utf-8"))
        print(header_markdown(document["header"]))
        print()
        print(markdown([Result(**row) for row in document["results"]]))
        return 0
    console = Console(width=200)
    started = time.perf_counter()
    header: dict[str, Any] = {
        "timestamp": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "mode": "smoke" if args.smoke else "full",
        "machine": machine_header(),
        "load_average_start": load_average(),
        "figure_runs": [],
    }
    results: list[Result] = []
    errors: list[dict[str, str]] = []
    for number in args.only or sorted(FIGURES, key=int):
        load = load_average()
        t0 = time.perf_counter()
        console.print(f"[bold]figure {number}[/bold] ({FIGURES[number]}), load {load} ...")
        try:
            rows = _run_figure(number, smoke=args.smoke)
        except FigureError as exc:  # report and go on: one broken figure must not hide the rest
            errors.append({"figure": number, "error": str(exc)})
            rows = []
        results.extend(rows)
        header["figure_runs"].append(
            {
                "figure": number,
                "seconds": round(time.perf_counter() - t0, 1),
                "load_average_before": load,
            }
        )
    header["load_average_end"] = load_average()
    header["duration_s"] = round(time.perf_counter() - started, 1)
    document = {
        "header": header,
        "results": [r.as_json() for r in results],
        "errors": errors,
    }
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    render(results, console)
    if args.markdown:
        console.print(markdown(results), markup=False, highlight=False, soft_wrap=True)
    missed = [r.figure for r in results if r.met is False]
    console.print(
        f"{len(results)} rows, {len(missed)} targets missed, {len(errors)} errors; "
        f"{header['duration_s']} s; load {header['load_average_start']} -> "
        f"{header['load_average_end']}; wrote {args.output.name}"
    )
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
