"""Public names resolved on first access (PEP 562), for the package and its ``testing`` kit.

Importing a package should not import everything it can offer: a process that
only needs the client must not pay for LangChain's tracers, google-genai or the
emulator (seconds of start-up, and a heap every full garbage collection walks).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_exports(
    package: str, exports: Mapping[str, str], namespace: dict[str, Any]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for ``package``, whose ``exports`` map names to modules.

    A resolved name is stored in ``namespace`` (the package's globals), so the
    next access is a plain attribute lookup.
    """

    def get_attribute(name: str) -> Any:
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
