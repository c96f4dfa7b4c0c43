"""Test utilities: a local Gemini emulator, synthetic scenes with ground truth.

* :class:`GeminiEmulator`: a real HTTP server speaking the Interactions,
  generateContent and Files wire protocols, answering from the pixels.
* :func:`make_scene` / :func:`make_noise_image`: images with known objects.
* :func:`analyse_image`: the emulator's pixel analysis, for direct use.
* :data:`DIALECTS` / :func:`dialect_for`: how each model generation formats answers.

Pytest fixtures live in :mod:`langchain_gemini_vision.testing.pytest_plugin`.
Needs the ``testing`` extra (aiohttp, scipy).
"""

from __future__ import annotations

from .answers import choose_task
from .dialects import DIALECTS, Dialect, dialect_for
from .emulator import EMULATOR_HEADER, GeminiEmulator, RecordedRequest
from .faults import Fault, FaultInjector, Stats
from .scenes import GroundTruthObject, Scene, SceneObject, make_noise_image, make_scene
from .vision import ImageAnalysis, VisualObject, analyse_image

__all__ = [
    "DIALECTS",
    "EMULATOR_HEADER",
    "Dialect",
    "Fault",
    "FaultInjector",
    "GeminiEmulator",
    "GroundTruthObject",
    "ImageAnalysis",
    "RecordedRequest",
    "Scene",
    "SceneObject",
    "Stats",
    "VisualObject",
    "analyse_image",
    "choose_task",
    "dialect_for",
    "make_noise_image",
    "make_scene",
]
