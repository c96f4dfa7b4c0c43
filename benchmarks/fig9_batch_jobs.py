"""Figure 9: the Batch API submission path and its manifest (see ``bench_batch.py``).

Requests per second that submitting a 2,000-item job sustains (inline and as a
JSONL file), against interactive calls on the same emulator, and the local
manifest's cost per item. The smoke run skips it (it needs 2,000 items to mean
anything and takes about a minute).
"""

from __future__ import annotations

from ._common import Result, Sizes


def run(sizes: Sizes) -> list[Result]:
    """The batch figures as table rows."""
    if sizes.smoke:
        return []
    from . import bench_batch

    rows = []
    for row in bench_batch.run():
        reference_value = row["reference_value"]
        rows.append(
            Result(
                figure=f"9 {row['figure']}",
                value=float(row["value"]),
                unit=row["unit"],
                reference=row["reference"],
                reference_value=float(reference_value) if reference_value is not None else 0.0,
                ratio=float(row["ratio"]) if row["ratio"] is not None else 0.0,
                target=row["target"],
                met=row["met"],
                notes=row["notes"],
            )
        )
    return rows
