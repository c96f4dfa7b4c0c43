"""``gemini-vision models``: the model profiles as a table, one row per family.

The same rows make the README's "Model profiles" table (a test keeps the two equal),
so what the command prints and what the documentation says cannot drift apart.
"""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from langchain_gemini_vision.cli._output import stdout_console
from langchain_gemini_vision.profiles import ModelProfile, known_profiles

__all__ = [
    "COLUMNS",
    "markdown_table",
    "models_command",
    "models_table",
    "profile_row",
    "profile_rows",
    "sources",
]

COLUMNS: tuple[str, ...] = (
    "family (prefix)",
    "thinking levels (default*)",
    "thinking turned down by",
    "temperature, top_p, top_k",
    "masks",
    "media resolution",
    "status",
    "source",
)
"""The table's columns, in order."""

_MASKS = {"png": "PNG probability maps", "polygon": "polygons [x, y] 0-1000", "none": "none"}


def _levels(profile: ModelProfile) -> str:
    levels = profile.thinking_levels
    if levels is None:
        return "not documented"
    if not levels:
        return "none (thinking_budget)" if profile.low_thinking_budget is not None else "none"
    default = profile.default_thinking_level
    return ", ".join(f"{level}*" if level == default else level for level in levels)


def _turned_down(profile: ModelProfile) -> str:
    sent = []
    if profile.low_thinking_level is not None:
        sent.append(f'thinking_level "{profile.low_thinking_level}"')
    if profile.low_thinking_budget is not None:
        sent.append(f"thinking_budget {profile.low_thinking_budget} (generateContent)")
    return "; ".join(sent) or "nothing sent"


def _masks(profile: ModelProfile) -> str:
    form = _MASKS[profile.mask_form]
    if profile.mask_form != "none" and not profile.segmentation:
        return f"asked as {form}; none documented"
    return form


def _status(profile: ModelProfile) -> str:
    if profile.shutdown and profile.replaced_by:
        return f"shutdown {profile.shutdown}; requests go to {profile.replaced_by}"
    if profile.shutdown:
        return f"shutdown {profile.shutdown}"
    if profile.replaced_by:
        return f"deprecated; routed to {profile.replaced_by}"
    return "in service"


def profile_row(profile: ModelProfile) -> tuple[str, ...]:
    """One profile as the table shows it (:data:`COLUMNS`)."""
    return (
        profile.family,
        _levels(profile),
        _turned_down(profile),
        profile.sampling,
        _masks(profile),
        "per image" if profile.supports_media_resolution else "not sent",
        _status(profile),
        profile.source or "-",
    )


def profile_rows() -> list[tuple[str, ...]]:
    """Every registered profile's row, by family."""
    return [profile_row(profile) for profile in known_profiles()]


def models_table() -> Table:
    """The profiles as a rich table, sources left for :func:`sources` (they are long)."""
    table = Table(title="Model profiles (the longest matching prefix wins)", show_lines=True)
    for column in COLUMNS[:-1]:
        table.add_column(column, overflow="fold")
    for row in profile_rows():
        table.add_row(*(escape(cell) for cell in row[:-1]))
    return table


def sources() -> list[str]:
    """One line per profile: its family and where its facts come from."""
    return [f"{row[0]}: {row[-1]}" for row in profile_rows()]


def markdown_table() -> str:
    """The profiles as the README's Markdown table (a test keeps the README equal to it)."""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for family, *cells in profile_rows():
        lines.append("| " + " | ".join([f"`{family}`", *cells]).replace("\n", " ") + " |")
    return "\n".join(lines)


def models_command(
    *,
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the profiles as JSON, every field.")
    ] = False,
) -> None:
    """List the model profiles: thinking levels, sampling, masks, media resolution, status."""
    if as_json:
        typer.echo(json.dumps([p.model_dump(mode="json") for p in known_profiles()], indent=2))
        return
    console = stdout_console()
    console.print(models_table())
    console.print("Unknown models: no thinking setting sent, polygons asked. Sources:")
    for line in sources():
        console.print(f"  {escape(line)}", soft_wrap=True)
