"""Drawing detection results on images: boxes, readable labels, translucent masks.

Kept apart from the data (supervision's rule): this module reads
:class:`~langchain_gemini_vision.results.DetectionResult` and nothing imports it
except ``DetectionResult.draw``, the CLI and the report. Masks are blended
box-locally, so drawing a hundred masks never allocates a full-size array per mask.
"""

from __future__ import annotations

import io
from typing import TYPE_CHECKING, Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

if TYPE_CHECKING:
    from langchain_gemini_vision.results import DetectionResult

__all__ = ["PALETTE", "color_for_label", "draw_detections"]

#: Fixed, high-contrast colours (RGB); labels take them in sorted order.
PALETTE: tuple[tuple[int, int, int], ...] = (
    (230, 25, 75),
    (60, 180, 75),
    (0, 130, 200),
    (245, 130, 48),
    (145, 30, 180),
    (70, 240, 240),
    (240, 50, 230),
    (210, 245, 60),
    (250, 190, 212),
    (0, 128, 128),
    (220, 190, 255),
    (170, 110, 40),
    (255, 225, 25),
    (128, 0, 0),
    (170, 255, 195),
    (128, 128, 0),
    (255, 215, 180),
    (0, 0, 128),
    (128, 128, 128),
    (0, 0, 0),
)

Font = ImageFont.FreeTypeFont | ImageFont.ImageFont


def color_for_label(label: str, labels: list[str]) -> tuple[int, int, int]:
    """The palette colour of ``label`` among ``labels`` (distinct for up to 20 labels)."""
    ordered = sorted(set(labels))
    index = ordered.index(label) if label in ordered else 0
    return PALETTE[index % len(PALETTE)]


def _to_image(image: Image.Image | bytes | NDArray[Any]) -> Image.Image:
    if isinstance(image, Image.Image):
        source = image
    elif isinstance(image, (bytes, bytearray)):
        source = Image.open(io.BytesIO(image))
        source.load()
    elif isinstance(image, np.ndarray):
        array = image.astype(np.uint8) * 255 if image.dtype == bool else image
        source = Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8))
    else:
        raise TypeError(f"cannot draw on {type(image).__name__}; give a PIL image, bytes or array")
    # RGBA stays RGBA (keeps transparency); everything else is drawn in RGB.
    return source.convert("RGBA" if source.mode in {"RGBA", "LA", "PA"} else "RGB")


def _text_color(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = fill
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 150 else (255, 255, 255)


def _default_font(size: int) -> Font:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, ImportError):  # pragma: no cover - Pillow built without FreeType
        return ImageFont.load_default()


def draw_detections(
    image: Image.Image | bytes | NDArray[Any],
    result: DetectionResult,
    *,
    mask_alpha: float = 0.4,
    line_width: int | None = None,
    font: Font | None = None,
) -> Image.Image:
    """Draw boxes, labels and masks of ``result`` on a copy of ``image``.

    Labels sit on a filled background in the box's colour, above the box when
    there is room, with a font sized from the image. Colours come from
    :data:`PALETTE`, one per label. When ``image`` is not the size the result was
    computed for (a thumbnail, say), boxes and masks are scaled to it.

    Args:
        image: A PIL image (RGB, RGBA, L, ...), encoded image bytes, or an array.
        result: What to draw.
        mask_alpha: Opacity of mask tints, 0 (invisible) to 1 (solid).
        line_width: Box outline width in pixels; by default from the image size.
        font: A PIL font; by default Pillow's built-in font at an automatic size.

    Returns:
        A new image (RGB, or RGBA for inputs with transparency).

    Example:
        >>> result.draw(Image.open("street.jpg")).save("street-annotated.png")  # doctest: +SKIP
    """
    canvas = _to_image(image)
    width, height = canvas.size
    sx, sy = width / result.image_width, height / result.image_height
    labels = result.labels
    short_side = min(width, height)
    line = line_width if line_width is not None else max(1, round(short_side / 300))
    font = font or _default_font(max(10, min(48, round(short_side / 40))))
    alpha = min(max(mask_alpha, 0.0), 1.0)

    for det in result.detections:
        if det.mask is None or alpha == 0:
            continue
        x0, y0, x1, y1 = det.mask.bbox_xyxy
        local = det.mask.local
        if local.size == 0 or not local.any():
            continue
        # Box-local blend: crop, tint where the mask is set, paste back.
        bx0, by0 = round(x0 * sx), round(y0 * sy)
        bx1, by1 = max(bx0 + 1, round(x1 * sx)), max(by0 + 1, round(y1 * sy))
        bx1, by1 = min(bx1, width), min(by1, height)
        if bx0 >= bx1 or by0 >= by1:
            continue
        mask_img = Image.fromarray(local.astype(np.uint8) * round(255 * alpha), mode="L")
        if mask_img.size != (bx1 - bx0, by1 - by0):
            mask_img = mask_img.resize((bx1 - bx0, by1 - by0), Image.Resampling.NEAREST)
        region = canvas.crop((bx0, by0, bx1, by1))
        tint = Image.new(canvas.mode, region.size, color_for_label(det.label, labels))
        canvas.paste(Image.composite(tint, region, mask_img), (bx0, by0))

    draw = ImageDraw.Draw(canvas)
    for det in result.detections:
        color = color_for_label(det.label, labels)
        left_px, top_px, right_px, bottom_px = det.box
        box = (
            left_px * sx,
            top_px * sy,
            max(left_px * sx, right_px * sx - 1),
            max(top_px * sy, bottom_px * sy - 1),
        )
        draw.rectangle(box, outline=color, width=line)
        text = det.label if det.score is None else f"{det.label} {det.score:.2f}"
        left, top, right, bottom = draw.textbbox((0, 0), text, font=font)
        pad = max(1, line)
        text_w, text_h = right - left + 2 * pad, bottom - top + 2 * pad
        tx = min(max(0.0, box[0]), max(0.0, width - text_w))
        ty = box[1] - text_h if box[1] - text_h >= 0 else box[1]
        ty = min(max(0.0, ty), max(0.0, height - text_h))
        draw.rectangle((tx, ty, tx + text_w, ty + text_h), fill=color)
        draw.text((tx + pad - left, ty + pad - top), text, fill=_text_color(color), font=font)
    return canvas
