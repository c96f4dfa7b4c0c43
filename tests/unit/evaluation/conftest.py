"""Labelled scenes on disk (COCO JSON and a YOLO folder) and an emulator for the eval tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from langchain_gemini_vision.testing import GeminiEmulator, Scene, make_scene

SCENES: list[Scene] = [make_scene(320, 240, objects=4, seed=seed) for seed in range(6)]
"""Six scenes of four shapes each: 24 objects, whose truth the drawing knows."""
CLASSES: list[str] = sorted({o.label for s in SCENES for o in s.objects})


def write_dataset(root: Path, scenes: list[Scene] = SCENES) -> Path:
    """The scenes as a supervision dataset, saved as COCO (``images/``, ``coco.json``)
    and as a YOLO folder (``yolo/``); returns ``root``."""
    import supervision as sv

    images = root / "images"
    images.mkdir(parents=True, exist_ok=True)
    annotations = {}
    for index, scene in enumerate(scenes):
        path = images / f"scene-{index}.png"
        scene.image.save(path)
        annotations[str(path)] = sv.Detections(
            xyxy=np.array([o.box for o in scene.objects], dtype=np.float32),
            mask=np.stack([o.mask for o in scene.objects]),
            class_id=np.array([CLASSES.index(o.label) for o in scene.objects]),
        )
    dataset = sv.DetectionDataset(
        classes=CLASSES, images=list(annotations), annotations=annotations
    )
    dataset.as_coco(annotations_path=str(root / "coco.json"))
    dataset.as_yolo(
        images_directory_path=str(root / "yolo" / "images"),
        annotations_directory_path=str(root / "yolo" / "labels"),
        data_yaml_path=str(root / "yolo" / "data.yaml"),
    )
    return root


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emu:
        yield emu


@pytest.fixture(autouse=True)
def _exact(emulator: GeminiEmulator) -> Iterator[None]:
    yield
    emulator.degradation = None
    emulator.reroutes = {}


@pytest.fixture(scope="module")
def dataset_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dataset(tmp_path_factory.mktemp("labelled"))
