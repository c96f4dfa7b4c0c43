"""Shared test configuration: cassettes, scrubbing and a clean environment.

Cassettes live in the top-level ``cassettes/`` folder, one folder per test
module. Replay is the default (``--record-mode=none`` in pyproject); recording
is ``--record-mode=once`` with the emulator or a live key (see README).
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

CASSETTE_ROOT = Path(__file__).resolve().parent.parent / "cassettes"
PLACEHOLDER = "PLACEHOLDER"

# Recording against live Gemini: GEMINI_VISION_LIVE=1 with a key in the
# environment. Read once here, before the autouse fixture below hides it.
LIVE = os.environ.get("GEMINI_VISION_LIVE") == "1"
LIVE_KEY = (os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY")) if LIVE else None


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Against live Gemini, skip the tests that assert what only the emulator promises."""
    if not LIVE:
        return
    skip = pytest.mark.skip(reason="asserts emulator-only behaviour (ground truth of drawn scenes)")
    for item in items:
        if "emulator_only" in item.keywords:
            item.add_marker(skip)


def _scrub_response(response: dict[str, Any]) -> dict[str, Any]:
    # Keep the emulator's identification header so nobody mistakes a cassette
    # for live Gemini traffic; drop cookies and anything else identifying.
    headers = response.get("headers", {})
    for name in list(headers):
        if name.lower() in {"set-cookie", "x-goog-api-key", "authorization"}:
            del headers[name]
    return response


@pytest.fixture(scope="session")
def vcr_config() -> dict[str, Any]:
    """The vcrpy configuration for every cassette-backed test.

    ``record_mode`` is deliberately absent so the command line decides.
    """
    return {
        "filter_headers": [
            ("x-goog-api-key", PLACEHOLDER),
            ("authorization", PLACEHOLDER),
            ("x-goog-user-project", PLACEHOLDER),
        ],
        "filter_query_parameters": [("key", PLACEHOLDER)],
        # Several calls share POST /v1/interactions: the body tells them apart.
        "match_on": ["method", "path", "body"],
        "decode_compressed_response": True,
        "before_record_response": _scrub_response,
        "allow_playback_repeats": False,
    }


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """Store cassettes by absolute path: ``cassettes/<test module>/``."""
    module = request.module.__name__.rsplit(".", 1)[-1]
    return str(CASSETTE_ROOT / module)


@pytest.fixture(autouse=True)
def _clean_environ(monkeypatch: pytest.MonkeyPatch) -> None:
    """No test sees a real key, model, base URL or proxy from the developer's shell."""
    for name in (
        # Both HTTP stacks honour proxies from the environment, as google-genai does.
        *(f"{n}_proxy" for n in ("http", "https", "all", "no")),
        *(f"{n}_PROXY" for n in ("HTTP", "HTTPS", "ALL", "NO")),
        "GEMINI_API_KEY",
        "GOOGLE_API_KEY",
        "GEMINI_VISION_MODEL",
        "GOOGLE_GEMINI_BASE_URL",
        "GOOGLE_GENAI_API_VERSION",
        "GOOGLE_GENAI_USE_VERTEXAI",
        "GOOGLE_CLOUD_PROJECT",
        "GOOGLE_CLOUD_LOCATION",
    ):
        monkeypatch.delenv(name, raising=False)
