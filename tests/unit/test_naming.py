"""One naming scheme, keyed on the task (issue 17 item 6), and the old names still work.

Runnables are ``Gemini<Task>Runnable``, Tools ``Gemini<Task>Tool``; tool names and result
types are unchanged. The old names resolve to the same classes with a
``DeprecationWarning`` (for one minor version), from the package root and from their
modules. ``PreparedImage.placement`` is where an image goes (inline, Files API, URI):
``transport`` is the client's (lean, SDK), and the image's old ``transport`` warns.
"""

from __future__ import annotations

import importlib
import warnings
from pathlib import Path

import pytest

import langchain_gemini_vision
from langchain_gemini_vision import GeminiVisionClient, load_image
from langchain_gemini_vision.testing import make_scene

# task -> client method, Runnable, Tool, tool name, result
TABLE = {
    "caption": ("caption", "GeminiCaptionRunnable", "GeminiCaptionTool", "gemini_caption_image", "Caption"),
    "compare": ("compare", "GeminiCompareRunnable", "GeminiCompareTool", "gemini_compare_images", "ImageComparison"),
    "detect": ("detect", "GeminiDetectRunnable", "GeminiDetectTool", "gemini_detect_objects", "DetectionResult"),
    "segment": ("segment", "GeminiSegmentRunnable", "GeminiSegmentTool", "gemini_segment_objects", "DetectionResult"),
    "ask": ("ask", "GeminiAskRunnable", "GeminiAskTool", "gemini_ask_about_images", "VisualAnswer"),
}  # fmt: skip

OLD_NAMES = {
    "runnables": {
        "GeminiImageCaptioner": "GeminiCaptionRunnable",
        "GeminiImageComparer": "GeminiCompareRunnable",
        "GeminiObjectDetector": "GeminiDetectRunnable",
        "GeminiImageSegmenter": "GeminiSegmentRunnable",
        "GeminiImageQA": "GeminiAskRunnable",
    },
    "tools": {
        "GeminiImageCaptionTool": "GeminiCaptionTool",
        "GeminiImageCompareTool": "GeminiCompareTool",
        "GeminiObjectDetectionTool": "GeminiDetectTool",
        "GeminiImageSegmentationTool": "GeminiSegmentTool",
        "GeminiImageQATool": "GeminiAskTool",
    },
}
PAIRS = [(module, old, new) for module, names in OLD_NAMES.items() for old, new in names.items()]


@pytest.mark.parametrize("task", list(TABLE))
def test_every_task_has_one_name_in_every_layer(task: str) -> None:
    from langchain_gemini_vision import results
    from langchain_gemini_vision.tasks import get_task

    method, runnable, tool, tool_name, result = TABLE[task]
    spec = get_task(task)
    assert callable(getattr(GeminiVisionClient, method))
    assert callable(getattr(GeminiVisionClient, "a" + method))
    runnable_class = getattr(langchain_gemini_vision, runnable)
    tool_class = getattr(langchain_gemini_vision, tool)
    assert runnable_class.task is spec
    assert tool_class.task is spec
    assert tool_class.model_fields["name"].default == tool_name == spec.tool_name
    assert spec.result is getattr(results, result)
    assert runnable_class.__name__ == runnable and tool_class.__name__ == tool
    assert runnable in langchain_gemini_vision.__all__ and tool in langchain_gemini_vision.__all__


@pytest.mark.parametrize(("module", "old", "new"), PAIRS, ids=[p[1] for p in PAIRS])
def test_each_old_name_warns_and_still_works(module: str, old: str, new: str) -> None:
    where = importlib.import_module(f"langchain_gemini_vision.{module}")
    for namespace in (langchain_gemini_vision, where):
        with pytest.warns(DeprecationWarning, match=f"{old} is deprecated.*{new}"):
            value = getattr(namespace, old)
        assert value is getattr(where, new)
    assert old not in langchain_gemini_vision.__all__
    assert old not in where.__all__
    with pytest.warns(DeprecationWarning, match=old):
        exec(f"from langchain_gemini_vision.{module} import {old}", {})


def test_an_old_runnable_name_builds_a_working_object() -> None:
    from langchain_gemini_vision.testing import MockTransport

    mock = MockTransport(lambda _request: '{"caption": "Still works."}')
    with pytest.warns(DeprecationWarning, match="GeminiCaptionRunnable"):
        from langchain_gemini_vision import GeminiImageCaptioner  # type: ignore[attr-defined]
    captioner = GeminiImageCaptioner(api_key="k", transport=mock)
    assert captioner.invoke(make_scene(32, 32, objects=1).data).text == "Still works."


def test_the_readme_table_names_each_task_in_every_layer() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text()
    for task, (method, runnable, tool, tool_name, result) in TABLE.items():
        row = f"| `{task}` | `client.{method}` | `{runnable}` | `{tool}` | `{tool_name}` | `{result}` |"
        assert row in readme, row


def test_new_names_do_not_warn() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error", DeprecationWarning)
        for _task, (_m, runnable, tool, _n, _r) in TABLE.items():
            getattr(langchain_gemini_vision, runnable)
            getattr(langchain_gemini_vision, tool)


def test_a_prepared_images_placement_is_not_called_transport() -> None:
    image = load_image(make_scene(32, 32, objects=1).data)
    assert image.placement == "inline"
    assert "placement='inline'" in repr(image)
    with pytest.warns(DeprecationWarning, match="placement"):
        assert image.transport == "inline"  # type: ignore[attr-defined]
    url = load_image("https://example.com/cat.png")
    assert url.placement == "uri"


def test_the_old_transport_keyword_and_type_name_still_work_with_a_warning() -> None:
    from langchain_gemini_vision import images
    from langchain_gemini_vision.images import PreparedImage

    with pytest.warns(DeprecationWarning, match="use placement") as caught:
        image = PreparedImage(transport="uri", uri="gs://bucket/o")  # type: ignore[call-arg]
    assert image.placement == "uri"
    assert caught[0].filename == __file__  # the warning points at the caller's line
    with pytest.warns(DeprecationWarning, match="use Placement"):
        assert images.Transport is images.Placement
