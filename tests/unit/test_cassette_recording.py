"""The documented recording commands, run for real on a copy of the project.

Each test copies ``tests/``, ``cassettes/`` and ``pyproject.toml`` into a temporary
folder and runs pytest there in a subprocess, exactly as README says (only a subset
of the integration tests, to keep it short), then reads what was written:

* re-recording the emulator cassettes twice gives byte-identical files, with
  readable JSON bodies and the key scrubbed from responses too (an endpoint that
  echoes it in its body and headers);
* a cassette holding an interaction that no test played fails the run;
* a "live" recording (against the emulator standing in for Gemini, under the live
  settings) goes to ``cassettes/live/``, leaves the emulator cassettes alone, has
  its key (of any shape), host and ids normalised and is marked live; it then
  replays green without a key.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from langchain_gemini_vision.testing import GeminiEmulator

ROOT = Path(__file__).resolve().parents[2]
SUBSET = (
    "tests/integration/test_tasks_cassettes.py",
    "tests/integration/test_echo_key.py",
    "-k",
    "test_caption or test_detect_async or test_echo or test_socket_guard",
)
# A key not shaped like Google's: only knowing the run's own key can scrub it.
ODD_KEY = "proxy-secret-0123456789abcdef"

# An integration test module the copies get: an endpoint that echoes the run's key
# in its body and in two response headers, called through the recording machinery;
# and a probe of the socket guard, which only a live recording may pass.
ECHO_TEST = """
import json
import os
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx2
import pytest

pytestmark = pytest.mark.vcr


class _Echo(BaseHTTPRequestHandler):
    def do_POST(self):
        key = self.headers.get("x-goog-api-key", "")
        self.rfile.read(int(self.headers.get("content-length", 0)))
        body = json.dumps({"echo": key, "message": f"API key {key} not valid"}).encode()
        self.send_response(400)
        self.send_header("Content-Type", f"application/json; echo={key}")
        self.send_header("X-Echo-Key", key)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def echo_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


def test_echo(backend, echo_url, request):
    _, key = backend
    if request.config.getoption("--record-mode") == "none":
        echo_url = "http://127.0.0.1:9"
    response = httpx2.post(
        f"{echo_url}/v1/models/gemini-3-flash-preview:generateContent",
        headers={"x-goog-api-key": key},
        json={"contents": [{"parts": [{"text": "hello"}]}]},
    )
    assert response.status_code == 400


def test_socket_guard(request):
    # Only a live recording may leave the machine (192.0.2.1: a documentation address).
    live = os.environ.get("GEMINI_VISION_LIVE") == "1"
    recording = request.config.getoption("--record-mode") not in (None, "none")
    try:
        socket.create_connection(("192.0.2.1", 443), timeout=0.2).close()
        outcome = "open"
    except OSError:
        outcome = "open"  # the attempt was made: unreachable here, but not guarded
    except RuntimeError:
        outcome = "guarded"  # pytest-socket's SocketBlockedError
    assert outcome == ("open" if live and recording else "guarded")
"""


pytestmark = pytest.mark.slow  # several pytest runs in subprocesses

# Plugins the integration tests do not use, left out of the runs for start-up time.
_UNUSED_PLUGINS = ("-p", "no:hypothesispytest", "-p", "no:langsmith_plugin", "-p", "no:codspeed")


def _sandbox(tmp_path: Path) -> Path:
    box = tmp_path / "project"
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(ROOT / "tests", box / "tests", ignore=ignore)
    shutil.copytree(ROOT / "cassettes", box / "cassettes", ignore=ignore)
    shutil.copy(ROOT / "pyproject.toml", box / "pyproject.toml")
    (box / "tests" / "integration" / "test_echo_key.py").write_text(ECHO_TEST)
    return box


def _pytest(box: Path, *args: str, env: dict[str, str] | None = None) -> str:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("GEMINI_", "GOOGLE_", "PYTEST_"))
    }
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", *_UNUSED_PLUGINS, *args],
        cwd=box,
        env={**clean, "PYTHONPATH": str(ROOT), **(env or {})},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    return f"exit {done.returncode}\n{done.stdout}\n{done.stderr}"


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*.yaml"))}


def _cassettes(folder: Path, module: str) -> list[Path]:
    return sorted(p for p in folder.rglob("*.yaml") if p.parent.name == module)


def _interactions(path: Path) -> list[dict[str, Any]]:
    data: dict[str, Any] = yaml.safe_load(path.read_text())
    return list(data["interactions"])


@pytest.fixture(scope="module")
def emulator_rerecorded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The emulator cassettes re-recorded twice with the documented command."""
    box = _sandbox(tmp_path_factory.mktemp("rerecord"))
    first = _pytest(box, *SUBSET, "--record-mode=rewrite")
    after_first = _snapshot(box / "cassettes")
    second = _pytest(box, *SUBSET, "--record-mode=rewrite")
    return box, first, second, after_first, _snapshot(box / "cassettes")


