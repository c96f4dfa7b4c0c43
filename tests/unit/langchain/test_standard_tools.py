"""LangChain's standard unit tests, once per tool (no network: tools build clients lazily)."""

from __future__ import annotations

from typing import Any

from langchain_core.tools import BaseTool
from langchain_tests.unit_tests import ToolsUnitTests

from langchain_gemini_vision.image_store import ImageStore
from langchain_gemini_vision.tools import (
    GeminiAskTool,
    GeminiCaptionTool,
    GeminiCompareTool,
    GeminiDetectTool,
    GeminiSegmentTool,
)

_ENV: tuple[dict[str, str], dict[str, Any], dict[str, Any]] = (
    {"GEMINI_API_KEY": "env-key"},
    {},
    {"api_key": "env-key"},
)


class _Base(ToolsUnitTests):
    @property
    def tool_constructor_params(self) -> dict[str, Any]:
        return {"api_key": "test-key", "image_store": ImageStore({"photo": b"not read here"})}

    @property
    def init_from_env_params(self) -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        return _ENV


class TestCaptionToolUnit(_Base):
    @property
    def tool_constructor(self) -> type[BaseTool]:
        return GeminiCaptionTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"image": "photo"}


class TestCompareToolUnit(_Base):
    @property
    def tool_constructor(self) -> type[BaseTool]:
        return GeminiCompareTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"images": ["img_1", "img_2"], "prompt": "What moved?"}


class TestDetectionToolUnit(_Base):
    @property
    def tool_constructor(self) -> type[BaseTool]:
        return GeminiDetectTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"image": "photo", "query": "every circle", "max_objects": 10}


class TestSegmentationToolUnit(_Base):
    @property
    def tool_constructor(self) -> type[BaseTool]:
        return GeminiSegmentTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"image": "https://example.com/street.jpg", "query": "the cars"}


class TestQAToolUnit(_Base):
    @property
    def tool_constructor(self) -> type[BaseTool]:
        return GeminiAskTool

    @property
    def tool_invoke_params_example(self) -> dict[str, Any]:
        return {"images": ["photo"], "question": "How many circles are there?"}
