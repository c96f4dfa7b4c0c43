"""URL safety: scheme and address policy, redirects, size cap, timeouts.

A local HTTP server on 127.0.0.1 serves the positive paths (allowed through
``allowed_addresses``). Every refusal happens before a connection is opened:
the tests assert that the real connect was never called, so no traffic leaves
the machine.
"""

from __future__ import annotations

import ipaddress
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

import httpcore2
import pytest

from langchain_gemini_vision import _url_policy, _url_safety
from langchain_gemini_vision._url_safety import (
    UrlPolicy,
    afetch_url,
    check_address,
    fetch_url,
    url_label,
)
from langchain_gemini_vision.errors import ImageInputError

LOCAL = UrlPolicy(allowed_addresses=frozenset({"127.0.0.1"}))
BODY = b"\x89PNG\r\n\x1a\n" + b"x" * 1000


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    seen_hosts: list[str] = []  # noqa: RUF012 - shared record for assertions

    def log_message(self, format: str, *args: object) -> None:
        return

    def _send(self, status: int, body: bytes, headers: dict[str, str] | None = None) -> None:
        self.send_response(status)
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            return

    def do_GET(self) -> None:
        _Handler.seen_hosts.append(self.headers.get("Host", ""))
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        if parts.path == "/img.png":
            self._send(200, BODY, {"Content-Type": "image/png"})
        elif parts.path == "/redirect":
            self._send(302, b"", {"Location": query["to"][0]})
        elif parts.path == "/loop":
            self._send(302, b"", {"Location": "/loop"})
        elif parts.path == "/chunked":
            size = int(query["size"][0])
            self.send_response(200)
            self.send_header("Transfer-Encoding", "chunked")
            self.end_headers()
            sent = 0
            try:
                while sent < size:
                    piece = b"y" * min(65536, size - sent)
                    self.wfile.write(f"{len(piece):x}\r\n".encode() + piece + b"\r\n")
                    sent += len(piece)
                self.wfile.write(b"0\r\n\r\n")
            except (BrokenPipeError, ConnectionResetError):
                return
        elif parts.path == "/declared-huge":
            self.send_response(200)
            self.send_header("Content-Length", str(10**9))
            self.end_headers()
            self.wfile.write(b"z" * 100)
        elif parts.path == "/missing":
            self._send(404, b"nope")
        elif parts.path == "/slow":
            time.sleep(1.5)
            self._send(200, BODY)
        else:
            self._send(500, b"unexpected")


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    httpd.daemon_threads = True
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


def _watch_connects(monkeypatch: pytest.MonkeyPatch, *, refuse: bool) -> list[str]:
    """Record every TCP connect the fetcher makes (sync and async); ``refuse`` them all."""
    calls: list[str] = []
    sync_connect = httpcore2.SyncBackend.connect_tcp
    async_connect = httpcore2.AnyIOBackend.connect_tcp

    def record(
        self: httpcore2.SyncBackend, host: str, port: int, *a: Any, **k: Any
    ) -> httpcore2.NetworkStream:
        calls.append(host)
        if refuse:
            raise httpcore2.ConnectError(f"test: no connection to {host}")
        return sync_connect(self, host, port, *a, **k)

    async def arecord(
        self: httpcore2.AnyIOBackend, host: str, port: int, *a: Any, **k: Any
    ) -> httpcore2.AsyncNetworkStream:
        calls.append(host)
        if refuse:
            raise httpcore2.ConnectError(f"test: no connection to {host}")
        return await async_connect(self, host, port, *a, **k)

    monkeypatch.setattr(httpcore2.SyncBackend, "connect_tcp", record)
    monkeypatch.setattr(httpcore2.AnyIOBackend, "connect_tcp", arecord)
    return calls


@pytest.fixture
def connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every real TCP connect (sync and async) the fetcher makes."""
    return _watch_connects(monkeypatch, refuse=False)


@pytest.fixture
def no_connects(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Record every TCP connect the fetcher attempts, and refuse it (nothing leaves)."""
    return _watch_connects(monkeypatch, refuse=True)


# --------------------------------------------------------------------------- addresses

