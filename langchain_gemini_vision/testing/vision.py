"""The emulator's "model": reads flat-coloured shapes straight from the pixels.

Deterministic, no learning: every answer the emulator gives is computed here. It
reads the scene generator's images and the simple test images users draw themselves
(colours near the palette's, anti-aliased edges, any plain background, JPEG).

1. Decode the image *as received* (EXIF orientation is not applied: Gemini's
   boxes refer to the pixel frame it was sent, so a client that forgets to
   transpose gets visibly wrong boxes). Large images are analysed on a copy of
   at most 1024 px a side; normalised coordinates do not change.
2. Cut the image into flat regions: pixels joined where no colour step separates
   them (edges are where the colour changes across one or two pixels). A region's
   uniformity is its own: the mean distance of its pixels to its own mean colour.
   The background is the uniform region (or regions of its colour) holding at least
   half of the border.
3. Shapes are the other uniform regions (pieces of one colour close together taken
   as one): each is grown back over its edge band up to the middle of the blend,
   kept if large enough, filled, uniform, convex and standing on flat surroundings
   (noise and photographs are neither), classified by fill ratio and aspect ratio,
   and named by the palette colour nearest to its mean colour (CIEDE2000, see
   :mod:`._colors`).

Words about an analysis (captions, comparisons) are in :mod:`.descriptions`, polygon
outlines in :mod:`._contours`.

Why one module: the three steps are one measurement. The thresholds at the top (what
a colour step is, how uniform a region must be, how far a shape grows back) were tuned
together on the same images, and each step reads what the one before it measured (the
edge map, each region's spread, the background's colour); split, a change to one
threshold would silently retune another module.
"""

from __future__ import annotations

import base64
import hashlib
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Final

import numpy as np
from numpy.typing import NDArray
from PIL import Image
from scipy import ndimage
from scipy.sparse.csgraph import connected_components
from scipy.spatial import ConvexHull, QhullError

from ._colors import color_name
from ._contours import simplify_closed, trace_outer_contour
from ._palette import Shape

__all__ = [
    "ImageAnalysis",
    "ImageDecodeError",
    "VisualObject",
    "analyse_image",
    "at_position",
    "color_name",
    "describe_position",
]

_MAX_SIDE: Final = 1024
_STEP: Final = 24  # largest channel change across a pixel inside a flat region
_WIDE_STEP: Final = 32  # ... and across five pixels
# (JPEG's ripples inside a flat shape: under 16 at quality 50; an edge: 40+)
_SPREAD_LIMIT: Final = 12.0  # mean RGB distance to its own mean colour inside a shape
# (flat shapes: 0-6 even at JPEG quality 50; grainy photos and noise: 20+)
_SAME_COLOR: Final = 24.0  # RGB distance under which two flat regions are one colour
_MAX_PIECES: Final = 512  # uniform regions considered as (parts of) shapes, largest first
_SAMPLE: Final = 20_000  # pixels of a region its colour and spread are measured on
_GROW: Final = 8  # pixels of edge taken back into a shape (anti-aliasing, JPEG smear)
_RING: Final = (2, 5)  # the surroundings of a shape: this many pixels out from its outline
_FLAT_SURROUNDINGS: Final = 0.5  # share of them that must be flat for a drawn shape
# (drawn shapes: 0.67+ even at JPEG quality 50; uniform patches of photographs: 0.41 at most)
_SOLIDITY: Final = 0.9  # pixels / pixel centres in their convex hull (drawn: 0.97+ unless JPEG 50)

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

    def point(self, obj: VisualObject) -> list[int]:
        """The object's centroid as Gemini's ``[y, x]`` normalised to 0-1000, rounded."""
        x, y = obj.centroid
        return [round(y * 1000), round(x * 1000)]

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
        contour = trace_outer_contour(obj.mask)
        epsilon = 0.75
        simplified = simplify_closed(contour, epsilon)
        while len(simplified) > max_vertices:
            epsilon *= 1.5
            simplified = simplify_closed(contour, epsilon)
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


