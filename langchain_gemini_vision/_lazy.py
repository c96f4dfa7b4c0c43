"""Public names resolved on first access (PEP 562), for the package and its ``testing`` kit.

Importing a package should not import everything it can offer: a process that
only needs the client must not pay for LangChain's tracers, google-genai or the
emulator (seconds of start-up, and a heap every full garbage collection walks).
"""

from __future__ import annotations

import importlib
import warnings
from collections.abc import Callable, Mapping
from types import ModuleType
from typing import Any


def lazy_exports(
    package: str,
    exports: Mapping[str, str],
    namespace: dict[str, Any],
    *,
    renamed: Mapping[str, str] | None = None,
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose ``exports`` map names to modules.

    A resolved name is stored in ``namespace`` (the package's globals), so the
    next access is a plain attribute lookup. ``renamed`` maps deprecated names to
    their new ones: each use warns (:func:`deprecated_name`), so none is stored.
    """
    renamed = renamed or {}

    def get_attribute(name: str) -> Any:
        if name in renamed:
            deprecated_name(package, name, renamed[name])
            return get_attribute(renamed[name])
        module = exports.get(name)
        if module is None:
            msg = f"module {package!r} has no attribute {name!r}"
            raise AttributeError(msg)
        value = getattr(importlib.import_module(module), name)
        namespace[name] = value
        return value

    def list_names() -> list[str]:
        return sorted({*namespace, *exports})

    return get_attribute, list_names


def renamed_names(
    module: str, renamed: Mapping[str, str], namespace: Mapping[str, Any]
) -> Callable[[str], Any]:
    """A module's ``__getattr__`` that still answers to the deprecated ``renamed`` names."""

    def get_attribute(name: str) -> Any:
        if name not in renamed:
            msg = f"module {module!r} has no attribute {name!r}"
            raise AttributeError(msg)
        deprecated_name(module, name, renamed[name])
        return namespace[renamed[name]]

    return get_attribute


def optional_module(name: str, *, extra: str, needed_for: str) -> ModuleType:
    """Import ``name``, a dependency only an extra brings; if it is missing, an
    ``ImportError`` that says what needs it and which extra to install."""
    try:
        return importlib.import_module(name)
    except ImportError as exc:
        top = name.partition(".")[0]
        msg = f"{needed_for} needs {top}: pip install 'langchain-gemini-vision[{extra}]'"
        raise ImportError(msg) from exc


def deprecated_name(module: str, old: str, new: str) -> None:
    """Warn, at the caller's line, that ``module.old`` is now ``module.new``."""
    warnings.warn(
        f"{old} is deprecated, use {new} (the same object; the old name goes in the next "
        f"minor version): from {module} import {new}",
        DeprecationWarning,
        stacklevel=3,
    )
