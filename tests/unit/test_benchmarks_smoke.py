"""The benchmark suite runs end to end with tiny sizes and writes a well-formed results.json.

No assertion here is about time: performance is shown by the side-by-side ratios
of a full run (``python -m benchmarks``), never by a timed test.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FIELDS = {
    "figure",
    "value",
    "unit",
    "reference",
    "reference_value",
    "ratio",
    "target",
    "met",
    "notes",
}


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict:
    output = tmp_path_factory.mktemp("bench") / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "benchmarks", "--smoke", "--output", str(output)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=280,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(output.read_text(encoding="utf-8"))


@pytest.mark.slow
def test_header_describes_the_machine_and_the_run(results: dict) -> None:
    header = results["header"]
    assert header["mode"] == "smoke"
    assert header["timestamp"]
    machine = header["machine"]
    for key in ("platform", "cpu_model", "cores", "python", "packages"):
        assert machine[key], key
    assert machine["packages"]["google-genai"]
    assert results["errors"] == []


@pytest.mark.slow
def test_every_figure_reports_rows_with_the_right_fields(results: dict) -> None:
    rows = results["results"]
    figures = {row["figure"].split(" ", 1)[0] for row in rows}
    # Figure 9 (Batch API jobs, 2,000 items) only runs at full size.
    assert figures == {str(n) for n in range(1, 15)} - {"9"}
    for row in rows:
        assert set(row) >= FIELDS, row["figure"]
        assert isinstance(row["figure"], str)
        assert isinstance(row["unit"], str)
        assert isinstance(row["target"], str)
        assert row["met"] is None or isinstance(row["met"], bool)


@pytest.mark.slow
def test_ratios_and_values_are_finite_numbers(results: dict) -> None:
    for row in results["results"]:
        for key in ("value", "reference_value", "ratio"):
            number = row[key]
            assert isinstance(number, (int, float)), (row["figure"], key)
            assert math.isfinite(number), (row["figure"], key)
        assert row["reference_value"] > 0, row["figure"]
        assert row["ratio"] > 0, row["figure"]


@pytest.mark.slow
def test_correctness_checks_hold_even_at_tiny_sizes(results: dict) -> None:
    """What is not a timing: one upload, the masks agree, no request failed."""
    rows = {row["figure"]: row for row in results["results"]}
    uploads = [row for name, row in rows.items() if name.startswith("6 Files API uploads")]
    assert uploads
    assert all(row["value"] == 1 for row in uploads)
    masks = [row for name, row in rows.items() if name.startswith("7 ")]
    resumed = [row for name, row in rows.items() if name.startswith("12 ") and "Ctrl-C" in name]
    assert resumed
    assert all(row["value"] == row["reference_value"] for row in resumed)  # none paid twice
    assert all("identical to the reference: True" in row["notes"] for row in masks)
    failed = [
        name for name, row in rows.items() if re.search(r"\b[1-9][0-9]* failed", row["notes"])
    ]
    assert failed == []
    quota = [row for name, row in rows.items() if name.startswith("13 ") and "learned" in name]
    assert quota and all("images lost 0 " in row["notes"] for row in quota)
