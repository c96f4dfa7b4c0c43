"""A labelled dataset read through supervision: COCO JSON, a YOLO folder, a ``DetectionDataset``.

Every source becomes a :class:`LabelledDataset`: its class names and, per image, the
encoded bytes sent to Gemini and the truth (pixel boxes, class names, full-size masks
when the source has them). supervision does the reading (``DetectionDataset.from_coco``
/ ``from_yolo``), so the formats' corners (polygons, crowd regions, YOLO's normalised
centres) are its well-tested code, not ours.
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from langchain_gemini_vision._lazy import optional_module

__all__ = ["LabelledDataset", "LabelledImage", "from_supervision", "load_coco", "load_yolo"]


@dataclass(frozen=True)
class LabelledImage:
    """One image and its truth.

    Attributes:
        image_id: A stable name for the image (its file name, or its key).
        data: The encoded image sent to the model.
        width: Width in pixels.
        height: Height in pixels.
        boxes: ``(x_min, y_min, x_max, y_max)`` pixel boxes, one per object.
        labels: Each object's class name.
        masks: Each object's full-size boolean mask, or ``None`` (boxes only).
    """

    image_id: str
    data: bytes = field(repr=False)
    width: int
    height: int
    boxes: tuple[tuple[float, float, float, float], ...]
    labels: tuple[str, ...]
    masks: tuple[NDArray[np.bool_], ...] | None = field(default=None, repr=False)


@dataclass(frozen=True)
class LabelledDataset:
    """Class names and labelled images, in a stable order."""

    classes: tuple[str, ...]
    images: tuple[LabelledImage, ...]

    def __len__(self) -> int:
        return len(self.images)


def _supervision() -> Any:
    return optional_module("supervision", extra="eval", needed_for="evaluation datasets")


def load_coco(
    annotations: str | Path, images_dir: str | Path, *, masks: bool = False
) -> LabelledDataset:
    """A COCO JSON file and its images folder (``masks=True`` reads the polygons/RLE)."""
    sv = _supervision()
    dataset = sv.DetectionDataset.from_coco(
        images_directory_path=str(images_dir), annotations_path=str(annotations), force_masks=masks
    )
    return from_supervision(dataset)


def load_yolo(folder: str | Path, *, masks: bool = False) -> LabelledDataset:
    """A YOLO folder: ``images/``, ``labels/`` and ``data.yaml`` (the class names)."""
    sv = _supervision()
    root = Path(folder)
    dataset = sv.DetectionDataset.from_yolo(
        images_directory_path=str(root / "images"),
        annotations_directory_path=str(root / "labels"),
        data_yaml_path=str(root / "data.yaml"),
        force_masks=masks,
    )
    return from_supervision(dataset)


def from_supervision(dataset: Any) -> LabelledDataset:
    """A supervision ``DetectionDataset`` (images by path, or in memory as BGR arrays)."""
    classes = tuple(str(c) for c in dataset.classes)
    images: list[LabelledImage] = []
    for key in sorted(dataset.annotations):
        detections = dataset.annotations[key]
        data, width, height = _encoded(key, dataset)
        ids = [] if detections.class_id is None else [int(i) for i in detections.class_id]
        boxes = tuple(
            (float(x0), float(y0), float(x1), float(y1)) for x0, y0, x1, y1 in detections.xyxy
        )
        masks = (
            None if detections.mask is None else tuple(np.asarray(m, bool) for m in detections.mask)
        )
        images.append(
            LabelledImage(
                image_id=Path(key).name,
                data=data,
                width=width,
                height=height,
                boxes=boxes,
                labels=tuple(classes[i] for i in ids),
                masks=masks,
            )
        )
    return LabelledDataset(classes=classes, images=tuple(images))


def _encoded(key: str, dataset: Any) -> tuple[bytes, int, int]:
    """The image's bytes as stored (a path), or PNG-encoded (an in-memory BGR array)."""
    held: dict[str, Any] = getattr(dataset, "_images_in_memory", None) or {}
    array = held.get(key)
    if array is None:
        data = Path(key).read_bytes()
        with Image.open(io.BytesIO(data)) as image:
            return data, image.width, image.height
    rgb = np.ascontiguousarray(np.asarray(array)[..., ::-1])
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="PNG")
    return out.getvalue(), int(rgb.shape[1]), int(rgb.shape[0])
