"""The emulator reads users' own simple test images, not only the scene generator's.

Users draw their own shapes: colours near, not at, the palette's values; anti-aliased
edges; off-white or grey backgrounds; saved as JPEG. The emulator must find each
flat shape by its own uniformity, box it, and name it by the nearest palette colour,
and still find nothing in noise and photographs. The drawing here is independent of
:mod:`langchain_gemini_vision.testing.scenes`: shapes are drawn 4x larger and reduced
(true area-coverage anti-aliasing), and the truth is the coverage above one half.
"""

from __future__ import annotations

import io
import random
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import numpy as np
import pytest
from PIL import Image, ImageDraw

import langchain_gemini_vision
from langchain_gemini_vision.testing import analyse_image, make_noise_image
from langchain_gemini_vision.testing._palette import PALETTE
from langchain_gemini_vision.testing.descriptions import caption

from .helpers import box_2d_to_xyxy, box_iou

Kind = Literal["circle", "square", "rectangle", "triangle", "right triangle", "down triangle"]
RGB = tuple[int, int, int]

OFF_WHITE: RGB = (245, 242, 230)
GREY: RGB = (128, 128, 128)
COOL_GREY: RGB = (118, 122, 128)
SCALE = 4


@dataclass(frozen=True)
class Drawn:
    kind: Kind
    color: RGB
    box: tuple[int, int, int, int]  # where it is drawn (x0, y0, x1, y1)
    truth: tuple[int, int, int, int] = (0, 0, 0, 0)  # pixel box of coverage >= 1/2

    @property
    def shape(self) -> str:
        return "triangle" if self.kind.endswith("triangle") else self.kind


def _paint(draw: ImageDraw.ImageDraw, kind: Kind, box: tuple[int, ...], fill: object) -> None:
    x0, y0, x1, y1 = (v * SCALE for v in box)
    if kind == "circle":
        draw.ellipse((x0, y0, x1 - 1, y1 - 1), fill=fill)
    elif kind in ("square", "rectangle"):
        draw.rectangle((x0, y0, x1 - 1, y1 - 1), fill=fill)
    elif kind == "triangle":
        draw.polygon([(x0, y1), ((x0 + x1) / 2, y0), (x1, y1)], fill=fill)
    elif kind == "right triangle":
        draw.polygon([(x0, y0), (x0, y1), (x1, y1)], fill=fill)
    else:
        draw.polygon([(x0, y0), (x1, y0), ((x0 + x1) / 2, y1)], fill=fill)


def draw_scene(
    size: tuple[int, int],
    shapes: list[Drawn],
    background: RGB,
    *,
    antialias: bool = True,
    jpeg_quality: int | None = None,
) -> tuple[bytes, list[Drawn]]:
    """Encoded image and the shapes with their measured truth boxes."""
    scale = SCALE if antialias else 1
    width, height = size
    big = Image.new("RGB", (width * SCALE, height * SCALE), background)
    draw = ImageDraw.Draw(big)
    measured = []
    for shape in shapes:
        _paint(draw, shape.kind, shape.box, shape.color)
        mask = Image.new("L", big.size, 0)
        _paint(ImageDraw.Draw(mask), shape.kind, shape.box, 255)
        coverage = np.asarray(mask.resize(size, Image.Resampling.BOX)) >= 128
        ys, xs = np.nonzero(coverage)
        truth = (int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1)
        measured.append(Drawn(shape.kind, shape.color, shape.box, truth))
    image = big.resize(size, Image.Resampling.BOX if scale > 1 else Image.Resampling.NEAREST)
    buffer = io.BytesIO()
    if jpeg_quality is None:
        image.save(buffer, "PNG")
    else:
        image.save(buffer, "JPEG", quality=jpeg_quality)
    return buffer.getvalue(), measured


def _check(data: bytes, drawn: list[Drawn], labels: list[str], background: str) -> None:
    analysis = analyse_image(data)
    found = [
        (o.label, box_2d_to_xyxy(analysis.box_2d(o), analysis.width, analysis.height))
        for o in analysis.objects
    ]
    assert sorted(label for label, _ in found) == sorted(labels), found
    assert analysis.background == background
    for shape, label in zip(drawn, labels, strict=True):
        best = max(box_iou(box, shape.truth) for name, box in found if name == label)
        assert best >= 0.9, (shape, found)


# ---------------------------------------------------------------- the issue's own scene

ISSUE_SCENE = [
    Drawn("circle", (205, 45, 40), (40, 50, 140, 150)),
    Drawn("triangle", (40, 150, 70), (190, 40, 300, 150)),
    Drawn("rectangle", (50, 70, 200), (330, 70, 460, 140)),
]
ISSUE_LABELS = ["red circle", "green triangle", "blue rectangle"]


