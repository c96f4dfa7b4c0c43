"""What a download of a user-supplied image URL may do: pure decisions, no I/O.

A URL that reaches :func:`~langchain_gemini_vision._url_safety.fetch_url` may come
from a prompt, a tool call or a web page, so it is treated as hostile. This module
decides; :mod:`._url_safety` only opens connections and moves bytes, the same way
for its sync and async fetchers:

* only the policy's schemes (``http``/``https``) are accepted; no credentials in URLs;
* every address a host resolves to is judged (:func:`check_address`): loopback,
  private (RFC 1918, ULA), link-local, shared (CGNAT), multicast, reserved and
  unspecified addresses are refused, in every spelling (IPv4-mapped, IPv4-compatible,
  6to4, Teredo and NAT64 embeddings of IPv4 are unwrapped); cloud metadata endpoints
  are refused even with ``allow_private=True``;
* a host that is an IPv4 address in any spelling but the dotted quad (``134744072``,
  ``0x08080808``, ``010.010.010.010``, ``8.8.2056``: the resolver turns them all into
  addresses) is refused, public or not: other parsers read such hosts differently;
* :class:`Download` walks one download: every redirect hop is checked again, the body
  stops as soon as it passes ``max_bytes`` whatever ``Content-Length`` said, and
  ``timeout`` bounds every network step and the whole download.
"""

from __future__ import annotations

import ipaddress
import re
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote, urljoin, urlsplit

from langchain_gemini_vision._text import short_label
from langchain_gemini_vision.errors import ImageInputError

__all__ = [
    "DEFAULT_MAX_DOWNLOAD_BYTES",
    "REQUEST_HEADERS",
    "Download",
    "IPAddress",
    "UrlPolicy",
    "ascii_url",
    "check_address",
    "check_addresses",
    "check_url",
    "url_label",
]

DEFAULT_MAX_DOWNLOAD_BYTES = 50 * 1024 * 1024

REQUEST_HEADERS: list[tuple[bytes, bytes]] = [
    (b"User-Agent", b"langchain-gemini-vision (image fetch)"),
    (b"Accept", b"image/*, */*;q=0.5"),
    (b"Accept-Encoding", b"identity"),  # so the size cap counts the bytes that arrive
]
"""The headers of every request a download sends."""

_REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})

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
    """What :func:`~langchain_gemini_vision._url_safety.fetch_url` may download.

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
    return short_label(text, limit)


# --------------------------------------------------------------------------- addresses


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


def check_addresses(addresses: list[str], policy: UrlPolicy, source: str) -> list[str]:
    """The addresses a host resolved to, each checked; the first refused one raises.

    Every address must pass: a mixed answer is a classic rebinding trick.
    """
    return [str(check_address(a, policy, source=source)) for a in addresses]


# --------------------------------------------------------------------------- URLs


def check_url(url: str, policy: UrlPolicy, source: str) -> tuple[str, str, int]:
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


def ascii_url(url: str, source: str) -> str:
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
    path = quote(parts.path, safe="/%:@!$&'()*+,;=-._~")
    query = quote(parts.query, safe="=&%:@!$'()*+,;/?-._~")
    rebuilt = f"{parts.scheme}://{netloc}{path}"
    return rebuilt + (f"?{query}" if query else "")


# --------------------------------------------------------------------------- one download


def _header(headers: list[tuple[bytes, bytes]], wanted: bytes) -> str | None:
    for name, value in headers:
        if name.lower() == wanted:
            return value.decode("latin-1")
    return None


def _content_length(headers: list[tuple[bytes, bytes]]) -> int | None:
    value = _header(headers, b"content-length")
    try:
        return int(value) if value is not None else None
    except ValueError:
        return None


class Download:
    """The decisions of one download, for a fetcher that only does the I/O.

    Built from the URL (made ASCII and checked), it says what to ask for next
    (:meth:`request`) and judges what comes back: each answer's status
    and headers (:meth:`follow`: a redirect hop, an error status, a length over the
    cap), each chunk of the body (:meth:`take`: the size cap and the deadline).

    Raises (from each step):
        ImageInputError: ``"blocked_url"`` when the policy refuses the URL or a redirect;
            ``"too_large"`` past ``max_bytes``; ``"download_failed"`` for an error status,
            too many redirects, or the whole download outlasting ``timeout``.
    """

    def __init__(self, url: str, policy: UrlPolicy | None = None) -> None:
        self.policy = policy or UrlPolicy()
        self.source = url_label(url)
        self.url = ascii_url(url, self.source)
        check_url(self.url, self.policy, self.source)
        self._deadline = time.monotonic() + self.policy.timeout
        self._hops = 0
        self._body = bytearray()

    def request(self) -> dict[str, Any]:
        """The next request, as httpcore's ``stream`` takes it: the URL, the headers, and
        timeouts that keep each step within what is left of the whole download."""
        left = max(0.001, min(self.policy.timeout, self._deadline - time.monotonic()))
        timeouts = {"connect": left, "read": left, "write": left, "pool": left}
        return {
            "method": "GET",
            "url": self.url,
            "headers": REQUEST_HEADERS,
            "extensions": {"timeout": timeouts},
        }

    def follow(self, status: int, headers: list[tuple[bytes, bytes]]) -> bool:
        """Judge an answer's head: ``True`` when it redirects (:attr:`url` is then the
        next hop, checked), ``False`` when its body is the image."""
        if status not in _REDIRECT_STATUSES:
            if status >= 400:
                raise ImageInputError(
                    self.source, "download_failed", f"the server answered HTTP {status}"
                )
            declared = _content_length(headers)
            if declared is not None and declared > self.policy.max_bytes:
                raise self._too_large()
            return False
        location = _header(headers, b"location")
        if not location:
            raise ImageInputError(
                self.source, "download_failed", f"HTTP {status} without a Location"
            )
        if self._hops >= self.policy.max_redirects:
            raise ImageInputError(
                self.source, "download_failed", f"more than {self.policy.max_redirects} redirects"
            )
        target = urljoin(self.url, location.strip())
        check_url(target, self.policy, url_label(target))
        self._hops += 1
        self.url = ascii_url(target, self.source)
        self._check_deadline()
        return True

    def take(self, chunk: bytes) -> None:
        """Add a chunk of the body; stop as soon as the cap or the deadline is passed."""
        self._body += chunk
        if len(self._body) > self.policy.max_bytes:
            raise self._too_large()
        self._check_deadline()

    def result(self, headers: list[tuple[bytes, bytes]]) -> tuple[bytes, str | None]:
        """``(body, content_type)`` once the body has been taken."""
        return bytes(self._body), _header(headers, b"content-type")

    def _check_deadline(self) -> None:
        if time.monotonic() > self._deadline:
            raise ImageInputError(
                self.source,
                "download_failed",
                f"the download took longer than {self.policy.timeout} s",
            )

    def _too_large(self) -> ImageInputError:
        return ImageInputError(
            self.source, "too_large", f"the download is larger than {self.policy.max_bytes} bytes"
        )
