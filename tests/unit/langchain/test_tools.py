"""The tools: image references, errors the model can act on, artifacts, async, config safety."""

from __future__ import annotations

import base64
import io
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest
from langchain_core.load import dumpd, dumps
from langchain_core.messages import AIMessage, HumanMessage, ToolMessage
from langchain_core.tools import BaseTool
from PIL import Image
from pydantic import BaseModel

from langchain_gemini_vision._transport.retry import RetryPolicy
from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.errors import ConfigurationError, OutputParsingError
from langchain_gemini_vision.image_store import ImageStore
from langchain_gemini_vision.results import Caption, DetectionResult, ImageComparison, VisualAnswer
from langchain_gemini_vision.testing import GeminiEmulator, Scene
from langchain_gemini_vision.toolkit import GeminiVisionToolkit
from langchain_gemini_vision.tools import (
    GeminiAskTool,
    GeminiCaptionTool,
    GeminiCompareTool,
    GeminiDetectTool,
    GeminiSegmentTool,
)

SECRET = "AIza" + "SyTHIS-IS-A-SECRET-KEY-0123456789"


def call(tool: BaseTool, **args: Any) -> ToolMessage:
    message = tool.invoke({"type": "tool_call", "id": "call_1", "name": tool.name, "args": args})
    assert isinstance(message, ToolMessage)
    return message


async def acall(tool: BaseTool, **args: Any) -> ToolMessage:
    message = await tool.ainvoke(
        {"type": "tool_call", "id": "call_1", "name": tool.name, "args": args}
    )
    assert isinstance(message, ToolMessage)
    return message


@pytest.fixture
def detect_tool(settings: dict[str, str], store: ImageStore) -> GeminiDetectTool:
    return GeminiDetectTool(**settings, image_store=store)


# ----------------------------------------------------------------------------- results


def test_detection_by_image_id_gives_summary_and_artifact(
    detect_tool: GeminiDetectTool, scene5: Scene
) -> None:
    message = call(detect_tool, image="img_2")
    assert message.status == "success"
    assert isinstance(message.content, str)
    assert message.content.startswith("Image 400x300 px. 5 objects: ")
    for obj in scene5.objects:
        assert obj.label in message.content
    result = DetectionResult.model_validate(message.artifact)
    assert sorted(result.labels) == sorted(o.label for o in scene5.objects)
    assert result.usage.total_tokens > 0


async def test_async_detection_matches_sync(detect_tool: GeminiDetectTool, scene: Scene) -> None:
    sync, asyn = call(detect_tool, image="img_1"), await acall(detect_tool, image="img_1")
    assert sync.content == asyn.content
    assert len(DetectionResult.model_validate(asyn.artifact)) == len(scene.objects)


def test_plain_invoke_returns_the_content(detect_tool: GeminiDetectTool) -> None:
    assert detect_tool.invoke({"image": "img_1", "max_objects": 1}).startswith(
        "Image 320x240 px. 1 object:"
    )


def test_each_tool_answers_with_text_and_a_typed_artifact(
    settings: dict[str, str], store: ImageStore, scene: Scene
) -> None:
    caption = call(GeminiCaptionTool(**settings, image_store=store), image="img_1")
    assert Caption.model_validate(caption.artifact).text == caption.content

    compare = call(GeminiCompareTool(**settings, image_store=store), images=["img_1", "img_2"])
    comparison = ImageComparison.model_validate(compare.artifact)
    assert comparison.summary in str(compare.content)
    assert "Differences:" in str(compare.content)

    segment = call(GeminiSegmentTool(**settings, image_store=store), image="img_1")
    assert len(DetectionResult.model_validate(segment.artifact)) == len(scene.objects)

    qa = GeminiAskTool(**settings, image_store=store)
    answer = call(
        qa, images="img_1", question="How many objects are there?"
    )  # a bare id is accepted
    assert "3" in str(answer.content)
    assert VisualAnswer.model_validate(answer.artifact).text == answer.content


