"""The Files API cache: each image is uploaded once and reused until shortly before it expires.

Keyed by the image's sha256. Concurrent requests that need the same upload
share one (single flight): sync callers on a per-image lock, async callers on
a per-image ``asyncio.Lock`` of their loop. A 403/404 on a cached file
(expired or deleted) is handled by the client: it calls :meth:`FileCache.invalidate_uri`
and resolves again, which uploads once more. A Files API name the caller gave
(``files/abc``) that the service no longer has (files expire after 48 hours) is an
:class:`ImageInputError` (``not_found``): a bad image reference, not a refused key.
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import threading
import time
import weakref
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TYPE_CHECKING

from langchain_gemini_vision.errors import GeminiVisionAPIError, ImageInputError

from .errors import Secret, reraise_mapped
from .retry import RetryPolicy, acall_with_retries, call_with_retries

if TYPE_CHECKING:
    from google import genai
    from google.genai import types

REUSE_MARGIN = timedelta(minutes=10)
"""A cached file is not reused within this margin of its expiry."""


@dataclass(frozen=True)
class CachedFile:
    """A file the Files API holds for us."""

    name: str
    uri: str
    mime_type: str | None
    expires_at: datetime | None

    def usable(self, now: datetime) -> bool:
        """Whether the file can still be referenced safely."""
        return self.expires_at is None or now + REUSE_MARGIN < self.expires_at


def _cached(file: types.File) -> CachedFile:
    if not file.uri or not file.name:
        msg = "the Files API returned a file without a name or URI"
        raise GeminiVisionAPIError(msg)
    return CachedFile(
        name=file.name, uri=file.uri, mime_type=file.mime_type, expires_at=file.expiration_time
    )


class FileCache:
    """Uploads through the SDK's ``files`` API, once per image content.

    ``client`` gives the ``genai.Client`` when a call first needs it, so that a
    process that never uploads never imports google-genai.
    """

    def __init__(
        self,
        client: Callable[[], genai.Client],
        *,
        retry: RetryPolicy,
        poll_interval: float = 0.5,
        max_polls: int = 20,
        secret: Secret = None,
    ) -> None:
        self._client = client
        self._secret = secret  # masked in every error text
        self._retry = retry
        self._poll_interval = poll_interval
        self._max_polls = max_polls
        self._entries: dict[str, CachedFile] = {}
        self._names: dict[str, CachedFile] = {}
        self._guard = threading.Lock()
        self._sync_locks: dict[str, threading.Lock] = {}
        self._async_locks: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, dict[str, asyncio.Lock]
        ] = weakref.WeakKeyDictionary()
        self.uploads = 0
        """Uploads this cache performed (re-uploads included)."""

    # ------------------------------------------------------------------ bookkeeping

    def _lookup(self, key: str) -> CachedFile | None:
        entry = self._entries.get(key)
        if entry is not None and entry.usable(datetime.now(timezone.utc)):
            return entry
        return None

    def invalidate_uri(self, uri: str) -> bool:
        """Forget the cached file with this URI; ``True`` if there was one."""
        with self._guard:
            for table in (self._entries, self._names):
                for key, entry in list(table.items()):
                    if entry.uri == uri:
                        del table[key]
                        return True
        return False

    def _sync_lock(self, key: str) -> threading.Lock:
        with self._guard:
            return self._sync_locks.setdefault(key, threading.Lock())

    def _async_lock(self, key: str) -> asyncio.Lock:
        loop = asyncio.get_running_loop()
        with self._guard:
            locks = self._async_locks.setdefault(loop, {})
            return locks.setdefault(key, asyncio.Lock())

    # ------------------------------------------------------------------ uploads

    def _upload_config(self, mime_type: str, sha256: str) -> types.UploadFileConfig:
        from google.genai import types

        return types.UploadFileConfig(mime_type=mime_type, display_name=f"lgv-{sha256[:16]}")

    def _processed(self, file: types.File, label: str, polls: int) -> bool:
        """Whether an upload can be used yet; a failed one, or one still processing after
        the last poll, raises."""
        state = str(file.state.value if file.state is not None else "ACTIVE")
        if state == "FAILED":
            message = file.error.message if file.error is not None else "processing failed"
            raise ImageInputError(
                label, "corrupted", f"the Files API could not process it: {message}"
            )
        if state in {"ACTIVE", "STATE_UNSPECIFIED"}:
            return True
        if polls >= self._max_polls:
            msg = f"{label}: the uploaded file stayed PROCESSING after {polls} polls"
            raise GeminiVisionAPIError(msg)
        return False

    def _uploaded(self, sha256: str, file: types.File) -> CachedFile:
        """Remember a processed upload under its content's hash."""
        entry = _cached(file)
        with self._guard:
            self._entries[sha256] = entry
        return entry

    def _known_name(self, name: str) -> CachedFile | None:
        entry = self._names.get(name)
        return entry if entry is not None and entry.usable(datetime.now(timezone.utc)) else None

    def _named(self, name: str, file: types.File) -> CachedFile:
        """Remember an existing file looked up by its name."""
        entry = _cached(file)
        with self._guard:
            self._names[name] = entry
        return entry

    def upload(self, data: bytes, mime_type: str, sha256: str, label: str) -> CachedFile:
        """Return the cached file for these bytes, uploading them if needed."""
        with self._sync_lock(sha256):
            found = self._lookup(sha256)
            if found is not None:
                return found
            config = self._upload_config(mime_type, sha256)
            file = self._call(
                lambda: self._client().files.upload(file=io.BytesIO(data), config=config)
            )
            self.uploads += 1
            polls = 0
            while not self._processed(file, label, polls):
                polls += 1
                time.sleep(self._poll_interval)
                file = self._get(file.name or "")
            return self._uploaded(sha256, file)

    async def aupload(self, data: bytes, mime_type: str, sha256: str, label: str) -> CachedFile:
        """Async twin of :meth:`upload`."""
        async with self._async_lock(sha256):
            found = self._lookup(sha256)
            if found is not None:
                return found
            config = self._upload_config(mime_type, sha256)
            upload = self._client().aio.files.upload
            file = await self._acall(lambda: upload(file=io.BytesIO(data), config=config))
            self.uploads += 1
            polls = 0
            while not self._processed(file, label, polls):
                polls += 1
                await asyncio.sleep(self._poll_interval)
                file = await self._aget(file.name or "")
            return self._uploaded(sha256, file)

    # ------------------------------------------------------------------ existing files

    def _call(self, call: Callable[[], types.File]) -> types.File:
        """One Files API call, its errors mapped, retried by the client's policy."""
        return call_with_retries(lambda _left: _mapped(call, self._secret), self._retry)

    async def _acall(self, call: Callable[[], Awaitable[types.File]]) -> types.File:
        """Async twin of :meth:`_call`."""
        return await acall_with_retries(lambda _left: _amapped(call, self._secret), self._retry)

    def _get(self, name: str) -> types.File:
        return self._call(lambda: self._client().files.get(name=name))

    async def _aget(self, name: str) -> types.File:
        return await self._acall(lambda: self._client().aio.files.get(name=name))

    def resolve_name(self, name: str) -> CachedFile:
        """Look up an existing Files API file (``files/abc``) for its URI and MIME type.

        Raises:
            ImageInputError: ``not_found``: the service has no such file for this key.
        """
        found = self._known_name(name)
        if found is not None:
            return found
        with _missing_as_not_found(name):
            return self._named(name, self._get(name))

    async def aresolve_name(self, name: str) -> CachedFile:
        """Async twin of :meth:`resolve_name`."""
        found = self._known_name(name)
        if found is not None:
            return found
        with _missing_as_not_found(name):
            return self._named(name, await self._aget(name))


def _mapped(call: Callable[[], types.File], secret: Secret) -> types.File:
    try:
        return call()
    except Exception as exc:
        reraise_mapped(exc, secret=secret)


async def _amapped(call: Callable[[], Awaitable[types.File]], secret: Secret) -> types.File:
    try:
        return await call()
    except Exception as exc:
        reraise_mapped(exc, secret=secret)


@contextlib.contextmanager
def _missing_as_not_found(name: str) -> Iterator[None]:
    """A lookup the service answers "no such file" is a bad reference, not a refused key."""
    try:
        yield
    except GeminiVisionAPIError as error:
        missing = _missing_file(name, error)
        if missing is None:
            raise
        raise missing from error


def _missing_file(name: str, error: GeminiVisionAPIError) -> ImageInputError | None:
    """A 403/404 without an ``ErrorInfo`` reason on ``files.get`` means "no such file"
    (the service answers 403 ``PERMISSION_DENIED`` for expired, deleted and unknown
    files alike); a refused key carries a reason and stays what it is."""
    if error.status not in (403, 404) or error.reason is not None:
        return None
    return ImageInputError(
        name,
        "not_found",
        "the Files API has no such file for this key (files expire 48 hours after "
        "upload); upload it again or refer to another image",
    )
