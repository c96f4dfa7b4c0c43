"""LangChain's standard integration tests for every tool, replayed from cassettes.

The cassettes (``cassettes/emulator/test_tools_standard/``) were recorded from the
local emulator; every response carries its ``x-emulator`` header
(``tests/unit/test_cassette_hygiene.py`` checks them). Re-record with
``pytest tests/integration/test_tools_standard.py --record-mode=rewrite``.
"""

from __future__ import annotations

from typing import Any

import pytest
from langchain_core.tools import BaseTool
from langchain_tests.integration_tests import ToolsIntegrationTests

from langchain_gemini_vision.image_store import ImageStore
from langchain_gemini_vision.tools import (
    GeminiAskTool,
    GeminiCaptionTool,
    GeminiCompareTool,
    GeminiDetectTool,
    GeminiSegmentTool,
)

from .conftest import asset

pytestmark = pytest.mark.vcr

# The backend's address and key, set per test by the autouse fixture below; the
# cassettes match on method, path and body, so the emulator's port does not matter.
_BACKEND: dict[str, Any] = {}


@pytest.fixture(autouse=True)
def _backend(backend: tuple[str | None, str]) -> None:
    _BACKEND["base_url"], _BACKEND["api_key"] = backend


def _store() -> ImageStore:
    return ImageStore(
        {
            "scene": asset("scene_wide.png").read_bytes(),
            "before": asset("pair_before.png").read_bytes(),
            "after": asset("pair_after.png").read_bytes(),
        }
    )


class _Base(ToolsIntegrationTests):
    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {
            "api_key": _BACKEND["api_key"],
            "base_url": _BACKEND["base_url"],
            "model": "gemini-3-flash-preview",
            "image_store": _store(),
        }


class TestCaptionTool(_Base):
    @property
    def tool_constructor(self) -> type[BaseTool]:
        return GeminiCaptionTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"image": "scene"}


class TestCompareTool(_Base):
    @property
    def tool_constructor(self) -> type[BaseTool]:
        return GeminiCompareTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"images": ["before", "after"]}


class TestDetectionTool(_Base):
    @property
    def tool_constructor(self) -> type[BaseTool]:
        return GeminiDetectTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"image": "scene"}


class TestSegmentationTool(_Base):
    @property
    def tool_constructor(self) -> type[BaseTool]:
        return GeminiSegmentTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"image": "scene", "query": "the shapes"}


class TestQATool(_Base):
    @property
    def tool_constructor(self) -> type[BaseTool]:
        return GeminiAskTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"images": ["scene"], "question": "How many shapes are there?"}
