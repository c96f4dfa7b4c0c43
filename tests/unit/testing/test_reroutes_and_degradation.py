"""The emulator answers as another model (a reroute table) and spoils its spatial answers
by computed amounts (a ``Degradation``), so the client's reroute warning and an
evaluation's scores are tested end to end (issue 21 items 2 and 4)."""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pytest

from langchain_gemini_vision import GeminiVisionClient
from langchain_gemini_vision.errors import GeminiVisionInvalidRequestError
from langchain_gemini_vision.profiles import ModelProfile
from langchain_gemini_vision.testing import Degradation, GeminiEmulator, SceneObject, make_scene
from langchain_gemini_vision.testing._emulator_cli import parse_args

# Five shapes in one row: reading order is left to right.
ROW = make_scene(
    800,
    240,
    objects=[
        SceneObject("circle", "red", (20, 60, 120, 160)),
        SceneObject("square", "blue", (180, 60, 280, 160)),
        SceneObject("triangle", "green", (340, 60, 440, 160)),
        SceneObject("rectangle", "orange", (500, 60, 640, 160)),
        SceneObject("circle", "purple", (680, 60, 780, 160)),
    ],
)


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emu:
        yield emu


@pytest.fixture(autouse=True)
def _plain(emulator: GeminiEmulator) -> Iterator[None]:
    yield
    emulator.reroutes = {}
    emulator.degradation = None


def _client(emulator: GeminiEmulator, **settings: object) -> GeminiVisionClient:
    return GeminiVisionClient(api_key="k", base_url=emulator.base_url, **settings)  # type: ignore[arg-type]


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
def test_a_rerouted_model_answers_under_its_own_name_and_the_result_says_so(
    emulator: GeminiEmulator, api: str
) -> None:
    emulator.reroutes = {"gemini-2.5-pro": "gemini-3.8-flash"}
    with _client(emulator, model="gemini-2.5-pro", api=api) as client:
        result = client.detect(ROW.data)
    assert result.model == "gemini-3.8-flash"
    assert len(result) == 5
    assert any("gemini-2.5-pro" in w and "gemini-3.8-flash" in w for w in result.warnings)


def test_a_segmentation_rerouted_to_a_model_without_masks_keeps_boxes_and_says_so(
    emulator: GeminiEmulator,
) -> None:
    emulator.reroutes = {"gemini-2.5-flash": "gemini-3.8-flash-lite"}
    with _client(emulator, model="gemini-2.5-flash", api="generate_content") as client:
        result = client.segment(ROW.data)
    assert len(result) == 5
    assert all(d.mask is None for d in result)
    assert any(
        "mask" in w and "gemini-2.5-flash" in w and "gemini-3.8-flash-lite" in w
        for w in result.warnings
    ), result.warnings


def test_without_a_reroute_the_model_asked_answers(emulator: GeminiEmulator) -> None:
    with _client(emulator, model="gemini-2.5-pro") as client:
        result = client.detect(ROW.data)
    assert result.model == "gemini-2.5-pro"
    assert result.warnings == []


def test_gemini_3_pro_refuses_minimal_as_gemini_does(emulator: GeminiEmulator) -> None:
    forced = ModelProfile(family="forced", low_thinking_level="minimal")
    with _client(emulator, model="gemini-3-pro-preview", profile=forced) as client:
        with pytest.raises(GeminiVisionInvalidRequestError, match="minimal"):
            client.detect(ROW.data)
    with _client(emulator, model="gemini-3-pro-preview") as client:
        assert len(client.detect(ROW.data)) == 5  # the profile sends "low"


def _labels(emulator: GeminiEmulator, degradation: Degradation | None) -> list[str]:
    emulator.degradation = degradation
    with _client(emulator) as client:
        return client.detect(ROW.data).labels


def test_drop_every_leaves_out_the_kth_objects(emulator: GeminiEmulator) -> None:
    exact = _labels(emulator, None)  # reading order: bands of height, then left to right
    assert sorted(exact) == sorted(o.label for o in ROW.objects)
    assert _labels(emulator, Degradation(drop_every=2)) == [exact[0], exact[2], exact[4]]
    assert _labels(emulator, Degradation(drop_every=1)) == []


def test_swap_label_every_misnames_the_kth_objects(emulator: GeminiEmulator) -> None:
    exact = _labels(emulator, None)
    swapped = _labels(emulator, Degradation(swap_label_every=2))
    partner = {"circle": "square", "square": "circle", "triangle": "rectangle"}
    partner["rectangle"] = "triangle"
    for position, (was, now) in enumerate(zip(exact, swapped, strict=True), start=1):
        color, shape = was.split()
        assert now == (f"{color} {partner[shape]}" if position % 2 == 0 else was)


def _iou(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    ix = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter
    return inter / union


def test_shift_moves_boxes_masks_and_points_by_the_share_of_width(
    emulator: GeminiEmulator,
) -> None:
    emulator.degradation = Degradation(shift=0.15)
    with _client(emulator) as client:
        boxes = client.detect(ROW.data)
        masks = client.segment(ROW.data)
    expected = (1 - 0.15) / (1 + 0.15)
    truths = {o.label: o for o in ROW.objects}
    assert sorted(boxes.labels) == sorted(truths)
    for detection in boxes:
        truth = truths[detection.label]
        assert _iou(detection.box, truth.box) == pytest.approx(expected, abs=0.02)
    for detection in masks:
        truth = truths[detection.label]
        assert detection.mask is not None
        full = detection.mask.to_full()
        overlap = np.logical_and(full, truth.mask).sum() / np.logical_or(full, truth.mask).sum()
        assert overlap < expected + 0.05  # the mask moved with its box


def test_the_emulator_command_line_takes_reroutes_and_degradation() -> None:
    options = parse_args(["--reroute", "gemini-2.5-pro=gemini-3.8-flash", "--drop-every", "3"])
    assert options["reroutes"] == {"gemini-2.5-pro": "gemini-3.8-flash"}
    assert options["degrade"] == {"drop_every": 3}
    with pytest.raises(SystemExit):
        parse_args(["--reroute", "no-equals-sign"])
    with pytest.raises(ValueError, match="shift"):
        Degradation(shift=1.5)
