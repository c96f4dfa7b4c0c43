"""The vision tasks and their registry: one module per task, each exporting one task object.

:class:`Task` says what a task takes and gives; the registry below is where every
layer finds it. The client's ``run``/``arun`` (and ``client.<task>(...)`` for a task
registered later), :class:`~langchain_gemini_vision.runnables.GeminiVisionRunnable`,
:class:`~langchain_gemini_vision.tools.GeminiVisionTool`, the Toolkit, batch items and
the command line all dispatch through it, so a new task is one module and one
:func:`register_task` call::

    from langchain_gemini_vision.tasks import Task, register_task

    class _Count(Task[CountOptions, Count]):
        name = "count"
        ...

    register_task(_Count())
    client.count("shelf.jpg")  # and GeminiVisionRunnable.for_task("count"), ...
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, Literal, TypeVar

from . import ask, caption, compare, detect, point, segment
from .ask import ASK
from .caption import CAPTION
from .compare import COMPARE
from .detect import DETECT
from .point import POINT
from .segment import SEGMENT
from .task import Task, TaskCall, TaskContext, TaskOptions

__all__ = [
    "ASK",
    "CAPTION",
    "COMPARE",
    "DETECT",
    "POINT",
    "SEGMENT",
    "TASKS",
    "Task",
    "TaskCall",
    "TaskContext",
    "TaskName",
    "TaskOptions",
    "ask",
    "caption",
    "compare",
    "detect",
    "find_task",
    "get_task",
    "point",
    "register_task",
    "reserve_names",
    "segment",
    "task_names",
    "unregister_task",
]

TaskName = Literal["caption", "detect", "segment", "compare", "ask"]
"""A built-in task's name, as the batch items, the CLI and its outputs spell it."""
TASKS: tuple[TaskName, ...] = ("caption", "detect", "segment", "compare", "ask")
"""The built-in tasks (registered tasks are in :func:`task_names`)."""

AnyTask = TypeVar("AnyTask", bound=Task[Any, Any])

_BUILT_IN = (CAPTION, COMPARE, DETECT, SEGMENT, ASK, POINT)
_REGISTRY: dict[str, Task[Any, Any]] = {task.name: task for task in _BUILT_IN}


_RESERVED: dict[str, str] = {}
"""Names a task may not take, and whose they are (the client reserves its methods)."""


def reserve_names(names: Iterable[str], owner: str) -> None:
    """Keep tasks from taking ``names``, attributes of ``owner`` (``GeminiVisionClient``
    reserves its own, so ``client.<task>(...)`` never hides one of them)."""
    _RESERVED.update(dict.fromkeys(names, owner))


def register_task(task: AnyTask, *, replace: bool = False) -> AnyTask:
    """Make ``task`` a client method, a Runnable, a Tool and a batch item; returns it.

    Raises:
        ValueError: The name is taken (by another task, unless ``replace``; by a
            built-in task; or by a client attribute), or is not a lower-case identifier.
    """
    name = getattr(task, "name", "")
    if not (isinstance(name, str) and name.isidentifier() and name == name.lower()):
        msg = f"a task's name must be a lower-case identifier, not {name!r}"
        raise ValueError(msg)
    if name in _REGISTRY and (not replace or _REGISTRY[name] in _BUILT_IN):
        msg = f"task {name!r} is already registered; unregister it first, or pass replace=True"
        raise ValueError(msg)
    taken = [n for n in (name, "a" + name) if n in _RESERVED]
    if taken and name not in _REGISTRY:
        msg = f"a task cannot be named {name!r}: {_RESERVED[taken[0]]}.{taken[0]} exists"
        raise ValueError(msg)
    _REGISTRY[name] = task
    return task


def unregister_task(name: str) -> None:
    """Forget a registered task (built-in tasks stay).

    Raises:
        ValueError: ``name`` is a built-in task, or not registered.
    """
    task = get_task(name)
    if task in _BUILT_IN:
        msg = f"{name!r} is a built-in task and cannot be unregistered"
        raise ValueError(msg)
    del _REGISTRY[name]


def find_task(name: str) -> Task[Any, Any] | None:
    """The registered task of that name, or ``None``."""
    return _REGISTRY.get(name)


def get_task(task: str | Task[Any, Any]) -> Task[Any, Any]:
    """The task object for a name (or the task itself).

    Raises:
        ValueError: No task of that name is registered.
    """
    if isinstance(task, Task):
        return task
    found = _REGISTRY.get(task)
    if found is None:
        msg = f"unknown task {task!r}; use one of {', '.join(_REGISTRY)}"
        raise ValueError(msg)
    return found


def task_names() -> tuple[str, ...]:
    """Every registered task's name, the built-in ones first."""
    return tuple(_REGISTRY)