@dataclass(frozen=True)
class _Regions:
    """The image cut into flat regions: 4-connected pixels with no colour step between them.

    Attributes:
        labels: Region number per pixel; 0 on edges (a step to a neighbour).
        sizes: Pixels per region (index 0: edge pixels).
        colors: Mean RGB colour per region.
        spreads: Mean RGB distance of a region's pixels to its mean colour (``inf``
            for regions too small to matter, which are not measured).
        slices: Bounding slices per region (``slices[i - 1]`` for region ``i``).
    """

    labels: NDArray[np.int32]
    sizes: NDArray[np.int64]
    colors: NDArray[np.float64]
    spreads: NDArray[np.float64]
    slices: list[tuple[slice, slice] | None]


def _edges(pixels: NDArray[np.uint8]) -> NDArray[np.bool_]:
    """Pixels across which the colour changes, along a row or a column.

    A pixel is an edge when its two neighbours differ by more than :data:`_STEP`, or the
    pixels two away on either side by more than :data:`_WIDE_STEP`: a blend spread over
    two pixels (anti-aliasing) or four (JPEG's half-resolution colour) counts in full.
    """
    edge = np.zeros(pixels.shape[:2], dtype=bool)
    for channel in range(3):
        plane = np.ascontiguousarray(pixels[..., channel])
        for span, limit in ((1, _STEP), (2, _WIDE_STEP)):
            for after, before, middle in (
                (plane[:, 2 * span :], plane[:, : -2 * span], edge[:, span:-span]),
                (plane[2 * span :], plane[: -2 * span], edge[span:-span]),
            ):
                step = np.maximum(after, before)
                step -= np.minimum(after, before)  # |after - before| in uint8
                np.logical_or(middle, step > limit, out=middle)
    return edge


