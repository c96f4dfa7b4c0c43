"""Test utilities: a local Gemini emulator, synthetic scenes with ground truth.

* :class:`GeminiEmulator`: a real HTTP server speaking the Interactions,
  generateContent and Files wire protocols, answering from the pixels.
* :func:`make_scene` / :func:`make_noise_image`: images with known objects.
* :func:`analyse_image`: the emulator's pixel analysis, for direct use.
* :data:`DIALECTS` / :func:`dialect_for`: how each model generation formats answers.
* :class:`Degradation`: the emulator's spatial answers spoiled by computed amounts
  (objects dropped, boxes shifted, labels swapped), for testing evaluations.
* :class:`Quota`: Gemini's quotas the emulator enforces (``GeminiEmulator(quota=...)``).
* :class:`MockTransport`: a transport answered by a test's function, for
  ``GeminiVisionClient(transport=...)`` (no server at all).

Pytest fixtures live in :mod:`langchain_gemini_vision.testing.pytest_plugin`,
registered as a pytest plugin when the package is installed.

The ``testing`` extra (``pip install 'langchain-gemini-vision[testing]'``) brings scipy,
for the emulator's pixel analysis, typing-extensions, for reading the SDK's request
types (the emulator checks bodies against them), and pytest and pytest-asyncio, for its
fixtures. Scenes (:func:`make_scene`) need only the core dependencies.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_gemini_vision._lazy import lazy_exports

if TYPE_CHECKING:
    from ._emulator_quota import Quota
    from .answers import choose_task
    from .degrade import Degradation
    from .dialects import DIALECTS, Dialect, dialect_for
    from .emulator import EMULATOR_HEADER, GeminiEmulator, RecordedRequest
    from .faults import Fault, FaultInjector, Stats
    from .mock_transport import MockRequest, MockResponse, MockTransport
    from .scenes import GroundTruthObject, Scene, SceneObject, make_noise_image, make_scene
    from .vision import ImageAnalysis, VisualObject, analyse_image

# Resolved on first access: a process that only makes scenes does not start a server.
_EXPORTS: dict[str, str] = {
    "DIALECTS": "langchain_gemini_vision.testing.dialects",
    "Degradation": "langchain_gemini_vision.testing.degrade",
    "EMULATOR_HEADER": "langchain_gemini_vision.testing.emulator",
    "Dialect": "langchain_gemini_vision.testing.dialects",
    "Fault": "langchain_gemini_vision.testing.faults",
    "FaultInjector": "langchain_gemini_vision.testing.faults",
    "GeminiEmulator": "langchain_gemini_vision.testing.emulator",
    "GroundTruthObject": "langchain_gemini_vision.testing.scenes",
    "ImageAnalysis": "langchain_gemini_vision.testing.vision",
    "MockRequest": "langchain_gemini_vision.testing.mock_transport",
    "MockResponse": "langchain_gemini_vision.testing.mock_transport",
    "MockTransport": "langchain_gemini_vision.testing.mock_transport",
    "Quota": "langchain_gemini_vision.testing._emulator_quota",
    "RecordedRequest": "langchain_gemini_vision.testing.emulator",
    "Scene": "langchain_gemini_vision.testing.scenes",
    "SceneObject": "langchain_gemini_vision.testing.scenes",
    "Stats": "langchain_gemini_vision.testing.faults",
    "VisualObject": "langchain_gemini_vision.testing.vision",
    "analyse_image": "langchain_gemini_vision.testing.vision",
    "choose_task": "langchain_gemini_vision.testing.answers",
    "dialect_for": "langchain_gemini_vision.testing.dialects",
    "make_noise_image": "langchain_gemini_vision.testing.scenes",
    "make_scene": "langchain_gemini_vision.testing.scenes",
}

__all__ = [
    "DIALECTS",
    "EMULATOR_HEADER",
    "Degradation",
    "Dialect",
    "Fault",
    "FaultInjector",
    "GeminiEmulator",
    "GroundTruthObject",
    "ImageAnalysis",
    "MockRequest",
    "MockResponse",
    "MockTransport",
    "Quota",
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

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