@pytest.mark.parametrize(
    ("antialias", "quality"),
    [(False, None), (True, None), (True, 70)],
    ids=["flat", "aa", "jpeg70"],
)
def test_the_issues_scene_is_read(antialias: bool, quality: int | None) -> None:
    """Issue 15 item 23: the emulator answered [] and "only a white background"."""
    data, drawn = draw_scene(
        (500, 200), ISSUE_SCENE, OFF_WHITE, antialias=antialias, jpeg_quality=quality
    )
    _check(data, drawn, ISSUE_LABELS, "white")
    assert caption(analyse_image(data)).startswith("3 objects on a white background: ")


# ---------------------------------------------------------------- human-named colours

# A colour a person would call by the palette's name, 30-100 RGB units from its value.
USER_COLORS: dict[str, RGB] = {
    "red": (215, 40, 35),
    "green": (40, 150, 70),
    "blue": (50, 70, 200),
    "yellow": (240, 210, 40),
    "orange": (240, 130, 40),
    "purple": (120, 40, 150),
    "cyan": (30, 220, 225),
    "magenta": (225, 30, 220),
    "black": (30, 30, 35),
    "brown": (115, 65, 40),
    "pink": (230, 150, 180),
    "gray": (150, 150, 145),
    "white": (235, 235, 225),
}


# Sharma, Wu and Dalal (2005), "The CIEDE2000 color-difference formula": test data.
SHARMA_PAIRS = [
    ((50.0, 2.6772, -79.7751), (50.0, 0.0, -82.7485), 2.0425),
    ((50.0, 0.0, 0.0), (50.0, -1.0, 2.0), 2.3669),
    ((50.0, 2.5, 0.0), (73.0, 25.0, -18.0), 27.1492),
    ((50.0, 2.5, 0.0), (61.0, -5.0, 29.0), 22.8977),
    ((60.2574, -34.0099, 36.2677), (60.4626, -34.1751, 39.4387), 1.2644),
    ((22.7233, 20.0904, -46.694), (23.0331, 14.973, -42.5619), 2.0373),
    ((2.0776, 0.0795, -1.135), (0.9033, -0.0636, -0.5514), 0.9082),
]


def test_colour_difference_is_ciede2000() -> None:
    from langchain_gemini_vision.testing._colors import _ciede2000

    for first, second, expected in SHARMA_PAIRS:
        value = float(_ciede2000(np.array(first), np.array(second)))
        assert value == pytest.approx(expected, abs=1e-4)


def test_palette_colours_name_themselves() -> None:
    from langchain_gemini_vision.testing.vision import color_name

    assert {name: color_name(rgb) for name, rgb in PALETTE.items()} == {n: n for n in PALETTE}


def test_the_user_colours_are_off_the_palette() -> None:
    for name, color in USER_COLORS.items():
        distance = float(np.linalg.norm(np.subtract(PALETTE[name], color)))
        assert 30 <= distance <= 105, (name, distance)


@pytest.mark.parametrize("quality", [None, 70], ids=["png", "jpeg70"])
@pytest.mark.parametrize(
    ("background", "background_name"),
    [(OFF_WHITE, "white"), (GREY, "gray"), (COOL_GREY, "gray")],
    ids=["off-white", "grey", "cool-grey"],
)
def test_user_colours_are_named_as_a_person_would(
    background: RGB, background_name: str, quality: int | None
) -> None:
    names = [n for n in USER_COLORS if n != background_name]
    kinds: list[Kind] = ["circle", "square", "triangle", "rectangle"]
    for start in range(0, len(names), 4):
        group = names[start : start + 4]
        shapes = [
            Drawn(
                kinds[i],
                USER_COLORS[name],
                (20 + 150 * i, 30, 20 + 150 * i + (130 if kinds[i] == "rectangle" else 90), 120),
            )
            for i, name in enumerate(group)
        ]
        data, drawn = draw_scene((620, 160), shapes, background, jpeg_quality=quality)
        labels = [f"{name} {shape.shape}" for name, shape in zip(group, drawn, strict=True)]
        _check(data, drawn, labels, background_name)


# ---------------------------------------------------------------- random scenes