BLOCKED_ADDRESSES = [
    ("127.0.0.1", "loopback"),
    ("127.8.9.10", "loopback-range"),
    ("10.0.0.1", "rfc1918-10"),
    ("172.16.5.4", "rfc1918-172"),
    ("192.168.1.1", "rfc1918-192"),
    ("100.64.0.1", "cgnat"),
    ("169.254.169.254", "metadata-v4"),
    ("169.254.1.1", "link-local-v4"),
    ("0.0.0.0", "unspecified-v4"),
    ("224.0.0.1", "multicast-v4"),
    ("240.0.0.1", "reserved-v4"),
    ("255.255.255.255", "broadcast"),
    ("::1", "loopback-v6"),
    ("::", "unspecified-v6"),
    ("fe80::1", "link-local-v6"),
    ("fe80::1%eth0", "link-local-v6-zone"),
    ("fc00::1", "ula-fc"),
    ("fd12:3456::1", "ula-fd"),
    ("fd00:ec2::254", "metadata-v6"),
    ("ff02::1", "multicast-v6"),
    ("::ffff:127.0.0.1", "v4-mapped-loopback"),
    ("::ffff:10.0.0.1", "v4-mapped-private"),
    ("::ffff:169.254.169.254", "v4-mapped-metadata"),
    ("::127.0.0.1", "v4-compatible-loopback"),
    ("2002:7f00:1::", "6to4-loopback"),
    ("64:ff9b::a00:1", "nat64-private"),
    ("not-an-ip", "garbage"),
]


@pytest.mark.parametrize(
    ("address", "_kind"), BLOCKED_ADDRESSES, ids=[k for _, k in BLOCKED_ADDRESSES]
)
def test_non_public_addresses_are_refused(address: str, _kind: str) -> None:
    with pytest.raises(ImageInputError) as info:
        check_address(address, UrlPolicy(), source="test")
    assert info.value.reason == "blocked_url"


PUBLIC_ADDRESSES = [
    ("8.8.8.8", "v4"),
    ("142.250.74.110", "google-v4"),
    ("2001:4860:4860::8888", "v6"),
    ("::ffff:8.8.8.8", "v4-mapped-public"),
]


@pytest.mark.parametrize(
    ("address", "_kind"), PUBLIC_ADDRESSES, ids=[k for _, k in PUBLIC_ADDRESSES]
)
def test_public_addresses_pass(address: str, _kind: str) -> None:
    assert check_address(address, UrlPolicy(), source="test") == ipaddress.ip_address(address)


def test_allow_private_still_refuses_metadata_and_multicast() -> None:
    policy = UrlPolicy(allow_private=True)
    assert str(check_address("10.0.0.1", policy, source="t")) == "10.0.0.1"
    assert str(check_address("::1", policy, source="t")) == "::1"
    for address in ("169.254.169.254", "fd00:ec2::254", "::ffff:169.254.169.254", "224.0.0.1"):
        with pytest.raises(ImageInputError) as info:
            check_address(address, policy, source="t")
        assert info.value.reason == "blocked_url"


def test_allowed_addresses_are_exact_per_family() -> None:
    policy = UrlPolicy(allowed_addresses=frozenset({"127.0.0.1", "10.1.0.0/16"}))
    assert str(check_address("127.0.0.1", policy, source="t")) == "127.0.0.1"
    assert str(check_address("10.1.200.3", policy, source="t")) == "10.1.200.3"
    for address in ("127.0.0.2", "::1", "::ffff:127.0.0.1", "10.2.0.1"):
        with pytest.raises(ImageInputError):
            check_address(address, policy, source="t")


def test_policy_rejects_bad_settings() -> None:
    with pytest.raises(ValueError):
        UrlPolicy(allowed_addresses=frozenset({"not-an-address"}))
    with pytest.raises(ValueError):
        UrlPolicy(max_bytes=0)


# --------------------------------------------------------------------------- URL shape

REFUSED_URLS = [
    ("ftp://example.com/a.png", "ftp"),
    ("file:///etc/passwd", "file"),
    ("gopher://example.com/", "gopher"),
    ("javascript:alert(1)", "javascript"),
    ("http://user:pw@example.com/a.png", "credentials"),
    ("http:///a.png", "no-host"),
    ("http://metadata.google.internal/computeMetadata/v1/", "gcp-metadata-name"),
    ("http://169.254.169.254/latest/meta-data/", "metadata-literal"),
    ("http://[::1]/a.png", "v6-loopback-literal"),
    ("http://[::ffff:127.0.0.1]/a.png", "v4-mapped-literal"),
    ("http://10.0.0.1/a.png", "private-literal"),
    ("http://0.0.0.0/a.png", "unspecified-literal"),
    ("http://example.com/a b.png", "space"),
]


@pytest.mark.parametrize(("url", "_kind"), REFUSED_URLS, ids=[k for _, k in REFUSED_URLS])
def test_refused_urls_never_connect(url: str, _kind: str, connects: list[str]) -> None:
    with pytest.raises(ImageInputError) as info:
        fetch_url(url)
    assert info.value.reason == "blocked_url"
    assert connects == []


def test_scheme_outside_policy_is_refused(server: str, connects: list[str]) -> None:
    policy = UrlPolicy(allowed_schemes=("https",), allowed_addresses=frozenset({"127.0.0.1"}))
    with pytest.raises(ImageInputError) as info:
        fetch_url(f"{server}/img.png", policy)
    assert info.value.reason == "blocked_url"
    assert "'http'" in info.value.detail
    assert connects == []


