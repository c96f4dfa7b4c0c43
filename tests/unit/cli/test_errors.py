"""Exit codes 0/1/2 and the sentences a user sees when something is wrong."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.testing import GeminiEmulator

from ._helpers import emu_args, invoke, json_lines, plain
from .conftest import Scenes


def test_missing_file_is_a_usage_error_with_a_sentence(
    emulator: GeminiEmulator, tmp_path: Path
) -> None:
    missing = tmp_path / "nope.png"
    result = invoke(["caption", str(missing), *emu_args(emulator)])

    assert result.exit_code == 2
    assert f"File not found: '{missing}'" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_no_api_key_is_a_usage_error_naming_the_variable(scenes: Scenes) -> None:
    result = invoke(["detect", str(scenes.wide)], key=None)

    assert result.exit_code == 2
    assert "No Gemini API key found. Set GEMINI_API_KEY (or GOOGLE_API_KEY)" in result.stderr
    assert "gemini-vision demo" in result.stderr
    assert "Traceback" not in result.stderr


def test_google_api_key_is_accepted_too(emulator: GeminiEmulator, scenes: Scenes) -> None:
    from typer.testing import CliRunner

    from langchain_gemini_vision.cli import app

    result = CliRunner().invoke(
        app, ["caption", str(scenes.wide), *emu_args(emulator)], env={"GOOGLE_API_KEY": "k"}
    )

    assert result.exit_code == 0, result.stderr


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["caption", "x.png", "--no-such-flag"], "No such option"),
        (["detect", "x.png", "--api", "rest"], "Invalid value for '--api'"),
        (["caption", "x.png", "--concurrency", "0"], "Invalid value for '--concurrency'"),
        (["ask", "x.png"], "Missing option '--question'"),
        (["caption"], "Missing argument"),
        (["frobnicate"], "No such command"),
    ],
)
def test_bad_flags_exit_2_without_traceback(args: list[str], expected: str) -> None:
    result = invoke(args)

    assert result.exit_code == 2
    assert expected in plain(result.stderr)
    assert "Traceback" not in result.stderr


def test_compare_needs_two_images(emulator: GeminiEmulator, scenes: Scenes) -> None:
    result = invoke(["compare", str(scenes.wide), *emu_args(emulator)])

    assert result.exit_code == 2
    assert "compare needs at least two images, got 1" in result.stderr


def test_glob_or_folder_without_images_is_a_usage_error(tmp_path: Path) -> None:
    (tmp_path / "readme.txt").write_text("hello")

    by_glob = invoke(["caption", str(tmp_path / "*.jpg")])
    by_folder = invoke(["caption", str(tmp_path)])

    assert by_glob.exit_code == 2
    assert "No image files match" in by_glob.stderr
    assert by_folder.exit_code == 2
    assert "No images found in folder" in by_folder.stderr


def test_unsupported_file_fails_that_image_with_exit_1(
    emulator: GeminiEmulator, tmp_path: Path
) -> None:
    notes = tmp_path / "notes.txt"
    notes.write_text("just some text, not a picture\n" * 10)

    result = invoke(["caption", str(notes), *emu_args(emulator)])

    assert result.exit_code == 1
    (line,) = json_lines(result.stdout)
    assert line["source"] == str(notes)
    assert line["error"]["type"] == "ImageInputError"
    assert line["error"]["reason"] == "not_an_image"
    assert "result" not in line
    assert f"failed {notes}: ImageInputError" in result.stderr
    assert "PNG, JPEG, WEBP" in result.stderr
    assert "Traceback" not in result.stderr


def test_some_images_failing_exit_1_and_each_is_listed(
    emulator: GeminiEmulator, scenes: Scenes, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.png"
    broken.write_bytes(scenes.wide.read_bytes()[:300])
    notes = tmp_path / "notes.txt"
    notes.write_text("text")

    result = invoke(
        ["detect", str(scenes.wide), str(broken), str(notes), str(scenes.tall), *emu_args(emulator)]
    )

    assert result.exit_code == 1
    lines = json_lines(result.stdout)
    assert [line.get("source") for line in lines] == [
        str(scenes.wide),
        str(broken),
        str(notes),
        str(scenes.tall),
    ]
    assert ["result" in line for line in lines] == [True, False, False, True]
    for bad in (lines[1], lines[2]):
        assert set(bad["error"]) >= {"type", "message"}
        assert bad["error"]["type"] == "ImageInputError"
    assert f"failed {broken}:" in result.stderr
    assert f"failed {notes}:" in result.stderr
    assert "2 failed" in result.stderr


def test_allow_dir_limits_local_files(
    emulator: GeminiEmulator, scenes: Scenes, tmp_path: Path
) -> None:
    inside = tmp_path / "inside"
    inside.mkdir()
    shutil.copy(scenes.wide, inside / "ok.png")

    result = invoke(
        [
            "caption",
            str(inside / "ok.png"),
            str(scenes.tall),
            "--allow-dir",
            str(inside),
            *emu_args(emulator),
        ]
    )

    assert result.exit_code == 1
    ok, refused = json_lines(result.stdout)
    assert "result" in ok
    assert refused["error"]["reason"] == "outside_allowed_dirs"
    assert "--allow-dir" in refused["error"]["hint"]


def test_allow_dir_must_exist(scenes: Scenes, tmp_path: Path) -> None:
    result = invoke(["caption", str(scenes.wide), "--allow-dir", str(tmp_path / "missing")])

    assert result.exit_code == 2
    assert "does not exist" in plain(result.stderr)


def test_unexpected_errors_show_a_traceback_only_with_debug(
    emulator: GeminiEmulator, scenes: Scenes, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def explode(self: GeminiVisionClient, *args: object, **kwargs: object) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(GeminiVisionClient, "arun", explode)  # every task call of the CLI

    quiet = invoke(["caption", str(scenes.wide), *emu_args(emulator)])
    loud = invoke(["caption", str(scenes.wide), "--debug", *emu_args(emulator)])

    assert quiet.exit_code == 1
    (line,) = json_lines(quiet.stdout)
    assert line["error"]["type"] == "RuntimeError"
    assert "boom" in line["error"]["message"]
    assert "Traceback" not in quiet.stderr
    assert "--debug" in quiet.stderr
    assert loud.exit_code == 1
    assert "Traceback" in loud.stderr
    assert 'raise RuntimeError("boom")' in loud.stderr


def test_a_rejected_key_fails_every_image_and_is_never_printed(scenes: Scenes) -> None:
    key = "AIza" + "SyFAKEFAKEFAKEFAKEFAKEFAKEFAKE12345"
    with GeminiEmulator(expected_api_key="the-right-key") as emu:
        result = invoke(["caption", str(scenes.wide), str(scenes.tall), *emu_args(emu)], key=key)

    assert result.exit_code == 1
    lines = json_lines(result.stdout)
    assert all("error" in line for line in lines)
    assert len(result.stderr.strip().splitlines()) >= 2
    assert key not in result.stdout
    assert key not in result.stderr


def test_urls_go_through_the_url_safety_policy(emulator: GeminiEmulator) -> None:
    url = "http://127.0.0.1:9/private.png"
    result = invoke(["caption", url, *emu_args(emulator)])

    assert result.exit_code == 1
    (line,) = json_lines(result.stdout)
    assert line["source"] == url
    assert line["error"]["reason"] == "blocked_url"
    assert "Traceback" not in result.stderr


def test_messages_mask_the_environment_key_but_not_short_emulator_keys(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from langchain_gemini_vision.cli._run import clean

    monkeypatch.setenv("GEMINI_API_KEY", "a-long-secret-value-123")
    assert clean("bad key a-long-secret-value-123 for x.png") == "bad key *** for x.png"
    monkeypatch.setenv("GEMINI_API_KEY", "x")
    assert clean("notes.txt: not an image") == "notes.txt: not an image"
    assert "AIza" not in clean("key=AIza" + "SyFAKEFAKEFAKEFAKEFAKEFAKEFAKE12345")
