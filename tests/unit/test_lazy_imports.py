"""The package imports what a call needs, and nothing more.

Importing ``langchain_gemini_vision`` used to load LangChain's tracers and the whole
of google-genai (about 2.5 s, and 110,000 more objects on the heap that every full
garbage collection walks). Public names are now resolved on first access, and the
lean transport never builds a ``genai.Client``.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

import langchain_gemini_vision


def _modules_after(code: str) -> set[str]:
    script = f"import sys\n{code}\nprint('\\n'.join(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=True, timeout=120
    )
    return set(done.stdout.split())


def test_lean_client_loads_neither_google_genai_nor_langchain_tracers() -> None:
    loaded = _modules_after(
        "from langchain_gemini_vision import GeminiVisionClient\n"
        "GeminiVisionClient(api_key='test-key', base_url='http://127.0.0.1:9')"
    )
    assert "langchain_gemini_vision.client" in loaded  # the probe did run
    assert not {m for m in loaded if m.startswith("google.genai")}
    assert "langchain_core.tracers" not in loaded


def test_making_scenes_does_not_load_the_emulator() -> None:
    loaded = _modules_after(
        "from langchain_gemini_vision.testing import make_scene\nmake_scene(32, 32, objects=1)"
    )
    assert "langchain_gemini_vision.testing.scenes" in loaded
    assert "langchain_gemini_vision.testing.emulator" not in loaded
    assert "scipy" not in loaded


def test_sdk_client_builds_its_genai_client_at_once() -> None:
    loaded = _modules_after(
        "from langchain_gemini_vision import GeminiVisionClient\n"
        "c = GeminiVisionClient(api_key='test-key', transport='sdk')\n"
        "assert c._genai is not None"
    )
    assert "google.genai" in loaded


def test_genai_client_is_built_once_on_first_access() -> None:
    client = langchain_gemini_vision.GeminiVisionClient(
        api_key="test-key", base_url="http://127.0.0.1:9", timeout=7.0
    )
    assert client._genai is None
    first = client.genai_client
    assert first is client.genai_client
    options = first._api_client._http_options
    assert options.base_url is not None
    assert options.base_url.rstrip("/") == "http://127.0.0.1:9"
    assert options.timeout == 7000


@pytest.mark.parametrize("name", langchain_gemini_vision.__all__)
def test_every_public_name_resolves(name: str) -> None:
    assert getattr(langchain_gemini_vision, name) is not None
    assert name in dir(langchain_gemini_vision)


def test_unknown_name_is_an_attribute_error() -> None:
    with pytest.raises(AttributeError, match="no attribute 'GeminiVisionClinet'"):
        _ = langchain_gemini_vision.GeminiVisionClinet  # type: ignore[attr-defined]


def test_a_genai_client_passed_in_is_the_one_used() -> None:
    from google import genai

    given = genai.Client(api_key="test-key")
    client = langchain_gemini_vision.GeminiVisionClient(api_key="test-key", genai_client=given)
    assert client.transport_name == "sdk"
    assert client.genai_client is given


@pytest.mark.parametrize(
    ("missing", "call", "extra"),
    [
        ("supervision", "detections", "supervision"),
        ("supervision", "points", "supervision"),
        ("supervision", "dataset", "eval"),
        ("pycocotools.cocoeval", "coco", "eval"),
    ],
)
def test_a_missing_extra_says_which_to_install(
    monkeypatch: pytest.MonkeyPatch, missing: str, call: str, extra: str
) -> None:
    """Each optional dependency is imported when used (``_lazy.optional_module``); when
    it is absent the ImportError names what needs it and the extra that brings it."""
    from langchain_gemini_vision.evaluation import dataset, metrics
    from langchain_gemini_vision.results import DetectionResult
    from langchain_gemini_vision.spatial import PointResult

    monkeypatch.setitem(sys.modules, missing, None)  # import of it raises ImportError
    calls = {
        "detections": DetectionResult(image_width=4, image_height=4).to_supervision,
        "points": PointResult(image_width=4, image_height=4).to_supervision,
        "dataset": dataset._supervision,
        "coco": metrics._pycocotools,
    }
    with pytest.raises(
        ImportError,
        match=rf"needs {missing.partition('.')[0]}: pip install "
        rf"'langchain-gemini-vision\[{extra}\]'",
    ):
        calls[call]()