def test_decimal_ip_spelling_of_loopback_is_refused(connects: list[str]) -> None:
    # 2130706433 == 127.0.0.1; the resolver (numeric, no DNS) turns it into loopback.
    with pytest.raises(ImageInputError) as info:
        fetch_url("http://2130706433/a.png")
    assert info.value.reason == "blocked_url"
    assert connects == []


ODD_SPELLINGS = [
    ("http://134744072/a.png", "decimal-8.8.8.8"),
    ("http://0x08080808/a.png", "hex-8.8.8.8"),
    ("http://010.010.010.010/a.png", "octal-8.8.8.8"),
    ("http://0x8.0x8.0x8.0x8/a.png", "dotted-hex"),
    ("http://8.8.2056/a.png", "three-part"),
    ("http://8.526344/a.png", "two-part"),
    ("http://08.8.8.8/a.png", "leading-zero"),
    ("http://1.2.3.4.5/a.png", "five-part"),
    ("http://0x/a.png", "bare-hex-prefix"),
]


@pytest.mark.parametrize(("url", "_kind"), ODD_SPELLINGS, ids=[k for _, k in ODD_SPELLINGS])
def test_item10_odd_spellings_of_public_addresses_are_refused(
    url: str, _kind: str, no_connects: list[str]
) -> None:
    with pytest.raises(ImageInputError) as info:
        fetch_url(url)
    assert info.value.reason == "blocked_url"
    assert "spelling" in info.value.detail
    assert no_connects == []


async def test_item10_odd_spellings_are_refused_async(no_connects: list[str]) -> None:
    with pytest.raises(ImageInputError) as info:
        await afetch_url("http://0x08080808/a.png")
    assert info.value.reason == "blocked_url"
    assert no_connects == []


def test_item10_odd_spellings_are_refused_in_redirects(server: str, connects: list[str]) -> None:
    with pytest.raises(ImageInputError) as info:
        fetch_url(f"{server}/redirect?to=http://134744072/a.png", LOCAL)
    assert info.value.reason == "blocked_url"
    assert connects == ["127.0.0.1"]  # only the local server


def test_item10_canonical_addresses_and_numeric_looking_names_still_pass() -> None:
    for url in ("http://8.8.8.8/a.png", "http://[2001:4860:4860::8888]/", "http://a1.example/"):
        assert _url_policy.check_url(url, UrlPolicy(), "t")[1]


# --------------------------------------------------------------------------- positive path


def test_fetch_from_allowed_local_server(server: str) -> None:
    body, content_type = fetch_url(f"{server}/img.png", LOCAL)
    assert body == BODY
    assert content_type == "image/png"


def test_loopback_refused_by_default_policy(server: str, connects: list[str]) -> None:
    with pytest.raises(ImageInputError) as info:
        fetch_url(f"{server}/img.png")
    assert info.value.reason == "blocked_url"
    assert connects == []


def test_connects_to_the_checked_ip_and_keeps_the_host_header(
    server: str, monkeypatch: pytest.MonkeyPatch, connects: list[str]
) -> None:
    port = urlsplit(server).port
    lookups: list[str] = []

    def resolver(host: str, port: int) -> list[str]:
        lookups.append(host)
        return ["127.0.0.1"]

    monkeypatch.setattr(_url_safety, "resolve_host", resolver)
    _Handler.seen_hosts.clear()
    body, _ = fetch_url(f"http://images.example:{port}/img.png", LOCAL)
    assert body == BODY
    assert lookups == ["images.example"]  # resolved once
    assert connects == ["127.0.0.1"]  # connected to the checked address
    assert _Handler.seen_hosts == [f"images.example:{port}"]  # Host header kept


@pytest.mark.parametrize(
    "answer",
    [["10.0.0.7"], ["169.254.169.254"], ["::1"], ["127.0.0.1", "10.0.0.1"]],
    ids=["private", "metadata", "v6-loopback", "mixed-answer"],
)
def test_names_resolving_to_blocked_addresses_are_refused(
    answer: list[str], monkeypatch: pytest.MonkeyPatch, connects: list[str]
) -> None:
    monkeypatch.setattr(_url_safety, "resolve_host", lambda host, port: answer)
    with pytest.raises(ImageInputError) as info:
        fetch_url("http://internal.example/a.png", LOCAL)
    assert info.value.reason == "blocked_url"
    assert connects == []


