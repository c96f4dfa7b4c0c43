"""Gemini image understanding for LangChain.

Captioning, visual questions, multi-image comparison, object detection and
segmentation as a typed client, Runnables and agent Tools, over both Gemini
APIs (Interactions and generateContent).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from langchain_gemini_vision._lazy import lazy_exports
from langchain_gemini_vision._version import __version__

if TYPE_CHECKING:
    from langchain_gemini_vision._transport.retry import RetryPolicy
    from langchain_gemini_vision.attachments import GeminiAttachmentsMiddleware
    from langchain_gemini_vision.client import DEFAULT_MODEL, GeminiVisionClient
    from langchain_gemini_vision.errors import (
        BatchJobError,
        ConfigurationError,
        EmptyResponseError,
        GeminiVisionAPIError,
        GeminiVisionAuthError,
        GeminiVisionConnectionError,
        GeminiVisionError,
        GeminiVisionInvalidRequestError,
        GeminiVisionNotFoundError,
        GeminiVisionRateLimitError,
        GeminiVisionServerError,
        GeminiVisionTimeoutError,
        ImageInputError,
        OutputParsingError,
        PartialLoadError,
        ResponseBlockedError,
        ResponseError,
        SpatialFormError,
    )
    from langchain_gemini_vision.image_store import ImageStore
    from langchain_gemini_vision.images import PreparedImage, load_image, load_images
    from langchain_gemini_vision.loaders import GeminiImageLoader, LoaderFailure
    from langchain_gemini_vision.masks import Mask
    from langchain_gemini_vision.profiles import ModelProfile, profile_for, register_profile
    from langchain_gemini_vision.prompts import Prompts
    from langchain_gemini_vision.results import (
        Caption,
        Detection,
        DetectionResult,
        ImageComparison,
        VisualAnswer,
    )
    from langchain_gemini_vision.runnables import (
        GeminiAskRunnable,
        GeminiCaptionRunnable,
        GeminiCompareRunnable,
        GeminiDetectRunnable,
        GeminiPointRunnable,
        GeminiSegmentRunnable,
        GeminiVisionRunnable,
    )
    from langchain_gemini_vision.settings import GeminiVisionSettings
    from langchain_gemini_vision.spatial import Box3D, Point, PointResult
    from langchain_gemini_vision.tokens import estimate_image_tokens
    from langchain_gemini_vision.toolkit import GeminiVisionToolkit
    from langchain_gemini_vision.tools import (
        GeminiAskTool,
        GeminiCaptionTool,
        GeminiCompareTool,
        GeminiDetectTool,
        GeminiPointTool,
        GeminiSegmentTool,
        GeminiVisionTool,
    )
    from langchain_gemini_vision.usage import Usage

# Where each public name lives. Importing the package imports none of them: a
# process that only needs the client does not load LangChain's tracers or
# google-genai (seconds of start-up, and heap the garbage collector walks).
_EXPORTS: dict[str, str] = {
    "DEFAULT_MODEL": "langchain_gemini_vision.settings",
    "BatchJobError": "langchain_gemini_vision.errors",
    "Caption": "langchain_gemini_vision.results",
    "ConfigurationError": "langchain_gemini_vision.errors",
    "Detection": "langchain_gemini_vision.results",
    "DetectionResult": "langchain_gemini_vision.results",
    "EmptyResponseError": "langchain_gemini_vision.errors",
    "GeminiAskRunnable": "langchain_gemini_vision.runnables",
    "GeminiAskTool": "langchain_gemini_vision.tools",
    "GeminiCaptionRunnable": "langchain_gemini_vision.runnables",
    "GeminiCaptionTool": "langchain_gemini_vision.tools",
    "GeminiCompareRunnable": "langchain_gemini_vision.runnables",
    "GeminiCompareTool": "langchain_gemini_vision.tools",
    "GeminiDetectRunnable": "langchain_gemini_vision.runnables",
    "GeminiDetectTool": "langchain_gemini_vision.tools",
    "GeminiImageLoader": "langchain_gemini_vision.loaders",
    "GeminiPointRunnable": "langchain_gemini_vision.runnables",
    "GeminiPointTool": "langchain_gemini_vision.tools",
    "GeminiSegmentRunnable": "langchain_gemini_vision.runnables",
    "GeminiSegmentTool": "langchain_gemini_vision.tools",
    "GeminiVisionAPIError": "langchain_gemini_vision.errors",
    "GeminiVisionAuthError": "langchain_gemini_vision.errors",
    "GeminiVisionClient": "langchain_gemini_vision.client",
    "GeminiVisionConnectionError": "langchain_gemini_vision.errors",
    "GeminiVisionError": "langchain_gemini_vision.errors",
    "GeminiVisionInvalidRequestError": "langchain_gemini_vision.errors",
    "GeminiVisionNotFoundError": "langchain_gemini_vision.errors",
    "GeminiVisionRateLimitError": "langchain_gemini_vision.errors",
    "GeminiVisionRunnable": "langchain_gemini_vision.runnables",
    "GeminiVisionServerError": "langchain_gemini_vision.errors",
    "GeminiVisionSettings": "langchain_gemini_vision.settings",
    "GeminiVisionTimeoutError": "langchain_gemini_vision.errors",
    "GeminiVisionTool": "langchain_gemini_vision.tools",
    "GeminiVisionToolkit": "langchain_gemini_vision.toolkit",
    "ImageComparison": "langchain_gemini_vision.results",
    "ImageInputError": "langchain_gemini_vision.errors",
    "ImageStore": "langchain_gemini_vision.image_store",
    "GeminiAttachmentsMiddleware": "langchain_gemini_vision.attachments",
    "LoaderFailure": "langchain_gemini_vision.loaders",
    "Mask": "langchain_gemini_vision.masks",
    "ModelProfile": "langchain_gemini_vision.profiles",
    "OutputParsingError": "langchain_gemini_vision.errors",
    "PartialLoadError": "langchain_gemini_vision.errors",
    "PreparedImage": "langchain_gemini_vision.images",
    "Prompts": "langchain_gemini_vision.prompts",
    "ResponseBlockedError": "langchain_gemini_vision.errors",
    "ResponseError": "langchain_gemini_vision.errors",
    "SpatialFormError": "langchain_gemini_vision.errors",
    "Box3D": "langchain_gemini_vision.spatial",
    "Point": "langchain_gemini_vision.spatial",
    "PointResult": "langchain_gemini_vision.spatial",
    "RetryPolicy": "langchain_gemini_vision._transport.retry",
    "Usage": "langchain_gemini_vision.usage",
    "VisualAnswer": "langchain_gemini_vision.results",
    "estimate_image_tokens": "langchain_gemini_vision.tokens",
    "load_image": "langchain_gemini_vision.images",
    "load_images": "langchain_gemini_vision.images",
    "profile_for": "langchain_gemini_vision.profiles",
    "register_profile": "langchain_gemini_vision.profiles",
}

__all__ = [
    "DEFAULT_MODEL",
    "BatchJobError",
    "Box3D",
    "Caption",
    "ConfigurationError",
    "Detection",
    "DetectionResult",
    "EmptyResponseError",
    "GeminiAskRunnable",
    "GeminiAskTool",
    "GeminiAttachmentsMiddleware",
    "GeminiCaptionRunnable",
    "GeminiCaptionTool",
    "GeminiCompareRunnable",
    "GeminiCompareTool",
    "GeminiDetectRunnable",
    "GeminiDetectTool",
    "GeminiImageLoader",
    "GeminiPointRunnable",
    "GeminiPointTool",
    "GeminiSegmentRunnable",
    "GeminiSegmentTool",
    "GeminiVisionAPIError",
    "GeminiVisionAuthError",
    "GeminiVisionClient",
    "GeminiVisionConnectionError",
    "GeminiVisionError",
    "GeminiVisionInvalidRequestError",
    "GeminiVisionNotFoundError",
    "GeminiVisionRateLimitError",
    "GeminiVisionRunnable",
    "GeminiVisionServerError",
    "GeminiVisionSettings",
    "GeminiVisionTimeoutError",
    "GeminiVisionTool",
    "GeminiVisionToolkit",
    "ImageComparison",
    "ImageInputError",
    "ImageStore",
    "LoaderFailure",
    "Mask",
    "ModelProfile",
    "OutputParsingError",
    "PartialLoadError",
    "Point",
    "PointResult",
    "PreparedImage",
    "Prompts",
    "ResponseBlockedError",
    "ResponseError",
    "RetryPolicy",
    "SpatialFormError",
    "Usage",
    "VisualAnswer",
    "__version__",
    "estimate_image_tokens",
    "load_image",
    "load_images",
    "profile_for",
    "register_profile",
]


_RENAMED: dict[str, str] = {
    "GeminiImageCaptioner": "GeminiCaptionRunnable",
    "GeminiImageComparer": "GeminiCompareRunnable",
    "GeminiObjectDetector": "GeminiDetectRunnable",
    "GeminiImageSegmenter": "GeminiSegmentRunnable",
    "GeminiImageQA": "GeminiAskRunnable",
    "GeminiImageCaptionTool": "GeminiCaptionTool",
    "GeminiImageCompareTool": "GeminiCompareTool",
    "GeminiObjectDetectionTool": "GeminiDetectTool",
    "GeminiImageSegmentationTool": "GeminiSegmentTool",
    "GeminiImageQATool": "GeminiAskTool",
}
"""The class names before 0.2: each still works, with a ``DeprecationWarning``."""

__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals(), renamed=_RENAMED)
