"""Safe downloads of user-supplied image URLs (server-side request forgery guard).

A URL that reaches :func:`fetch_url` may come from a prompt, a tool call or a
web page, so it is treated as hostile:

* only the policy's schemes (``http``/``https``) are accepted; no credentials in URLs;
* the host name is resolved **once**, every address it resolves to is checked, and the
  connection is opened to that checked address (the ``Host`` header and TLS SNI still
  carry the host name), so a DNS answer that changes between check and connect
  (DNS rebinding) cannot reach a private address;
* loopback, private (RFC 1918, ULA), link-local, shared (CGNAT), multicast, reserved and
  unspecified addresses are refused, in every spelling (IPv4-mapped, IPv4-compatible,
  6to4, Teredo and NAT64 embeddings of IPv4 are unwrapped); cloud metadata endpoints are
  refused even with ``allow_private=True``;
* a host that is an IPv4 address in any spelling but the dotted quad (``134744072``,
  ``0x08080808``, ``010.010.010.010``, ``8.8.2056``: the resolver turns them all into
  addresses) is refused, public or not: other parsers read such hosts differently;
* redirects are followed by hand and every hop is checked again;
* the body is streamed and the download stops as soon as it passes ``max_bytes``,
  whatever ``Content-Length`` said; ``timeout`` bounds every network step and the
  whole download.

The connection goes through ``httpcore2`` with a network backend whose
``connect_tcp`` performs the resolve-check-connect step; no proxy from the
environment is used (a proxy would connect on our behalf, unchecked).
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import anyio
import anyio.to_thread
import httpcore2

from langchain_gemini_vision.errors import ImageInputError

__all__ = [
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "UrlPolicy",
    "afetch_url",
    "check_address",
    "fetch_url",
    "resolve_host",
    "url_label",
]

DEFAULT_MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_USER_AGENT = "langchain-gemini-vision (image fetch)"
_CHUNK = 64 * 1024

# Cloud metadata services: refused even when private addresses are allowed.
_METADATA_ADDRESSES = frozenset(
    {
        ipaddress.ip_address("169.254.169.254"),  # AWS, GCP, Azure, OpenStack, ...
        ipaddress.ip_address("169.254.170.2"),  # AWS ECS task metadata
        ipaddress.ip_address("100.100.100.200"),  # Alibaba Cloud
        ipaddress.ip_address("fd00:ec2::254"),  # AWS IMDS over IPv6
    }
)
_METADATA_HOSTS = frozenset({"metadata.google.internal", "metadata.goog", "metadata"})
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
# The URL standard's "ends in a number": such a host is an IPv4 address, however spelt.
_NUMERIC_LABEL = re.compile(r"[0-9]+|0x[0-9a-f]*")
_SHARED = ipaddress.ip_network("100.64.0.0/10")

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


@dataclass(frozen=True)
class UrlPolicy:
    """What :func:`fetch_url` may download.

    Attributes:
        allow_private: Allow loopback, private, link-local and other non-global
            addresses (for a trusted intranet). Metadata endpoints stay refused.
        allowed_schemes: URL schemes that may be fetched (redirects included).
        max_bytes: Largest body accepted; the download stops as soon as it is passed.
        timeout: Seconds for each network step and for the whole download.
        max_redirects: Redirect hops followed before giving up.
        allowed_addresses: Addresses or networks (``"127.0.0.1"``, ``"10.1.0.0/16"``)
            allowed even though the rules above refuse them: a local emulator, tests.
    """

    allow_private: bool = False
    allowed_schemes: tuple[str, ...] = ("http", "https")
    max_bytes: int = DEFAULT_MAX_DOWNLOAD_BYTES
    timeout: float = 20.0
    max_redirects: int = 5
    allowed_addresses: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.timeout <= 0 or self.max_redirects < 0:
            raise ValueError("max_bytes and timeout must be positive, max_redirects >= 0")
        # Fail early on a typo rather than at the first download.
        for item in self.allowed_addresses:
            ipaddress.ip_network(item, strict=False)


def url_label(url: str, limit: int = 120) -> str:
    """A printable, short form of ``url`` for messages: no query, fragment or credentials."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        if ":" in (parts.hostname or ""):
            host = f"[{parts.hostname}]" + (f":{parts.port}" if parts.port is not None else "")
        text = f"{parts.scheme}://{host}{parts.path}" if parts.scheme else url
        if parts.query or parts.fragment:
            text += "?…"
    except ValueError:
        text = url
    text = "".join(c if c.isprintable() else "?" for c in text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in _NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def _is_allowed_exception(address: IPAddress, policy: UrlPolicy) -> bool:
    for item in policy.allowed_addresses:
        network = ipaddress.ip_network(item, strict=False)
        if network.version == address.version and address in network:
            return True
    return False


def check_address(address: str, policy: UrlPolicy, *, source: str) -> IPAddress:
    """Return the parsed ``address`` if ``policy`` lets us connect to it, else raise.

    Raises:
        ImageInputError: reason ``"blocked_url"``.
    """
    try:
        ip: IPAddress = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError as exc:
        raise ImageInputError(source, "blocked_url", f"not an IP address: {address!r}") from exc
    if _is_allowed_exception(ip, policy):
        return ip
    candidates: list[IPAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        inner = _embedded_ipv4(ip)
        if ip.ipv4_mapped is not None:
            # ::ffff:a.b.c.d *is* a.b.c.d on a dual-stack socket: judge the IPv4 address.
            candidates = [ip.ipv4_mapped]
        elif inner is not None:
            candidates.append(inner)
    for candidate in candidates:
        if candidate in _METADATA_ADDRESSES:
            raise ImageInputError(
                source, "blocked_url", f"refusing the cloud metadata address {ip}"
            )
        if policy.allow_private:
            # Private is fine; what can never be a web server still is not.
            reserved = candidate.is_reserved and not candidate.is_loopback
            if candidate.is_multicast or candidate.is_unspecified or reserved:
                raise ImageInputError(source, "blocked_url", f"refusing the address {ip}")
            continue
        if (
            not candidate.is_global
            or candidate.is_loopback
            or candidate.is_private
            or candidate.is_link_local
            or candidate.is_multicast
            or candidate.is_reserved
            or candidate.is_unspecified
            or candidate in _SHARED
        ):
            raise ImageInputError(
                source,
                "blocked_url",
                f"refusing the non-public address {ip} (loopback, private, link-local or "
                "reserved); pass a UrlPolicy with allow_private or allowed_addresses to allow it",
            )
    return ip


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


def _check_url(url: str, policy: UrlPolicy, source: str) -> tuple[str, str, int]:
    """Validate a URL's shape; return ``(scheme, host, port)``. No network."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        raise ImageInputError(source, "blocked_url", f"malformed URL: {exc}") from exc
    scheme = parts.scheme.lower()
    if scheme not in policy.allowed_schemes:
        raise ImageInputError(
            source,
            "blocked_url",
            f"the scheme {scheme or '(none)'!r} is not allowed "
            f"(allowed: {', '.join(policy.allowed_schemes)})",
        )
    if scheme not in ("http", "https"):
        raise ImageInputError(source, "blocked_url", f"cannot download {scheme!r} URLs")
    if parts.username is not None or parts.password is not None:
        raise ImageInputError(source, "blocked_url", "credentials in URLs are not accepted")
    host = (parts.hostname or "").rstrip(".").lower()
    if not host:
        raise ImageInputError(source, "blocked_url", "the URL has no host")
    if host in _METADATA_HOSTS:
        raise ImageInputError(source, "blocked_url", f"refusing the metadata host {host!r}")
    try:
        literal: IPAddress | None = ipaddress.ip_address(host)
    except ValueError:
        literal = None
    if literal is not None:
        check_address(host, policy, source=source)
    elif _NUMERIC_LABEL.fullmatch(host.rsplit(".", 1)[-1]):
        raise ImageInputError(
            source,
            "blocked_url",
            f"{host!r} is an IPv4 address in an unusual spelling (decimal, octal, hex or "
            "fewer than four parts); write it as a dotted quad like 8.8.8.8",
        )
    return scheme, host, port if port is not None else (443 if scheme == "https" else 80)


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
    # Every address must pass: a mixed answer is a classic rebinding trick.
    return [str(check_address(a, policy, source=source)) for a in addresses]


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


def _ascii_url(url: str, source: str) -> str:
    """Return ``url`` with an IDNA host so httpcore can send it; refuse odd characters."""
    if any(c.isspace() or not c.isprintable() for c in url):
        raise ImageInputError(
            source, "blocked_url", "the URL contains spaces or control characters"
        )
    try:
        url.encode("ascii")
        return url
    except UnicodeEncodeError:
        pass
    parts = urlsplit(url)
    try:
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise ImageInputError(source, "blocked_url", "invalid international host name") from exc
    netloc = host if parts.port is None else f"{host}:{parts.port}"
    from urllib.parse import quote

    path = quote(parts.path, safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="=&%:@!$'()*+,;/?-._~")
    rebuilt = f"{parts.scheme}://{netloc}{path}"
    return rebuilt + (f"?{query}" if query else "")


def _headers() -> list[tuple[bytes, bytes]]:
    return [
        (b"User-Agent", _USER_AGENT.encode()),
        (b"Accept", b"image/*, */*;q=0.5"),
        (b"Accept-Encoding", b"identity"),
    ]


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    for name, value in headers:
        if name.lower() == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


def _header(headers: list[tuple[bytes, bytes]], wanted: bytes) -> str | None:
    for name, value in headers:
        if name.lower() == wanted:
            return value.decode("latin-1")
    return None


def _timeouts(policy: UrlPolicy, deadline: float) -> dict[str, float]:
    left = max(0.001, min(policy.timeout, deadline - time.monotonic()))
    return {"connect": left, "read": left, "write": left, "pool": left}


def _next_hop(
    status: int,
    *,
    headers: list[tuple[bytes, bytes]],
    current: str,
    hops: int,
    policy: UrlPolicy,
    source: str,
) -> str | None:
    if status not in _REDIRECT_STATUSES:
        return None
    location = _header(headers, b"location")
    if not location:
        raise ImageInputError(source, "download_failed", f"HTTP {status} without a Location")
    if hops >= policy.max_redirects:
        raise ImageInputError(
            source, "download_failed", f"more than {policy.max_redirects} redirects"
        )
    target = urljoin(current, location.strip())
    _check_url(target, policy, url_label(target))
    return target


def _fail_status(status: int, source: str) -> ImageInputError:
    return ImageInputError(source, "download_failed", f"the server answered HTTP {status}")


def _too_large(source: str, policy: UrlPolicy) -> ImageInputError:
    return ImageInputError(
        source, "too_large", f"the download is larger than {policy.max_bytes} bytes"
    )


def _map_error(exc: Exception, source: str) -> ImageInputError:
    if isinstance(exc, (httpcore2.UnsupportedProtocol, httpcore2.LocalProtocolError, ValueError)):
        return ImageInputError(source, "blocked_url", f"{type(exc).__name__}: {exc}")
    if isinstance(exc, httpcore2.TimeoutException):
        return ImageInputError(source, "download_failed", f"timed out: {exc}")
    return ImageInputError(source, "download_failed", f"{type(exc).__name__}: {exc}")


def fetch_url(url: str, policy: UrlPolicy | None = None) -> tuple[bytes, str | None]:
    """Download ``url`` under ``policy``; return ``(body, content_type)``.

    Raises:
        ImageInputError: ``"blocked_url"`` when the policy refuses the URL, any
            redirect, or any address the host resolves to; ``"too_large"`` past
            ``max_bytes``; ``"download_failed"`` for network and HTTP errors.
    """
    policy = policy or UrlPolicy()
    source = url_label(url)
    current = _ascii_url(url, source)
    _check_url(current, policy, source)
    deadline = time.monotonic() + policy.timeout
    hops = 0
    with httpcore2.ConnectionPool(
        network_backend=_CheckedBackend(policy, source), max_connections=1, retries=0
    ) as pool:
        while True:
            try:
                with pool.stream(
                    "GET",
                    current,
                    headers=_headers(),
                    extensions={"timeout": _timeouts(policy, deadline)},
                ) as response:
                    target = _next_hop(
                        response.status,
                        headers=response.headers,
                        current=current,
                        hops=hops,
                        policy=policy,
                        source=source,
                    )
                    if target is None:
                        if response.status >= 400:
                            raise _fail_status(response.status, source)
                        declared = _content_length(response.headers)
                        if declared is not None and declared > policy.max_bytes:
                            raise _too_large(source, policy)
                        body = bytearray()
                        for chunk in response.iter_stream():
                            body += chunk
                            if len(body) > policy.max_bytes:
                                raise _too_large(source, policy)
                            if time.monotonic() > deadline:
                                raise ImageInputError(
                                    source,
                                    "download_failed",
                                    f"the download took longer than {policy.timeout} s",
                                )
                        return bytes(body), _header(response.headers, b"content-type")
            except ImageInputError:
                raise
            except Exception as exc:
                raise _map_error(exc, source) from exc
            hops += 1
            current = _ascii_url(target, source)
            if time.monotonic() > deadline:
                raise ImageInputError(
                    source, "download_failed", f"the download took longer than {policy.timeout} s"
                )


async def afetch_url(url: str, policy: UrlPolicy | None = None) -> tuple[bytes, str | None]:
    """Async :func:`fetch_url`: same checks, same errors."""
    policy = policy or UrlPolicy()
    source = url_label(url)
    current = _ascii_url(url, source)
    _check_url(current, policy, source)
    deadline = time.monotonic() + policy.timeout
    hops = 0
    async with httpcore2.AsyncConnectionPool(
        network_backend=_AsyncCheckedBackend(policy, source), max_connections=1, retries=0
    ) as pool:
        while True:
            try:
                async with pool.stream(
                    "GET",
                    current,
                    headers=_headers(),
                    extensions={"timeout": _timeouts(policy, deadline)},
                ) as response:
                    target = _next_hop(
                        response.status,
                        headers=response.headers,
                        current=current,
                        hops=hops,
                        policy=policy,
                        source=source,
                    )
                    if target is None:
                        if response.status >= 400:
                            raise _fail_status(response.status, source)
                        declared = _content_length(response.headers)
                        if declared is not None and declared > policy.max_bytes:
                            raise _too_large(source, policy)
                        body = bytearray()
                        async for chunk in response.aiter_stream():
                            body += chunk
                            if len(body) > policy.max_bytes:
                                raise _too_large(source, policy)
                            if time.monotonic() > deadline:
                                raise ImageInputError(
                                    source,
                                    "download_failed",
                                    f"the download took longer than {policy.timeout} s",
                                )
                        return bytes(body), _header(response.headers, b"content-type")
            except ImageInputError:
                raise
            except Exception as exc:
                raise _map_error(exc, source) from exc
            hops += 1
            current = _ascii_url(target, source)
            if time.monotonic() > deadline:
                raise ImageInputError(
                    source, "download_failed", f"the download took longer than {policy.timeout} s"
                )
