"""Scores of one configuration's answers against the truth, computed by pycocotools.

Nothing here counts a match by hand: the truth and the answers become COCO
dictionaries and ``COCOeval`` does the matching (greedy, one-to-one, by score) and
the averaging. From it:

* ``map_50_95`` / ``map_50``: box mAP over IoU 0.5:0.95 and at 0.5, per class
  (labels mapped to the dataset's classes through the synonyms);
* ``precision`` / ``recall`` / ``f1`` at IoU 0.5 from the same matches, every
  answer counted (one whose label names no class of the dataset is a false positive);
* ``label_accuracy`` / ``label_accuracy_synonyms``: of the objects found regardless of
  label (class-agnostic matching at IoU 0.5), the share named exactly as the truth,
  and as the truth once the synonym map is applied;
* ``mask_map_50_95`` / ``mask_iou``: mask mAP, and the mean mask IoU of the
  class-agnostic pairs, when the dataset has masks (``None`` otherwise).

Answers carry no confidence unless the model gave one: each counts as 1.0.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from langchain_gemini_vision._lazy import optional_module
from langchain_gemini_vision.results import DetectionResult

from .dataset import LabelledDataset

__all__ = ["Scores", "normalise_label", "score"]


@dataclass(frozen=True)
class Scores:
    """What one configuration scored (see the module docstring)."""

    map_50_95: float
    map_50: float
    precision: float
    recall: float
    f1: float
    label_accuracy: float
    label_accuracy_synonyms: float
    mask_map_50_95: float | None
    mask_iou: float | None
    pr_curve: tuple[tuple[float, float], ...]
    """(recall, precision) at IoU 0.5, classes averaged (COCO's 101 recall points)."""
    true_positives: int
    false_positives: int
    false_negatives: int


def normalise_label(label: str, synonyms: Mapping[str, str] | None = None) -> str:
    """``label`` lower-cased and trimmed, then mapped through ``synonyms`` when it is one."""
    text = " ".join(label.lower().split())
    if synonyms:
        table = {" ".join(k.lower().split()): v for k, v in synonyms.items()}
        text = " ".join(table.get(text, text).lower().split())
    return text


def _pycocotools() -> tuple[Any, Any, Any]:
    def load(name: str) -> Any:
        return optional_module(name, extra="eval", needed_for="evaluation")

    coco, cocoeval = load("pycocotools.coco"), load("pycocotools.cocoeval")
    return coco.COCO, cocoeval.COCOeval, load("pycocotools.mask")


def _rle(mask: Any, mask_utils: Any) -> dict[str, Any]:
    return dict(mask_utils.encode(np.asfortranarray(np.asarray(mask, dtype=np.uint8))))


def _xywh(box: Sequence[float]) -> list[float]:
    x0, y0, x1, y1 = box
    return [float(x0), float(y0), float(x1 - x0), float(y1 - y0)]


def score(
    dataset: LabelledDataset,
    predictions: Sequence[DetectionResult],
    *,
    synonyms: Mapping[str, str] | None = None,
) -> Scores:
    """Score ``predictions`` (one per image of ``dataset``, in order) against its truth."""
    if len(predictions) != len(dataset.images):
        msg = f"{len(predictions)} answers for {len(dataset.images)} images"
        raise ValueError(msg)
    coco_cls, eval_cls, mask_utils = _pycocotools()
    with_masks = all(image.masks is not None for image in dataset.images)
    ids = {normalise_label(name): index + 1 for index, name in enumerate(dataset.classes)}
    gt_labels: dict[int, str] = {}
    images: list[dict[str, Any]] = []
    truth: list[dict[str, Any]] = []
    for image_id, image in enumerate(dataset.images, start=1):
        images.append({"id": image_id, "width": image.width, "height": image.height})
        for k, (box, label) in enumerate(zip(image.boxes, image.labels, strict=True)):
            ann: dict[str, Any] = {
                "id": len(truth) + 1,
                "image_id": image_id,
                "category_id": ids[normalise_label(label)],
                "bbox": _xywh(box),
                "area": float((box[2] - box[0]) * (box[3] - box[1])),
                "iscrowd": 0,
            }
            if with_masks and image.masks is not None:
                ann["segmentation"] = _rle(image.masks[k], mask_utils)
                ann["area"] = float(np.count_nonzero(image.masks[k]))
            gt_labels[ann["id"]] = label
            truth.append(ann)
    answers: list[dict[str, Any]] = []
    for image_id, result in enumerate(predictions, start=1):
        for detection in result.detections:
            name = normalise_label(detection.label, synonyms)
            category = ids.setdefault(name, len(ids) + 1)  # no class: a false positive
            answer: dict[str, Any] = {
                "image_id": image_id,
                "category_id": category,
                "bbox": _xywh(detection.box),
                "score": 1.0 if detection.score is None else float(detection.score),
                "label": detection.label,
            }
            if with_masks:
                full = (
                    detection.mask.to_full()
                    if detection.mask is not None
                    else np.zeros((result.image_height, result.image_width), bool)
                )
                answer["mask"] = full
            answers.append(answer)
    categories = [{"id": i, "name": n} for n, i in ids.items()]
    ground = _coco(coco_cls, {"images": images, "annotations": truth, "categories": categories})
    boxes = _evaluate(eval_cls, ground, _load(ground, answers, None, mask_utils), "bbox", True)
    tp, fp, fn = _counts(boxes)
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    agnostic = _evaluate(eval_cls, ground, _load(ground, answers, None, mask_utils), "bbox", False)
    pairs = _pairs(agnostic)
    exact = sum(
        normalise_label(answers[d - 1]["label"]) == normalise_label(gt_labels[g]) for d, g in pairs
    )
    mapped = sum(
        normalise_label(answers[d - 1]["label"], synonyms) == normalise_label(gt_labels[g])
        for d, g in pairs
    )
    mask_map = mask_iou = None
    if with_masks:
        segm = _evaluate(eval_cls, ground, _load(ground, answers, "mask", mask_utils), "segm", True)
        mask_map = _stat(segm, 0)
        ious = [
            float(
                mask_utils.iou(
                    [_rle(answers[d - 1]["mask"], mask_utils)],
                    [ground.anns[g]["segmentation"]],
                    [0],
                )[0][0]
            )
            for d, g in pairs
        ]
        mask_iou = sum(ious) / len(ious) if ious else 0.0
    return Scores(
        map_50_95=_stat(boxes, 0),
        map_50=_stat(boxes, 1),
        precision=precision,
        recall=recall,
        f1=f1,
        label_accuracy=exact / len(pairs) if pairs else 0.0,
        label_accuracy_synonyms=mapped / len(pairs) if pairs else 0.0,
        mask_map_50_95=mask_map,
        mask_iou=mask_iou,
        pr_curve=_pr_curve(boxes),
        true_positives=tp,
        false_positives=fp,
        false_negatives=fn,
    )


def _coco(coco_cls: Any, dataset: dict[str, Any]) -> Any:
    ground = coco_cls()
    ground.dataset = dataset
    with contextlib.redirect_stdout(io.StringIO()):  # pycocotools prints its progress
        ground.createIndex()
    return ground


def _load(ground: Any, answers: list[dict[str, Any]], masks: str | None, mask_utils: Any) -> Any:
    """The answers as a COCO result set (ids 1..n in ``answers``' order)."""
    rows = []
    for answer in answers:
        row = {k: answer[k] for k in ("image_id", "category_id", "bbox", "score")}
        if masks:
            row["segmentation"] = _rle(answer[masks], mask_utils)
        rows.append(row)
    if not rows:
        return None
    with contextlib.redirect_stdout(io.StringIO()):
        return ground.loadRes(rows)


def _evaluate(eval_cls: Any, ground: Any, found: Any, kind: str, by_class: bool) -> Any:
    """A finished ``COCOeval`` (``None`` when there was no answer at all)."""
    if found is None:
        return _Empty(ground)
    evaluation = eval_cls(ground, found, kind)
    evaluation.params.useCats = int(by_class)
    with contextlib.redirect_stdout(io.StringIO()):
        evaluation.evaluate()
        evaluation.accumulate()
        evaluation.summarize()
    return evaluation


@dataclass
class _Empty:
    """What ``COCOeval`` would say of no answers: nothing found, every object missed."""

    ground: Any
    stats: tuple[float, ...] = (0.0, 0.0)
    evalImgs: tuple[Any, ...] = ()  # noqa: N815 - pycocotools' name
    eval: Any = None


def _stat(evaluation: Any, index: int) -> float:
    value = float(evaluation.stats[index])
    return max(value, 0.0)  # -1: no truth at all, scored 0


def _all_area(evaluation: Any) -> list[dict[str, Any]]:
    return [e for e in evaluation.evalImgs if e is not None and e["aRng"] == [0, 1e10]]


def _counts(evaluation: Any) -> tuple[int, int, int]:
    """True positives, false positives and misses at IoU 0.5 (``iouThrs[0]``)."""
    if isinstance(evaluation, _Empty):
        return 0, 0, len(evaluation.ground.anns)
    tp = fp = fn = 0
    for e in _all_area(evaluation):
        matched = e["dtMatches"][0] > 0
        ignored = e["dtIgnore"][0].astype(bool)
        tp += int(np.count_nonzero(matched & ~ignored))
        fp += int(np.count_nonzero(~matched & ~ignored))
        wanted = ~np.asarray(e["gtIgnore"], bool)
        fn += int(np.count_nonzero((e["gtMatches"][0] == 0) & wanted))
    return tp, fp, fn


def _pairs(evaluation: Any) -> list[tuple[int, int]]:
    """(answer id, truth id) matched at IoU 0.5."""
    if isinstance(evaluation, _Empty):
        return []
    pairs: list[tuple[int, int]] = []
    for e in _all_area(evaluation):
        for d, g in zip(e["dtIds"], e["dtMatches"][0], strict=True):
            if g > 0:
                pairs.append((int(d), int(g)))
    return pairs


def _pr_curve(evaluation: Any) -> tuple[tuple[float, float], ...]:
    if isinstance(evaluation, _Empty) or evaluation.eval is None:
        return ()
    precision = evaluation.eval["precision"][0, :, :, 0, -1]  # IoU .5, all areas, 100 dets
    recalls = evaluation.params.recThrs
    points = []
    for r, row in zip(recalls, precision, strict=True):
        valid = row[row > -1]
        points.append((float(r), float(valid.mean()) if valid.size else 0.0))
    return tuple(points)
