"""Gemini image understanding for LangChain.

Captioning, visual questions, multi-image comparison, object detection and
segmentation as a typed client, Runnables and agent Tools, over both Gemini
APIs (Interactions and generateContent).
"""

from langchain_gemini_vision._transport.retry import RetryPolicy
from langchain_gemini_vision._version import __version__
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
    ResponseBlockedError,
    ResponseError,
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
    GeminiImageCaptioner,
    GeminiImageComparer,
    GeminiImageQA,
    GeminiImageSegmenter,
    GeminiObjectDetector,
    GeminiVisionSettings,
)
from langchain_gemini_vision.tokens import estimate_image_tokens
from langchain_gemini_vision.toolkit import GeminiVisionToolkit
from langchain_gemini_vision.tools import (
    GeminiImageCaptionTool,
    GeminiImageCompareTool,
    GeminiImageQATool,
    GeminiImageSegmentationTool,
    GeminiObjectDetectionTool,
)
from langchain_gemini_vision.usage import Usage

__all__ = [
    "DEFAULT_MODEL",
    "BatchJobError",
    "Caption",
    "ConfigurationError",
    "Detection",
    "DetectionResult",
    "EmptyResponseError",
    "GeminiImageCaptionTool",
    "GeminiImageCaptioner",
    "GeminiImageCompareTool",
    "GeminiImageComparer",
    "GeminiImageLoader",
    "GeminiImageQA",
    "GeminiImageQATool",
    "GeminiImageSegmentationTool",
    "GeminiImageSegmenter",
    "GeminiObjectDetectionTool",
    "GeminiObjectDetector",
    "GeminiVisionAPIError",
    "GeminiVisionAuthError",
    "GeminiVisionClient",
    "GeminiVisionConnectionError",
    "GeminiVisionError",
    "GeminiVisionInvalidRequestError",
    "GeminiVisionNotFoundError",
    "GeminiVisionRateLimitError",
    "GeminiVisionServerError",
    "GeminiVisionSettings",
    "GeminiVisionTimeoutError",
    "GeminiVisionToolkit",
    "ImageComparison",
    "ImageInputError",
    "ImageStore",
    "LoaderFailure",
    "Mask",
    "ModelProfile",
    "OutputParsingError",
    "PreparedImage",
    "Prompts",
    "ResponseBlockedError",
    "ResponseError",
    "RetryPolicy",
    "Usage",
    "VisualAnswer",
    "__version__",
    "estimate_image_tokens",
    "load_image",
    "load_images",
    "profile_for",
    "register_profile",
]