def _random_scene(seed: int) -> tuple[list[Drawn], list[str]]:
    """3-5 shapes of random kind, size and place; colours up to 60 units off the palette."""
    rng = random.Random(seed)
    cells = [(col, row) for col in range(4) for row in range(2)]
    rng.shuffle(cells)
    names = [n for n in PALETTE if n not in ("white", "gray")]
    shapes, labels = [], []
    kinds: list[Kind] = [
        "circle",
        "square",
        "rectangle",
        "triangle",
        "right triangle",
        "down triangle",
    ]
    for col, row in cells[: rng.randint(3, 5)]:
        name = rng.choice(names)
        offset = np.array([rng.gauss(0, 1) for _ in range(3)])
        offset *= rng.uniform(20, 60) / np.linalg.norm(offset)
        color = tuple(int(v) for v in np.clip(np.add(PALETTE[name], offset), 0, 255))
        kind = rng.choice(kinds)
        side = rng.randint(44, 80)
        width = int(side * 1.6) if kind == "rectangle" else side
        x0 = 12 + col * 150 + rng.randint(0, 130 - width) if width < 130 else 12 + col * 150
        y0 = 12 + row * 120 + rng.randint(0, 100 - side)
        shapes.append(Drawn(kind, color, (x0, y0, x0 + width, y0 + side)))  # type: ignore[arg-type]
        labels.append(name)
    return shapes, labels


@pytest.mark.parametrize("quality", [None, 70], ids=["png", "jpeg70"])
@pytest.mark.parametrize("background", [OFF_WHITE, GREY], ids=["off-white", "grey"])
@pytest.mark.parametrize("seed", range(4))
def test_random_user_scenes_are_read(seed: int, background: RGB, quality: int | None) -> None:
    """Every shape found once, boxed, with its shape; its colour named as drawn."""
    from langchain_gemini_vision.testing.vision import color_name

    shapes, names = _random_scene(seed)
    data, drawn = draw_scene((612, 260), shapes, background, jpeg_quality=quality)
    analysis = analyse_image(data)
    assert analysis.background == ("white" if background == OFF_WHITE else "gray")
    assert len(analysis.objects) == len(drawn), [o.label for o in analysis.objects]
    found = [
        (o, box_2d_to_xyxy(analysis.box_2d(o), analysis.width, analysis.height))
        for o in analysis.objects
    ]
    for shape, intended in zip(drawn, names, strict=True):
        obj, box = max(found, key=lambda pair: box_iou(pair[1], shape.truth))
        assert box_iou(box, shape.truth) >= 0.9, (shape, obj.label)
        assert obj.shape == shape.shape, (shape, obj.label)
        # Named by the palette colour nearest to what was drawn (JPEG must not move it):
        # the one the offset was taken from, unless the offset crossed to a neighbour.
        assert obj.color == color_name(shape.color), (shape, intended, obj.label)


# ---------------------------------------------------------------- what is not a shape

SAMPLES = Path(langchain_gemini_vision.__file__).resolve().parent / "samples"


@pytest.mark.parametrize("name", sorted(p.name for p in SAMPLES.glob("*.jpg")))
def test_photographs_have_no_objects(name: str) -> None:
    analysis = analyse_image((SAMPLES / name).read_bytes())
    assert analysis.objects == (), [o.label for o in analysis.objects]


@pytest.mark.parametrize("quality", [None, 70], ids=["png", "jpeg70"])
def test_noise_and_smooth_gradients_have_no_objects(quality: int | None) -> None:
    fmt = "PNG" if quality is None else "JPEG"
    for seed in range(3):
        noise = make_noise_image(320, 240, seed=seed, format=fmt, quality=quality or 95)
        assert analyse_image(noise.data).objects == ()
    yy, xx = np.mgrid[0:240, 0:320].astype(np.float32)
    vignette = 200 - 0.002 * ((xx - 160) ** 2 + (yy - 120) ** 2)
    sky = np.stack([vignette * 0.6, vignette * 0.8, vignette], axis=-1)
    grain = np.random.default_rng(0).normal(0, 6, sky.shape)
    for pixels in (sky, sky + grain):
        image = Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8), "RGB")
        buffer = io.BytesIO()
        image.save(buffer, fmt, **({"quality": quality} if quality else {}))
        assert analyse_image(buffer.getvalue()).objects == ()


def test_small_shapes_in_small_images_are_found_exactly() -> None:
    """Shapes of 12-20 px in a 160x120 image: each found, with its drawn box."""
    from langchain_gemini_vision.testing import make_scene

    for index in range(50):
        scene = make_scene(160, 120, objects=1 + index % 3, seed=1000 + index)
        analysis = analyse_image(scene.data)
        found = sorted((o.label, o.box) for o in analysis.objects)
        assert found == sorted((o.label, o.box) for o in scene.objects), index
