"""The package's one progress bar: the command line's and the loader's look the same."""

from __future__ import annotations

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

__all__ = ["progress_bar"]


def progress_bar(*, show: bool, console: Console | None = None, transient: bool = True) -> Progress:
    """A bar of done / total images with the time elapsed, drawn on stderr.

    Args:
        show: Draw it (a disabled bar costs nothing and draws nothing).
        console: Where to draw (default: a console on stderr).
        transient: Erase it when done.
    """
    return Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console if console is not None else Console(stderr=True),
        transient=transient,
        disable=not show,
        # Output belongs on stdout (JSON Lines, the caller's prints): never capture it.
        redirect_stdout=False,
        redirect_stderr=False,
    )
