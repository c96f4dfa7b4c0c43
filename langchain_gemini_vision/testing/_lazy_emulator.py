"""The emulator class for the pytest fixtures, imported only when a fixture needs it.

The pytest plugin is loaded by every pytest run where the package is installed, so it
may import nothing beyond pytest until a fixture is used; both the plugin and its
pytest-asyncio fixtures get the emulator from here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from .emulator import GeminiEmulator

__all__ = ["INSTALL_HINT", "emulator_class"]

INSTALL_HINT = "pip install 'langchain-gemini-vision[testing]'"
"""How to get what the fixtures need."""


def emulator_class(fixture: str) -> type[GeminiEmulator]:
    """The emulator, imported on first use; a clear failure when the extra is missing."""
    try:
        from .emulator import GeminiEmulator
    except ImportError as exc:
        pytest.fail(f"the {fixture} fixture needs the testing extra ({exc}): {INSTALL_HINT}", False)
    return GeminiEmulator
