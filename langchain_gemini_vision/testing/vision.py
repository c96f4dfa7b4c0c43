"""The emulator's "model": reads flat-coloured shapes straight from the pixels.

Deterministic, no learning: every answer the emulator gives is computed here.

1. Decode the image *as received* (EXIF orientation is not applied: Gemini's
   boxes refer to the pixel frame it was sent, so a client that forgets to
   transpose gets visibly wrong boxes). Large images are analysed on a copy of
   at most 1024 px a side; normalised coordinates do not change.
2. Map each pixel to the nearest palette colour (a 32-level RGB lookup table;
   pixels far from every colour stay unknown), find the background as the most
   common colour along the border.
3. Per colour: morphological opening (drops 1-2 px JPEG fringes and noise),
   connected components, drop tiny ones (< 30 px or < 0.1 % of the image),
   grow each back by 2 px inside its colour, reject non-flat ones (noise), and
   classify by fill ratio (area / box area) and aspect ratio.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Final, Literal

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage
from scipy.optimize import linear_sum_assignment

from ._palette import COLOR_NAMES, PALETTE, Shape

__all__ = [
    "Change",
    "Comparison",
    "ImageAnalysis",
    "ImageDecodeError",
    "VisualObject",
    "analyse_image",
    "at_position",
    "caption",
    "compare",
    "describe_position",
    "object_phrase",
]

_MAX_SIDE: Final = 1024
_UNKNOWN: Final = 255
_COLOR_TOLERANCE: Final = 100.0  # RGB distance beyond which a pixel is no palette colour
_FLATNESS_LIMIT: Final = 20.0  # mean RGB distance to the named colour inside a shape
# (flat shapes: 0-6 even at JPEG quality 50; grainy photos and noise: 40+)
_MOVE_THRESHOLD: Final = 0.05  # centroid shift, as a fraction of the image, that counts as moved

try:  # HEIC/HEIF decoding when the optional extra is installed.
    import pillow_heif

    pillow_heif.register_heif_opener()
except ImportError:  # pragma: no cover - depends on the environment
    pass


class ImageDecodeError(ValueError):
    """The bytes are not an image the emulator can decode."""


@dataclass(frozen=True)
class VisualObject:
    """One shape found in an image.

    Attributes:
        color: Palette colour name.
        shape: Shape name.
        box: ``(x_min, y_min, x_max, y_max)`` in the analysis frame, max exclusive.
        mask: Boolean mask of the box region (``box`` height x width).
        area: Pixels in the mask.
        centroid: ``(x, y)`` normalised to 0-1 of the image.
    """

    color: str
    shape: Shape
    box: tuple[int, int, int, int]
    mask: NDArray[np.bool_] = field(repr=False, compare=False)
    area: int
    centroid: tuple[float, float]

    @property
    def label(self) -> str:
        """``"<color> <shape>"``."""
        return f"{self.color} {self.shape}"

    @property
    def position(self) -> str:
        """Rough position words: ``"top left"``, ``"center"``, ``"bottom"``..."""
        return describe_position(*self.centroid)


def describe_position(x: float, y: float) -> str:
    """Words for a normalised point: thirds of the image, e.g. ``"top left"``."""
    row = "top" if y < 1 / 3 else "bottom" if y > 2 / 3 else ""
    col = "left" if x < 1 / 3 else "right" if x > 2 / 3 else ""
    return f"{row} {col}".strip() or "center"


def at_position(position: str) -> str:
    """``"top left"`` -> ``"at the top left"``, ``"center"`` -> ``"in the center"``."""
    if position == "center":
        return "in the center"
    if position in ("left", "right"):
        return f"on the {position}"
    return f"at the {position}"


@dataclass(frozen=True)
class ImageAnalysis:
    """Everything the emulator knows about one image.

    Attributes:
        width: Width of the image as received.
        height: Height of the image as received.
        frame_width: Width of the analysis frame (``width`` unless downscaled).
        frame_height: Height of the analysis frame.
        background: Background colour name, or ``None`` when there is none.
        objects: Shapes in reading order.
        sha256: Hex digest of the received bytes.
    """

    width: int
    height: int
    frame_width: int
    frame_height: int
    background: str | None
    objects: tuple[VisualObject, ...]
    sha256: str

    def box_2d(self, obj: VisualObject) -> list[int]:
        """Gemini's ``[ymin, xmin, ymax, xmax]`` normalised to 0-1000, rounded."""
        x0, y0, x1, y1 = obj.box
        fw, fh = self.frame_width, self.frame_height
        return [
            round(y0 / fh * 1000),
            round(x0 / fw * 1000),
            round(y1 / fh * 1000),
            round(x1 / fw * 1000),
        ]

    def png_mask(self, obj: VisualObject, *, size: int | None = 256) -> str:
        """The box region's mask as a ``data:image/png;base64,`` 8-bit map (0/255).

        The region is the pixel box a client decodes from :meth:`box_2d` (the
        cookbook's truncation), so pasting the resized map there lines up.
        ``size`` resamples it to ``size`` x ``size`` like Gemini 2.5 does;
        ``None`` keeps the box's own pixel size.
        """
        ymin, xmin, ymax, xmax = self.box_2d(obj)
        fw, fh = self.frame_width, self.frame_height
        ax0, ay0 = int(xmin / 1000 * fw), int(ymin / 1000 * fh)
        ax1, ay1 = max(int(xmax / 1000 * fw), ax0 + 1), max(int(ymax / 1000 * fh), ay0 + 1)
        region = np.zeros((ay1 - ay0, ax1 - ax0), dtype=np.uint8)
        ox0, oy0, ox1, oy1 = obj.box
        # Paste the object's mask at its offset in the region, clipped to both.
        sx0, sy0 = max(ox0, ax0), max(oy0, ay0)
        sx1, sy1 = min(ox1, ax1), min(oy1, ay1)
        if sx1 > sx0 and sy1 > sy0:
            region[sy0 - ay0 : sy1 - ay0, sx0 - ax0 : sx1 - ax0] = (
                obj.mask[sy0 - oy0 : sy1 - oy0, sx0 - ox0 : sx1 - ox0] * 255
            )
        image = Image.fromarray(region, "L")
        if size is not None:
            resized = np.asarray(image.resize((size, size), Image.Resampling.BILINEAR))
            image = Image.fromarray(np.where(resized >= 128, 255, 0).astype(np.uint8), "L")
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")

    def polygon(self, obj: VisualObject, *, max_vertices: int = 96) -> list[list[int]]:
        """The outer contour as ``[[x, y], ...]`` normalised to 0-1000 (pixel centres)."""
        contour = _trace_outer_contour(obj.mask)
        epsilon = 0.75
        simplified = _simplify_closed(contour, epsilon)
        while len(simplified) > max_vertices:
            epsilon *= 1.5
            simplified = _simplify_closed(contour, epsilon)
        x0, y0 = obj.box[0], obj.box[1]
        fw, fh = self.frame_width, self.frame_height
        return [[round((x + x0) / fw * 1000), round((y + y0) / fh * 1000)] for x, y in simplified]

    @property
    def colors(self) -> list[str]:
        """Distinct object colours, in order of first appearance."""
        return list(dict.fromkeys(o.color for o in self.objects))


