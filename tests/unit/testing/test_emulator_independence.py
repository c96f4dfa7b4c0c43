"""Issue 17 item 8: the emulator's independence from the client is explicit.

The emulator stands in for Gemini, so where it judges what a client sent (the image
type of the bytes, the types Gemini takes) it keeps its own copy of that logic: a bug
in the client's code must not be mirrored by the server that tests it. Each such copy
says so where it stands. Everything else (the package version, the model profiles'
limits, the token formula) it shares; these tests keep both statements true.
"""

from __future__ import annotations

import ast
import io
import re
from pathlib import Path

import pytest
from PIL import Image

from langchain_gemini_vision import image_formats, images
from langchain_gemini_vision.testing import _protocol

TESTING = Path(__file__).resolve().parents[3] / "langchain_gemini_vision" / "testing"

# The test side of the kit: what tests call (scenes, hostile images, fixtures, a mock
# transport for the client); every other module of the kit is the server.
TEST_SIDE = frozenset(
    {
        "__init__.py",
        "_lazy_emulator.py",
        "_pytest_asyncio.py",
        "hostile.py",
        "mock_transport.py",
        "pytest_plugin.py",
        "scenes.py",
    }
)
# What the server shares with the library, and why it may.
SHARED = {
    "langchain_gemini_vision._version": "the version in the x-emulator header",
    "langchain_gemini_vision.profiles": "the documented request limits both sides follow",
    "langchain_gemini_vision.tokens": "the published token formula, not the client's guess",
}
# The library's logic the server keeps its own copy of, and where.
OWN_COPIES = {
    "SUPPORTED_IMAGE_TYPES": "_protocol.py",
    "_decode_base64": "_protocol.py",
    "sniff_mime_type": "_protocol.py",
}


def _server_files() -> list[Path]:
    return sorted(p for p in TESTING.glob("*.py") if p.name not in TEST_SIDE)


def _library_imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names.add(node.module)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return {n for n in names if n.startswith("langchain_gemini_vision.")}


@pytest.mark.parametrize("path", _server_files(), ids=lambda p: p.name)
def test_item8_the_server_shares_only_what_is_listed(path: Path) -> None:
    unexpected = _library_imports(path) - set(SHARED)
    assert not unexpected, f"{path.name} uses the client's code: {sorted(unexpected)}"


@pytest.mark.parametrize(("name", "module"), sorted(OWN_COPIES.items()))
def test_item8_each_own_copy_says_why_where_it_stands(name: str, module: str) -> None:
    source = (TESTING / module).read_text(encoding="utf-8")
    match = re.search(rf"^(def )?{name}\b", source, re.MULTILINE)
    assert match is not None, f"{name} is no longer defined in {module}"
    # The note sits in the comment lines just above, or in the docstring just below.
    before = source[: match.start()].splitlines()[-4:]
    after = source[match.start() :].splitlines()[:8]
    nearby = "\n".join([*before, *after]).lower()
    assert "own copy" in nearby and "client" in nearby, (
        f"{module}: say at {name} that the emulator keeps its own copy on purpose, and why"
    )


def _encoded(fmt: str) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (8, 6), (200, 10, 10)).save(buffer, fmt)
    return buffer.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP", "GIF", "BMP", "TIFF"])
def test_item8_the_copies_agree_with_the_library_on_what_gemini_takes(fmt: str) -> None:
    """Two copies on purpose, one answer: they must not drift apart on real images."""
    data = _encoded(fmt)
    assert _protocol.sniff_mime_type(data) == image_formats.sniff_mime_type(data)
    assert images.SUPPORTED_MIME_TYPES == _protocol.SUPPORTED_IMAGE_TYPES
