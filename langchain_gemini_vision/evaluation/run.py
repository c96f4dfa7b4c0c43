"""An evaluation run: every configuration over every image, resumable, then scored.

A configuration is one model x prompt x media resolution x API. Each image's answer
is appended to the run's manifest (JSON Lines: configuration, image, result) as soon
as it arrives, so a run stopped half-way, re-run with the same manifest, asks only
for what is missing, and a finished run re-scores without a request. A client cache
(``cache=`` on the client, when set) makes repeated answers free the same way.
"""

from __future__ import annotations

import functools
import json
import statistics
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.results import DetectionResult

from .dataset import LabelledDataset, LabelledImage
from .metrics import Scores, score

__all__ = ["ConfigResult", "EvalConfig", "EvalReport", "evaluate", "grid"]

EvalTask = Literal["detect", "segment"]


@dataclass(frozen=True)
class EvalConfig:
    """One configuration evaluated.

    Attributes:
        model: The model asked.
        prompt: What to find (the detection ``query``); ``None``: the default prompt.
        media_resolution: ``low`` ... ``ultra_high``; ``None``: the profile's.
        api: ``"interactions"`` or ``"generate_content"``.
    """

    model: str
    prompt: str | None = None
    media_resolution: str | None = None
    api: str = "interactions"

    @property
    def key(self) -> str:
        """A stable name for the manifest and the report."""
        parts = [self.model, self.api, self.media_resolution or "default"]
        return " | ".join([*parts, self.prompt or "default prompt"])


def grid(
    models: Sequence[str],
    prompts: Sequence[str | None] = (None,),
    media_resolutions: Sequence[str | None] = (None,),
    apis: Sequence[str] = ("interactions",),
) -> list[EvalConfig]:
    """Every combination of the given models, prompts, resolutions and APIs."""
    return [
        EvalConfig(model, prompt, resolution, api)
        for model in models
        for prompt in prompts
        for resolution in media_resolutions
        for api in apis
    ]


@dataclass(frozen=True)
class ConfigResult:
    """One configuration's scores and costs."""

    config: EvalConfig
    scores: Scores
    images: int
    tokens_per_image: float
    input_tokens: int
    output_tokens: int
    cost_usd: float | None
    """From the ``prices`` given (USD per million input and output tokens); else ``None``."""
    latency_s_per_image: float | None
    warnings: tuple[str, ...] = ()
    failed_images: int = 0
    """Images whose call failed: scored as no answer, asked again by a re-run."""


@dataclass(frozen=True)
class EvalReport:
    """Every configuration's result, as JSON and as HTML (:mod:`.html`)."""

    task: EvalTask
    dataset_size: int
    results: tuple[ConfigResult, ...]
    requests: int = 0
    """Calls made by this run (answers read back from the manifest are not counted)."""

    def to_dict(self) -> dict[str, Any]:
        """Plain JSON-ready data."""
        return {
            "task": self.task,
            "dataset_size": self.dataset_size,
            "requests": self.requests,
            "results": [asdict(r) | {"config_key": r.config.key} for r in self.results],
        }

    def to_json(self, indent: int | None = 2) -> str:
        """:meth:`to_dict` as JSON text."""
        return json.dumps(self.to_dict(), indent=indent)


@dataclass
class _Manifest:
    """The finished (configuration, image) answers, read back and appended to."""

    path: Path | None
    done: dict[tuple[str, str], DetectionResult] = field(default_factory=dict)

    @classmethod
    def open(cls, path: str | Path | None) -> _Manifest:
        manifest = cls(Path(path) if path is not None else None)
        if manifest.path is not None and manifest.path.exists():
            with manifest.path.open(encoding="utf-8") as lines:
                for line in lines:
                    if not line.strip():
                        continue
                    try:
                        row = json.loads(line)
                        result = DetectionResult.model_validate(row["result"])
                    except (ValueError, KeyError):
                        continue  # a line cut short by a stop: asked again
                    manifest.done[(row["config"], row["image"])] = result
        return manifest

    lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, config: str, image: str, result: DetectionResult) -> None:
        row = {"config": config, "image": image, "result": result.model_dump(mode="json")}
        line = json.dumps(row) + "\n"
        with self.lock:  # answers arrive from the client's threads
            self.done[(config, image)] = result
            if self.path is not None:
                with self.path.open("a", encoding="utf-8") as out:
                    out.write(line)


