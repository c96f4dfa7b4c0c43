"""The vision tasks: each builds a request and reads the answer; none does I/O of its own."""

from typing import Literal

from . import ask, caption, compare, detect, segment

TaskName = Literal["caption", "detect", "segment", "compare", "ask"]
"""A task's name, as the batch items, the CLI and its outputs spell it."""
TASKS: tuple[TaskName, ...] = ("caption", "detect", "segment", "compare", "ask")

__all__ = ["TASKS", "TaskName", "ask", "caption", "compare", "detect", "segment"]
