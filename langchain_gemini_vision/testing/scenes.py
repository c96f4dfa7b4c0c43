"""Synthetic scenes with ground truth: flat-coloured shapes on a plain background.

:func:`make_scene` draws circles, squares, rectangles and triangles (no
anti-aliasing) in the palette of :mod:`._palette` and returns the encoded
bytes together with each object's label, pixel box and full-size mask, all in
the frame of the *upright* image. With ``exif_orientation`` the bytes hold the
image stored sideways or mirrored plus the EXIF tag, so applying the tag (as
:func:`PIL.ImageOps.exif_transpose` does) gives back the upright scene.

Example:
    >>> scene = make_scene(640, 360, 3, seed=1)
    >>> [o.label for o in scene.objects]  # doctest: +SKIP
    ['red circle', 'blue square', 'green triangle']
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass, field
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageDraw

from ._palette import PALETTE, SHAPES, Shape

__all__ = [
    "GroundTruthObject",
    "ImageFormat",
    "Scene",
    "SceneObject",
    "make_noise_image",
    "make_scene",
]

ImageFormat = Literal["PNG", "JPEG", "WEBP"]

_MIME: Final[dict[str, str]] = {"PNG": "image/png", "JPEG": "image/jpeg", "WEBP": "image/webp"}
_EXIF_ORIENTATION_TAG: Final = 0x0112
# The transform that *undoes* each EXIF orientation (the inverse of what
# exif_transpose applies), so stored = undo(upright) and transpose(stored) = upright.
_STORE_TRANSFORM: Final[dict[int, Image.Transpose | None]] = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}
_GAP: Final = 8  # pixels kept free between objects so same-coloured ones never touch


@dataclass(frozen=True)
class SceneObject:
    """What to draw: a shape, a palette colour and, optionally, where.

    Attributes:
        shape: ``"circle"``, ``"square"``, ``"rectangle"`` or ``"triangle"``.
        color: A palette colour name (see ``PALETTE``).
        box: ``(x_min, y_min, x_max, y_max)`` in pixels of the upright image,
            max exclusive; ``None`` places the object at random without overlap.
    """

    shape: Shape
    color: str
    box: tuple[int, int, int, int] | None = None


@dataclass(frozen=True)
class GroundTruthObject:
    """One drawn object, measured from the pixels that were painted.

    Attributes:
        label: ``"<color> <shape>"``, the label the emulator gives it.
        color: Palette colour name.
        shape: Shape name.
        box: ``(x_min, y_min, x_max, y_max)`` pixels of the upright image, max exclusive.
        mask: Boolean ``(height, width)`` array of the upright image.
    """

    label: str
    color: str
    shape: Shape
    box: tuple[int, int, int, int]
    mask: NDArray[np.bool_] = field(repr=False, compare=False)


@dataclass(frozen=True)
class Scene:
    """An encoded synthetic image and its ground truth.

    Attributes:
        data: The encoded file (possibly stored rotated, with an EXIF tag).
        image: The upright RGB image the truth refers to.
        objects: Ground truth, in the upright frame.
        format: ``"PNG"``, ``"JPEG"`` or ``"WEBP"``.
        background: Background colour name.
        exif_orientation: The EXIF orientation written, or ``None``.
    """

    data: bytes = field(repr=False)
    image: Image.Image = field(repr=False)
    objects: list[GroundTruthObject]
    format: ImageFormat
    background: str
    exif_orientation: int | None = None

    @property
    def width(self) -> int:
        """Width of the upright image."""
        return self.image.width

    @property
    def height(self) -> int:
        """Height of the upright image."""
        return self.image.height

    @property
    def mime_type(self) -> str:
        """MIME type of :attr:`data`."""
        return _MIME[self.format]


def _draw_mask(shape: Shape, box: tuple[int, int, int, int], size: tuple[int, int]) -> Image.Image:
    x0, y0, x1, y1 = box
    mask = Image.new("1", size, 0)
    draw = ImageDraw.Draw(mask)
    corners = (x0, y0, x1 - 1, y1 - 1)
    if shape == "circle":
        draw.ellipse(corners, fill=1)
    elif shape in ("square", "rectangle"):
        draw.rectangle(corners, fill=1)
    else:
        draw.polygon([(x0, y1 - 1), ((x0 + x1 - 1) / 2, y0), (x1 - 1, y1 - 1)], fill=1)
    return mask


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return not (
        a[2] + _GAP <= b[0] or b[2] + _GAP <= a[0] or a[3] + _GAP <= b[1] or b[3] + _GAP <= a[1]
    )


def _random_specs(count: int, rng: random.Random, background: str) -> list[SceneObject]:
    colors = [c for c in PALETTE if c != background]
    return [SceneObject(shape=rng.choice(SHAPES), color=rng.choice(colors)) for _ in range(count)]


def _place(
    specs: list[SceneObject], width: int, height: int, rng: random.Random
) -> list[tuple[SceneObject, tuple[int, int, int, int]]]:
    placed: list[tuple[SceneObject, tuple[int, int, int, int]]] = [
        (s, s.box) for s in specs if s.box is not None
    ]
    side = min(width, height)
    lo, hi = max(12, int(side * 0.14)), max(14, int(side * 0.3))
    for spec in (s for s in specs if s.box is None):
        for _ in range(500):
            size = rng.randint(lo, hi)
            w, h = size, size
            if spec.shape == "rectangle":
                w = int(size * 1.7)
            if w >= width - 2 or h >= height - 2:
                continue
            x0 = rng.randint(1, width - w - 1)
            y0 = rng.randint(1, height - h - 1)
            box = (x0, y0, x0 + w, y0 + h)
            if not any(_overlaps(box, other) for _, other in placed):
                placed.append((spec, box))
                break
        else:
            msg = f"cannot place {len(specs)} objects without overlap in {width}x{height}"
            raise ValueError(msg)
    return placed


def _encode(
    image: Image.Image, fmt: ImageFormat, quality: int, exif_orientation: int | None
) -> bytes:
    stored = image
    kwargs: dict[str, object] = {}
    if exif_orientation is not None:
        if exif_orientation not in _STORE_TRANSFORM:
            msg = f"exif_orientation must be 1-8, got {exif_orientation}"
            raise ValueError(msg)
        transform = _STORE_TRANSFORM[exif_orientation]
        if transform is not None:
            stored = image.transpose(transform)
        exif = Image.Exif()
        exif[_EXIF_ORIENTATION_TAG] = exif_orientation
        kwargs["exif"] = exif.tobytes()
    if fmt in ("JPEG", "WEBP"):
        kwargs["quality"] = quality
    if fmt == "WEBP" and quality >= 100:
        kwargs["lossless"] = True
    buffer = io.BytesIO()
    stored.save(buffer, format=fmt, **kwargs)
    return buffer.getvalue()


def make_scene(
    width: int,
    height: int,
    objects: int | list[SceneObject] | None = None,
    *,
    seed: int = 0,
    background: str = "white",
    format: ImageFormat = "PNG",
    exif_orientation: int | None = None,
    quality: int = 95,
) -> Scene:
    """Draw a scene of flat-coloured shapes and return it with its ground truth.

    Args:
        width: Width of the upright image in pixels.
        height: Height of the upright image in pixels.
        objects: ``None`` for three random objects, a count of random objects,
            or explicit :class:`SceneObject` specs (those without a box are
            placed at random).
        seed: Seed of the placement and of random shapes and colours.
        background: Palette colour of the background.
        format: ``"PNG"``, ``"JPEG"`` or ``"WEBP"``.
        exif_orientation: EXIF orientation (1-8) to store the image with.
        quality: JPEG/WEBP quality.

    Returns:
        The :class:`Scene`.

    Raises:
        ValueError: Unknown colour, or the objects do not fit without overlap.
    """
    if background not in PALETTE:
        msg = f"unknown background colour {background!r}; use one of {', '.join(PALETTE)}"
        raise ValueError(msg)
    rng = random.Random(seed)  # noqa: S311 - seeded, reproducible scenes
    if objects is None:
        objects = 3
    specs = _random_specs(objects, rng, background) if isinstance(objects, int) else objects
    for spec in specs:
        if spec.color not in PALETTE:
            msg = f"unknown colour {spec.color!r}; use one of {', '.join(PALETTE)}"
            raise ValueError(msg)
    pixels = np.empty((height, width, 3), dtype=np.uint8)
    pixels[:] = PALETTE[background]
    painted: list[tuple[SceneObject, NDArray[np.bool_]]] = []
    for spec, box in _place(specs, width, height, rng):
        mask = np.array(_draw_mask(spec.shape, box, (width, height)), dtype=bool)
        pixels[mask] = PALETTE[spec.color]
        # Explicit boxes may overlap: a later object hides what it paints over.
        for _, earlier in painted:
            np.logical_and(earlier, ~mask, out=earlier)
        painted.append((spec, mask))
    truth: list[GroundTruthObject] = []
    for spec, mask in painted:
        ys, xs = np.nonzero(mask)
        if len(xs) == 0:
            continue
        drawn = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        label = f"{spec.color} {spec.shape}"
        truth.append(GroundTruthObject(label, spec.color, spec.shape, drawn, mask))
    image = Image.fromarray(pixels, "RGB")
    data = _encode(image, format, quality, exif_orientation)
    return Scene(data, image, truth, format, background, exif_orientation)


def make_noise_image(
    width: int,
    height: int,
    *,
    seed: int = 0,
    format: ImageFormat = "PNG",
    quality: int = 95,
) -> Scene:
    """A photo-like image without any flat-coloured shape: gradients plus grain.

    The emulator must answer "no objects" (and detection ``[]``) for it.
    """
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    base = np.stack(
        [
            127 + 90 * np.sin(xx / max(width, 1) * 5.1 + seed),
            127 + 90 * np.cos(yy / max(height, 1) * 4.3),
            127 + 90 * np.sin((xx + yy) / max(width + height, 1) * 7.7),
        ],
        axis=-1,
    )
    grain = rng.normal(0, 45, size=(height, width, 3))
    pixels = np.clip(base + grain, 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels, "RGB")
    return Scene(_encode(image, format, quality, None), image, [], format, "none", None)
