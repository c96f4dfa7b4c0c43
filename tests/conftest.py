"""Shared test configuration: a clean environment, and how cassettes are recorded.

Cassettes live in ``cassettes/emulator/`` (recorded from the local emulator) and
``cassettes/live/`` (recorded from live Gemini), one folder per test module; see
:mod:`tests.recording` for what is scrubbed and normalised. Replay is the default
(``--record-mode=none`` in pyproject); README says how to re-record.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import pytest

from tests.recording import ReadableYaml

if TYPE_CHECKING:
    from vcr import VCR

# Recording against live Gemini: GEMINI_VISION_LIVE=1 with a key in the
# environment. Read once here, before the autouse fixture below hides it.
LIVE = os.environ.get("GEMINI_VISION_LIVE") == "1"
LIVE_KEY = (os.environ.get("GEMINI_API_KEY") or os.environ.get("GOOGLE_API_KEY")) if LIVE else None
# Where live recordings are sent: Google's endpoint unless a proxy is named.
LIVE_BASE_URL = os.environ.get("GEMINI_VISION_LIVE_BASE_URL") if LIVE else None


def recording(config: pytest.Config) -> bool:
    """Whether this run records cassettes (any ``--record-mode`` but ``none``)."""
    return (config.getoption("--record-mode", default=None) or "none") != "none"


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Against live Gemini: skip what only the emulator promises; let recordings out."""
    if not LIVE:
        return
    skip = pytest.mark.skip(reason="asserts emulator-only behaviour (ground truth of drawn scenes)")
    for item in items:
        if "emulator_only" in item.keywords:
            item.add_marker(skip)
        elif recording(config) and item.get_closest_marker("vcr"):
            # The run's socket guard allows loopback only; a live recording must reach Gemini.
            item.add_marker(pytest.mark.enable_socket)


def pytest_recording_configure(config: pytest.Config, vcr: VCR) -> None:
    """Store cassettes with readable JSON bodies (under vcrpy's own ``yaml`` name)."""
    vcr.register_serializer("yaml", ReadableYaml)


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