def test_qa_with_owner_schema_returns_json(settings: dict[str, str], store: ImageStore) -> None:
    class Count(BaseModel):
        count: int

    qa = GeminiAskTool(**settings, image_store=store, answer_schema=Count)
    message = call(qa, images=["img_1"], question="How many objects?")
    assert message.content.startswith("{")  # type: ignore[union-attr]
    assert "count" in message.artifact["data"]


def test_annotated_image_is_opt_in(
    settings: dict[str, str], store: ImageStore, scene: Scene
) -> None:
    tool = GeminiDetectTool(**settings, image_store=store, return_annotated_image=True)
    message = call(tool, image="img_1")
    content: list[Any] = list(message.content)
    text, image = content
    assert text["type"] == "text"
    assert text["text"].startswith("Image 320x240")
    assert image["type"] == "image"
    assert image["mime_type"] == "image/png"
    drawn = Image.open(io.BytesIO(base64.b64decode(image["base64"])))
    assert drawn.size == (scene.width, scene.height)
    assert drawn.tobytes() != Image.open(io.BytesIO(scene.data)).convert(drawn.mode).tobytes()


def test_allowed_local_path_is_read(settings: dict[str, str], tmp_path: Path, scene: Scene) -> None:
    (tmp_path / "scene.png").write_bytes(scene.data)
    tool = GeminiDetectTool(**settings, reference_dirs=[tmp_path])
    message = call(tool, image=str(tmp_path / "scene.png"))
    assert message.status == "success"
    assert "3 objects" in str(message.content)


# ----------------------------------------------------------------------------- model-facing errors


@pytest.mark.parametrize(
    ("reference", "expected"),
    [
        ("img_99", "no image is registered under this id (known ids: img_1, img_2)"),
        ("/etc/passwd", "does not read local files"),
        ("../secrets/photo.png", "does not read local files"),
        ("ftp://example.com/a.png", "ftp:// is not accepted"),
        ("file:///etc/passwd", "file:// is not accepted"),
        ("http://127.0.0.1:9/cat.png", "non-public address"),
        ("https:///no-host.png", "no host"),
        ("data:image/png;base64,iVBORw0KGgo=", "refer to the image by its id"),
        ("iVBORw0KGgo" + "A" * 200, "refer to the image by its id"),
        ("latest", "'latest' is not enabled"),
        ("   ", "empty"),
    ],
)
def test_bad_references_come_back_as_tool_errors(
    detect_tool: GeminiDetectTool, emu: GeminiEmulator, reference: str, expected: str
) -> None:
    message = call(detect_tool, image=reference)
    assert message.status == "error"
    assert expected in str(message.content)
    assert message.artifact is None
    assert sum(emu.stats.requests.values()) == 0  # nothing was sent to Gemini


async def test_bad_references_come_back_as_tool_errors_async(
    detect_tool: GeminiDetectTool,
) -> None:
    message = await acall(detect_tool, image="img_42")
    assert message.status == "error"
    assert "img_42" in str(message.content)


def test_path_outside_allowed_dirs_is_refused(
    settings: dict[str, str], tmp_path: Path, scene: Scene
) -> None:
    inside, outside = tmp_path / "inside", tmp_path / "outside"
    inside.mkdir()
    outside.mkdir()
    (outside / "scene.png").write_bytes(scene.data)
    (inside / "link.png").symlink_to(outside / "scene.png")
    tool = GeminiDetectTool(**settings, reference_dirs=[inside])
    for path in (
        outside / "scene.png",
        inside / "link.png",
        inside / ".." / "outside" / "scene.png",
    ):
        message = call(tool, image=str(path))
        assert message.status == "error"
        assert "outside the allowed directories" in str(message.content)
    missing = call(tool, image=str(inside / "missing.png"))
    assert missing.status == "error"
    assert "no such file" in str(missing.content)


