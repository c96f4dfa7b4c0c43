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

**One program at a time.** Opening a manifest takes an exclusive lock on
``manifest.sqlite3.lock`` beside it (``flock``/``LockFileEx`` through ``filelock``),
held until :meth:`Manifest.close`; a second opener, in this process or another, gets
:class:`~langchain_gemini_vision.errors.BatchJobBusyError` at once. The operating
system drops the lock when its holder dies, even by ``kill -9``, so a crash never
leaves a batch locked.

**Only manifests are opened.** A new manifest is written whole under a temporary
name and renamed into place, so an existing file is always a complete one. An
existing file is checked before anything is written to it or beside it (the lock
file comes after): an SQLite database
(read-only connection, ``PRAGMA quick_check``) with this schema's tables and
columns and a supported ``schema_version``. Anything else (an empty file, random
bytes, a half-written or damaged file, another program's database, a directory) is
refused with :class:`~langchain_gemini_vision.errors.BatchManifestError` and left as
it was. A row that cannot be read later (damaged JSON, a damaged page) raises the
same error, never ``sqlite3`` or ``json`` errors.

Why one module: the file's format, its lock, its checks and every read and write
are one contract (the write order above, the schema the checks compare against,
the error every failure becomes); split, the checks would have to know the
writer's schema and the writer the checks' rules.
"""

from __future__ import annotations

import functools
import json
import os
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from filelock import FileLock, Timeout

from langchain_gemini_vision.errors import BatchJobBusyError, BatchJobError, BatchManifestError

from .items import PlannedItem

__all__ = ["LOCK_FILE", "MANIFEST_FILE", "JobRecord", "Manifest"]

MANIFEST_FILE = "manifest.sqlite3"
LOCK_FILE = MANIFEST_FILE + ".lock"
SCHEMA_VERSION = "1"
_SQLITE_MAGIC = b"SQLite format 3\x00"

_P = ParamSpec("_P")
_T = TypeVar("_T")

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


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Turn what a damaged file makes ``sqlite3`` or ``json`` raise into ``BatchManifestError``."""
    try:
        yield
    except UnicodeError:
        raise  # text the caller gave that SQLite cannot store, not a damaged file
    except (sqlite3.DatabaseError, ValueError, TypeError) as error:
        detail = f"cannot be read ({type(error).__name__}: {error}); the file may be damaged"
        raise BatchManifestError(str(path), detail) from error


def _guarded(
    method: Callable[Concatenate[Manifest, _P], _T],
) -> Callable[Concatenate[Manifest, _P], _T]:
    @functools.wraps(method)
    def guarded(manifest: Manifest, /, *args: _P.args, **kwargs: _P.kwargs) -> _T:
        with _reading(manifest.path):
            return method(manifest, *args, **kwargs)

    return guarded


class Manifest:
    """The SQLite manifest in ``folder`` (created when missing), locked while open.

    Args:
        folder: The folder that holds ``manifest.sqlite3``.
        create: Create the folder and file when missing (``False`` raises instead).

    Raises:
        BatchJobBusyError: Another ``Manifest`` (in this process or another) holds it.
        BatchManifestError: There is no manifest (``create=False``), or the file is not
            one this version can use; nothing is written to it.
    """

    def __init__(self, folder: str | Path, *, create: bool = True) -> None:
        self.folder = Path(folder)
        self.path = self.folder / MANIFEST_FILE
        if self.path.exists() or self.path.is_symlink():
            _check(self.path)  # before the lock: nothing is written beside what is refused
        elif not create:
            detail = f"no batch manifest here (expected {MANIFEST_FILE})"
            raise BatchManifestError(str(self.folder), detail)
        else:
            self.folder.mkdir(parents=True, exist_ok=True)
        self._lock = _lock(self.folder)
        try:
            if not self.path.exists() and not self.path.is_symlink():
                _create(self.path)
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        except sqlite3.Error as error:
            self._lock.release()
            raise BatchManifestError(str(self.path), f"cannot be opened: {error}") from error
        except BaseException:
            self._lock.release()
            raise

    def close(self) -> None:
        """Close the database and release the lock (closing twice is harmless)."""
        if hasattr(self, "_db"):
            self._db.close()
        self._lock.release()

    # ------------------------------------------------------------------ meta

    @_guarded
    def get_meta(self, key: str) -> str | None:
        """A meta value (``batch_id``, ``model``...)."""
        row = self._db.execute("SELECT v FROM meta WHERE k = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    @_guarded
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

    @_guarded
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

    @_guarded
    def next_job_seq(self) -> int:
        """The sequence number of the next job."""
        row = self._db.execute("SELECT COALESCE(MAX(seq), -1) + 1 FROM jobs").fetchone()
        return int(row[0])

    @_guarded
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

    @_guarded
    def set_input_file(self, display_name: str, file_name: str) -> None:
        """Remember the uploaded JSONL of a job (reused if the create is retried)."""
        self._db.execute(
            "UPDATE jobs SET input_file = ?, updated_at = ? WHERE display_name = ?",
            (file_name, time.time(), display_name),
        )

    @_guarded
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

    @_guarded
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

    @_guarded
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

    @_guarded
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
        with _reading(self.path):
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

    @_guarded
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

    @_guarded
    def counts(self) -> dict[str, int]:
        """Items per status."""
        rows = self._db.execute("SELECT status, COUNT(*) FROM items GROUP BY status")
        return {str(status): int(count) for status, count in rows}

    # ------------------------------------------------------------------ plumbing

    def _transaction(self) -> _Transaction:
        return _Transaction(self._db)


def _lock(folder: Path) -> FileLock:
    """Hold the folder's lock file, or raise ``BatchJobBusyError`` at once."""
    path = folder / LOCK_FILE
    # thread_local=False: a VisionBatch may be opened on one thread and closed on another.
    # No soft (marker-file) fallback: it would outlive a killed holder and lock the batch.
    lock = FileLock(path, thread_local=False, fallback_to_soft=False, on_acquired=_write_pid)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise BatchJobBusyError(str(folder), _busy(path)) from None
    except OSError as error:
        detail = f"cannot lock the batch ({error}); keep the folder on a local disk"
        raise BatchManifestError(str(folder), detail) from error
    return lock


def _write_pid(fd: int) -> None:
    os.ftruncate(fd, 0)
    os.write(fd, f"{os.getpid()}\n".encode())


def _busy(path: Path) -> str:
    """Who holds the lock, as far as its file says, and what to do."""
    try:
        pid = path.read_text(encoding="ascii").strip()
    except (OSError, ValueError):
        pid = ""
    if pid == str(os.getpid()):
        return (
            "the batch is in use by another VisionBatch (or Manifest) open in this process: "
            "close that one first"
        )
    holder = f"process {pid}" if pid.isdigit() else "another program"
    return (
        f"the batch is in use by {holder}: one program at a time submits, polls and fetches "
        "a batch. Wait for it to finish (or stop it), then resume."
    )


def _create(path: Path) -> None:
    """Write a new, complete manifest under a temporary name, then rename it into place."""
    temporary = path.with_name(f".{path.name}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        db = sqlite3.connect(temporary, isolation_level=None)
        try:
            db.executescript(_SCHEMA)
            db.executemany(
                "INSERT INTO meta (k, v) VALUES (?, ?)",
                [("schema_version", SCHEMA_VERSION), ("batch_id", uuid.uuid4().hex[:12])],
            )
        finally:
            db.close()
        temporary.replace(path)
    finally:
        temporary.unlink(missing_ok=True)


@functools.cache
def _expected_columns() -> dict[str, frozenset[str]]:
    """Each table of ``_SCHEMA`` and its columns: what a manifest must have."""
    db = sqlite3.connect(":memory:")
    try:
        db.executescript(_SCHEMA)
        listed = db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {str(row[0]): _columns(db, str(row[0])) for row in listed.fetchall()}
    finally:
        db.close()


def _columns(db: sqlite3.Connection, table: str) -> frozenset[str]:
    return frozenset(
        str(row[0]) for row in db.execute("SELECT name FROM pragma_table_info(?)", (table,))
    )


def _check(path: Path) -> None:
    """Refuse, without writing to it, anything that is not a manifest this version reads."""

    def refuse(detail: str) -> BatchManifestError:
        return BatchManifestError(str(path), f"{detail}; not a batch manifest this version can use")

    if path.is_dir():
        raise refuse("is a directory")
    if not path.is_file():
        raise refuse("is not a regular file")
    with path.open("rb") as handle:
        head = handle.read(len(_SQLITE_MAGIC))
    if not head:
        raise refuse("is empty (0 bytes)")
    if head != _SQLITE_MAGIC:
        raise refuse("is not an SQLite database")
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)
    try:
        checked = [str(row[0]) for row in db.execute("PRAGMA quick_check")]
        if checked != ["ok"]:
            raise refuse(f"is damaged ({'; '.join(checked[:3])})")
        missing = {
            f"{table}.{column}"
            for table, wanted in _expected_columns().items()
            for column in wanted - _columns(db, table)
        }
        if missing:
            raise refuse(
                f"lacks the manifest's tables or columns ({', '.join(sorted(missing)[:5])})"
            )
        meta = dict(db.execute("SELECT k, v FROM meta WHERE k IN ('schema_version', 'batch_id')"))
    except sqlite3.DatabaseError as error:
        raise refuse(f"cannot be read ({error})") from error
    finally:
        db.close()
    if meta.get("schema_version") != SCHEMA_VERSION or not meta.get("batch_id"):
        version = meta.get("schema_version")
        raise BatchManifestError(
            str(path),
            f"manifest schema {version!r} is not supported (this version reads {SCHEMA_VERSION!r})",
        )


class _Transaction:
    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db

    def __enter__(self) -> None:
        self._db.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type: object, *_: object) -> None:
        self._db.execute("ROLLBACK" if exc_type is not None else "COMMIT")
