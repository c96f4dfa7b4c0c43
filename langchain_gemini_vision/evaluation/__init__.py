"""How good is it: detection and segmentation scored against a labelled dataset.

``evaluate(load_coco("instances.json", "images/"), grid(["gemini-3-flash-preview"]))``
runs every configuration (model x prompt x media resolution x API) over the images,
keeps each answer in a resumable manifest, and scores them with pycocotools (box and
mask mAP, precision/recall/F1 at IoU 0.5, label accuracy, mask IoU) beside tokens, cost
and latency; :func:`render_eval_report` draws it as one HTML page. ``gemini-vision
eval`` is the same from the command line. Needs the ``eval`` extra (pycocotools,
supervision).
"""

from __future__ import annotations

from .dataset import LabelledDataset, LabelledImage, from_supervision, load_coco, load_yolo
from .html import render_eval_report, write_eval_report
from .metrics import Scores, normalise_label, score
from .run import ConfigResult, EvalConfig, EvalReport, evaluate, grid

__all__ = [
    "ConfigResult",
    "EvalConfig",
    "EvalReport",
    "LabelledDataset",
    "LabelledImage",
    "Scores",
    "evaluate",
    "from_supervision",
    "grid",
    "load_coco",
    "load_yolo",
    "normalise_label",
    "render_eval_report",
    "score",
    "write_eval_report",
]
