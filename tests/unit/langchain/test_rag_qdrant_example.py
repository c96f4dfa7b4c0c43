"""examples/rag_qdrant.py runs end to end on the emulator, on an embedded Qdrant (no server).

Captions, image vectors and the answer are computed by the emulator from the pixels;
the question is written from the scenes' ground truth, independently of any of it.
"""

from __future__ import annotations

import base64
from pathlib import Path

import pytest

from langchain_gemini_vision.testing import GeminiEmulator, make_scene

from .test_examples import _load

pytest.importorskip("langchain_qdrant", reason="the rag extra")
pytest.importorskip("langchain_google_genai", reason="the rag extra")


@pytest.mark.slow
def test_rag_example_finds_the_image_by_text_and_answers_having_seen_it(
    emu: GeminiEmulator, tmp_path: Path
) -> None:
    folder = tmp_path / "photos"
    folder.mkdir()
    scenes = [make_scene(320, 240, objects=3, seed=seed) for seed in range(12)]
    for seed, scene in enumerate(scenes):
        (folder / f"scene_{seed:02d}.png").write_bytes(scene.data)
    labels = [{o.label for o in scene.objects} for scene in scenes]
    target, label = next(
        (i, lab)
        for i, own in enumerate(labels)
        for lab in sorted(own)
        if sum(lab in other for other in labels) == 1
    )
    emu.clear_requests()
    example = _load("rag_qdrant")
    done = example.main(
        folder,
        f"Which image shows a {label}?",
        base_url=emu.base_url,
        api_key="test-key",
        qdrant_path=tmp_path / "qdrant",
        k=3,
    )
    assert done["image_ids"][0] == f"scene_{target:02d}.png"
    assert len(done["image_ids"]) == 3
    # Both kinds of vector were indexed and both found the target.
    assert set(done["documents"][0].metadata["retrieved_by"]) == {"caption", "image"}
    # The answering model (Gemini's chat model, here on the emulator) saw exactly the images.
    (answered,) = [r for r in emu.requests if r.route == "generate_content"]
    sent = [
        base64.urlsafe_b64decode(part["inlineData"]["data"] + "==")
        for part in answered.json["contents"][0]["parts"]
        if "inlineData" in part
    ]
    assert sent == [(folder / name).read_bytes() for name in done["image_ids"]]
    assert label in done["answer"]
    # The collection lives on disk, one caption and one image point per picture; a second
    # run upserts the same points instead of adding copies.
    example.main(
        folder,
        "anything",
        base_url=emu.base_url,
        api_key="test-key",
        qdrant_path=tmp_path / "qdrant",
        k=1,
    )
    from qdrant_client import QdrantClient

    qdrant = QdrantClient(path=str(tmp_path / "qdrant"))
    try:
        assert qdrant.count(example.COLLECTION).count == 2 * len(scenes)
    finally:
        qdrant.close()