def _frame(data: bytes) -> tuple[NDArray[np.uint8], int, int]:
    try:
        with Image.open(io.BytesIO(data)) as opened:
            opened.load()
            width, height = opened.size
            image: Image.Image = opened
            if image.mode in ("RGBA", "LA", "PA") or (
                image.mode == "P" and "transparency" in image.info
            ):
                rgba = image.convert("RGBA")
                canvas = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
                image = Image.alpha_composite(canvas, rgba)
            rgb = image.convert("RGB")
    except (OSError, ValueError, SyntaxError, Image.DecompressionBombError) as exc:
        msg = f"cannot decode image: {exc}"
        raise ImageDecodeError(msg) from exc
    if max(width, height) > _MAX_SIDE:
        rgb = rgb.copy()
        rgb.thumbnail((_MAX_SIDE, _MAX_SIDE), Image.Resampling.NEAREST)
    return np.asarray(rgb, dtype=np.uint8), width, height


@lru_cache(maxsize=1)
def _color_lut() -> NDArray[np.uint8]:
    centres = np.arange(32, dtype=np.float32) * 8 + 4
    grid = np.stack(np.meshgrid(centres, centres, centres, indexing="ij"), axis=-1)
    palette = np.array([PALETTE[c] for c in COLOR_NAMES], dtype=np.float32)
    dist = np.linalg.norm(grid[..., None, :] - palette, axis=-1)
    lut = dist.argmin(axis=-1).astype(np.uint8)
    lut[dist.min(axis=-1) > _COLOR_TOLERANCE] = _UNKNOWN
    result: NDArray[np.uint8] = lut
    return result


