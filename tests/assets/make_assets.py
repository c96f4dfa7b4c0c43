"""Regenerate the tiny checked-in test images and their ground truth.

Cassettes match requests by body, and bodies carry the image bytes, so the
integration tests use these fixed files rather than images drawn at test time
(a newer Pillow could encode the same scene to different bytes).

Run: ``python tests/assets/make_assets.py``
"""

from __future__ import annotations

import json
from pathlib import Path

from langchain_gemini_vision.testing import SceneObject, make_scene

HERE = Path(__file__).resolve().parent

SCENES = {
    "scene_wide.png": {"width": 320, "height": 180, "objects": 3, "seed": 21},
    "scene_tall.jpg": {"width": 180, "height": 280, "objects": 2, "seed": 23, "format": "JPEG"},
    "scene_rotated.jpg": {
        "width": 300,
        "height": 200,
        "objects": 2,
        "seed": 23,
        "format": "JPEG",
        "exif_orientation": 6,
    },
}


def main() -> None:
    truth: dict[str, object] = {}
    for name, options in SCENES.items():
        scene = make_scene(**options)  # type: ignore[arg-type]
        (HERE / name).write_bytes(scene.data)
        truth[name] = {
            "width": scene.image.width,
            "height": scene.image.height,
            "objects": [{"label": o.label, "box": list(o.box)} for o in scene.objects],
        }
    before = make_scene(
        320,
        180,
        objects=[
            SceneObject("circle", "red", (20, 20, 80, 80)),
            SceneObject("square", "blue", (200, 60, 260, 120)),
        ],
    )
    after = make_scene(
        320,
        180,
        objects=[
            SceneObject("circle", "red", (20, 20, 80, 80)),
            SceneObject("square", "blue", (120, 60, 180, 120)),
            SceneObject("triangle", "green", (240, 100, 300, 160)),
        ],
    )
    for name, scene in (("pair_before.png", before), ("pair_after.png", after)):
        (HERE / name).write_bytes(scene.data)
        truth[name] = {
            "width": scene.image.width,
            "height": scene.image.height,
            "objects": [{"label": o.label, "box": list(o.box)} for o in scene.objects],
        }
    (HERE / "truth.json").write_text(json.dumps(truth, indent=2) + "\n")


if __name__ == "__main__":
    main()