def test_rerecording_the_emulator_cassettes_twice_gives_no_diff(emulator_rerecorded: Any) -> None:
    """Issue 15 item 22: ports, dates, ids and header casing changed on every recording."""
    _, first, second, after_first, after_second = emulator_rerecorded
    assert first.startswith("exit 0"), first
    assert second.startswith("exit 0"), second
    changed = [name for name in after_first if after_first[name] != after_second.get(name)]
    assert not changed, changed
    assert after_first.keys() == after_second.keys()


def test_recorded_bodies_are_readable_json(emulator_rerecorded: Any) -> None:
    """Issue 15 item 22: bodies were JSON inside opaque YAML strings."""
    box = emulator_rerecorded[0]
    paths = _cassettes(box / "cassettes", "test_tasks_cassettes")
    assert paths
    for path in paths:
        for interaction in _interactions(path):
            request, response = interaction["request"], interaction["response"]
            assert isinstance(request["body"], dict), (path.name, type(request["body"]))
            assert isinstance(request["body"].get("json"), dict), path.name
            assert isinstance(response["body"].get("json"), dict), path.name


def test_recording_scrubs_the_key_from_response_bodies_and_headers(
    emulator_rerecorded: Any,
) -> None:
    """Issue 16 item 14: only request headers and the query were scrubbed."""
    box, first = emulator_rerecorded[0], emulator_rerecorded[1]
    (path,) = _cassettes(box / "cassettes", "test_echo_key")
    text = path.read_text()
    assert "emulator-key" not in text, text
    (interaction,) = _interactions(path)
    response = interaction["response"]
    assert response["body"]["json"]["echo"] == "PLACEHOLDER"
    headers = {k.lower(): v for k, v in response["headers"].items()}
    assert headers["content-type"] == ["application/json; echo=PLACEHOLDER"]
    assert "emulator-key" not in first


@pytest.fixture(scope="module")
def live_recorded(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """A fake live recording: the emulator stands in for Gemini under the live settings."""
    box = _sandbox(tmp_path_factory.mktemp("live"))
    before = _snapshot(box / "cassettes")
    live = {"GEMINI_VISION_LIVE": "1"}
    with GeminiEmulator() as emulator:
        recorded = _pytest(
            box,
            *SUBSET,
            "--record-mode=rewrite",
            env={
                **live,
                "GEMINI_API_KEY": ODD_KEY,
                "GEMINI_VISION_LIVE_BASE_URL": emulator.base_url,
            },
        )
        port = emulator.base_url.rsplit(":", 1)[-1]
    replayed = _pytest(box, *SUBSET, env=live)
    return box, before, recorded, replayed, port


def test_live_recording_goes_to_its_own_folder_and_replays_green(live_recorded: Any) -> None:
    """Issue 15 item 22: the live command wrote over the emulator cassettes and
    could not reach Gemini through the test run's socket guard."""
    box, before, recorded, replayed, _ = live_recorded
    assert recorded.startswith("exit 0"), recorded
    assert "skipped" in recorded  # the emulator_only tests
    emulator_folder = {k: v for k, v in before.items() if not k.startswith("live/")}
    after = _snapshot(box / "cassettes")
    assert {k: after[k] for k in emulator_folder} == emulator_folder
    live = _cassettes(box / "cassettes" / "live", "test_tasks_cassettes")
    names = sorted(p.name for p in live)
    assert names == [
        "test_caption[generate_content].yaml",
        "test_caption[interactions].yaml",
        "test_detect_async[generate_content].yaml",
        "test_detect_async[interactions].yaml",
    ]
    assert replayed.startswith("exit 0"), replayed


def test_live_recording_scrubs_the_key_normalises_host_and_ids_and_is_marked(
    live_recorded: Any,
) -> None:
    box, _, _, _, port = live_recorded
    live = sorted((box / "cassettes" / "live").rglob("*.yaml"))
    assert live
    for path in live:
        text = path.read_text()
        assert ODD_KEY not in text, path.name
        assert "127.0.0.1" not in text and port not in text, path.name
        for interaction in _interactions(path):
            assert interaction["request"]["uri"].startswith(
                "https://generativelanguage.googleapis.com/"
            )
            headers = {k.lower(): v for k, v in interaction["response"]["headers"].items()}
            assert headers["x-recorded-from"] == ["live-gemini"], path.name
            body = interaction["response"]["body"].get("json") or {}
            for key in ("id", "responseId"):
                if key in body:
                    assert body[key].startswith("recorded-"), (path.name, body[key])


def test_a_cassette_with_an_interaction_no_test_played_fails(tmp_path: Path) -> None:
    """Issue 15 item 22: a stale extra interaction went unnoticed."""
    box = _sandbox(tmp_path)
    (path,) = list((box / "cassettes").rglob("test_caption[[]interactions].yaml"))
    data = yaml.safe_load(path.read_text())
    data["interactions"].append(data["interactions"][0])
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    out = _pytest(box, "tests/integration/test_tasks_cassettes.py::test_caption[interactions]")
    assert not out.startswith("exit 0"), out
    assert "no test played" in out, out
