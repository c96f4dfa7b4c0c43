"""The model profiles (issue 21 item 3): the fields every layer reads, their consistency
with the emulator's dialects, the ``gemini-vision models`` table and the README's copy.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from langchain_gemini_vision.cli import app
from langchain_gemini_vision.cli._models import markdown_table, profile_rows
from langchain_gemini_vision.profiles import (
    THINKING_LEVELS,
    ModelProfile,
    answered_by_another,
    known_profiles,
    profile_for,
    reroute_warning,
)
from langchain_gemini_vision.testing import dialect_for

README = Path(__file__).resolve().parents[2] / "README.md"


@pytest.mark.parametrize(
    ("model", "family", "lowest", "sampling"),
    [
        ("gemini-3-pro-preview", "gemini-3-pro", "low", "honoured"),
        ("gemini-3.1-pro-preview", "gemini-3.1-pro", "low", "honoured"),
        ("gemini-3-flash-preview", "gemini-3", "minimal", "honoured"),
        ("gemini-3.5-flash", "gemini-3.5-flash", "minimal", "honoured"),
        ("gemini-3.5-flash-lite", "gemini-3.5-flash-lite", "minimal", "ignored"),
        ("gemini-3.6-flash", "gemini-3.6-flash", "minimal", "ignored"),
        ("gemini-3.7-flash", "gemini-3.7", "low", "ignored"),
        ("gemini-3.8-flash", "gemini-3.8", "low", "ignored"),
        ("models/gemini-2.5-flash", "gemini-2.5-flash", None, "honoured"),
        ("gemini-2.5-flash-lite", "gemini-2.5-flash-lite", None, "honoured"),
    ],
)
def test_each_model_in_service_has_its_rules(
    model: str, family: str, lowest: str | None, sampling: str
) -> None:
    profile = profile_for(model)
    assert profile.family == family
    assert profile.lowest_thinking_level == lowest
    assert profile.sampling == sampling
    if profile.low_thinking_level is not None:
        assert profile.low_thinking_level == lowest  # thinking turned down as far as it goes


def test_only_retired_models_carry_a_shutdown_and_2_5_flash_lite_is_not_one() -> None:
    assert profile_for("gemini-2.5-flash").shutdown == "2026-12-01"
    assert profile_for("gemini-2.5-flash").replaced_by == "gemini-3.5-flash-lite"
    assert profile_for("gemini-2.5-pro").replaced_by == "gemini-3.8-flash"
    assert profile_for("gemini-2.5-flash-lite").shutdown is None
    assert profile_for("gemini-3.7-flash").replaced_by == "gemini-3.8-flash"
    assert profile_for("gemini-3.5-flash").replaced_by == "gemini-3.6-flash"


@pytest.mark.parametrize("profile", known_profiles(), ids=lambda p: p.family)
def test_every_profile_is_consistent_and_sourced(profile: ModelProfile) -> None:
    assert profile.source, "every profile names where its facts come from"
    levels = profile.thinking_levels or ()
    assert set(levels) <= set(THINKING_LEVELS)
    assert list(levels) == sorted(levels, key=THINKING_LEVELS.index), "least thinking first"
    if profile.default_thinking_level is not None:
        assert profile.default_thinking_level in levels
    assert not (profile.mask_form == "none" and profile.segmentation)


@pytest.mark.parametrize("profile", known_profiles(), ids=lambda p: p.family)
def test_the_emulator_accepts_what_each_profile_sends(profile: ModelProfile) -> None:
    """The emulator keeps its own copy of which model takes which level (it judges the
    client): no profile turns thinking down with a level its family's dialect refuses."""
    dialect = dialect_for(profile.family + "-x")
    if profile.low_thinking_level is not None:
        assert profile.low_thinking_level in dialect.thinking_levels
    if profile.low_thinking_budget is not None:
        assert dialect.thinking_budget is not None
        low, high = dialect.thinking_budget
        assert low <= profile.low_thinking_budget <= high


def test_a_profile_sending_a_level_its_model_refuses_is_refused() -> None:
    with pytest.raises(ValueError, match="minimal"):
        ModelProfile(family="x", thinking_levels=("low", "high"), low_thinking_level="minimal")
    with pytest.raises(ValueError, match="segments"):
        ModelProfile(family="x", mask_form="none", segmentation=True)


@pytest.mark.parametrize(
    ("asked", "answered", "another"),
    [
        ("gemini-2.5-flash", "gemini-2.5-flash", False),
        ("gemini-2.5-flash", "gemini-2.5-flash-001", False),
        ("gemini-2.5-flash", "gemini-2.5-flash-preview-05-20", False),
        ("models/gemini-3-flash-preview", "gemini-3-flash-preview", False),
        ("gemini-2.5-flash", "", False),
        ("gemini-2.5-flash", "gemini-2.5-flash-lite", True),
        ("gemini-2.5-pro", "gemini-3.8-flash", True),
        ("gemini-flash-latest", "gemini-3.8-flash", True),
    ],
)
def test_another_model_is_told_from_a_pinned_version(
    asked: str, answered: str, another: bool
) -> None:
    assert answered_by_another(asked, answered) is another
    warning = reroute_warning(asked, answered)
    assert (warning is not None) is another
    if warning is not None:
        assert asked in warning and answered in warning


def test_a_known_reroute_says_why() -> None:
    warning = reroute_warning("gemini-2.5-pro", "gemini-3.8-flash")
    assert warning is not None
    assert "2026-12-01" in warning


def test_gemini_vision_models_lists_every_profile() -> None:
    result = CliRunner().invoke(app, ["models"], env={"COLUMNS": "240"})
    assert result.exit_code == 0, result.output
    for profile in known_profiles():
        assert profile.family in result.output
    assert "polygons [x, y]" in result.output  # markup in cells is shown, not read
    as_json = CliRunner().invoke(app, ["models", "--json"])
    assert as_json.exit_code == 0
    families = [p["family"] for p in json.loads(as_json.output)]
    assert families == [p.family for p in known_profiles()]
    assert all("sampling" in p and "thinking_levels" in p for p in json.loads(as_json.output))


def test_the_readme_profile_table_is_the_commands_table_with_sources() -> None:
    text = README.read_text(encoding="utf-8")
    assert markdown_table() in text, "regenerate the README table from cli._models"
    assert all(row[-1] and row[-1] != "-" for row in profile_rows())