def _regions(pixels: NDArray[np.uint8], min_size: int) -> _Regions:
    labels, count = ndimage.label(~_edges(pixels))
    sizes = np.bincount(labels.ravel(), minlength=count + 1)
    slices = ndimage.find_objects(labels)
    colors = np.full((count + 1, 3), np.nan)
    spreads = np.full(count + 1, np.inf)
    # Colour and spread only where they matter: regions large enough to be a shape or
    # a background, each measured on at most _SAMPLE of its pixels.
    for region in np.nonzero(sizes >= min_size)[0].tolist():
        where = slices[region - 1] if region else None
        if where is None:
            continue
        values = pixels[where][labels[where] == region][:: max(1, sizes[region] // _SAMPLE)]
        mean = values.mean(axis=0)
        colors[region] = mean
        spreads[region] = float(np.linalg.norm(values - mean, axis=1).mean())
    return _Regions(labels, sizes, colors, spreads, slices)


def _background(regions: _Regions) -> NDArray[np.float64] | None:
    """The colour of the flat region(s) holding most of the border, if they hold half of it."""
    labels = regions.labels
    border = np.concatenate([labels[0], labels[-1], labels[:, 0], labels[:, -1]])
    counts = np.bincount(border, minlength=len(regions.sizes))
    counts[0] = 0
    dominant = int(counts.argmax())
    if dominant == 0 or regions.spreads[dominant] > _SPREAD_LIMIT:
        return None
    color: NDArray[np.float64] = regions.colors[dominant]
    alike = np.linalg.norm(regions.colors - color, axis=1) <= _SAME_COLOR  # NaN: False
    if int(counts[alike].sum()) < border.size // 2:
        return None
    return color


def _cores(
    regions: _Regions, background: NDArray[np.float64] | None, min_core: int
) -> list[list[int]]:
    """Uniform regions that are not background, joined when alike in colour and near.

    JPEG's ripples can cut one shape's flat inside into pieces: pieces of one colour
    within reach of each other's growth are handled together.
    """
    candidates = np.nonzero((regions.sizes >= min_core) & (regions.spreads <= _SPREAD_LIMIT))[0]
    candidates = candidates[candidates > 0]
    if background is not None:
        distance = np.linalg.norm(regions.colors[candidates] - background, axis=1)
        candidates = candidates[distance > _SAME_COLOR]
    # A drawing has a few dozen; a photograph may have thousands: keep the largest.
    candidates = candidates[np.argsort(-regions.sizes[candidates], kind="stable")][:_MAX_PIECES]
    if candidates.size == 0:
        return []
    boxes = np.array(
        [(s[0].start, s[0].stop, s[1].start, s[1].stop) for s in _slices(regions, candidates)]
    )
    reach = 2 * _GROW
    near = (boxes[:, None, 0] < boxes[None, :, 1] + reach) & (
        boxes[None, :, 0] < boxes[:, None, 1] + reach
    )
    near &= (boxes[:, None, 2] < boxes[None, :, 3] + reach) & (
        boxes[None, :, 2] < boxes[:, None, 3] + reach
    )
    colors = regions.colors[candidates]
    alike = np.linalg.norm(colors[:, None] - colors[None], axis=-1) <= _SAME_COLOR
    count, which = connected_components(near & alike, directed=False)
    return [candidates[which == k].tolist() for k in range(count)]


def _slices(regions: _Regions, members: Iterable[int]) -> list[tuple[slice, slice]]:
    found = [regions.slices[r - 1] for r in members]
    return [s for s in found if s is not None]


def _window(regions: _Regions, group: list[int], margin: int) -> tuple[slice, slice]:
    boxes = _slices(regions, group)
    rows = slice(min(b[0].start for b in boxes), max(b[0].stop for b in boxes))
    cols = slice(min(b[1].start for b in boxes), max(b[1].stop for b in boxes))
    return _expand((rows, cols), margin, regions.labels.shape)


def _expand(
    region: tuple[slice, slice], margin: int, shape: tuple[int, ...]
) -> tuple[slice, slice]:
    rows, cols = region
    return (
        slice(max(rows.start - margin, 0), min(rows.stop + margin, shape[0])),
        slice(max(cols.start - margin, 0), min(cols.stop + margin, shape[1])),
    )


def _grown(
    window: NDArray[np.uint8],
    local: NDArray[np.int32],
    core: NDArray[np.bool_],
    color: NDArray[np.float64],
    around: NDArray[np.float64] | None,
) -> NDArray[np.bool_]:
    """The core grown back over the edges around it, up to the middle of each blend.

    Edges between two flat regions (anti-aliasing, JPEG's smear of colour) go to the
    nearer side: within :data:`_GROW` pixels of the core, every edge pixel nearer to
    this colour than to what surrounds it is taken back.
    """
    if around is None:  # no background: what surrounds it is its flat neighbourhood
        ring = (local > 0) & ~core
        around = np.median(window[ring], axis=0) if ring.any() else None
    nearer = local == 0
    if around is not None:
        values = window[nearer].astype(np.float64)
        to_color = np.linalg.norm(values - color, axis=1)
        nearer[nearer] = to_color < np.linalg.norm(values - around, axis=1)
    square = np.ones((3, 3), dtype=bool)
    grown: NDArray[np.bool_] = ndimage.binary_dilation(
        core, square, iterations=_GROW, mask=core | nearer
    )
    return grown


def _drawn(
    whole: NDArray[np.bool_],
    local: NDArray[np.int32],
    window: NDArray[np.uint8],
    regions: _Regions,
    background: NDArray[np.float64] | None,
) -> bool:
    """Whether a uniform piece looks drawn: convex, and standing on flat surroundings.

    A patch of sky or shadow in a photograph can be as uniform as a drawn shape, but
    its outline is ragged and what lies around it is texture; drawn shapes (circles,
    squares, rectangles, triangles) are convex and sit on a background or on other
    flat shapes.
    """
    square = np.ones((3, 3), dtype=bool)
    inner, outer = _RING
    ring = ndimage.binary_dilation(whole, square, iterations=outer)
    ring &= ~ndimage.binary_dilation(whole, square, iterations=inner)
    if ring.any():
        owners = local[ring]
        flat = (owners > 0) & (regions.spreads[owners] <= _SPREAD_LIMIT)
        if background is not None:  # JPEG's ringing makes edges of a flat background
            flat |= np.linalg.norm(window[ring] - background, axis=1) <= _SAME_COLOR
        if float(flat.mean()) < _FLAT_SURROUNDINGS:
            return False
    return int(whole.sum()) / _lattice_points_in_hull(whole) >= _SOLIDITY


def _lattice_points_in_hull(mask: NDArray[np.bool_]) -> float:
    """Pixel centres inside the convex hull of a mask's pixel centres (Pick's theorem).

    A convex shape, however small and jagged its pixels, fills its hull: the ratio
    of its pixels to this count is about 1 at any size.
    """
    rows, cols = np.nonzero(mask & ~ndimage.binary_erosion(mask, np.ones((3, 3), dtype=bool)))
    points = np.stack([cols, rows], axis=1)
    try:
        hull = ConvexHull(points)
    except QhullError:
        return float(len(points))  # a line of pixels: all of it is its hull
    corners = points[hull.vertices]
    steps = np.abs(corners - np.roll(corners, 1, axis=0))
    on_boundary = int(np.gcd(steps[:, 0], steps[:, 1]).sum())
    return float(hull.volume) + on_boundary / 2 + 1


def _components(
    pixels: NDArray[np.uint8], regions: _Regions, background: NDArray[np.float64] | None
) -> list[VisualObject]:
    height, width = regions.labels.shape
    min_area = max(30, int(0.001 * width * height))
    square = np.ones((3, 3), dtype=bool)
    found: list[VisualObject] = []
    for group in _cores(regions, background, max(12, min_area // 4)):
        ys, xs = _window(regions, group, _GROW + _RING[1] + 1)
        local, window = regions.labels[ys, xs], pixels[ys, xs]
        color = np.average(regions.colors[group], axis=0, weights=regions.sizes[group])
        grown = _grown(window, local, np.isin(local, group), color, background)
        labels, _ = ndimage.label(grown, structure=square)
        for number, region in enumerate(ndimage.find_objects(labels), start=1):
            if region is None:
                continue
            piece = labels[region] == number
            area = int(piece.sum())
            if area < min_area:
                continue
            interior = ndimage.binary_erosion(piece, structure=square, iterations=2)
            if int(interior.sum()) < area // 4:
                continue  # thin or ragged: not a filled shape
            sample = window[region][interior].astype(np.float64)
            own = sample.mean(axis=0)
            if float(np.linalg.norm(sample - own, axis=1).mean()) > _SPREAD_LIMIT:
                continue  # grainy: a photo or noise, not a flat shape
            near = _expand(region, _RING[1] + 1, labels.shape)
            if not _drawn(labels[near] == number, local[near], window[near], regions, background):
                continue  # a uniform patch of a photograph
            rows, cols = region
            shape = _classify(area, cols.stop - cols.start, rows.stop - rows.start)
            if shape is None:
                continue
            x0, y0 = xs.start + cols.start, ys.start + rows.start
            box = (x0, y0, xs.start + cols.stop, ys.start + rows.stop)
            cy, cx = (float(v) for v in ndimage.center_of_mass(piece))
            centroid = ((x0 + cx + 0.5) / width, (y0 + cy + 0.5) / height)
            found.append(VisualObject(color_name(own), shape, box, piece, area, centroid))
    # Reading order: bands of a sixth of the height, then left to right.
    found.sort(key=lambda o: (int(o.centroid[1] * 6), o.centroid[0]))
    return found


def analyse_image(data: bytes) -> ImageAnalysis:
    """Find the flat-coloured shapes in encoded image bytes.

    Raises:
        ImageDecodeError: The bytes do not decode as an image.
    """
    pixels, width, height = _frame(data)
    frame_height, frame_width = pixels.shape[:2]
    min_area = max(30, int(0.001 * frame_width * frame_height))
    regions = _regions(pixels, max(12, min_area // 4))
    background = _background(regions)
    objects = _components(pixels, regions, background)
    return ImageAnalysis(
        width=width,
        height=height,
        frame_width=frame_width,
        frame_height=frame_height,
        background=color_name(background) if background is not None else None,
        objects=tuple(objects),
        sha256=hashlib.sha256(data).hexdigest(),
    )