def test_unusable_answers_and_exhausted_retries_are_tool_errors(
    emu: GeminiEmulator, store: ImageStore
) -> None:
    client = GeminiVisionClient(
        api_key="k", base_url=emu.base_url, retry=RetryPolicy(max_attempts=2, initial_delay=0)
    )
    tool = GeminiDetectTool(client=client, image_store=store)
    emu.faults.inject("interactions", 429)
    message = call(tool, image="img_1")
    assert message.status == "error"
    assert "GeminiVisionRateLimitError" in str(message.content)
    assert "rate limited" in str(message.content)
    emu.faults.clear()

    def unparseable(*_: Any, **__: Any) -> DetectionResult:
        raise OutputParsingError("the answer is not JSON", raw_text="I see shapes")

    client.run = unparseable  # type: ignore[method-assign]  # every task call
    message = call(tool, image="img_1")
    assert message.status == "error"
    assert "OutputParsingError: the answer is not JSON" in str(message.content)


def test_programming_errors_still_raise(store: ImageStore) -> None:
    tool = GeminiDetectTool(image_store=store)  # no key anywhere
    with pytest.raises(ConfigurationError):
        call(tool, image="img_1")


def test_argument_validation_errors_are_not_swallowed(
    detect_tool: GeminiDetectTool,
) -> None:
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        call(detect_tool, image="img_1", max_objects=0)


# ----------------------------------------------------------------------------- configuration safety


def test_arguments_cannot_change_the_tools_configuration(
    settings: dict[str, str], emu: GeminiEmulator, tmp_path: Path, scene: Scene, store: ImageStore
) -> None:
    (tmp_path / "scene.png").write_bytes(scene.data)
    tool = GeminiDetectTool(**settings, image_store=store)
    schema = tool.tool_call_schema.model_json_schema()  # type: ignore[union-attr]
    assert set(schema["properties"]) == {"image", "query", "max_objects"}
    message = call(
        tool,
        image=str(tmp_path / "scene.png"),
        allowed_dirs=[str(tmp_path)],
        model="gemini-evil",
        base_url="http://attacker.example",
        api_key="stolen",
        runtime={"state": {}},
    )
    assert message.status == "error"
    assert "does not read local files" in str(message.content)
    assert tool.reference_dirs is None
    ok = call(tool, image="img_1", model="gemini-evil")
    assert ok.status == "success"
    assert ok.artifact["model"] == "gemini-3-flash-preview"
    assert tool.get_client().base_url == emu.base_url


def test_injected_runtime_is_hidden_from_the_model(detect_tool: GeminiDetectTool) -> None:
    for tool in GeminiVisionToolkit(client=detect_tool.get_client()).get_tools():
        properties = tool.tool_call_schema.model_json_schema()["properties"]  # type: ignore[union-attr]
        assert "runtime" not in properties
        assert all(p.get("description") for p in properties.values())


# ----------------------------------------------------------------------------- "latest" image


def _runtime(messages: list[Any]) -> SimpleNamespace:
    return SimpleNamespace(state={"messages": messages})


def test_latest_image_comes_from_the_newest_user_message(
    settings: dict[str, str], scene: Scene, scene5: Scene
) -> None:
    def block(data: bytes) -> dict[str, str]:
        return {
            "type": "image",
            "base64": base64.b64encode(data).decode(),
            "mime_type": "image/png",
        }

    messages = [
        HumanMessage(content=[{"type": "text", "text": "first"}, block(scene.data)]),
        AIMessage(content="ok"),
        HumanMessage(content=[{"type": "text", "text": "and this one"}, block(scene5.data)]),
        ToolMessage(
            content=[block(scene.data)], tool_call_id="x"
        ),  # tool output is not "the user's image"
        HumanMessage(content="how many?"),
    ]
    tool = GeminiDetectTool(**settings, allow_latest_image=True)
    message = tool.invoke(
        {
            "type": "tool_call",
            "id": "c",
            "name": tool.name,
            "args": {"image": "latest", "runtime": _runtime(messages)},
        }
    )
    assert "5 objects" in str(message.content)