def evaluate(
    dataset: LabelledDataset,
    configs: Iterable[EvalConfig],
    *,
    task: EvalTask = "detect",
    synonyms: Mapping[str, str] | None = None,
    prices: Mapping[str, tuple[float, float]] | None = None,
    manifest: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
    **client_settings: Any,
) -> EvalReport:
    """Run ``task`` for every configuration over ``dataset`` and score the answers.

    Args:
        dataset: The labelled images (:func:`.load_coco`, :func:`.load_yolo`, ...).
        configs: The configurations (:func:`grid` makes them).
        task: ``"detect"`` or ``"segment"`` (masks scored when the dataset has them).
        synonyms: Model label -> dataset class (``{"puppy": "dog"}``).
        prices: Model -> (USD per million input tokens, per million output tokens).
        manifest: A JSON Lines file of finished answers: a re-run resumes from it.
        progress: Called with (done, total) after each image of each configuration
            (from the client's threads: images of a configuration run concurrently,
            ``max_concurrency`` at a time).
        **client_settings: Any other client setting (``api_key``, ``base_url``, ...).
    """
    chosen = list(configs)
    if not chosen:
        msg = "no configuration to evaluate: give at least one model"
        raise ValueError(msg)
    done = _Manifest.open(manifest)
    counter = _Counter(len(chosen) * len(dataset.images), progress)
    requests = 0
    results: list[ConfigResult] = []
    for config in chosen:
        settings = {
            **client_settings,
            "model": config.model,
            "api": config.api,
            "media_resolution": config.media_resolution,
        }
        answers: dict[str, DetectionResult] = {}
        for image in dataset.images:
            if (kept := done.done.get((config.key, image.image_id))) is not None:
                answers[image.image_id] = kept
                counter.step()
        missing = [image for image in dataset.images if image.image_id not in answers]
        with GeminiVisionClient(**settings) as client:
            run = client.segment if task == "segment" else client.detect
            ask = functools.partial(_ask, run, config, done, counter)
            outcomes = client.map(ask, missing)
        requests += len(missing)
        failures: list[str] = []
        for image, outcome in zip(missing, outcomes, strict=True):
            if isinstance(outcome, DetectionResult):
                answers[image.image_id] = outcome
            else:  # scored as no answer; not in the manifest, so a re-run asks again
                failures.append(f"{image.image_id}: {type(outcome).__name__}: {outcome}")
                counter.step()
                answers[image.image_id] = DetectionResult(
                    image_width=image.width, image_height=image.height
                )
        ordered = [answers[image.image_id] for image in dataset.images]
        results.append(
            _summarise(
                config, dataset, ordered, synonyms=synonyms, prices=prices, failures=failures
            )
        )
    return EvalReport(task, len(dataset.images), tuple(results), requests)


def _ask(
    run: Callable[..., DetectionResult],
    config: EvalConfig,
    done: _Manifest,
    counter: _Counter,
    image: LabelledImage,
) -> DetectionResult:
    """One image's answer, recorded in the manifest as soon as it arrives."""
    result = run(image.data, query=config.prompt)
    done.record(config.key, image.image_id, result)
    counter.step()
    return result


@dataclass
class _Counter:
    """Finished (configuration, image) pairs, reported as they finish (from threads)."""

    total: int
    progress: Callable[[int, int], None] | None
    finished: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def step(self) -> None:
        with self.lock:
            self.finished += 1
            if self.progress is not None:
                self.progress(self.finished, self.total)


def _summarise(
    config: EvalConfig,
    dataset: LabelledDataset,
    answers: list[DetectionResult],
    *,
    synonyms: Mapping[str, str] | None,
    prices: Mapping[str, tuple[float, float]] | None,
    failures: list[str],
) -> ConfigResult:
    inputs = sum(a.usage.input_tokens for a in answers)
    outputs = sum(a.usage.output_tokens + a.usage.thought_tokens for a in answers)
    price = (prices or {}).get(config.model)
    cost = None if price is None else (inputs * price[0] + outputs * price[1]) / 1e6
    times = [a.elapsed_s for a in answers if a.elapsed_s is not None]
    warnings = tuple(dict.fromkeys(w for a in answers for w in a.warnings))
    if failures:
        note = f"{len(failures)} images failed, scored as no answer: " + "; ".join(failures[:3])
        warnings = (note, *warnings)
    return ConfigResult(
        config=config,
        scores=score(dataset, answers, synonyms=synonyms),
        images=len(answers),
        tokens_per_image=(inputs + outputs) / len(answers) if answers else 0.0,
        input_tokens=inputs,
        output_tokens=outputs,
        cost_usd=cost,
        latency_s_per_image=statistics.fmean(times) if times else None,
        warnings=warnings,
        failed_images=len(failures),
    )