def test_unresolvable_name_is_a_download_failure(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(host: str, port: int) -> list[str]:
        raise OSError("Name or service not known")

    monkeypatch.setattr(_url_safety, "resolve_host", fail)
    with pytest.raises(ImageInputError) as info:
        fetch_url("http://nowhere.example/a.png")
    assert info.value.reason == "download_failed"


# --------------------------------------------------------------------------- redirects

REDIRECT_TARGETS = [
    ("http://169.254.169.254/latest/meta-data/", "metadata"),
    ("http://10.0.0.1/a.png", "rfc1918"),
    ("http://[::1]:80/a.png", "v6-loopback"),
    ("http://[::ffff:127.0.0.1]/a.png", "v4-mapped"),
    ("http://metadata.google.internal/", "metadata-name"),
    ("file:///etc/passwd", "file-scheme"),
    ("ftp://example.com/a.png", "ftp-scheme"),
]


@pytest.mark.parametrize(
    ("target", "_kind"), REDIRECT_TARGETS, ids=[k for _, k in REDIRECT_TARGETS]
)
def test_redirects_to_blocked_targets_are_refused(
    server: str, target: str, _kind: str, connects: list[str]
) -> None:
    with pytest.raises(ImageInputError) as info:
        fetch_url(f"{server}/redirect?to={target}", LOCAL)
    assert info.value.reason == "blocked_url"
    assert connects == ["127.0.0.1"]  # only the first, allowed hop connected


def test_allowed_redirect_is_followed(server: str) -> None:
    body, _ = fetch_url(f"{server}/redirect?to=/img.png", LOCAL)
    assert body == BODY


def test_redirect_loop_stops(server: str) -> None:
    with pytest.raises(ImageInputError) as info:
        fetch_url(
            f"{server}/loop", UrlPolicy(max_redirects=3, allowed_addresses=LOCAL.allowed_addresses)
        )
    assert info.value.reason == "download_failed"
    assert "redirects" in info.value.detail


# --------------------------------------------------------------------------- size and errors


def test_size_cap_holds_while_streaming_without_content_length(server: str) -> None:
    policy = UrlPolicy(max_bytes=100_000, allowed_addresses=frozenset({"127.0.0.1"}))
    with pytest.raises(ImageInputError) as info:
        fetch_url(f"{server}/chunked?size=5000000", policy)
    assert info.value.reason == "too_large"
    body, _ = fetch_url(f"{server}/chunked?size=90000", policy)
    assert len(body) == 90_000


def test_declared_length_over_cap_is_refused_early(server: str) -> None:
    with pytest.raises(ImageInputError) as info:
        fetch_url(f"{server}/declared-huge", LOCAL)
    assert info.value.reason == "too_large"


def test_http_error_status_is_download_failed(server: str) -> None:
    with pytest.raises(ImageInputError) as info:
        fetch_url(f"{server}/missing", LOCAL)
    assert info.value.reason == "download_failed"
    assert "404" in info.value.detail


def test_timeout_is_download_failed(server: str) -> None:
    policy = UrlPolicy(timeout=0.3, allowed_addresses=frozenset({"127.0.0.1"}))
    started = time.monotonic()
    with pytest.raises(ImageInputError) as info:
        fetch_url(f"{server}/slow", policy)
    assert info.value.reason == "download_failed"
    assert time.monotonic() - started < 1.4


def test_labels_hide_query_and_credentials() -> None:
    label = url_label("https://user:secret@bucket.example/a.png?X-Goog-Signature=abc#frag")
    assert "secret" not in label
    assert "Signature" not in label
    assert label.startswith("https://bucket.example/a.png")


# --------------------------------------------------------------------------- async


async def test_async_fetch_from_allowed_local_server(server: str) -> None:
    body, content_type = await afetch_url(f"{server}/img.png", LOCAL)
    assert body == BODY
    assert content_type == "image/png"


async def test_async_redirect_to_metadata_is_refused(server: str, connects: list[str]) -> None:
    with pytest.raises(ImageInputError) as info:
        await afetch_url(f"{server}/redirect?to=http://169.254.169.254/", LOCAL)
    assert info.value.reason == "blocked_url"
    assert connects == ["127.0.0.1"]


async def test_async_private_resolution_is_refused(
    monkeypatch: pytest.MonkeyPatch, connects: list[str]
) -> None:
    monkeypatch.setattr(_url_safety, "resolve_host", lambda host, port: ["192.168.0.10"])
    with pytest.raises(ImageInputError) as info:
        await afetch_url("http://printer.example/a.png")
    assert info.value.reason == "blocked_url"
    assert connects == []


async def test_async_size_cap(server: str) -> None:
    policy = UrlPolicy(max_bytes=50_000, allowed_addresses=frozenset({"127.0.0.1"}))
    with pytest.raises(ImageInputError) as info:
        await afetch_url(f"{server}/chunked?size=2000000", policy)
    assert info.value.reason == "too_large"
