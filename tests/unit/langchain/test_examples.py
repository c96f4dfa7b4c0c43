"""The examples run end to end against the emulator (their main(), as a user would call it)."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path
from types import ModuleType

from langchain_core.embeddings import DeterministicFakeEmbedding
from langchain_core.messages import AIMessage, BaseMessage, HumanMessage, SystemMessage
from PIL import Image

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.results import DetectionResult
from langchain_gemini_vision.testing import Scene, make_scene

from ._scripted import ScriptedChatModel, tool_call
from .test_agent import answer_from_last_detection

EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"examples_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


def test_agent_example_answers_with_the_right_count(
    client: GeminiVisionClient, scene5: Scene
) -> None:
    example = _load("agent_example")
    model = ScriptedChatModel(
        steps=[
            tool_call("gemini_detect_objects", {"image": "img_1"}, "c1"),
            answer_from_last_detection,
        ]
    )
    state = example.main(scene5.data, "How many objects?", chat_model=model, client=client)
    assert example.final_answer(state).startswith(f"There are {len(scene5.objects)} objects")
    assert model.bound_tools == [
        "gemini_caption_image",
        "gemini_detect_objects",
        "gemini_ask_about_images",
    ]
    first_prompt = model.seen[0]
    assert isinstance(first_prompt[0], SystemMessage)
    assert "img_1" in first_prompt[-1].text


def test_lcel_example_detects_draws_and_saves(
    client: GeminiVisionClient, scene: Scene, tmp_path: Path
) -> None:
    example = _load("lcel_detect_draw")
    source = tmp_path / "scene.png"
    source.write_bytes(scene.data)
    out = tmp_path / "annotated.png"
    done = example.main(source, out, client=client)
    assert done["path"] == out
    assert out.exists()
    result: DetectionResult = done["result"]
    assert sorted(result.labels) == sorted(o.label for o in scene.objects)
    with Image.open(out) as drawn, Image.open(source) as original:
        assert drawn.size == original.size
        assert drawn.convert("RGB").tobytes() != original.convert("RGB").tobytes()
    only = example.main(scene.data, tmp_path / "one.png", scene.objects[0].label, client=client)
    assert only["result"].labels == [scene.objects[0].label]


def _answer_from_context(messages: list[BaseMessage]) -> AIMessage:
    """A scripted model: the file whose description names what the question asks about."""
    system = next(m for m in messages if isinstance(m, SystemMessage)).text
    question = next(m for m in messages if isinstance(m, HumanMessage)).text
    wanted = re.search(r"shows an? (.+?)\?", question)
    assert wanted is not None
    hits = [
        line.split("]")[0].lstrip("[") for line in system.splitlines() if wanted.group(1) in line
    ]
    return AIMessage(content=f"Found in: {', '.join(Path(h).name for h in hits)}")


def test_rag_example_answers_from_captions(client: GeminiVisionClient, tmp_path: Path) -> None:
    example = _load("rag_example")
    scenes = [make_scene(200, 150, objects=2, seed=s) for s in (11, 12, 13)]
    for i, scene in enumerate(scenes):
        (tmp_path / f"photo_{i}.png").write_bytes(scene.data)
    labels = [{o.label for o in s.objects} for s in scenes]
    unique = next(
        (i, lab)
        for i, s in enumerate(labels)
        for lab in s
        if sum(lab in other for other in labels) == 1
    )
    model = ScriptedChatModel(steps=[_answer_from_context])
    done = example.main(
        tmp_path,
        f"Which image shows a {unique[1]}?",
        client=client,
        embeddings=DeterministicFakeEmbedding(size=32),
        chat_model=model,
    )
    assert done["answer"] == f"Found in: photo_{unique[0]}.png"
    assert sorted(Path(s).name for s in done["sources"]) == [
        "photo_0.png",
        "photo_1.png",
        "photo_2.png",
    ]
    assert all(doc.metadata["labels"] for doc in done["documents"])
