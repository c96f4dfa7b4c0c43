"""Cassettes hold no secret, say where they came from, and belong to a test.

Every cassette of both folders is checked against its folder's rule
(:func:`tests.recording.cassette_problems`): ``cassettes/emulator/`` responses carry
the emulator's ``x-emulator`` header, ``cassettes/live/`` ones the live marker and
never ``x-emulator``; in both, nothing shaped like a key, key headers and query
parameters scrubbed, host, ids and timestamps normalised, bodies stored as JSON.
The rewrites themselves are checked on an echoing endpoint.
"""

from __future__ import annotations

import importlib
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx2
import pytest
import vcr
import yaml

from tests.recording import (
    CASSETTES,
    LIVE_MARKER,
    PLACEHOLDER,
    ReadableYaml,
    Recorder,
    Source,
    cassette_problems,
)


def _cassettes(source: Source) -> list[Path]:
    return sorted((CASSETTES / source).rglob("*.yaml"))


ALL = [(source, path) for source in ("emulator", "live") for path in _cassettes(source)]


def test_there_are_emulator_cassettes() -> None:
    assert len(_cassettes("emulator")) >= 10, "the integration tests' cassettes are missing"


@pytest.mark.parametrize(
    ("source", "path"), ALL, ids=[str(p.relative_to(CASSETTES)) for _, p in ALL]
)
def test_cassette_passes_its_folders_rule(source: Source, path: Path) -> None:
    assert cassette_problems(path.read_text(), source) == []


@pytest.mark.parametrize(
    ("source", "path"), ALL, ids=[str(p.relative_to(CASSETTES)) for _, p in ALL]
)
def test_cassette_belongs_to_a_test(source: Source, path: Path) -> None:
    """A cassette whose test was renamed or removed is stale: delete or re-record it."""
    module = importlib.import_module(f"tests.integration.{path.parent.name}")
    owner: Any = module
    for part in re.sub(r"\[.*\]$", "", path.stem).split("."):
        owner = getattr(owner, part, None)
    assert callable(owner), f"no test {path.stem} in tests/integration/{path.parent.name}.py"


# ---------------------------------------------------------------- the rule itself


def _cassette(**response: Any) -> str:
    interaction = {
        "request": {
            "method": "POST",
            "uri": "http://emulator.invalid/v1/interactions",
            "body": {"json": {"model": "m"}},
            "headers": {"x-goog-api-key": [PLACEHOLDER]},
        },
        "response": {
            "status": {"code": 200, "message": "OK"},
            "headers": {"x-emulator": ["langchain-gemini-vision/0"]},
            "body": {"json": {"id": "recorded-1", "created": "2026-01-01T00:00:00Z"}},
            **response,
        },
    }
    return yaml.safe_dump({"version": 1, "interactions": [interaction]})


def test_the_rule_accepts_a_clean_cassette_and_names_each_fault() -> None:
    assert cassette_problems(_cassette(), "emulator") == []
    assert cassette_problems(_cassette(), "live") == [
        "interaction 1: host not normalised: http://emulator.invalid/v1/interactions",
        "interaction 1: a response not marked x-recorded-from: live-gemini",
        "interaction 1: a live cassette holds a response of the emulator",
    ]
    leaked = _cassette(body={"json": {"id": "v1_abc123", "echo": "AIza" + "x" * 30}})
    assert cassette_problems(leaked, "emulator") == [
        "an API-key-shaped string is recorded",
        "interaction 1: id not normalised: id=v1_abc123",
    ]
    opaque = _cassette(body={"string": '{"id": "recorded-1"}'}, headers={"date": ["x"]})
    assert cassette_problems(opaque, "emulator") == [
        "interaction 1: response header date kept",
        "interaction 1: a response without the emulator's x-emulator header",
        "interaction 1: response body is JSON stored as an opaque string",
    ]
    dated = _cassette(body={"json": {"created": "2026-11-25T16:30:22.544768Z"}})
    assert cassette_problems(dated, "emulator") == [
        "interaction 1: timestamp not normalised: created=2026-11-25T16:30:22.544768Z"
    ]


# ---------------------------------------------------------------- the rewrites


