"""What a tool reads from a model-chosen reference (issue 16, items 4, 8 and 9).

A reference naming a local file must look like a path in one of the tool's allowed
folders; anything else that decodes as an image is image data and is refused, at
any length. Paths outside get one answer whether they exist or not. A model-chosen
URL to a decompression bomb comes back as a tool error, without decoding it.
"""

from __future__ import annotations

import base64
import io
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import ToolMessage
from langchain_core.tools import BaseTool
from PIL import Image, ImageFile

from langchain_gemini_vision._url_safety import UrlPolicy
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.testing import GeminiEmulator, Scene
from langchain_gemini_vision.testing.hostile import png16_bomb, serve
from langchain_gemini_vision.tools import GeminiCaptionTool, GeminiDetectTool

# A 1x1 GIF: 60 characters of base64, with a '/' in it (so it also "looks like a path").
GIF_1X1 = base64.b64encode(
    b"GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00"
    b"\x00,\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x01D\x00;\x00\x00\x00"
).decode()


def _png_b64() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (1, 1)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


def call(tool: BaseTool, **args: Any) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "id": "call_1", "name": tool.name, "args": args})
    assert isinstance(message, ToolMessage)
    return message


# --------------------------------------------------------------------------- 9. base64


def test_item9_the_gif_is_60_characters_and_slashed() -> None:
    assert len(GIF_1X1) == 60
    assert "/" in GIF_1X1


@pytest.mark.parametrize(
    "reference",
    [GIF_1X1, GIF_1X1.replace("/", "_").replace("+", "-"), _png_b64(), "./" + GIF_1X1],
    ids=["gif", "gif-urlsafe", "png", "dot-slash-gif"],
)
@pytest.mark.parametrize("cwd_allowed", [False, True], ids=["tmp-allowed", "cwd-allowed"])
def test_item9_short_base64_is_refused_by_tools_with_allowed_dirs(
    settings: dict[str, str],
    emu: GeminiEmulator,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    reference: str,
    cwd_allowed: bool,
) -> None:
    if cwd_allowed:
        monkeypatch.chdir(tmp_path)
    tool = GeminiCaptionTool(**settings, reference_dirs=[tmp_path])
    message = call(tool, image=reference)
    assert message.status == "error"
    assert sum(emu.stats.requests.values()) == 0, "base64 was sent to Gemini as an image"


def test_item9_base64_refusal_tells_the_model_to_use_an_id(
    settings: dict[str, str], tmp_path: Path
) -> None:
    tool = GeminiCaptionTool(**settings, reference_dirs=[tmp_path])
    message = call(tool, image=GIF_1X1)
    assert "refer to the image by its id" in str(message.content)


def test_item9_a_file_in_an_allowed_folder_is_still_read(
    settings: dict[str, str], tmp_path: Path, scene: Scene, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "scene.png").write_bytes(scene.data)
    monkeypatch.chdir(tmp_path)
    tool = GeminiDetectTool(**settings, reference_dirs=[tmp_path / "photos"])
    for reference in (str(tmp_path / "photos" / "scene.png"), "photos/scene.png"):
        message = call(tool, image=reference)
        assert message.status == "success", message.content


# --------------------------------------------------------------------------- 8. oracle


def test_item8_the_tool_gives_one_answer_for_every_path_outside(
    settings: dict[str, str], tmp_path: Path, scene: Scene
) -> None:
    inside, outside = tmp_path / "allowed", tmp_path / "elsewhere"
    for folder in (inside, outside):
        folder.mkdir()
    (outside / "scene.png").write_bytes(scene.data)
    tool = GeminiCaptionTool(**settings, reference_dirs=[inside])
    references = [
        "/etc/passwd",
        "/etc/nonexistent",
        "/etc/no-such-dir/nonexistent.png",
        str(outside / "scene.png"),
        str(outside / "missing.png"),
        str(inside / ".." / "elsewhere" / "scene.png"),
        "../elsewhere/scene.png",
    ]
    answers = set()
    for reference in references:
        message = call(tool, image=reference)
        assert message.status == "error"
        answers.add(str(message.content).rsplit(": ", 1)[-1])  # the detail, without the label
    assert len(answers) == 1, answers
    assert "outside the allowed directories" in answers.pop()


