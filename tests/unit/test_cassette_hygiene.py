"""Cassettes hold no secret and say where they came from.

Every cassette is scanned: nothing shaped like a Google API key, no key
header or query parameter with a real value, and every response recorded from
the local emulator carries its ``x-emulator`` header, so nobody mistakes a
recording for live Gemini traffic.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

CASSETTES = Path(__file__).resolve().parents[2] / "cassettes"
# A Google API key is "AIza" and 35 URL-safe characters, standing alone: the same letters
# inside a longer run are base64 image data (generateContent bodies use the URL-safe
# alphabet, as google-genai writes them), not a key.
KEY_SHAPED = re.compile(r"(?<![0-9A-Za-z_\-])AIza[0-9A-Za-z_\-]{35}(?![0-9A-Za-z_\-])")
KEY_HEADERS = ("x-goog-api-key", "authorization")
TEST_KEYS = ("emulator-key", "test-key")


def _cassettes() -> list[Path]:
    return sorted(CASSETTES.rglob("*.yaml"))


def test_there_are_cassettes() -> None:
    assert len(_cassettes()) >= 10, "the integration tests' cassettes are missing"


@pytest.mark.parametrize("path", _cassettes(), ids=lambda p: str(p.relative_to(CASSETTES)))
def test_cassette_has_no_secret_and_names_its_source(path: Path) -> None:
    text = path.read_text()
    assert not KEY_SHAPED.search(text), "an API-key-shaped string is recorded"
    for key in TEST_KEYS:
        assert key not in text, f"the test key {key!r} leaked into the cassette"
    data = yaml.safe_load(text)
    interactions = data["interactions"]
    assert interactions, "empty cassette"
    for interaction in interactions:
        headers = {k.lower(): v for k, v in interaction["request"]["headers"].items()}
        for name in KEY_HEADERS:
            if name in headers:
                assert headers[name] == ["PLACEHOLDER"], f"{name} not filtered"
        assert (
            "key=" not in interaction["request"]["uri"].split("?", 1)[-1]
            or "key=PLACEHOLDER" in interaction["request"]["uri"]
        )
        response_headers = {k.lower(): v for k, v in interaction["response"]["headers"].items()}
        emulator = response_headers.get("x-emulator")
        assert emulator and emulator[0].startswith("langchain-gemini-vision/"), (
            "a response without the x-emulator header: if this was recorded live, "
            "list it in tests/unit/test_cassette_hygiene.py as such"
        )
