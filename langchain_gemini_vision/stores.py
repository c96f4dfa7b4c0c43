"""`FileStore`: a LangChain ``ByteStore`` on a local folder, one file per key.

The result cache (the ``cache`` setting) and the image retriever take any
``BaseStore[str, bytes]``; this is the one to use on disk (``gemini-vision --cache DIR``
builds one). LangChain's own ``LocalFileStore`` lives in ``langchain-classic``, which
would bring SQLAlchemy, requests and the text splitters into this package's core, and
writes in place: a process killed mid-write leaves half a value under the key. Here a
value is written to a temporary file in the same folder and renamed over the key's
file (``os.replace``, atomic on POSIX and Windows), so a key holds a whole value or
nothing, even after ``kill -9``: what a resumable run over 10,000 images needs.

Keys are the cache's and the retriever's own (letters, digits, ``_ . - /``); any other
character, an absolute path or a ``..`` part is refused, so a key never leaves the folder.
"""

from __future__ import annotations

import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path

from langchain_core.stores import ByteStore

__all__ = ["FileStore"]

_KEY = re.compile(r"[A-Za-z0-9_.\-/]+")
_TEMP_SUFFIX = ".partial"


class FileStore(ByteStore):
    """Bytes by key in ``root`` (created when missing): ``root/<key>``, written atomically.

    Args:
        root: The folder.

    Raises:
        ValueError: A key that is not a relative path of letters, digits and ``_ . - /``.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.root.mkdir(parents=True, exist_ok=True)

    def __repr__(self) -> str:
        return f"FileStore({str(self.root)!r})"

    def _path(self, key: str) -> Path:
        parts = key.split("/")
        if not _KEY.fullmatch(key) or any(p in ("", ".", "..") for p in parts):
            msg = (
                f"invalid key {key!r}: use letters, digits and _ . - / "
                "(a relative path without empty, '.' or '..' parts)"
            )
            raise ValueError(msg)
        return self.root.joinpath(*parts)

    def mget(self, keys: Sequence[str]) -> list[bytes | None]:
        """The value of each key, ``None`` for a missing one."""
        values: list[bytes | None] = []
        for key in keys:
            try:
                values.append(self._path(key).read_bytes())
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                values.append(None)
        return values

    def mset(self, key_value_pairs: Sequence[tuple[str, bytes]]) -> None:
        """Write each value: to a temporary file beside its key's, then renamed over it."""
        for key, value in key_value_pairs:
            path = self._path(key)
            path.parent.mkdir(parents=True, exist_ok=True)
            handle, temporary = tempfile.mkstemp(
                dir=path.parent, prefix=f".{path.name}.", suffix=_TEMP_SUFFIX
            )
            try:
                with os.fdopen(handle, "wb") as file:
                    file.write(value)
                Path(temporary).replace(path)
            except BaseException:
                Path(temporary).unlink(missing_ok=True)
                raise

    def mdelete(self, keys: Sequence[str]) -> None:
        """Remove each key (a missing one is not an error)."""
        for key in keys:
            self._path(key).unlink(missing_ok=True)

    def yield_keys(self, prefix: str | None = None) -> Iterator[str]:
        """Every key (starting with ``prefix``), in no particular order."""
        for path in self.root.rglob("*"):
            if not path.is_file() or path.name.endswith(_TEMP_SUFFIX):
                continue
            key = path.relative_to(self.root).as_posix()
            if prefix is None or key.startswith(prefix):
                yield key
