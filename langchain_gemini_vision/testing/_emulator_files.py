"""The emulator's Files API: resumable uploads, get, list, delete, expiry.

Files that are expired, deleted or never existed answer 403 ``PERMISSION_DENIED``
"You do not have permission to access the File <id> or it may not exist." on get,
delete and when used in a request, which is what the real API says (it deletes files
after 48 h). A URI that cannot be a file of this server (another host, ``gs://``) is
400: the emulator never fetches from the internet. A file still ``PROCESSING`` is 400
``FAILED_PRECONDITION``. The resumable-upload chunk request carries no key: its
``upload_id`` is the authorisation.

:class:`FilesApi` is the part of :class:`~.emulator.GeminiEmulator` that serves these
routes; it reads the emulator's settings (``max_file_bytes``...) as they are when a
request arrives.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final
from urllib.parse import urlsplit

from aiohttp import web

from ._api_errors import ApiError, bad_request
from ._emulator_analyses import AnalysisCache
from ._emulator_http import json_response, now, page, timestamp
from ._protocol import SUPPORTED_IMAGE_TYPES, FileResolver, get_key
from .faults import Stats
from .vision import ImageAnalysis, ImageDecodeError

__all__ = ["JSONL_MIME_TYPES", "FilesApi", "PendingUpload", "StoredFile"]

JSONL_MIME_TYPES: Final = frozenset(
    {"jsonl", "application/jsonl", "application/x-ndjson", "application/json-lines"}
)
"""MIME types the Files API takes as batch input (the Gemini docs upload with ``jsonl``)."""


@dataclass
class StoredFile:
    """One uploaded file."""

    file_id: str
    mime_type: str
    data: bytes = field(repr=False)
    display_name: str | None
    created: datetime
    expires: datetime
    polls_left: int
    base: str
    version: str
    expired: bool = False

    @property
    def name(self) -> str:
        return f"files/{self.file_id}"

    def to_json(self) -> dict[str, Any]:
        created = timestamp(self.created)
        body: dict[str, Any] = {"name": self.name}
        if self.display_name:
            body["displayName"] = self.display_name
        body |= {
            "mimeType": self.mime_type,
            "sizeBytes": str(len(self.data)),
            "createTime": created,
            "updateTime": created,
            "expirationTime": timestamp(self.expires),
            # The real service base64-encodes the hex digest.
            "sha256Hash": base64.b64encode(hashlib.sha256(self.data).hexdigest().encode()).decode(),
            "uri": f"{self.base}/{self.version}/files/{self.file_id}",
            "state": "PROCESSING" if self.polls_left > 0 else "ACTIVE",
            "source": "UPLOADED",
        }
        return body


@dataclass
class PendingUpload:
    """A resumable upload started and not yet finalised."""

    mime_type: str
    declared_size: int | None
    display_name: str | None
    version: str
    received: bytearray = field(default_factory=bytearray)


class FilesApi:
    """The Files API routes of the emulator, and its file helpers for tests."""

    max_file_bytes: int
    max_total_file_bytes: int
    file_processing_polls: int
    file_ttl_seconds: float
    stats: Stats
    _rng: random.Random
    _lock: threading.Lock
    _files: dict[str, StoredFile]
    _uploads: dict[str, PendingUpload]
    _analyses: AnalysisCache
    _executor: ThreadPoolExecutor | None

    def _mount_files(self, app: web.Application, v: str) -> None:
        app.router.add_post(f"/upload/{v}/files", self._upload)
        app.router.add_get(f"/{v}/files", self._list_files)
        app.router.add_get(f"/{v}/files/{{id}}", self._get_file)
        app.router.add_delete(f"/{v}/files/{{id}}", self._delete_file)

    async def _analyse(self, data: bytes) -> ImageAnalysis:
        return await self._analyses.analyse(data, self._executor, self.stats)

    @property
    def files(self) -> list[str]:
        """Names (``files/<id>``) of the live files."""
        with self._lock:
            return [f.name for f in self._files.values() if not self._is_expired(f)]

    def expire_file(self, name: str) -> None:
        """Make one file (``files/<id>``, ``<id>`` or its URI) expire now."""
        file_id = name.rstrip("/").rsplit("/", 1)[-1]
        with self._lock:
            stored = self._files.get(file_id)
            if stored is None:
                msg = f"no file {name!r}"
                raise KeyError(msg)
            stored.expired = True

    def expire_all_files(self) -> None:
        """Make every file expire now."""
        with self._lock:
            for stored in self._files.values():
                stored.expired = True

    def _is_expired(self, stored: StoredFile) -> bool:
        return stored.expired or now() >= stored.expires

    def _lookup_file(self, file_id: str) -> StoredFile:
        with self._lock:
            stored = self._files.get(file_id)
            if stored is not None and self._is_expired(stored):
                del self._files[file_id]
                stored = None
        if stored is None:
            raise ApiError(
                403,
                f"You do not have permission to access the File {file_id} or it may not exist.",
            )
        return stored

    def _resolver(self, request: web.Request) -> FileResolver:
        def resolve(uri: str, where: str) -> tuple[bytes, str]:
            parts = urlsplit(uri)
            path = parts.path if parts.scheme else "/" + uri.lstrip("/")
            segments = [s for s in path.split("/") if s]
            own_host = parts.netloc in ("", request.host) or parts.netloc.endswith(
                "generativelanguage.googleapis.com"
            )
            is_file = (
                parts.scheme in ("", "http", "https")
                and own_host
                and len(segments) >= 2
                and segments[-2] == "files"
            )
            if not is_file:
                raise bad_request(
                    f"Cannot fetch content from the provided URL {uri!r} at {where}: "
                    "the emulator only serves files uploaded to it (no internet access)."
                )
            stored = self._lookup_file(segments[-1])
            if stored.polls_left > 0:
                raise bad_request(
                    f"The File {stored.file_id} is not in an ACTIVE state and usage is "
                    "not allowed.",
                    "FAILED_PRECONDITION",
                )
            return stored.data, stored.mime_type

        return resolve

    async def _upload(self, request: web.Request) -> web.StreamResponse:
        version = request.match_info["version"]
        upload_id = request.query.get("upload_id")
        command = request.headers.get("X-Goog-Upload-Command", "").lower()
        commands = {c.strip() for c in command.split(",") if c.strip()}
        if upload_id is None:
            return await self._start_upload(request, version, commands)
        pending = self._uploads.get(upload_id)
        if pending is None:
            raise ApiError(404, f"Unknown upload id {upload_id}.")
        if "query" in commands:
            return web.Response(
                headers={
                    "X-Goog-Upload-Status": "active",
                    "X-Goog-Upload-Size-Received": str(len(pending.received)),
                }
            )
        if not commands & {"upload", "finalize"}:
            raise bad_request(f"Unsupported X-Goog-Upload-Command {command!r}.")
        body = await request.read()
        offset_header = request.headers.get("X-Goog-Upload-Offset")
        if "upload" in commands:
            offset = int(offset_header) if offset_header and offset_header.isdigit() else None
            if offset is not None and offset != len(pending.received):
                raise bad_request(
                    f"Upload offset {offset} does not match the {len(pending.received)} "
                    "bytes received so far."
                )
            pending.received += body
            if len(pending.received) > self.max_file_bytes:
                del self._uploads[upload_id]
                raise bad_request(f"File too large: the limit is {self.max_file_bytes} bytes.")
        if "finalize" not in commands:
            return web.Response(
                headers={
                    "X-Goog-Upload-Status": "active",
                    "X-Goog-Upload-Size-Received": str(len(pending.received)),
                }
            )
        del self._uploads[upload_id]
        data = bytes(pending.received)
        if pending.declared_size is not None and pending.declared_size != len(data):
            raise bad_request(
                f"Upload size {len(data)} does not match the declared "
                f"{pending.declared_size} bytes."
            )
        try:
            if pending.mime_type in SUPPORTED_IMAGE_TYPES:  # JSONL batch input is not an image
                await self._analyse(data)
        except ImageDecodeError:
            raise bad_request(
                f"The uploaded bytes are not a decodable {pending.mime_type} image."
            ) from None
        stored = self._store_file(request, pending, data)
        return json_response({"file": stored.to_json()}, headers={"X-Goog-Upload-Status": "final"})

    async def _start_upload(
        self, request: web.Request, version: str, commands: set[str]
    ) -> web.StreamResponse:
        if request.headers.get("X-Goog-Upload-Protocol", "").lower() != "resumable":
            raise bad_request("Only the resumable upload protocol is emulated.")
        if commands != {"start"}:
            raise bad_request("The first resumable upload request must be 'start'.")
        raw = await request.read()
        meta: dict[str, Any] = {}
        if raw:
            try:
                loaded = json.loads(raw)
            except ValueError:
                raise bad_request("Invalid JSON payload received.") from None
            meta = get_key(loaded, "file") or {} if isinstance(loaded, dict) else {}
        length = request.headers.get("X-Goog-Upload-Header-Content-Length")
        size_value = length or get_key(meta, "size_bytes")
        declared = int(size_value) if size_value is not None and str(size_value).isdigit() else None
        mime = (
            request.headers.get("X-Goog-Upload-Header-Content-Type")
            or get_key(meta, "mime_type")
            or ""
        ).lower()
        if mime not in SUPPORTED_IMAGE_TYPES | JSONL_MIME_TYPES:
            raise bad_request(
                f"Unsupported MIME type: {mime or '(none)'}. The emulator's Files API takes "
                f"images ({', '.join(sorted(SUPPORTED_IMAGE_TYPES))}) and JSON Lines "
                "batch input."
            )
        if declared is not None and declared > self.max_file_bytes:
            raise bad_request(f"File too large: the limit is {self.max_file_bytes} bytes.")
        with self._lock:
            used = sum(len(f.data) for f in self._files.values())
        if declared is not None and used + declared > self.max_total_file_bytes:
            raise ApiError(429, "Files API storage quota exceeded for this project.")
        upload_id = f"{self._rng.getrandbits(96):024x}"
        self._uploads[upload_id] = PendingUpload(
            mime, declared, get_key(meta, "display_name"), version
        )
        url = (
            f"{request.scheme}://{request.host}/upload/{version}/files"
            f"?upload_id={upload_id}&upload_protocol=resumable"
        )
        return web.Response(headers={"X-Goog-Upload-URL": url, "X-Goog-Upload-Status": "active"})

    def _store_file(self, request: web.Request, pending: PendingUpload, data: bytes) -> StoredFile:
        alphabet = "abcdefghijklmnopqrstuvwxyz0123456789"
        file_id = "".join(self._rng.choice(alphabet) for _ in range(12))
        created = now()
        stored = StoredFile(
            file_id=file_id,
            mime_type=pending.mime_type,  # the API keeps what the caller declared
            data=data,
            display_name=pending.display_name,
            created=created,
            expires=created + timedelta(seconds=self.file_ttl_seconds),
            polls_left=self.file_processing_polls,
            base=f"{request.scheme}://{request.host}",
            version=pending.version,
        )
        with self._lock:
            self._files[file_id] = stored
        self.stats.uploads += 1
        self.stats.uploaded_bytes += len(data)
        self.stats.files_created += 1
        return stored

    async def _get_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._lookup_file(request.match_info["id"])
        body = stored.to_json()
        if stored.polls_left > 0:
            stored.polls_left -= 1
        return json_response(body)

    async def _delete_file(self, request: web.Request) -> web.StreamResponse:
        stored = self._lookup_file(request.match_info["id"])
        with self._lock:
            self._files.pop(stored.file_id, None)
        return json_response({})

    async def _list_files(self, request: web.Request) -> web.StreamResponse:
        with self._lock:
            live = [f for f in self._files.values() if not self._is_expired(f)]
        files, following = page(request, live, default_size=10, max_size=100)
        body: dict[str, Any] = {}
        if files:
            body["files"] = [f.to_json() for f in files]
        if following is not None:
            body["nextPageToken"] = following
        return json_response(body)
