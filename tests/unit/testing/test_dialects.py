"""One answer, written the way each model generation writes it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from google import genai

from langchain_gemini_vision.testing import DIALECTS, SceneObject, dialect_for, make_scene

from .conftest import create
from .helpers import b64, strip_fence

SCENE = make_scene(
    400,
    300,
    [
        SceneObject("circle", "red", (20, 20, 100, 100)),
        SceneObject("square", "blue", (250, 150, 330, 230)),
    ],
)
SEGMENT = "Give the segmentation masks for the prominent items."
DETECT = "Detect all of the prominent items in the image."


def _ask(client: genai.Client, model: str, prompt: str, **kw: Any) -> str:
    result = create(
        client,
        model=model,
        input=[
            {"type": "text", "text": prompt},
            {"type": "image", "data": b64(SCENE.data), "mime_type": "image/png"},
        ],
        **kw,
    )
    return result.output_text or ""


def test_table_lookup_uses_the_longest_prefix() -> None:
    assert dialect_for("gemini-2.0-flash-001").family == "gemini-2.0"
    assert dialect_for("models/gemini-2.5-pro").family == "gemini-2.5-pro"
    assert dialect_for("gemini-3.8-flash-lite").mask_form == "none"
    assert dialect_for("gemini-3.8-flash").mask_form == "png"
    assert dialect_for("gemini-99-ultra").family == "gemini-3"  # unknown: newest behaviour
    assert len({d.family for d in DIALECTS}) == len(DIALECTS)


def test_gemini_2_0_fences_sometimes_after_prose_and_never_masks(client: genai.Client) -> None:
    texts = [_ask(client, "gemini-2.0-flash", f"{DETECT} Take {n}.") for n in range(8)]
    assert all("```json\n" in t for t in texts)
    with_prose = [t for t in texts if not t.startswith("```")]
    assert with_prose  # some answers start with a sentence ...
    assert len(with_prose) < len(texts)  # ... and some do not
    assert with_prose[0].startswith("Here are the bounding boxes")
    assert texts == [_ask(client, "gemini-2.0-flash", f"{DETECT} Take {n}.") for n in range(8)]
    items = json.loads(strip_fence(_ask(client, "gemini-2.0-flash", SEGMENT)))
    assert [sorted(i) for i in items] == [["box_2d", "label"]] * 2


def test_gemini_2_5_fences_with_png_masks(client: genai.Client) -> None:
    text = _ask(client, "gemini-2.5-flash", SEGMENT)
    assert text.startswith("```json\n[\n")
    assert text.endswith("\n```")
    items = json.loads(strip_fence(text))
    assert all(i["mask"].startswith("data:image/png;base64,") for i in items)


def test_gemini_3_bare_json_png_by_default_polygons_when_asked(client: genai.Client) -> None:
    detected = json.loads(_ask(client, "gemini-3-flash-preview", DETECT))
    assert [i["label"] for i in detected] == ["red circle", "blue square"]
    png = json.loads(_ask(client, "gemini-3-flash-preview", SEGMENT))
    assert png[0]["mask"].startswith("data:image/png;base64,")
    polygons = json.loads(_ask(client, "gemini-3-flash-preview", SEGMENT + " As polygons."))
    assert all(isinstance(p, list) and len(p) == 2 for p in polygons[0]["mask"])


def test_model_without_masks_returns_boxes_only(client: genai.Client) -> None:
    items = json.loads(_ask(client, "gemini-3.8-flash-lite", SEGMENT))
    assert [sorted(i) for i in items] == [["box_2d", "label"]] * 2


@pytest.mark.parametrize(
    "model", ["gemini-2.0-flash", "gemini-2.5-flash", "gemini-3-flash", "gemini-3.8-flash-lite"]
)
def test_with_a_schema_every_model_answers_bare_valid_json(
    client: genai.Client, model: str
) -> None:
    jsonschema = pytest.importorskip("jsonschema")
    schema = {
        "type": "object",
        "properties": {
            "boxes": {
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "box_2d": {"type": "array", "items": {"type": "integer"}},
                        "mask": {"type": "string"},
                        "label": {"type": "string"},
                    },
                    "required": ["box_2d", "mask", "label"],
                },
            }
        },
        "required": ["boxes"],
    }
    fmt = {"type": "text", "mime_type": "application/json", "schema": schema}
    text = _ask(client, model, SEGMENT, response_format=fmt)
    value = json.loads(text)  # bare: no fence, no prose
    jsonschema.validate(value, schema)
    masks = [b["mask"] for b in value["boxes"]]
    if dialect_for(model).mask_form == "none":
        assert masks == ["", ""]
    else:
        assert all(m.startswith("data:image/png;base64,") for m in masks)


def test_json_mode_without_schema_is_bare(client: genai.Client) -> None:
    fmt = {"type": "text", "mime_type": "application/json"}
    text = _ask(client, "gemini-2.5-flash", "Caption this image.", response_format=fmt)
    assert json.loads(text)["caption"].startswith("2 objects")
