"""The batch manifest: a small SQLite file that lets a batch outlive its process.

It records, per item, its key, task, options, where each image went (inline or a
file URI) and its status; per job, its display name, its name once created, its
mode and state. The write order is what makes a crash harmless:

1. items are written ``submitting`` with their job's display name (and their
   request body), committed, *before* the create call;
2. after the call, the job's name is recorded and its items become ``submitted``
   (the bodies are dropped).

A process killed between 1 and 2 leaves ``submitting`` items; on resume the
jobs are listed and matched by display name, so a job whose create succeeded is
adopted, not created again. Only a job the service never saw is submitted
(once) from the stored bodies.
"""

from __future__ import annotations

import json
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from langchain_gemini_vision.errors import BatchJobError

from .items import PlannedItem

__all__ = ["MANIFEST_FILE", "JobRecord", "Manifest"]

MANIFEST_FILE = "manifest.sqlite3"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS jobs (
    display_name TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    name TEXT,
    mode TEXT NOT NULL,
    input_file TEXT,
    state TEXT NOT NULL,
    n_items INTEGER NOT NULL,
    done_items INTEGER NOT NULL DEFAULT 0,
    failed_items INTEGER NOT NULL DEFAULT 0,
    fetched INTEGER NOT NULL DEFAULT 0,
    error TEXT,
    created_at REAL NOT NULL,
    updated_at REAL NOT NULL
);
CREATE TABLE IF NOT EXISTS items (
    key TEXT PRIMARY KEY,
    seq INTEGER NOT NULL,
    job TEXT NOT NULL REFERENCES jobs(display_name),
    task TEXT NOT NULL,
    options TEXT NOT NULL,
    images TEXT NOT NULL,
    status TEXT NOT NULL,
    body BLOB,
    error TEXT
);
CREATE INDEX IF NOT EXISTS items_job ON items(job, seq);
"""


@dataclass(frozen=True)
class JobRecord:
    """One job as the manifest knows it."""

    display_name: str
    seq: int
    name: str | None
    mode: str
    input_file: str | None
    state: str
    n_items: int
    done_items: int
    failed_items: int
    fetched: bool
    error: str | None

    @property
    def terminal(self) -> bool:
        """The job ended (succeeded, failed, cancelled or expired)."""
        return self.state in TERMINAL_STATES


TERMINAL_STATES = frozenset(
    {"JOB_STATE_SUCCEEDED", "JOB_STATE_FAILED", "JOB_STATE_CANCELLED", "JOB_STATE_EXPIRED"}
)


class Manifest:
    """The SQLite manifest in ``folder`` (created when missing).

    Args:
        folder: The folder that holds ``manifest.sqlite3``.
        create: Create the folder and file when missing (``False`` raises instead).
    """

    def __init__(self, folder: str | Path, *, create: bool = True) -> None:
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST_FILE
        if not self.path.exists():
            if not create:
                msg = f"no batch manifest in {self.folder} (expected {MANIFEST_FILE})"
                raise BatchJobError(msg)
            self.folder.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.executescript(_SCHEMA)
        if self.get_meta("schema_version") is None:
            self.set_meta("schema_version", SCHEMA_VERSION)
            self.set_meta("batch_id", uuid.uuid4().hex[:12])
        elif self.get_meta("schema_version") != SCHEMA_VERSION:
            msg = f"{self.path}: manifest schema {self.get_meta('schema_version')} is not supported"
            raise BatchJobError(msg)

    def close(self) -> None:
        """Close the database."""
        self._db.close()

    # ------------------------------------------------------------------ meta

    def get_meta(self, key: str) -> str | None:
        """A meta value (``batch_id``, ``model``...)."""
        row = self._db.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def set_meta(self, key: str, value: str) -> None:
        """Set a meta value."""
        self._db.execute("INSERT OR REPLACE INTO meta (k, v) VALUES (?, ?)", (key, value))

    @property
    def batch_id(self) -> str:
        """This manifest's id: the prefix of every job's display name."""
        value = self.get_meta("batch_id")
        assert value is not None
        return value

    # ------------------------------------------------------------------ items and jobs

    def known_keys(self, keys: Iterable[str]) -> set[str]:
        """The keys among ``keys`` already in the manifest."""
        wanted = list(keys)
        found: set[str] = set()
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key FROM items WHERE key IN ({marks})", chunk)  # noqa: S608
            found.update(str(row[0]) for row in rows)
        return found

    def next_job_seq(self) -> int:
        """The sequence number of the next job."""
        row = self._db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM jobs").fetchone()
        return int(row[0])

    def add_job(self, display_name: str, seq: int, mode: str, items: Sequence[PlannedItem]) -> None:
        """Write a job and its items as ``submitting`` (with their bodies), in one transaction."""
        now = time.time()
        with self._transaction():
            self._db.execute(
                "INSERT INTO jobs (display_name, seq, mode, state, n_items, created_at, updated_at)"
                " VALUES (?, ?, ?, 'SUBMITTING', ?, ?, ?)",
                (display_name, seq, mode, len(items), now, now),
            )
            self._db.executemany(
                "INSERT INTO items (key, seq, job, task, options, images, status, body)"
                " VALUES (?, ?, ?, ?, ?, ?, 'submitting', ?)",
                [
                    (
                        item.key,
                        index,
                        display_name,
                        item.task,
                        json.dumps(item.options, sort_keys=True),
                        json.dumps(item.images),
                        item.body_json,
                    )
                    for index, item in enumerate(items)
                ],
            )

    def set_input_file(self, display_name: str, file_name: str) -> None:
        """Remember the uploaded JSONL of a job (reused if the create is retried)."""
        self._db.execute(
            "UPDATE jobs SET input_file = ?, updated_at = ? WHERE display_name = ?",
            (file_name, time.time(), display_name),
        )

    def job_created(self, display_name: str, name: str, state: str) -> None:
        """Record the job's name; its items become ``submitted`` and lose their bodies."""
        with self._transaction():
            self._db.execute(
                "UPDATE jobs SET name = ?, state = ?, updated_at = ? WHERE display_name = ?",
                (name, state, time.time(), display_name),
            )
            self._db.execute(
                "UPDATE items SET status = 'submitted', body = NULL WHERE job = ?",
                (display_name,),
            )

    def update_job(
        self,
        display_name: str,
        *,
        state: str,
        done_items: int | None = None,
        failed_items: int | None = None,
        error: str | None = None,
    ) -> None:
        """Record a polled state (and progress counts when the service gives them)."""
        self._db.execute(
            "UPDATE jobs SET state = ?, done_items = COALESCE(?, done_items),"
            " failed_items = COALESCE(?, failed_items), error = COALESCE(?, error),"
            " updated_at = ? WHERE display_name = ?",
            (state, done_items, failed_items, error, time.time(), display_name),
        )

    def record_outcomes(
        self, display_name: str, outcomes: Sequence[tuple[str, str | None]]
    ) -> None:
        """Mark items ``succeeded`` (error ``None``) or ``failed``, and the job as fetched."""
        with self._transaction():
            self._db.executemany(
                "UPDATE items SET status = ?, error = ? WHERE key = ?",
                [
                    ("succeeded" if error is None else "failed", error, key)
                    for key, error in outcomes
                ],
            )
            self._db.execute(
                "UPDATE jobs SET fetched = 1, updated_at = ? WHERE display_name = ?",
                (time.time(), display_name),
            )

    def jobs(self) -> list[JobRecord]:
        """Every job, in submission order."""
        rows = self._db.execute(
            "SELECT display_name, seq, name, mode, input_file, state, n_items, done_items,"
            " failed_items, fetched, error FROM jobs ORDER BY seq"
        ).fetchall()
        return [
            JobRecord(
                display_name=row[0],
                seq=int(row[1]),
                name=row[2],
                mode=row[3],
                input_file=row[4],
                state=row[5],
                n_items=int(row[6]),
                done_items=int(row[7]),
                failed_items=int(row[8]),
                fetched=bool(row[9]),
                error=row[10],
            )
            for row in rows
        ]

    def items_of(self, display_name: str) -> Iterator[dict[str, Any]]:
        """A job's items, in their order in the job."""
        rows = self._db.execute(
            "SELECT key, task, options, images, status, error FROM items"
            " WHERE job = ? ORDER BY seq",
            (display_name,),
        )
        for key, task, options, images, status, error in rows:
            yield {
                "key": key,
                "task": task,
                "options": json.loads(options),
                "images": json.loads(images),
                "status": status,
                "error": error,
            }

    def bodies_of(self, display_name: str) -> list[tuple[str, dict[str, Any]]]:
        """The stored request bodies of a job not created yet, in order."""
        rows = self._db.execute(
            "SELECT key, body FROM items WHERE job = ? ORDER BY seq", (display_name,)
        ).fetchall()
        missing = [key for key, body in rows if body is None]
        if missing:
            msg = f"job {display_name}: {len(missing)} item(s) have no stored request body"
            raise BatchJobError(msg)
        return [(str(key), json.loads(body)) for key, body in rows]

    def counts(self) -> dict[str, int]:
        """Items per status."""
        rows = self._db.execute("SELECT status, COUNT(*) FROM items GROUP BY status")
        return {str(status): int(count) for status, count in rows}

    # ------------------------------------------------------------------ plumbing

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
