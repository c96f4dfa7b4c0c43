"""Decoding Gemini answers the way a client does, written out in the tests on purpose.

These helpers do not import the package's own parsing: the emulator's output is
checked against ground truth with independent, obvious code.
"""

from __future__ import annotations

import base64
import io
import json
import re
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

Box = tuple[float, float, float, float]


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def strip_fence(text: str) -> str:
    """The JSON inside a ```json fence, or the text itself."""
    match = re.search(r"```(?:json)?\s*\n(.*?)\n?```", text, re.DOTALL)
    return match.group(1) if match else text


def load_items(text: str) -> list[dict[str, Any]]:
    value = json.loads(strip_fence(text))
    if isinstance(value, dict):
        value = value["boxes"]
    assert isinstance(value, list)
    return value


def box_2d_to_xyxy(box_2d: list[int], width: int, height: int) -> Box:
    """Gemini's [ymin, xmin, ymax, xmax] in 0-1000 -> pixel (x0, y0, x1, y1): x = v/1000*W."""
    ymin, xmin, ymax, xmax = box_2d
    return (xmin / 1000 * width, ymin / 1000 * height, xmax / 1000 * width, ymax / 1000 * height)


def box_iou(a: Box, b: Box) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union if union > 0 else 0.0


def mask_iou(a: NDArray[np.bool_], b: NDArray[np.bool_]) -> float:
    union = np.logical_or(a, b).sum()
    return float(np.logical_and(a, b).sum() / union) if union else 0.0


def png_mask_to_full(item: dict[str, Any], width: int, height: int) -> NDArray[np.bool_]:
    """The cookbook decode: truncate the box to pixels, resize the map bilinearly, > 127."""
    ymin, xmin, ymax, xmax = item["box_2d"]
    y0, x0 = int(ymin / 1000 * height), int(xmin / 1000 * width)
    y1, x1 = int(ymax / 1000 * height), int(xmax / 1000 * width)
    prefix = "data:image/png;base64,"
    assert item["mask"].startswith(prefix)
    png = Image.open(io.BytesIO(base64.b64decode(item["mask"][len(prefix) :])))
    assert png.mode == "L"
    resized = np.asarray(png.resize((x1 - x0, y1 - y0), Image.Resampling.BILINEAR))
    full = np.zeros((height, width), dtype=bool)
    full[y0:y1, x0:x1] = resized > 127
    return full


def polygon_to_full(item: dict[str, Any], width: int, height: int) -> NDArray[np.bool_]:
    """Rasterise [[x, y], ...] in 0-1000 with PIL."""
    points = [(round(x / 1000 * width), round(y / 1000 * height)) for x, y in item["mask"]]
    canvas = Image.new("1", (width, height), 0)
    ImageDraw.Draw(canvas).polygon(points, fill=1)
    return np.asarray(canvas, dtype=bool)
