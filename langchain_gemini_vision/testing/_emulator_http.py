"""What every route of the emulator shares: JSON replies, error replies, bodies, pages.

The emulator's parts (:mod:`.emulator`, its Files API, its generation routes and the
Batch API) answer in one shape: compact JSON, the API's ``{"error": ...}`` bodies,
RFC 3339 timestamps with microseconds, ``pageSize``/``pageToken`` pagination.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import datetime, timezone
from typing import Any, Final, TypeVar

from aiohttp import web

from ._api_errors import ApiError, bad_request
from ._protocol import dumps
from .faults import Fault

__all__ = [
    "ARRIVED",
    "FAULT",
    "VERSION",
    "error_response",
    "json_response",
    "now",
    "page",
    "parse_json",
    "request_key",
    "timestamp",
]

VERSION: Final = "{version:v1|v1beta|v1alpha}"
"""The API version segment of every route (``/{version}/...``)."""
FAULT: Final = web.RequestKey("fault", Fault)
"""The fault the middleware chose for a request, for the handlers that stream."""
ARRIVED: Final = web.RequestKey("arrived", float)
"""When a request arrived (the server loop's monotonic time): quotas count it then."""

T = TypeVar("T")


def request_key(request: web.Request) -> str | None:
    """The API key a request carries: ``x-goog-api-key``, ``?key=`` or a bearer token."""
    key = request.headers.get("x-goog-api-key") or request.query.get("key")
    bearer = request.headers.get("authorization", "")
    if not key and bearer.lower().startswith("bearer "):
        key = bearer[7:].strip()
    return key or None


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(timezone.utc)


def timestamp(moment: datetime | None = None) -> str:
    """``moment`` (default: now) as the API writes times: ``2026-01-02T03:04:05.000006Z``."""
    return (moment or now()).astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def json_response(
    body: Any, status: int = 200, headers: dict[str, str] | None = None
) -> web.Response:
    """``body`` as compact UTF-8 JSON."""
    return web.Response(
        body=dumps(body),
        status=status,
        headers=headers,
        content_type="application/json",
        charset="utf-8",
    )


def error_response(error: ApiError) -> web.Response:
    """The API's error reply for ``error``."""
    return json_response(error.body(), error.status, error.headers)


def parse_json(raw: bytes) -> Any:
    """A request body's JSON; the API's 400 when it is not JSON."""
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise bad_request(
            "Invalid JSON payload received. Unexpected token or malformed body."
        ) from None


def page(
    request: web.Request, items: Sequence[T], *, default_size: int, max_size: int
) -> tuple[Sequence[T], str | None]:
    """The page of ``items`` a list call asks for (``pageSize``/``pageToken``, either
    spelling), and the token of the next page (``None`` on the last)."""
    query = request.query
    try:
        size = int(query.get("pageSize", query.get("page_size", str(default_size))))
    except ValueError:
        raise bad_request("pageSize must be an integer.") from None
    size = min(max(size, 1), max_size)
    token = query.get("pageToken", query.get("page_token", ""))
    start = int(token) if token.isdigit() else 0
    following = str(start + size) if start + size < len(items) else None
    return items[start : start + size], following
