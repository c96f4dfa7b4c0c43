"""Pytest fixtures for the local Gemini emulator.

Installing the package registers this module as a pytest plugin (its ``pytest11``
entry point), so every pytest run in the environment loads it, other projects'
included. It therefore imports nothing but pytest at load time: the emulator, which
needs the ``testing`` extra (``pip install 'langchain-gemini-vision[testing]'``), is
imported when one of its fixtures is first used, and a fixture used without the extra
fails with a message naming it.

Fixtures:
    ``gemini_emulator``: a fresh emulator per test, on a background thread.
    ``async_gemini_emulator``: a fresh emulator on the test's event loop (needs
        pytest-asyncio, which the extra brings; works in its strict and auto modes).
    ``gemini_emulator_session``: one emulator for the whole session (reset its
        faults and stats yourself if a test changes them).
    ``gemini_emulator_client``: a ``google.genai.Client`` pointed at
        ``gemini_emulator`` with SDK retries off.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest

from ._lazy_emulator import INSTALL_HINT, emulator_class

if TYPE_CHECKING:
    from google import genai

    from .emulator import GeminiEmulator

__all__ = [
    "emulator_class",
    "gemini_emulator",
    "gemini_emulator_client",
    "gemini_emulator_session",
]


@pytest.fixture
def gemini_emulator() -> Iterator[GeminiEmulator]:
    """A running emulator for one test (background thread, free loopback port)."""
    with emulator_class("gemini_emulator")() as emulator:
        yield emulator


@pytest.fixture(scope="session")
def gemini_emulator_session() -> Iterator[GeminiEmulator]:
    """One running emulator shared by the session."""
    with emulator_class("gemini_emulator_session")() as emulator:
        yield emulator


@pytest.fixture
def gemini_emulator_client(gemini_emulator: GeminiEmulator) -> Iterator[genai.Client]:
    """A google-genai client for ``gemini_emulator``, with SDK retries off."""
    from google import genai

    client = genai.Client(
        api_key="test-key",
        http_options={"base_url": gemini_emulator.base_url, "retry_options": {"attempts": 1}},
    )
    yield client
    client.close()


class _WithoutPytestAsyncio:
    """Stands in for ``async_gemini_emulator`` when pytest-asyncio is not active."""

    @pytest.fixture(name="async_gemini_emulator")
    def async_gemini_emulator(self) -> None:
        """Fails: an emulator on the test's event loop needs pytest-asyncio."""
        pytest.fail(
            "the async_gemini_emulator fixture needs pytest-asyncio, which the testing "
            f"extra brings: {INSTALL_HINT}",
            False,
        )


def pytest_configure(config: pytest.Config) -> None:
    """Add ``async_gemini_emulator``, made with pytest-asyncio when that plugin is active."""
    active = any(
        getattr(plugin, "__name__", None) == "pytest_asyncio.plugin"
        for plugin in config.pluginmanager.get_plugins()
    )
    if active:
        from . import _pytest_asyncio

        config.pluginmanager.register(_pytest_asyncio, "gemini_emulator_async")
    else:
        config.pluginmanager.register(_WithoutPytestAsyncio(), "gemini_emulator_async")