def test_latest_image_errors(settings: dict[str, str]) -> None:
    tool = GeminiDetectTool(**settings, allow_latest_image=True)
    outside = call(tool, image="latest")
    assert outside.status == "error"
    assert "inside an agent" in str(outside.content)
    no_image = tool.invoke(
        {
            "type": "tool_call",
            "id": "c",
            "name": tool.name,
            "args": {"image": "latest", "runtime": _runtime([HumanMessage(content="hi")])},
        }
    )
    assert no_image.status == "error"
    assert "contains an image" in str(no_image.content)


def test_latest_url_block_never_reads_the_disk(settings: dict[str, str]) -> None:
    tool = GeminiDetectTool(**settings, allow_latest_image=True)
    messages = [HumanMessage(content=[{"type": "image", "url": "/etc/passwd"}])]
    message = tool.invoke(
        {
            "type": "tool_call",
            "id": "c",
            "name": tool.name,
            "args": {"image": "latest", "runtime": _runtime(messages)},
        }
    )
    assert message.status == "error"


# ----------------------------------------------------------------------------- toolkit and serialisation


def test_toolkit_tools_share_one_client(settings: dict[str, str], store: ImageStore) -> None:
    toolkit = GeminiVisionToolkit(**settings, image_store=store, return_annotated_image=True)
    tools = toolkit.get_tools()
    assert [t.name for t in tools] == [
        "gemini_caption_image",
        "gemini_compare_images",
        "gemini_detect_objects",
        "gemini_segment_objects",
        "gemini_ask_about_images",
        "gemini_point_objects",
    ]
    clients = {id(t.get_client()) for t in tools}  # type: ignore[attr-defined]
    assert clients == {id(toolkit.get_client())}
    assert all(t.image_store is store for t in tools)  # type: ignore[attr-defined]
    assert tools[2].return_annotated_image  # type: ignore[attr-defined]
    for tool in tools:
        assert tool.handle_tool_error is True
        assert tool.response_format == "content_and_artifact"
    call(tools[2], image="img_1")
    assert toolkit.get_client().usage.total_tokens > 0


def test_toolkit_include_and_tool_kwargs(settings: dict[str, str]) -> None:
    class Count(BaseModel):
        count: int

    tools = GeminiVisionToolkit(
        **settings, include=["detect", "ask"], tool_kwargs={"ask": {"answer_schema": Count}}
    ).get_tools()
    assert [t.name for t in tools] == ["gemini_detect_objects", "gemini_ask_about_images"]
    assert tools[1].answer_schema is Count  # type: ignore[attr-defined]
    with pytest.raises(ValueError, match="not included"):
        GeminiVisionToolkit(**settings, include=["detect"], tool_kwargs={"ask": {}}).get_tools()


@pytest.mark.parametrize(
    "cls",
    [
        GeminiCaptionTool,
        GeminiCompareTool,
        GeminiDetectTool,
        GeminiSegmentTool,
        GeminiAskTool,
    ],
)
def test_tool_serialisation_never_contains_the_key(
    cls: type[BaseTool], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", SECRET)
    for tool in (cls(), cls(api_key=SECRET), cls(client=GeminiVisionClient(api_key=SECRET))):
        tool.get_client()  # type: ignore[attr-defined]
        for text in (dumps(tool), str(dumpd(tool)), repr(tool), str(tool.model_dump())):
            assert SECRET not in text
    toolkit = GeminiVisionToolkit(api_key=SECRET)
    for text in (
        repr(toolkit),
        toolkit.model_dump_json(),
        str([dumps(t) for t in toolkit.get_tools()]),
    ):
        assert SECRET not in text