def _classify(area: int, width: int, height: int) -> Shape | None:
    fill = area / float(width * height)
    aspect = width / float(height)
    squarish = 0.85 <= aspect <= 1 / 0.85
    if fill >= 0.88:
        return "square" if squarish else "rectangle"
    if 0.68 <= fill < 0.88:
        return "circle" if squarish else None
    if 0.38 <= fill <= 0.64:
        return "triangle"
    return None


def _components(
    pixels: NDArray[np.uint8], quantised: NDArray[np.uint8], background: int | None
) -> list[VisualObject]:
    height, width = quantised.shape
    min_area = max(30, int(0.001 * width * height))
    square = np.ones((3, 3), dtype=bool)
    found: list[VisualObject] = []
    for index in np.unique(quantised):
        if index in (_UNKNOWN, background):
            continue
        colour_mask = quantised == index
        if int(colour_mask.sum()) < min_area:
            continue
        opened = ndimage.binary_opening(colour_mask, structure=square)
        labels, _ = ndimage.label(opened, structure=square)
        for number, region in enumerate(ndimage.find_objects(labels), start=1):
            if region is None:
                continue
            y_slice, x_slice = region
            ys = slice(max(y_slice.start - 3, 0), min(y_slice.stop + 3, height))
            xs = slice(max(x_slice.start - 3, 0), min(x_slice.stop + 3, width))
            local = labels[ys, xs] == number
            if int(local.sum()) < min_area:
                continue
            grown = ndimage.binary_dilation(local, structure=square, iterations=2)
            # JPEG smears thin tips and corners (chroma subsampling) into other
            # named colours: within 2 px, take back every pixel nearer to this
            # colour than to the background, which puts the edge at the midpoint.
            window = pixels[ys, xs].astype(np.float32)
            named = np.array(PALETTE[COLOR_NAMES[int(index)]], dtype=np.float32)
            nearer = colour_mask[ys, xs] | (quantised[ys, xs] == _UNKNOWN)
            if background is not None:
                behind = np.array(PALETTE[COLOR_NAMES[background]], dtype=np.float32)
                to_named = np.linalg.norm(window - named, axis=-1)
                nearer |= to_named < np.linalg.norm(window - behind, axis=-1)
            grown &= nearer
            rows, cols = np.nonzero(grown)
            ly0, ly1, lx0, lx1 = rows.min(), rows.max() + 1, cols.min(), cols.max() + 1
            mask = grown[ly0:ly1, lx0:lx1]
            area = int(mask.sum())
            interior = ndimage.binary_erosion(mask, structure=square, iterations=2)
            if int(interior.sum()) < area // 4:
                continue  # thin or ragged: not a filled shape
            sample = window[ly0:ly1, lx0:lx1][interior]
            if float(np.linalg.norm(sample - named, axis=1).mean()) > _FLATNESS_LIMIT:
                continue  # grainy: a photo or noise, not a flat shape
            shape = _classify(area, int(lx1 - lx0), int(ly1 - ly0))
            if shape is None:
                continue
            x0, y0 = xs.start + int(lx0), ys.start + int(ly0)
            box = (x0, y0, xs.start + int(lx1), ys.start + int(ly1))
            cy, cx = (float(v) for v in ndimage.center_of_mass(mask))
            centroid = ((x0 + cx + 0.5) / width, (y0 + cy + 0.5) / height)
            found.append(VisualObject(COLOR_NAMES[int(index)], shape, box, mask, area, centroid))
    # Reading order: bands of a sixth of the height, then left to right.
    found.sort(key=lambda o: (int(o.centroid[1] * 6), o.centroid[0]))
    return found


def analyse_image(data: bytes) -> ImageAnalysis:
    """Find the flat-coloured shapes in encoded image bytes.

    Raises:
        ImageDecodeError: The bytes do not decode as an image.
    """
    pixels, width, height = _frame(data)
    lut = _color_lut()
    quantised = lut[pixels[..., 0] >> 3, pixels[..., 1] >> 3, pixels[..., 2] >> 3]
    border = np.concatenate([quantised[0], quantised[-1], quantised[:, 0], quantised[:, -1]])
    known = border[border != _UNKNOWN]
    background: int | None = None
    if known.size >= border.size // 2:
        counts = np.bincount(known, minlength=len(COLOR_NAMES))
        if counts.max() >= border.size // 2:
            background = int(counts.argmax())
    objects = _components(pixels, quantised, background)
    frame_height, frame_width = quantised.shape
    return ImageAnalysis(
        width=width,
        height=height,
        frame_width=frame_width,
        frame_height=frame_height,
        background=COLOR_NAMES[background] if background is not None else None,
        objects=tuple(objects),
        sha256=hashlib.sha256(data).hexdigest(),
    )


