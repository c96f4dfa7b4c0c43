"""The emulator's embedding route, driven by google-genai's own ``models.embed_content``.

Vectors come from what the pixels and the words say (``testing/embedding_space.py``);
what Gemini refuses, the emulator refuses with the same typed 400s and 404s.
"""

from __future__ import annotations

import base64
from typing import Any

import httpx2
import numpy as np
import pytest
from google import genai
from google.genai import errors, types

from langchain_gemini_vision.testing import GeminiEmulator, SceneObject, make_scene
from langchain_gemini_vision.testing.embedding_space import text_concepts

MODEL = "gemini-embedding-2"


def _embed(client: genai.Client, *contents: Any, **config: Any) -> np.ndarray:
    result = client.models.embed_content(
        model=MODEL,
        contents=[types.Content(parts=[c]) for c in contents],
        config=types.EmbedContentConfig(**config),
    )
    assert result.embeddings is not None
    return np.array([e.values for e in result.embeddings])


def _image(shape: str, colour: str, seed: int) -> types.Part:
    scene = make_scene(160, 120, [SceneObject(shape, colour)], seed=seed)  # type: ignore[arg-type]
    return types.Part.from_bytes(data=scene.data, mime_type="image/png")


def test_the_sdk_embeds_text_and_images_in_one_space(client: genai.Client) -> None:
    images = _embed(
        client,
        _image("circle", "red", 1),
        _image("square", "blue", 2),
        _image("square", "red", 3),
        output_dimensionality=256,
    )
    (query,) = _embed(
        client, types.Part.from_text(text="a red circle"), task_type="RETRIEVAL_QUERY"
    )
    assert images.shape == (3, 256)
    assert query.shape == (3072,)
    scores = images @ query[:256] / np.linalg.norm(query[:256])
    assert scores[0] == max(scores)
    assert scores[2] > scores[1]  # the colour matches, not the shape
    assert np.allclose(np.linalg.norm(images, axis=1), 1.0)
    again = _embed(client, _image("circle", "red", 1), output_dimensionality=256)
    assert np.array_equal(again[0], images[0])  # computed, and the same every time


def test_an_uploaded_image_embeds_like_the_inline_one(client: genai.Client) -> None:
    scene = make_scene(160, 120, [SceneObject("triangle", "green")], seed=4)
    import io

    uploaded = client.files.upload(file=io.BytesIO(scene.data), config={"mime_type": "image/png"})
    assert uploaded.uri is not None
    by_file = _embed(client, types.Part.from_uri(file_uri=uploaded.uri, mime_type="image/png"))
    inline = _embed(client, types.Part.from_bytes(data=scene.data, mime_type="image/png"))
    assert np.array_equal(by_file, inline)


def test_text_concepts_pair_each_shape_with_the_colours_before_it() -> None:
    both = text_concepts("red and blue circles")
    red, blue = text_concepts("a red circle"), text_concepts("a blue circle")
    # Both pairs, each colour, and the shape once.
    assert np.allclose(both, red + blue - text_concepts("circles"))
    assert not np.allclose(both, text_concepts("red circles and blue squares"))
    # A colour followed by "background" names the background, not a shape.
    on_white = text_concepts("a red circle on a white background")
    assert np.array_equal(on_white, text_concepts("a red circle on a background"))
    assert not np.array_equal(text_concepts("hello world"), text_concepts("goodbye moon"))


def _post(emulator: GeminiEmulator, model: str, body: Any) -> httpx2.Response:
    return httpx2.post(
        f"{emulator.base_url}/v1beta/models/{model}:batchEmbedContents",
        json=body,
        headers={"x-goog-api-key": "test-key"},
    )


def _entry(*parts: dict[str, Any], model: str = MODEL) -> dict[str, Any]:
    return {"content": {"parts": list(parts)}, "model": f"models/{model}"}


PNG = base64.b64encode(make_scene(64, 48, objects=1, seed=5).data).decode()
IMAGE = {"inline_data": {"data": PNG, "mime_type": "image/png"}}


@pytest.mark.parametrize(
    ("model", "body", "status", "message"),
    [
        ("gemini-3-flash-preview", {"requests": [_entry({"text": "x"})]}, 404, "not supported"),
        (
            MODEL,
            {"requests": [_entry({"text": "x"}, model="gemini-embedding-001")]},
            400,
            "batch's model",
        ),
        (
            MODEL,
            {"requests": [{**_entry({"text": "x"}), "dimensions": 8}]},
            400,
            'Unknown name "dimensions"',
        ),
        (MODEL, {"requests": [_entry({"text": "x"})] * 101}, 400, "at most 100 requests"),
        (MODEL, {"requests": [_entry(*[IMAGE] * 7)]}, 400, "at most 6 images"),
        (
            "gemini-embedding-001",
            {"requests": [_entry(IMAGE, model="gemini-embedding-001")]},
            400,
            "text only",
        ),
        (
            MODEL,
            {"requests": [_entry({"inline_data": {"data": "AAAA", "mime_type": "image/png"}})]},
            400,
            "Unable to process input image",
        ),
        (MODEL, {"requests": []}, 400, "at least one request"),
    ],
    ids=[
        "generation-model",
        "other-model",
        "unknown-field",
        "101-requests",
        "7-images",
        "text-only-model",
        "bad-image",
        "empty",
    ],
)
def test_what_gemini_refuses_is_refused(
    gemini_emulator: GeminiEmulator, model: str, body: Any, status: int, message: str
) -> None:
    response = _post(gemini_emulator, model, body)
    assert response.status_code == status
    assert message in response.json()["error"]["message"]


def test_the_sdk_sees_a_refusal_as_its_client_error(client: genai.Client) -> None:
    with pytest.raises(errors.ClientError) as raised:
        client.models.embed_content(model="gemini-3-flash-preview", contents="x")
    assert raised.value.code == 404
