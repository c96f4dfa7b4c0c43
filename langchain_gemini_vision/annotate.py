"""Drawing detection results on images: boxes, readable labels, translucent masks.

Kept apart from the data (supervision's rule): this module reads
:class:`~langchain_gemini_vision.results.DetectionResult` and nothing imports it
except ``DetectionResult.draw``, the CLI and the report. Masks are blended
box-locally, so drawing a hundred masks never allocates a full-size array per mask.

Colours: :func:`label_colors` gives each label of a picture its own palette colour,
starting from the label's stable slot (:func:`~langchain_gemini_vision.results.label_class_id`),
so a label keeps its colour from one image to the next and the HTML report, which
uses the same function, shows it in the colour of the annotated PNG.
"""

from __future__ import annotations

import io
import os
from collections.abc import Iterable
from pathlib import PurePath
from typing import IO, TYPE_CHECKING, Any, TypeAlias

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw, ImageFont

from langchain_gemini_vision._label_ids import label_class_id
from langchain_gemini_vision.images import PreparedImage, load_image

if TYPE_CHECKING:
    from langchain_gemini_vision.results import DetectionResult

__all__ = ["PALETTE", "Drawable", "color_for_label", "draw_detections", "label_colors"]

Drawable: TypeAlias = (
    "Image.Image | NDArray[Any] | bytes | bytearray | memoryview | str | os.PathLike[str] "
    "| IO[bytes] | PreparedImage"
)
"""What can be drawn on: pixels (a PIL image, an array) as they are; anything else
(a path, a URL, encoded bytes, a file object, a ``PreparedImage``) is read as
:func:`~langchain_gemini_vision.images.load_image` reads it, upright."""

_READ = (bytes, bytearray, memoryview, str, PurePath, os.PathLike, PreparedImage)

#: Fixed, high-contrast colours (RGB); each label starts from its own stable slot.
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


def label_colors(labels: Iterable[str]) -> dict[str, tuple[int, int, int]]:
    """A palette colour per label of one picture: distinct for up to 20 labels.

    Each label takes its stable slot (``label_class_id(label) % 20``); when an earlier
    label (in sorted order) holds it, the next free one. So a label keeps its colour
    across images unless two labels of the same image share a slot.
    """
    colours: dict[str, tuple[int, int, int]] = {}
    taken: set[int] = set()
    for label in sorted(set(labels)):
        slot = label_class_id(label) % len(PALETTE)
        while slot in taken and len(taken) < len(PALETTE):
            slot = (slot + 1) % len(PALETTE)
        taken.add(slot)
        colours[label] = PALETTE[slot]
    return colours


def color_for_label(label: str, labels: Iterable[str] = ()) -> tuple[int, int, int]:
    """The colour of ``label`` in a picture with these ``labels`` (see :func:`label_colors`)."""
    return label_colors([*labels, label])[label]


def _to_image(image: Drawable) -> Image.Image:
    if isinstance(image, Image.Image):
        source = image
    elif isinstance(image, np.ndarray):
        array = image.astype(np.uint8) * 255 if image.dtype == bool else image
        source = Image.fromarray(np.ascontiguousarray(array, dtype=np.uint8))
    elif isinstance(image, _READ) or hasattr(image, "read"):
        source = _decoded(image)
    else:
        raise TypeError(
            f"cannot draw on {type(image).__name__}; give a path, a URL, encoded bytes, "
            "a file object, a PIL image or an array"
        )
    # RGBA stays RGBA (keeps transparency); everything else is drawn in RGB.
    return source.convert("RGBA" if source.mode in {"RGBA", "LA", "PA"} else "RGB")


def _decoded(image: Any) -> Image.Image:
    """Read ``image`` as the client would send it: checked, converted, upright (EXIF)."""
    prepared = image if isinstance(image, PreparedImage) else load_image(image, fetch=True)
    if prepared.data is None:
        msg = f"{prepared.source_label}: no pixels to draw on; pass the image itself"
        raise ValueError(msg)
    with Image.open(io.BytesIO(prepared.data)) as opened:
        opened.load()
        return opened.copy()


def _check_shape(width: int, height: int, result: DetectionResult) -> None:
    """Refuse a picture that is not the result's image, or a copy of it at one scale."""
    rw, rh = result.image_width, result.image_height
    # Proportional within a pixel of rounding on either side (a thumbnail, say).
    if abs(width * rh - height * rw) > max(rw, rh):
        msg = (
            f"the image is {width}x{height} but the result is for a {rw}x{rh} image: draw on "
            "the image the result was computed for (upright, as its EXIF orientation shows "
            "it), or on a copy scaled by the same factor both ways"
        )
        raise ValueError(msg)


def _text_color(fill: tuple[int, int, int]) -> tuple[int, int, int]:
    r, g, b = fill
    return (0, 0, 0) if 0.299 * r + 0.587 * g + 0.114 * b > 150 else (255, 255, 255)


def _default_font(size: int) -> Font:
    try:
        return ImageFont.load_default(size=size)
    except (OSError, ImportError):  # pragma: no cover - Pillow built without FreeType
        return ImageFont.load_default()


def draw_detections(
    image: Drawable,
    result: DetectionResult,
    *,
    mask_alpha: float = 0.4,
    line_width: int | None = None,
    font: Font | None = None,
) -> Image.Image:
    """Draw boxes, labels and masks of ``result`` on a copy of ``image``.

    Labels sit on a filled background in the box's colour, above the box when
    there is room, with a font sized from the image. Colours come from
    :func:`label_colors`, one per label. When ``image`` is a copy of the result's
    image at another scale (a thumbnail, say), boxes and masks are scaled to it.

    Args:
        image: A PIL image (RGB, RGBA, L, ...) or an array, drawn on as it is; or a path,
            URL, encoded bytes, file object or ``PreparedImage``, read as the client reads
            it (EXIF orientation applied, as the boxes assume).
        result: What to draw.
        mask_alpha: Opacity of mask tints, 0 (invisible) to 1 (solid).
        line_width: Box outline width in pixels; by default from the image size.
        font: A PIL font; by default Pillow's built-in font at an automatic size.

    Returns:
        A new image (RGB, or RGBA for inputs with transparency).

    Raises:
        ValueError: The image's shape is not the result's (another image, or the
            picture before its EXIF rotation).
        ImageInputError: A path, URL or bytes that cannot be read as an image.

    Example:
        >>> result.draw(Image.open("street.jpg")).save("street-annotated.png")  # doctest: +SKIP
    """
    canvas = _to_image(image)
    width, height = canvas.size
    _check_shape(width, height, result)
    sx, sy = width / result.image_width, height / result.image_height
    colours = label_colors(result.labels)
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
        tint = Image.new(canvas.mode, region.size, colours[det.label])
        canvas.paste(Image.composite(tint, region, mask_img), (bx0, by0))

    draw = ImageDraw.Draw(canvas)
    for det in result.detections:
        color = colours[det.label]
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
