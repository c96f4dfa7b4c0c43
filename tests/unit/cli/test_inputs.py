"""The command line reads the user's own files first (issue 16, item 18).

On the command line the user names their own files: a local path that exists wins
over the Files API form (``files/<id>``) and over a ``data:`` URI, and ``./files/...``
is always a path.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from langchain_gemini_vision.cli._inputs import InputError, expand_sources, is_remote
from langchain_gemini_vision.images import classify_reference, load_image
from langchain_gemini_vision.testing import GeminiEmulator

from ._helpers import emu_args, invoke, json_lines
from .conftest import Scenes


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, scenes: Scenes) -> Path:
    """A current folder holding ``files/img1`` and a file named ``data:,x.png``."""
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "img1").write_bytes(scenes.wide.read_bytes())
    (tmp_path / "data:,x.png").write_bytes(scenes.tall.read_bytes())
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.mark.parametrize("argument", ["files/img1", "./files/img1", "data:,x.png", "./data:,x.png"])
def test_item18_an_existing_local_path_wins_over_the_remote_forms(
    workdir: Path, argument: str
) -> None:
    [source] = expand_sources([argument])
    prepared = load_image(source)
    assert prepared.placement == "inline"
    assert prepared.data == (workdir / argument).read_bytes()


def test_item18_dot_slash_files_is_always_a_path(workdir: Path) -> None:
    with pytest.raises(InputError, match=re.escape("File not found: './files/missing'")):
        expand_sources(["./files/missing"])


def test_item18_files_api_names_and_data_uris_without_a_local_file_stay_remote(
    workdir: Path,
) -> None:
    sources = expand_sources(["files/abc123", "data:image/png;base64,iVBORw0KGgo="])
    assert sources == ["files/abc123", "data:image/png;base64,iVBORw0KGgo="]
    assert load_image(sources[0]).placement == "files_api"


def test_item18_caption_of_a_local_files_folder_end_to_end(
    emulator: GeminiEmulator, workdir: Path
) -> None:
    result = invoke(["caption", "files/img1", "./files/img1", "data:,x.png", *emu_args(emulator)])
    assert result.exit_code == 0, result.stderr
    records = json_lines(result.stdout)
    assert len(records) == 3
    assert all("result" in record for record in records), records


@pytest.mark.parametrize(
    "argument",
    [
        "https://example.com/a.png",
        "HTTP://example.com/a.png",
        "gs://bucket/a.png",
        "files/abc123",
        "data:image/png;base64,iVBORw0KGgo=",
        "ftp://example.com/a.png",
        "files/not a name.png",
        "FILES/abc123",
        "photos/a.png",
        "img_7",
    ],
)
def test_item5_the_command_line_reads_references_as_the_loader_does(argument: str) -> None:
    """Issue 17 item 5: what is remote on the command line is what ``load_image`` reads as
    remote (``images.classify_reference``), so no argument means two things."""
    assert is_remote(argument) is classify_reference(argument).is_remote


def test_item5_a_url_of_another_scheme_reaches_the_loaders_refusal(
    emulator: GeminiEmulator, workdir: Path
) -> None:
    result = invoke(["caption", "ftp://example.com/a.png", *emu_args(emulator)])
    assert result.exit_code == 1, result.stderr
    assert "'ftp' scheme is not accepted" in result.stderr
    assert "File not found" not in result.stderr