# ---------------------------------------------------------------- contours

# Moore neighbourhood, clockwise on screen (y down): W, NW, N, NE, E, SE, S, SW.
_DIRS: Final[tuple[tuple[int, int], ...]] = (
    (0, -1), (-1, -1), (-1, 0), (-1, 1), (0, 1), (1, 1), (1, 0), (1, -1),
)  # fmt: skip


def _trace_outer_contour(mask: NDArray[np.bool_]) -> list[tuple[int, int]]:
    """Moore-neighbour tracing of the largest component's outer boundary, as (x, y)."""
    labels, count = ndimage.label(mask, structure=np.ones((3, 3), dtype=bool))
    if count > 1:
        sizes = np.bincount(labels.ravel())[1:]
        mask = labels == int(sizes.argmax()) + 1
    padded = np.pad(mask, 1)
    rows, cols = np.nonzero(padded)
    if rows.size == 0:
        return []
    start = (int(rows[0]), int(cols[0]))  # topmost, then leftmost: its west is background
    contour = [start]
    current, back = start, 0
    for _ in range(4 * int(padded.sum()) + 8):
        for step in range(1, 9):
            direction = (back + step) % 8
            dy, dx = _DIRS[direction]
            candidate = (current[0] + dy, current[1] + dx)
            if padded[candidate]:
                by, bx = _DIRS[(direction - 1) % 8]
                came_from = (current[0] + by - candidate[0], current[1] + bx - candidate[1])
                back = _DIRS.index(came_from)
                current = candidate
                break
        else:
            break  # an isolated pixel
        if current == start:
            break
        contour.append(current)
    return [(c - 1, r - 1) for r, c in contour]


def _simplify_open(points: NDArray[np.float64], epsilon: float) -> list[int]:
    keep = [0, len(points) - 1]
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        if last - first < 2:
            continue
        a, b = points[first], points[last]
        segment = b - a
        inner = points[first + 1 : last]
        length = float(np.hypot(*segment))
        if length == 0:
            dist = np.hypot(*(inner - a).T)
        else:
            dist = np.abs(segment[0] * (inner[:, 1] - a[1]) - segment[1] * (inner[:, 0] - a[0]))
            dist = dist / length
        worst = int(dist.argmax())
        if float(dist[worst]) > epsilon:
            split = first + 1 + worst
            keep.append(split)
            stack += [(first, split), (split, last)]
    return sorted(set(keep))


def _simplify_closed(contour: list[tuple[int, int]], epsilon: float) -> list[tuple[int, int]]:
    """Ramer-Douglas-Peucker on a closed contour, split at its farthest point."""
    if len(contour) < 4:
        return contour
    points = np.array(contour, dtype=np.float64)
    far = int(np.hypot(*(points - points[0]).T).argmax())
    first = _simplify_open(points[: far + 1], epsilon)
    second = _simplify_open(np.vstack([points[far:], points[:1]]), epsilon)
    indices = first + [far + i for i in second[1:-1]]
    return [contour[i] for i in indices]


# ---------------------------------------------------------------- answers


def object_phrase(obj: VisualObject) -> str:
    """``"a red circle at the top left"``: how captions and answers name an object."""
    article = "an" if obj.label[:1] in "aeiou" else "a"
    return f"{article} {obj.label} {at_position(obj.position)}"


def _join(items: Sequence[str]) -> str:
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def caption(analysis: ImageAnalysis) -> str:
    """A one-sentence caption: count, colours, shapes and rough positions."""
    background = f"a {analysis.background} background" if analysis.background else None
    if not analysis.objects:
        if background:
            return f"No distinct objects found: the image shows only {background}."
        return "No distinct objects found: the image shows no flat-coloured shapes."
    count = len(analysis.objects)
    noun = "object" if count == 1 else "objects"
    where = f" on {background}" if background else ""
    return f"{count} {noun}{where}: {_join([object_phrase(o) for o in analysis.objects])}."


ChangeKind = Literal["added", "removed", "moved", "recolored"]


