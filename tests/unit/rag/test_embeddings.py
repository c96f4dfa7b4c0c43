"""Image embeddings: images and text in one vector space, through Gemini's embedding API."""

from __future__ import annotations

import math

from langchain_gemini_vision.testing import GeminiEmulator, SceneObject, make_scene


def _cosine(a: list[float], b: list[float]) -> float:
    dot = sum(x * y for x, y in zip(a, b, strict=True))
    return dot / (math.sqrt(sum(x * x for x in a)) * math.sqrt(sum(y * y for y in b)))


def test_an_image_of_a_red_circle_is_nearest_to_the_text_a_red_circle(emu: GeminiEmulator) -> None:
    from langchain_gemini_vision import GeminiImageEmbeddings

    embeddings = GeminiImageEmbeddings(
        api_key="test-key", base_url=emu.base_url, output_dimensionality=256
    )
    red_circle = make_scene(160, 120, [SceneObject("circle", "red")], seed=1)
    blue_square = make_scene(160, 120, [SceneObject("square", "blue")], seed=2)
    red_square = make_scene(160, 120, [SceneObject("square", "red")], seed=3)
    images = embeddings.embed_images([red_circle.data, blue_square.data, red_square.data])
    query = embeddings.embed_query("a red circle")
    assert all(len(v) == 256 for v in [*images, query])
    scores = [_cosine(query, image) for image in images]
    assert scores[0] == max(scores)
    assert scores[2] > scores[1]  # the colour matches, not the shape
