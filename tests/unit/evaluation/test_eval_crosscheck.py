"""Cross-check: the harness's scores equal pycocotools' own, computed here directly on
the reference decoding of the same answers, whatever dialect the answers are written in
(issue 21 item 2).

The answers are written by hand in each dialect Gemini uses: a fenced list, bare JSON,
``{"boxes": [...]}`` after prose, boxes with polygon masks ``[x, y]`` (x first, unlike
``box_2d``), and a fenced list cut off mid-object. Each has a hit, a box moved, a wrong
label, a miss and an invented object, so every metric has something to count. The
reference decoding is the documented one: ``box_2d`` is ``[y0, x0, y1, x1]`` on 0-1000;
only complete objects of a truncated answer count.
"""

from __future__ import annotations

import contextlib
import io
import json
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest
from pycocotools.coco import COCO
from pycocotools.cocoeval import COCOeval

from langchain_gemini_vision.evaluation import LabelledDataset, LabelledImage, evaluate, grid
from langchain_gemini_vision.testing import MockRequest, MockTransport, make_scene

SCENES = [make_scene(320, 240, objects=4, seed=seed) for seed in (11, 12)]
DATASET = LabelledDataset(
    classes=tuple(sorted({o.label for s in SCENES for o in s.objects})),
    images=tuple(
        LabelledImage(
            image_id=f"scene-{i}",
            data=s.data,
            width=s.width,
            height=s.height,
            boxes=tuple(tuple(float(v) for v in o.box) for o in s.objects),  # type: ignore[misc]
            labels=tuple(o.label for o in s.objects),
        )
        for i, s in enumerate(SCENES)
    ),
)


def _box_2d(box: tuple[float, ...], w: int, h: int) -> list[int]:
    x0, y0, x1, y1 = box
    return [round(y0 / h * 1000), round(x0 / w * 1000), round(y1 / h * 1000), round(x1 / w * 1000)]


def _items(image: LabelledImage, polygons: bool) -> list[dict[str, Any]]:
    """A hit, a box moved by 12 px, a wrong label, a miss (the 4th), an invention."""
    w, h = image.width, image.height
    (b0, b1, b2, _), labels = image.boxes, image.labels
    moved = (b1[0] + 12, b1[1], b1[2] + 12, b1[3])
    items = [
        {"box_2d": _box_2d(b0, w, h), "label": labels[0]},
        {"box_2d": _box_2d(moved, w, h), "label": labels[1]},
        {"box_2d": _box_2d(b2, w, h), "label": "teapot"},
        {"box_2d": [0, 0, 90, 90], "label": labels[0]},
    ]
    if polygons:
        for item in items:
            y0, x0, y1, x1 = item["box_2d"]
            item["mask"] = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]]  # x first
    return items