@dataclass(frozen=True)
class Change:
    """One difference between two consecutive images.

    Attributes:
        kind: ``added``, ``removed``, ``moved`` or ``recolored``.
        label: The object's label (after the change for ``added``/``recolored``).
        description: A sentence saying what changed.
        image_index: Zero-based index of the later image of the pair.
        before: The object in the earlier image, if any.
        after: The object in the later image, if any.
    """

    kind: ChangeKind
    label: str
    description: str
    image_index: int
    before: VisualObject | None = None
    after: VisualObject | None = None


@dataclass(frozen=True)
class Comparison:
    """What changed across a sequence of images, and what stayed the same."""

    changes: list[Change]
    similarities: list[str]
    summary: str

    def of_kind(self, kind: ChangeKind) -> list[Change]:
        """The changes of one kind."""
        return [c for c in self.changes if c.kind == kind]


def _distance(a: VisualObject, b: VisualObject) -> float:
    return float(np.hypot(a.centroid[0] - b.centroid[0], a.centroid[1] - b.centroid[1]))


def _match(
    before: list[VisualObject], after: list[VisualObject], same: bool
) -> list[tuple[int, int]]:
    """Pairs (i, j) of equal colour and shape (``same``), or equal shape and place."""
    if not before or not after:
        return []
    big = 1e6
    cost = np.full((len(before), len(after)), big)
    for i, a in enumerate(before):
        for j, b in enumerate(after):
            if a.shape != b.shape:
                continue
            recoloured = a.color != b.color and _distance(a, b) <= _MOVE_THRESHOLD
            if (same and a.color == b.color) or (not same and recoloured):
                cost[i, j] = _distance(a, b)
    rows, cols = linear_sum_assignment(cost)
    return [(int(i), int(j)) for i, j in zip(rows, cols, strict=True) if cost[i, j] < big]


def _compare_pair(
    first: ImageAnalysis, second: ImageAnalysis, index: int
) -> tuple[list[Change], list[str]]:
    before, after = list(first.objects), list(second.objects)
    changes: list[Change] = []
    similar: list[str] = []
    matched = _match(before, after, same=True)
    for i, j in matched:
        a, b = before[i], after[j]
        if _distance(a, b) > _MOVE_THRESHOLD:
            text = f"The {a.label} moved from the {a.position} to the {b.position}."
            changes.append(Change("moved", a.label, text, index, a, b))
        else:
            similar.append(f"The {a.label} {at_position(a.position)} is in both images.")
    rest_a = [k for k in range(len(before)) if k not in {i for i, _ in matched}]
    rest_b = [k for k in range(len(after)) if k not in {j for _, j in matched}]
    recolours = _match([before[k] for k in rest_a], [after[k] for k in rest_b], same=False)
    for i, j in recolours:
        a, b = before[rest_a[i]], after[rest_b[j]]
        where = at_position(a.position)
        text = f"The {a.shape} {where} changed colour from {a.color} to {b.color}."
        changes.append(Change("recolored", b.label, text, index, a, b))
    gone_a = {rest_a[i] for i, _ in recolours}
    gone_b = {rest_b[j] for _, j in recolours}
    for k in rest_a:
        if k not in gone_a:
            a = before[k]
            text = f"The {a.label} {at_position(a.position)} was removed."
            changes.append(Change("removed", a.label, text, index, before=a))
    for k in rest_b:
        if k not in gone_b:
            b = after[k]
            article = "An" if b.label[:1] in "aeiou" else "A"
            text = f"{article} {b.label} was added {at_position(b.position)}."
            changes.append(Change("added", b.label, text, index, after=b))
    if first.background and first.background == second.background:
        similar.append(f"Both images have a {first.background} background.")
    return changes, similar


def compare(analyses: Sequence[ImageAnalysis]) -> Comparison:
    """Compare each image with the one before it."""
    changes: list[Change] = []
    similarities: list[str] = []
    for index in range(1, len(analyses)):
        pair_changes, pair_similar = _compare_pair(analyses[index - 1], analyses[index], index)
        changes += pair_changes
        similarities += [s for s in pair_similar if s not in similarities]
    if changes:
        count = len(changes)
        noun = "difference" if count == 1 else "differences"
        summary = f"{count} {noun}: " + " ".join(c.description for c in changes)
    else:
        objects = len(analyses[0].objects) if analyses else 0
        summary = f"No differences found: the images show the same {objects} objects."
    return Comparison(changes, similarities, summary)