class _Echo(BaseHTTPRequestHandler):
    """Echoes the key it was sent in its body and headers, and makes up ids and times."""

    def do_POST(self) -> None:
        key = self.headers.get("x-goog-api-key", "")
        length = int(self.headers.get("content-length", 0))
        sent = json.loads(self.rfile.read(length) or b"{}")
        port = self.server.server_address[1]
        body = json.dumps(
            {
                "id": f"v1_{sent.get('n', 0):06d}abcdef",
                "name": f"files/f{sent.get('n', 0)}xyzxyz",
                "uri": f"http://127.0.0.1:{port}/v1beta/files/f{sent.get('n', 0)}xyzxyz",
                "created": f"2026-11-25T16:30:{10 + sent.get('n', 0):02d}.5Z",
                "expirationTime": "2026-11-27T16:30:10.5Z",
                "message": f"API key {key} not valid",
            }
        ).encode()
        self.send_response(400)
        self.send_header("Content-Type", f"application/json; echo={key}")
        self.send_header("X-Goog-Api-Key", key)
        self.send_header("Date", "Wed, 25 Nov 2026 16:30:22 GMT")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _record(tmp_path: Path, echo_url: str, source: Source, key: str) -> tuple[str, Any]:
    recorder = Recorder(source, secrets=(key,), origin=echo_url)
    recording = vcr.VCR(record_mode="new_episodes", cassette_library_dir=str(tmp_path))
    recording.register_serializer("yaml", ReadableYaml)
    with recording.use_cassette("echo.yaml", **recorder.vcr_config()):
        for n in (1, 2):
            reply = httpx2.post(
                f"{echo_url}/v1beta/files/f1xyzxyz:use?key={key}",
                headers={"x-goog-api-key": key},
                json={"n": n},
            )
            assert reply.status_code == 400
    text = (tmp_path / "echo.yaml").read_text()
    return text, yaml.safe_load(text)


@pytest.mark.parametrize(
    ("source", "key"),
    [("emulator", "emulator-key"), ("live", "AIzaSy" + "k" * 33), ("live", "odd-key-0123456789")],
)
def test_the_key_is_scrubbed_from_response_bodies_and_headers(
    tmp_path: Path, echo_url: str, source: Source, key: str
) -> None:
    """Issue 16 item 14: an endpoint echoing the key (of any shape) leaked it into cassettes."""
    text, data = _record(tmp_path, echo_url, source, key)
    assert key not in text
    problems = cassette_problems(text, source)
    # The echo endpoint is not the emulator: that is the only fault the rule may find.
    assert [p for p in problems if "emulator's x-emulator" not in p] == []
    first = data["interactions"][0]
    assert first["request"]["uri"].endswith("?key=PLACEHOLDER")
    response = first["response"]
    assert response["headers"]["content-type"] == ["application/json; echo=PLACEHOLDER"]
    assert "x-goog-api-key" not in response["headers"]
    assert response["body"]["json"]["message"] == "API key PLACEHOLDER not valid"
    if source == "live":
        assert response["headers"][LIVE_MARKER[0]] == [LIVE_MARKER[1]]


def test_ids_hosts_and_times_are_normalised_across_a_cassette(
    tmp_path: Path, echo_url: str
) -> None:
    text, data = _record(tmp_path, echo_url, "emulator", "emulator-key")
    first, second = (i["response"]["body"]["json"] for i in data["interactions"])
    assert first["id"] == "recorded-1"
    assert first["name"] == "files/recorded-2"
    # The file named in the first answer keeps its stable name wherever it appears later.
    assert first["uri"] == "http://emulator.invalid/v1beta/files/recorded-2"
    assert data["interactions"][1]["request"]["uri"].startswith(
        "http://emulator.invalid/v1beta/files/recorded-2:use"
    )
    assert second["id"] == "recorded-3"
    # Times: a fixed day, offsets from the first kept to the minute (48 h to expiry).
    assert first["created"] == "2026-01-01T00:00:00Z"
    assert second["created"] == "2026-01-01T00:00:00Z"
    assert first["expirationTime"] == "2026-01-03T00:00:00Z"
    assert "127.0.0.1" not in text


def test_a_replayed_cassette_reads_back_as_it_was_recorded(tmp_path: Path, echo_url: str) -> None:
    """Readable storage round-trips: replay gets the recorded JSON back."""
    text, _ = _record(tmp_path, echo_url, "emulator", "emulator-key")
    data = ReadableYaml.deserialize(text)
    body = json.loads(data["interactions"][0]["response"]["body"]["string"])
    assert body["id"] == "recorded-1"
    assert json.loads(data["interactions"][0]["request"]["body"]) == {"n": 1}
    assert ReadableYaml.serialize(ReadableYaml.deserialize(text)) == text