@pytest.mark.parametrize(
    "name", ["secret", "secret.png", "abcdefghabcdefgh", "my secret.png", "~secret", "../x.png"]
)
def test_item8_a_bare_name_outside_gets_one_answer_whether_it_exists_or_not(
    settings: dict[str, str],
    tmp_path: Path,
    scene: Scene,
    monkeypatch: pytest.MonkeyPatch,
    name: str,
) -> None:
    """Relative to a current folder outside ``reference_dirs``; nothing there is looked at."""
    inside, outside = tmp_path / "allowed", tmp_path / "elsewhere" / "cwd"
    inside.mkdir()
    outside.mkdir(parents=True)
    monkeypatch.chdir(outside)
    tool = GeminiCaptionTool(**settings, reference_dirs=[inside])
    missing = call(tool, image=name)
    (outside / name).write_bytes(scene.data)
    looked_at: list[str] = []
    for spied in ("stat", "lstat", "open"):
        real = getattr(os, spied)

        def spy(path: Any, *args: Any, _real: Any = real, **kwargs: Any) -> Any:
            if isinstance(path, (str, bytes, os.PathLike)):
                looked_at.append(os.path.abspath(os.fsdecode(path)))  # noqa: PTH100
            return _real(path, *args, **kwargs)

        monkeypatch.setattr(os, spied, spy)
    existing = call(tool, image=name)
    assert missing.status == existing.status == "error"
    assert existing.content == missing.content
    assert [p for p in looked_at if p.startswith(str(tmp_path / "elsewhere"))] == []


# --------------------------------------------------------------------------- 4. bomb by URL


@pytest.fixture
def bomb_url() -> Iterator[str]:
    with serve(png16_bomb(9000)) as url:
        yield url


def test_item4_detection_tool_refuses_a_bomb_url_in_parallel_calls(
    emu: GeminiEmulator, bomb_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    decoded: list[str] = []

    def no_load(self: ImageFile.ImageFile) -> Any:
        decoded.append("load")
        raise AssertionError("pixels were decoded")

    monkeypatch.setattr(ImageFile.ImageFile, "load", no_load)
    client = GeminiVisionClient(
        api_key="test-key",
        base_url=emu.base_url,
        url_policy=UrlPolicy(allowed_addresses=frozenset({"127.0.0.1"})),
    )
    tool = GeminiDetectTool(client=client)
    calls = [
        {"type": "tool_call", "id": f"call_{i}", "name": tool.name, "args": {"image": bomb_url}}
        for i in range(4)
    ]
    messages = tool.batch(calls, config={"max_concurrency": 4})
    for message in messages:
        assert isinstance(message, ToolMessage)
        assert message.status == "error"
        assert "max_decode_bytes" in str(message.content)
    assert decoded == []
    assert sum(emu.stats.requests.values()) == 0


# --------------------------------------------------------------------------- one rule


@pytest.mark.parametrize(
    ("reference", "answer"),
    [
        ("img_7", "no image is registered under this id"),
        ("scan.1", "no image is registered under this id"),  # no image suffix is one character
        ("frame.v2:3", "no image is registered under this id"),
        ("photo.jpg", "this tool does not read local files"),
        ("scan.jp2", "this tool does not read local files"),
        ("files/not a name.png", "this tool does not read local files"),
        ("ftp://host/photo.png", "ftp:// is not accepted"),
    ],
)
def test_item5_tools_read_references_as_the_loader_does(
    settings: dict[str, str], emu: GeminiEmulator, reference: str, answer: str
) -> None:
    """Issue 17 item 5: one reference classification (``images.classify_reference``) for
    the tools and the loader; an unregistered id is answered as an unknown id, a file
    name as a path the tool may not read."""
    message = call(GeminiCaptionTool(**settings), image=reference)
    assert message.status == "error"
    assert answer in str(message.content), message.content
    assert sum(emu.stats.requests.values()) == 0
