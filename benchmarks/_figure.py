"""One figure in a process of its own: ``python -m benchmarks._figure N [--smoke] --rows PATH``.

``python -m benchmarks`` starts one of these per figure, so that no figure runs
on a heap, a thread pool or a garbage-collector state left by another (figure 1
loads google-genai for its raw-SDK rows; a later figure would otherwise pay for
walking those objects in every full collection), and so that the process holds
only what the figure imports, as an application using the package would.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from pathlib import Path

from ._common import FIGURES, Sizes


def main(argv: list[str] | None = None) -> int:
    """Run one figure and write its rows as JSON; a failure propagates (exit status 1)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks._figure")
    parser.add_argument("figure", choices=sorted(FIGURES, key=int))
    parser.add_argument("--smoke", action="store_true")
    parser.add_argument("--rows", type=Path, required=True)
    args = parser.parse_args(argv)
    module = importlib.import_module(f"benchmarks.{FIGURES[args.figure]}")
    rows = module.run(Sizes.tiny() if args.smoke else Sizes.full())
    args.rows.write_text(json.dumps([row.as_json() for row in rows]), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
