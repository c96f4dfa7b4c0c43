"""Safe downloads of user-supplied image URLs (server-side request forgery guard).

What may be fetched is decided in :mod:`._url_policy` (schemes, hosts, addresses,
redirects, the size cap and the deadline, walked by one :class:`~._url_policy.Download`);
this module does only the I/O, once for sync callers and once for async ones, the two
fetchers differing only in their I/O lines:

* the host name is resolved **once**, every address it resolves to is checked, and the
  connection is opened to that checked address (the ``Host`` header and TLS SNI still
  carry the host name), so a DNS answer that changes between check and connect
  (DNS rebinding) cannot reach a private address;
* redirects are followed by hand and every hop is checked again;
* the body is streamed, so the download stops as soon as it passes ``max_bytes``.

The connection goes through ``httpcore2`` with a network backend whose
``connect_tcp`` performs the resolve-check-connect step; no proxy from the
environment is used (a proxy would connect on our behalf, unchecked).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable, Iterator
from contextlib import contextmanager

import anyio
import anyio.to_thread
import httpcore2

from langchain_gemini_vision._url_policy import (
    DEFAULT_MAX_DOWNLOAD_BYTES,
    Download,
    IPAddress,
    UrlPolicy,
    check_address,
    check_addresses,
    url_label,
)
from langchain_gemini_vision.errors import ImageInputError

__all__ = [
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "IPAddress",
    "UrlPolicy",
    "afetch_url",
    "check_address",
    "fetch_url",
    "resolve_host",
    "url_label",
]


def resolve_host(host: str, port: int) -> list[str]:
    """Resolve ``host`` to its IP addresses, in the resolver's order.

    Module-level so tests (and callers with their own resolver) can replace it.
    """
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, proto=socket.IPPROTO_TCP)
    seen: list[str] = []
    for info in infos:
        address = str(info[4][0])
        if address not in seen:
            seen.append(address)
    return seen


def _resolve_checked(host: str, port: int, policy: UrlPolicy, source: str) -> list[str]:
    try:
        literal = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        addresses = [str(literal)]
    else:
        try:
            host.encode("ascii")
        except UnicodeEncodeError as exc:  # pragma: no cover - IDNA handled by caller
            raise ImageInputError(source, "blocked_url", "non-ASCII host name") from exc
        try:
            addresses = resolve_host(host, port)
        except OSError as exc:
            raise ImageInputError(
                source, "download_failed", f"cannot resolve {host!r}: {exc}"
            ) from exc
        if not addresses:
            raise ImageInputError(source, "download_failed", f"{host!r} resolved to nothing")
    return check_addresses(addresses, policy, source)


class _CheckedBackend(httpcore2.NetworkBackend):
    """Resolves, checks and connects to the checked IP (SNI/Host keep the name)."""

    def __init__(self, policy: UrlPolicy, source: str) -> None:
        self._policy = policy
        self._source = source
        self._inner = httpcore2.SyncBackend()

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> httpcore2.NetworkStream:
        addresses = _resolve_checked(host, port, self._policy, self._source)
        last: Exception | None = None
        for address in addresses:
            try:
                return self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> httpcore2.NetworkStream:
        raise ImageInputError(self._source, "blocked_url", "unix sockets are not allowed")


class _AsyncCheckedBackend(httpcore2.AsyncNetworkBackend):
    def __init__(self, policy: UrlPolicy, source: str) -> None:
        self._policy = policy
        self._source = source
        self._inner = httpcore2.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        addresses = await anyio.to_thread.run_sync(
            _resolve_checked, host, port, self._policy, self._source
        )
        last: Exception | None = None
        for address in addresses:
            try:
                return await self._inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore2.ConnectError, httpcore2.ConnectTimeout) as exc:
                last = exc
        assert last is not None
        raise last

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore2.SOCKET_OPTION] | None = None,
    ) -> httpcore2.AsyncNetworkStream:
        raise ImageInputError(self._source, "blocked_url", "unix sockets are not allowed")

    async def sleep(self, seconds: float) -> None:
        await anyio.sleep(seconds)


@contextmanager
def _mapped_errors(source: str) -> Iterator[None]:
    """Whatever the network raises becomes an ``ImageInputError`` saying what failed."""
    try:
        yield
    except ImageInputError:
        raise
    except (httpcore2.UnsupportedProtocol, httpcore2.LocalProtocolError, ValueError) as exc:
        raise ImageInputError(source, "blocked_url", f"{type(exc).__name__}: {exc}") from exc
    except httpcore2.TimeoutException as exc:
        raise ImageInputError(source, "download_failed", f"timed out: {exc}") from exc
    except Exception as exc:
        raise ImageInputError(source, "download_failed", f"{type(exc).__name__}: {exc}") from exc


def fetch_url(url: str, policy: UrlPolicy | None = None) -> tuple[bytes, str | None]:
    """Download ``url`` under ``policy``; return ``(body, content_type)``.

    Raises:
        ImageInputError: ``"blocked_url"`` when the policy refuses the URL, any
            redirect, or any address the host resolves to; ``"too_large"`` past
            ``max_bytes``; ``"download_failed"`` for network and HTTP errors.
    """
    download = Download(url, policy)
    backend = _CheckedBackend(download.policy, download.source)
    with httpcore2.ConnectionPool(network_backend=backend, max_connections=1, retries=0) as pool:
        while True:
            with _mapped_errors(download.source):  # noqa: SIM117 - afetch_url's twin, line for line
                with pool.stream(**download.request()) as response:
                    if download.follow(response.status, response.headers):
                        continue
                    for chunk in response.iter_stream():
                        download.take(chunk)
                    return download.result(response.headers)


async def afetch_url(url: str, policy: UrlPolicy | None = None) -> tuple[bytes, str | None]:
    """Async :func:`fetch_url`: same checks, same errors."""
    download = Download(url, policy)
    backend = _AsyncCheckedBackend(download.policy, download.source)
    async with httpcore2.AsyncConnectionPool(
        network_backend=backend, max_connections=1, retries=0
    ) as pool:
        while True:
            with _mapped_errors(download.source):
                async with pool.stream(**download.request()) as response:
                    if download.follow(response.status, response.headers):
                        continue
                    async for chunk in response.aiter_stream():
                        download.take(chunk)
                    return download.result(response.headers)
