"""The evaluation harness against the emulator (issue 21 items 1 and 2).

The emulator's answers are exact, so the scores are 1.0; told to spoil them by known
amounts (``Degradation``) the scores fall by those amounts. Each assertion would fail
with a broken metric: recall that ignores misses, precision that ignores extras,
labels never compared, masks never read, a manifest that asks again.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from langchain_gemini_vision.evaluation import (
    EvalReport,
    evaluate,
    grid,
    load_coco,
    load_yolo,
    render_eval_report,
)
from langchain_gemini_vision.testing import Degradation, GeminiEmulator

from .conftest import CLASSES, SCENES

MODEL = "gemini-3-flash-preview"
OBJECTS = sum(len(s.objects) for s in SCENES)


def _run(emulator: GeminiEmulator, dataset_dir: Path, **kwargs: object) -> EvalReport:
    dataset = load_coco(dataset_dir / "coco.json", dataset_dir / "images", masks=True)
    configs = kwargs.pop("configs", grid([MODEL]))
    return evaluate(
        dataset,
        configs,
        api_key="k",
        base_url=emulator.base_url,
        **kwargs,  # type: ignore[arg-type]
    )


def test_exact_answers_score_one(emulator: GeminiEmulator, dataset_dir: Path) -> None:
    report = _run(emulator, dataset_dir, task="segment")
    scores = report.results[0].scores
    assert (scores.true_positives, scores.false_positives, scores.false_negatives) == (
        OBJECTS,
        0,
        0,
    )
    assert scores.map_50 == pytest.approx(1.0)
    assert scores.map_50_95 == pytest.approx(1.0)
    assert scores.precision == scores.recall == scores.f1 == 1.0
    assert scores.label_accuracy == 1.0
    # Masks: the truth went through COCO polygons, the answers through Gemini's.
    assert scores.mask_iou is not None and scores.mask_iou > 0.9
    assert scores.mask_map_50_95 is not None and scores.mask_map_50_95 > 0.9
    assert report.results[0].tokens_per_image > 0
    assert report.requests == len(SCENES)


def test_dropping_every_second_object_halves_recall_not_precision(
    emulator: GeminiEmulator, dataset_dir: Path
) -> None:
    emulator.degradation = Degradation(drop_every=2)
    scores = _run(emulator, dataset_dir).results[0].scores
    assert scores.recall == pytest.approx(0.5)  # 4 objects per scene, 2 dropped
    assert scores.precision == 1.0
    assert scores.f1 == pytest.approx(2 / 3)
    assert scores.map_50 == pytest.approx(0.5, abs=0.01)


def test_boxes_shifted_by_15_percent_pass_iou_half_but_not_the_strict_thresholds(
    emulator: GeminiEmulator, dataset_dir: Path
) -> None:
    # IoU (1 - 0.15) / (1 + 0.15) = 0.74: matched at 0.5 ... 0.70, missed at 0.75 ... 0.95.
    emulator.degradation = Degradation(shift=0.15)
    scores = _run(emulator, dataset_dir).results[0].scores
    assert scores.map_50 == pytest.approx(1.0)
    assert scores.precision == scores.recall == 1.0
    assert scores.map_50_95 == pytest.approx(0.5, abs=0.05)


def test_boxes_shifted_by_40_percent_are_all_misses(
    emulator: GeminiEmulator, dataset_dir: Path
) -> None:
    emulator.degradation = Degradation(shift=0.4)  # IoU 0.43 < 0.5
    scores = _run(emulator, dataset_dir).results[0].scores
    assert scores.true_positives == 0
    assert scores.false_positives == scores.false_negatives == OBJECTS
    assert scores.map_50 == 0.0


def test_swapped_labels_are_found_but_misnamed(emulator: GeminiEmulator, dataset_dir: Path) -> None:
    emulator.degradation = Degradation(swap_label_every=2)
    scores = _run(emulator, dataset_dir).results[0].scores
    assert scores.label_accuracy == pytest.approx(0.5)
    # Class-aware matching: a misnamed object is a false positive and a miss.
    assert scores.precision == scores.recall == pytest.approx(0.5)


def test_synonyms_map_the_models_words_to_the_datasets_classes(
    emulator: GeminiEmulator, tmp_path: Path
) -> None:
    from .conftest import write_dataset

    root = write_dataset(tmp_path)
    coco = json.loads((root / "coco.json").read_text())
    for category in coco["categories"]:
        category["name"] = f"thing-{category['name'].replace(' ', '-')}"
    (root / "coco.json").write_text(json.dumps(coco))
    synonyms = {label: f"thing-{label.replace(' ', '-')}" for label in CLASSES}
    plain = _run(emulator, root).results[0].scores
    mapped = _run(emulator, root, synonyms=synonyms).results[0].scores
    assert plain.label_accuracy == 0.0 and plain.map_50 == 0.0
    assert mapped.label_accuracy == 0.0  # exact: still another word
    assert mapped.label_accuracy_synonyms == 1.0
    assert mapped.map_50 == pytest.approx(1.0)


def test_a_yolo_folder_scores_as_its_coco_twin(emulator: GeminiEmulator, dataset_dir: Path) -> None:
    dataset = load_yolo(dataset_dir / "yolo")
    assert len(dataset) == len(SCENES) and set(dataset.classes) == set(CLASSES)
    report = evaluate(dataset, grid([MODEL]), api_key="k", base_url=emulator.base_url)
    assert report.results[0].scores.map_50 == pytest.approx(1.0)


def test_a_rerun_with_its_manifest_asks_nothing_again(
    emulator: GeminiEmulator, dataset_dir: Path, tmp_path: Path
) -> None:
    manifest = tmp_path / "run.jsonl"
    seen: list[tuple[int, int]] = []
    first = _run(
        emulator, dataset_dir, manifest=manifest, progress=lambda d, t: seen.append((d, t))
    )
    assert seen[-1] == (len(SCENES), len(SCENES))
    # A run stopped after two images: its manifest holds two answers (and a cut line).
    lines = manifest.read_text().splitlines()
    manifest.write_text("\n".join(lines[:2]) + "\n" + lines[2][:40] + "\n")
    resumed = _run(emulator, dataset_dir, manifest=manifest)
    assert resumed.requests == len(SCENES) - 2
    again = _run(emulator, dataset_dir, manifest=manifest)
    assert again.requests == 0
    assert again.results[0].scores == first.results[0].scores


def test_configurations_and_the_html_report(emulator: GeminiEmulator, dataset_dir: Path) -> None:
    configs = grid([MODEL, "gemini-2.5-flash"], apis=["interactions", "generate_content"])
    report = _run(emulator, dataset_dir, configs=configs, prices={"gemini-2.5-flash": (0.3, 2.5)})
    assert len(report.results) == 4
    assert {r.config.api for r in report.results} == {"interactions", "generate_content"}
    cheap = [r for r in report.results if r.config.model == "gemini-2.5-flash"]
    assert all(r.cost_usd is not None and r.cost_usd > 0 for r in cheap)
    data = json.loads(report.to_json())
    assert data["results"][0]["scores"]["map_50"] == pytest.approx(1.0)
    page = render_eval_report(report)
    assert "Content-Security-Policy" in page and "<script" not in page
    assert page.count('<polyline class="pr"') == 4
    assert page.count('<circle class="config"') == 4
    assert "gemini-2.5-flash | generate_content" in page


def test_the_eval_command_writes_scores_json_and_html(
    emulator: GeminiEmulator, dataset_dir: Path, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from langchain_gemini_vision.cli.app import app

    emulator.degradation = Degradation(drop_every=2)
    args = ["eval", str(dataset_dir / "coco.json"), "--images", str(dataset_dir / "images")]
    args += ["-m", MODEL, "--api", "generate_content", "--base-url", emulator.base_url]
    args += ["--json", str(tmp_path / "eval.json"), "--html", str(tmp_path / "eval.html")]
    result = CliRunner().invoke(app, args, env={"GEMINI_API_KEY": "k", "COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert MODEL in result.output and "0.500" in result.output  # recall
    data = json.loads((tmp_path / "eval.json").read_text())
    assert data["results"][0]["scores"]["recall"] == pytest.approx(0.5)
    assert "<svg" in (tmp_path / "eval.html").read_text()


def test_the_eval_command_says_what_a_coco_dataset_lacks(dataset_dir: Path) -> None:
    from typer.testing import CliRunner

    from langchain_gemini_vision.cli.app import app

    result = CliRunner().invoke(
        app, ["eval", str(dataset_dir / "coco.json")], env={"GEMINI_API_KEY": "k"}
    )
    assert result.exit_code == 2
    assert "--images" in result.output


def test_a_supervision_dataset_in_memory_scores_as_on_disk(emulator: GeminiEmulator) -> None:
    import warnings

    import numpy as np
    import supervision as sv

    from langchain_gemini_vision.evaluation import from_supervision

    images, annotations = {}, {}
    for index, scene in enumerate(SCENES[:2]):
        key = f"scene-{index}.png"
        images[key] = np.asarray(scene.image)[..., ::-1].copy()  # supervision holds BGR
        annotations[key] = sv.Detections(
            xyxy=np.array([o.box for o in scene.objects], dtype=np.float32),
            class_id=np.array([CLASSES.index(o.label) for o in scene.objects]),
        )
    with warnings.catch_warnings():  # supervision deprecates images held in memory
        warnings.simplefilter("ignore")
        dataset = sv.DetectionDataset(classes=CLASSES, images=images, annotations=annotations)
    labelled = from_supervision(dataset)
    assert [i.image_id for i in labelled.images] == ["scene-0.png", "scene-1.png"]
    report = evaluate(labelled, grid([MODEL]), api_key="k", base_url=emulator.base_url)
    assert report.results[0].scores.map_50 == pytest.approx(1.0)
    assert report.results[0].scores.recall == 1.0
