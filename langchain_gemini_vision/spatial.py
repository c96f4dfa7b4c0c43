"""Spatial results beyond 2D boxes: points (the ``point`` task) and 3D boxes.

Gemini points as ``{"point": [y, x], "label": ...}`` on 0-1000, y first like
``box_2d``; a :class:`Point` keeps that and the pixel position in the original image.
A :class:`PointResult` converts to JSON, to supervision's ``KeyPoints`` (one keypoint
per object) and draws itself. ``box_3d`` answers (``[x, y, z, x_size, y_size, z_size,
roll, pitch, yaw]``, metres and degrees in the camera's frame) read as :class:`Box3D`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from langchain_gemini_vision._label_ids import label_class_id
from langchain_gemini_vision._lazy import optional_module
from langchain_gemini_vision.usage import Usage

if TYPE_CHECKING:
    from PIL import Image

__all__ = ["Box3D", "Point", "PointResult"]

_DOT_RADIUS_PER_SIDE = 0.012


class Point(BaseModel):
    """One object pointed at."""

    model_config = ConfigDict(frozen=True)

    label: str = "object"
    """What the point names."""
    point_yx: tuple[float, float]
    """As the model gave it: ``(y, x)`` on 0-1000."""
    xy: tuple[float, float]
    """Pixels of the original image: ``(x, y)``."""


class Box3D(BaseModel):
    """One 3D box as Gemini gives it (no camera model: not projected to pixels)."""

    model_config = ConfigDict(frozen=True)

    label: str = "object"
    center: tuple[float, float, float]
    """``(x, y, z)`` centre, metres."""
    size: tuple[float, float, float]
    """``(x, y, z)`` extents, metres."""
    rotation: tuple[float, float, float]
    """``(roll, pitch, yaw)``, degrees."""


class PointResult(BaseModel):
    """Points in one image; behaves like a sequence of :class:`Point`.

    Example:
        >>> p = Point(label="cup", point_yx=(500, 250), xy=(160, 120))
        >>> PointResult(points=[p], image_width=640, image_height=240).summary()
        '1 point: cup at (160, 120) px'
    """

    model_config = ConfigDict(frozen=True)

    points: list[Point] = Field(default_factory=list)
    image_width: int = Field(gt=0)
    image_height: int = Field(gt=0)
    model: str = ""
    usage: Usage = Field(default_factory=Usage)
    raw_text: str = ""
    truncated: bool = False
    warnings: list[str] = Field(default_factory=list)
    elapsed_s: float | None = None

    def __len__(self) -> int:
        return len(self.points)

    def __iter__(self) -> Iterator[Point]:  # type: ignore[override]
        return iter(self.points)

    def __getitem__(self, index: int) -> Point:
        return self.points[index]

    @property
    def labels(self) -> list[str]:
        """Each point's label, in order."""
        return [p.label for p in self.points]

    def summary(self) -> str:
        """One line an LLM reads: how many points, each label and pixel position."""
        if not self.points:
            return "no points"
        noun = "point" if len(self.points) == 1 else "points"
        where = "; ".join(f"{p.label} at ({p.xy[0]:.0f}, {p.xy[1]:.0f}) px" for p in self.points)
        return f"{len(self.points)} {noun}: {where}"

    def to_json(self, *, indent: int | None = None) -> str:
        """The result as JSON (``PointResult.model_validate_json`` reads it back)."""
        return self.model_dump_json(indent=indent)

    def to_supervision(self) -> Any:
        """An ``sv.KeyPoints``: one object per point, one keypoint each (``xy`` shape
        ``(N, 1, 2)``), ``class_id`` each label's stable id, ``data["class_name"]`` the
        labels (needs the ``supervision`` extra)."""
        sv = optional_module("supervision", extra="supervision", needed_for="to_supervision()")
        xy = np.array([[p.xy] for p in self.points], dtype=np.float32).reshape(-1, 1, 2)
        return sv.KeyPoints(
            xy=xy,
            class_id=np.array([label_class_id(p.label) for p in self.points], dtype=int),
            data={"class_name": np.array(self.labels, dtype=str)},
        )

    def draw(self, image: Image.Image) -> Image.Image:
        """A copy of ``image`` (the original, upright) with a labelled dot per point."""
        from PIL import ImageDraw

        from langchain_gemini_vision.annotate import label_colors

        out = image.convert("RGB")
        pen = ImageDraw.Draw(out)
        radius = max(3, round(_DOT_RADIUS_PER_SIDE * max(out.size)))
        colours = label_colors(self.labels)
        for p in self.points:
            x, y = p.xy
            pen.ellipse((x - radius, y - radius, x + radius, y + radius), fill=colours[p.label],
                        outline="white")  # fmt: skip
            pen.text((x + radius + 2, y - radius), p.label, fill=colours[p.label])
        return out
