"""The command line builds its client from the same settings (issue 17 item 2).

``--allow-dir`` is the client's ``allowed_dirs``: batch submissions read local
images under the same rule as interactive runs. Every client option of a command goes
through :class:`~langchain_gemini_vision.cli._options.ClientOptions`, the one mapping to
:class:`GeminiVisionSettings`, and the client is built from that settings object.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from langchain_gemini_vision import GeminiVisionSettings
from langchain_gemini_vision.cli._options import Api, ClientOptions, MediaResolutionChoice
from langchain_gemini_vision.errors import ConfigurationError
from langchain_gemini_vision.testing import GeminiEmulator
from langchain_gemini_vision.testing.batches import batches_of

from ._helpers import emu_args, invoke, plain
from .conftest import Scenes


def test_batch_submission_obeys_allow_dir(
    emulator: GeminiEmulator, scenes: Scenes, tmp_path: Path
) -> None:
    service = batches_of(emulator)
    inside = tmp_path / "inside"
    inside.mkdir()
    shutil.copy(scenes.wide, inside / "ok.png")
    received = service.items_received
    args = ["caption", str(scenes.tall), "--batch", str(tmp_path / "job")]
    result = invoke([*args, "--allow-dir", str(inside), *emu_args(emulator)])
    assert result.exit_code != 0
    assert "outside" in plain(result.stderr + result.stdout)
    assert service.items_received == received  # nothing outside the folder was sent


def test_the_command_line_options_are_client_settings(tmp_path: Path) -> None:
    """One mapping from the options to :class:`GeminiVisionSettings` (issue 17 item 2)."""
    options = ClientOptions(
        Api.generate_content, "gemini-2.5-flash", 5, MediaResolutionChoice.low, None, [tmp_path]
    )
    settings = options.settings(api_key="k")
    assert isinstance(settings, GeminiVisionSettings)
    assert (settings.api, settings.model, settings.max_concurrency) == (
        "generate_content",
        "gemini-2.5-flash",
        5,
    )
    assert settings.media_resolution == "low"
    assert settings.allowed_dirs == (tmp_path,)
    client = options.client(api_key="k")
    assert client.settings == settings
    with pytest.raises(ConfigurationError, match="base_url"):
        ClientOptions(base_url="ftp://nowhere").client(api_key="k")


def test_every_option_reaches_the_request(emulator: GeminiEmulator, scenes: Scenes) -> None:
    emulator.clear_requests()
    args = ["caption", str(scenes.wide), "--model", "gemini-3-pro-preview", "--quiet"]
    result = invoke(
        [*args, "--media-resolution", "low", "--api", "generate_content", *emu_args(emulator)]
    )
    assert result.exit_code == 0, result.output
    (sent,) = [r for r in emulator.requests if r.route == "generate_content"]
    assert "gemini-3-pro-preview:generateContent" in sent.path
    image = sent.json["contents"][0]["parts"][1]
    assert image["mediaResolution"] == {"level": "MEDIA_RESOLUTION_LOW"}


def test_the_generation_settings_have_flags(emulator: GeminiEmulator, scenes: Scenes) -> None:
    """``--max-output-tokens``, ``--thinking-level`` and ``--temperature`` (issue 19 item 6)."""
    emulator.clear_requests()
    args = ["detect", str(scenes.wide), "--quiet", "--max-output-tokens", "900"]
    args += ["--thinking-level", "high", "--temperature", "0.2", *emu_args(emulator)]
    result = invoke(args)
    assert result.exit_code == 0, result.output
    (sent,) = [r for r in emulator.requests if r.route == "interactions"]
    assert sent.json["generation_config"] == {
        "max_output_tokens": 900,
        "temperature": 0.2,
        "thinking_level": "high",
    }
    refused = invoke([*args[:2], "--model", "gemini-2.5-flash", "--thinking-level", "low"])
    assert refused.exit_code != 0
    assert "thinking_level" in plain(refused.stderr + refused.stdout)
