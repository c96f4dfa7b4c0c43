"""One answer item read as a point (``{"point": [y, x]}``) or a 3D box (``box_3d``).

Pure readers: :mod:`.detections` uses them to read a point answer, and to say what a
detection answer holds when it holds points or 3D boxes instead of 2D boxes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from langchain_gemini_vision.errors import OutputParsingError
from langchain_gemini_vision.parsing.json_text import extract_json
from langchain_gemini_vision.spatial import Box3D, Point

__all__ = [
    "POINT_KEYS",
    "ParsedPoints",
    "parse_points",
    "read_box_3d",
    "read_point",
    "spatial_form",
]

POINT_KEYS: tuple[str, ...] = ("point", "point_2d", "keypoint")
"""Keys of a point ``[y, x]`` on 0-1000."""
BOX_3D_KEYS: tuple[str, ...] = ("box_3d", "bbox_3d")
"""Keys of a 3D box ``[x, y, z, x_size, y_size, z_size, roll, pitch, yaw]``."""


def _numbers(value: Any, count: int) -> tuple[float, ...] | None:
    if not isinstance(value, (list, tuple)) or len(value) != count:
        return None
    try:
        numbers = tuple(float(v) for v in value if not isinstance(v, bool))
    except (TypeError, ValueError):
        return None
    return numbers if len(numbers) == count and all(map(math.isfinite, numbers)) else None


def _value(item: Mapping[str, Any], keys: tuple[str, ...]) -> Any:
    lowered = {k.lower(): v for k, v in item.items() if isinstance(k, str)}
    return next((lowered[k] for k in keys if k in lowered), None)


def _label(item: Mapping[str, Any]) -> str:
    label = _value(item, ("label", "name", "class"))
    return label.strip() if isinstance(label, str) and label.strip() else "object"


def read_point(item: Any, resolution_wh: tuple[int, int]) -> Point | None:
    """The point an item holds (``[y, x]`` on 0-1000, clamped), in pixels; else ``None``."""
    if not isinstance(item, Mapping):
        return None
    yx = _numbers(_value(item, POINT_KEYS), 2)
    if yx is None:
        return None
    y, x = (min(max(v, 0.0), 1000.0) for v in yx)
    width, height = resolution_wh
    return Point(label=_label(item), point_yx=(y, x), xy=(x / 1000 * width, y / 1000 * height))


def read_box_3d(item: Any) -> Box3D | None:
    """The 3D box an item holds; else ``None``."""
    if not isinstance(item, Mapping):
        return None
    values = _numbers(_value(item, BOX_3D_KEYS), 9)
    if values is None:
        return None
    return Box3D(label=_label(item), center=values[:3], size=values[3:6], rotation=values[6:])


def spatial_form(
    items: list[Any], resolution_wh: tuple[int, int]
) -> tuple[str, list[Point] | list[Box3D]] | None:
    """``("point", points)`` or ``("box_3d", boxes)`` when every readable item is one."""
    points = [p for p in (read_point(i, resolution_wh) for i in items) if p is not None]
    if points and len(points) == len(items):
        return "point", points
    boxes = [b for b in (read_box_3d(i) for i in items) if b is not None]
    if boxes and len(boxes) == len(items):
        return "box_3d", boxes
    return None


@dataclass(frozen=True)
class ParsedPoints:
    """A point answer read: the points, whether it was cut off, what was repaired."""

    points: list[Point]
    truncated: bool = False
    warnings: list[str] = field(default_factory=list)


def _point_items(value: Any) -> list[Any] | None:
    """A bare list, one point object, or a list under any key of an object."""
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        if _value(value, POINT_KEYS) is not None:
            return [value]
        return next((v for v in value.values() if isinstance(v, list)), None)
    return None


def parse_points(
    text: str, *, resolution_wh: tuple[int, int], truncated_hint: bool = False
) -> ParsedPoints:
    """Read a point answer: ``[{"point": [y, x], "label": ...}, ...]`` on 0-1000.

    Raises:
        OutputParsingError: No JSON list of points; or items none of which is a point
            (a 2D or 3D box answer says so).
    """
    extraction = extract_json(text, accept=lambda v: _point_items(v) is not None)
    items = _point_items(extraction.value) or []
    warnings = list(extraction.warnings)
    points: list[Point] = []
    for index, item in enumerate(items):
        point = read_point(item, resolution_wh)
        if point is None:
            warnings.append(f"item {index}: dropped: no point [y, x]")
            continue
        points.append(point)
    if items and not points:
        msg = f"none of the {len(items)} items holds a point [y, x] (keys: {', '.join(POINT_KEYS)})"
        raise OutputParsingError(msg, raw_text=text)
    truncated = extraction.truncated or truncated_hint
    return ParsedPoints(points=points, truncated=truncated, warnings=warnings)