DIALECTS: dict[str, Callable[[list[dict[str, Any]]], str]] = {
    "fenced": lambda items: "```json\n" + json.dumps(items, indent=2) + "\n```",
    "bare": json.dumps,
    "wrapped": lambda items: "Here are the objects I found:\n" + json.dumps({"boxes": items}),
    "polygons x-first": json.dumps,
    # Cut inside the last object: only the three before it are complete.
    "truncated": lambda items: "```json\n" + json.dumps(items)[: -len(json.dumps(items[-1])) // 2],
}


def _reference(dialect: str) -> list[list[dict[str, Any]]]:
    """What each answer holds, decoded by the documented rule (pixels from 0-1000)."""
    decoded = []
    for image in DATASET.images:
        items = _items(image, polygons=False)
        if dialect == "truncated":
            items = items[:-1]
        decoded.append(
            [
                {
                    "box": (
                        i["box_2d"][1] / 1000 * image.width,
                        i["box_2d"][0] / 1000 * image.height,
                        i["box_2d"][3] / 1000 * image.width,
                        i["box_2d"][2] / 1000 * image.height,
                    ),
                    "label": i["label"],
                }
                for i in items
            ]
        )
    return decoded


def _pycocotools_direct(decoded: list[list[dict[str, Any]]]) -> tuple[float, float]:
    names = list(DATASET.classes) + sorted(
        {d["label"] for ds in decoded for d in ds} - set(DATASET.classes)
    )
    cat = {n: k + 1 for k, n in enumerate(names)}
    gt: dict[str, Any] = {
        "images": [
            {"id": k + 1, "width": im.width, "height": im.height}
            for k, im in enumerate(DATASET.images)
        ],
        "categories": [{"id": v, "name": n} for n, v in cat.items()],
        "annotations": [],
    }
    for k, im in enumerate(DATASET.images):
        for (x0, y0, x1, y1), label in zip(im.boxes, im.labels, strict=True):
            gt["annotations"].append(
                {
                    "id": len(gt["annotations"]) + 1,
                    "image_id": k + 1,
                    "iscrowd": 0,
                    "category_id": cat[label],
                    "bbox": [x0, y0, x1 - x0, y1 - y0],
                    "area": (x1 - x0) * (y1 - y0),
                }
            )
    dt = [
        {"image_id": k + 1, "category_id": cat[d["label"]], "score": 1.0,
         "bbox": [d["box"][0], d["box"][1], d["box"][2] - d["box"][0], d["box"][3] - d["box"][1]]}
        for k, ds in enumerate(decoded)
        for d in ds
    ]  # fmt: skip
    with contextlib.redirect_stdout(io.StringIO()):
        ground = COCO()
        ground.dataset = gt
        ground.createIndex()
        evaluation = COCOeval(ground, ground.loadRes(dt), "bbox")
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return float(evaluation.stats[0]), float(evaluation.stats[1])


def _answers(dialect: str) -> Iterator[str]:
    for image in DATASET.images:
        yield DIALECTS[dialect](_items(image, polygons=dialect == "polygons x-first"))


@pytest.mark.parametrize("dialect", list(DIALECTS))
def test_scores_equal_pycocotools_on_the_reference_decoding(dialect: str) -> None:
    answers = _answers(dialect)

    def handler(request: MockRequest) -> str:
        return next(answers)

    task = "segment" if dialect == "polygons x-first" else "detect"
    # One image at a time: the handler answers in the dataset's order.
    report = evaluate(
        DATASET, grid(["gemini-3-flash-preview"]), task=task,
        api_key="k", transport=MockTransport(handler), max_concurrency=1,
    )  # fmt: skip
    scores = report.results[0].scores
    map_50_95, map_50 = _pycocotools_direct(_reference(dialect))
    assert scores.map_50_95 == pytest.approx(map_50_95, abs=1e-9)
    assert scores.map_50 == pytest.approx(map_50, abs=1e-9)
    assert 0.0 < scores.map_50 < 1.0  # the answers are neither all right nor all wrong
    # The hit and the moved box are found; the teapot is found but misnamed.
    assert scores.label_accuracy == pytest.approx(2 / 3)
    invented = 0 if dialect == "truncated" else 1
    per_image = (2, 1 + invented, 2)  # true positives, false positives (teapot +), misses
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == tuple(
        n * len(SCENES) for n in per_image
    )
    assert np.isfinite(scores.f1)


def test_a_failed_image_is_scored_as_no_answer_said_and_asked_again(tmp_path: Any) -> None:
    from langchain_gemini_vision.testing import MockResponse

    calls: list[int] = []
    error = {"error": {"code": 400, "message": "bad image", "status": "INVALID_ARGUMENT"}}

    def handler(request: MockRequest) -> Any:
        calls.append(1)
        # One at a time, in order: scene-0 fails, scene-1 answers, then the re-run's scene-0.
        if len(calls) == 1:
            return MockResponse(400, error)
        image = DATASET.images[1] if len(calls) == 2 else DATASET.images[0]
        return DIALECTS["bare"](_items(image, polygons=False))

    manifest = tmp_path / "run.jsonl"
    kwargs: dict[str, Any] = {"api_key": "k", "transport": MockTransport(handler)}
    report = evaluate(
        DATASET, grid(["gemini-3-flash-preview"]), manifest=manifest, max_concurrency=1, **kwargs
    )
    result = report.results[0]
    assert result.failed_images == 1
    assert "1 images failed" in result.warnings[0] and "scene-0" in result.warnings[0]
    # scene-1 as in every dialect (2 hits, 2 false positives, 2 misses), scene-0 all missed.
    scores = result.scores
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == (2, 2, 6)
    assert len(manifest.read_text().splitlines()) == 1
    again = evaluate(DATASET, grid(["gemini-3-flash-preview"]), manifest=manifest, **kwargs)
    assert again.requests == 1 and again.results[0].failed_images == 0
    scores = again.results[0].scores
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == (4, 4, 4)
