"""Issue 20's must-show: retrieval quality on generated scenes with known contents, offline.

200 scenes of 1-4 flat shapes (three backgrounds, a third JPEG at quality 60); 20 text queries naming a colour and a shape, written
from the scenes' ground truth (what was drawn), never from anything the emulator
computed. Image vectors come from the emulator's embedding route (pixel analysis,
see ``testing/embedding_space.py``), over HTTP, as Gemini's would; caption vectors
embed the emulator's captions (also read from the pixels) as text. A shuffled
control (the same vectors given to the wrong images) shows the measure can fail.

recall@5 of a query = relevant images among the top 5 / min(5, relevant images).
"""

from __future__ import annotations

import random

import numpy as np
import pytest

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.embeddings import GeminiEmbeddings
from langchain_gemini_vision.testing import GeminiEmulator, Scene, make_scene

IMAGES = 200
QUERIES = 20
TOP = 5
COLOURS = (
    "red", "green", "blue", "yellow", "orange", "purple", "cyan",
    "magenta", "black", "gray", "brown", "pink",
)  # fmt: skip
SHAPES = ("circle", "square", "rectangle", "triangle")
# A square is a rectangle: a query for rectangles is answered by squares too.
COUNTS_AS = {"rectangle": {"rectangle", "square"}}
TEMPLATES = (
    "a {c} {s}",
    "photos showing a {c} {s}",
    "Which images contain a {c} {s}?",
    "find the picture with the {c} {s} in it",
)


def _scenes() -> list[Scene]:
    """Varied on purpose: 1-4 shapes, three backgrounds, a third of them JPEG at quality 60."""
    rng = random.Random(2020)
    return [
        make_scene(
            240,
            180,
            objects=rng.randint(1, 4),
            seed=10_000 + i,
            background=("white", "black", "yellow")[i % 3],
            format="JPEG" if i % 3 == 1 else "PNG",
            quality=60,
        )
        for i in range(IMAGES)
    ]


def _queries(scenes: list[Scene]) -> list[tuple[str, set[int]]]:
    """20 (query text, relevant image indices), from the ground truth alone."""
    rng = random.Random(7)
    pairs = [(c, s) for c in COLOURS for s in SHAPES]
    rng.shuffle(pairs)
    queries: list[tuple[str, set[int]]] = []
    for colour, shape in pairs:
        wanted = COUNTS_AS.get(shape, {shape})
        relevant = {
            i
            for i, scene in enumerate(scenes)
            if any(o.color == colour and o.shape in wanted for o in scene.objects)
        }
        if relevant:
            text = TEMPLATES[len(queries) % len(TEMPLATES)].format(c=colour, s=shape)
            queries.append((text, relevant))
        if len(queries) == QUERIES:
            return queries
    raise AssertionError("the scenes hold fewer than 20 colour-shape pairs")


def _recall(vectors: np.ndarray, queries: list[tuple[str, set[int]]], asked: np.ndarray) -> float:
    scores = asked @ vectors.T
    recalls = []
    for row, (_, relevant) in zip(scores, queries, strict=True):
        top = set(np.argsort(-row, kind="stable")[:TOP].tolist())
        recalls.append(len(top & relevant) / min(TOP, len(relevant)))
    return float(np.mean(recalls))


@pytest.mark.slow
def test_recall_at_5_of_image_embeddings_and_of_captions(emu: GeminiEmulator) -> None:
    scenes = _scenes()
    queries = _queries(scenes)
    embeddings = GeminiEmbeddings(api_key="test-key", base_url=emu.base_url)
    images = np.array(embeddings.embed_images([s.data for s in scenes]))
    asked = np.array([embeddings.embed_query(text) for text, _ in queries])
    image_recall = _recall(images, queries, asked)

    with GeminiVisionClient(api_key="test-key", base_url=emu.base_url) as client:
        captions = client.map(client.caption, [s.data for s in scenes])
    caption_texts = [c.text for c in captions]  # type: ignore[union-attr]
    caption_recall = _recall(np.array(embeddings.embed_documents(caption_texts)), queries, asked)

    shuffled = images[np.random.default_rng(0).permutation(IMAGES)]
    control = _recall(shuffled, queries, asked)
    print(
        f"\nrecall@{TOP} over {IMAGES} images, {QUERIES} queries: image embeddings "
        f"{image_recall:.3f}, captions {caption_recall:.3f}, shuffled control {control:.3f}"
    )
    assert image_recall >= 0.9
    assert control < 0.5  # the measure is not met by any vectors whatever
    assert caption_recall > control
