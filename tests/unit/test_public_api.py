"""The public surface is pinned: adding or removing a name is a deliberate change."""

from __future__ import annotations

import langchain_gemini_vision

EXPECTED = {
    "BatchJobError",
    "Box3D",
    "GeminiPointRunnable",
    "GeminiPointTool",
    "Point",
    "PointResult",
    "SpatialFormError",
    "Caption",
    "ConfigurationError",
    "DEFAULT_MODEL",
    "Detection",
    "DetectionResult",
    "EmptyResponseError",
    # One name per task and layer (issue 17 item 6); the old names warn (test_naming.py).
    "GeminiAskRunnable",
    "GeminiAskTool",
    "GeminiAttachmentsMiddleware",  # issue 19 item 2
    "GeminiCaptionRunnable",
    "GeminiCaptionTool",
    "GeminiCompareRunnable",
    "GeminiCompareTool",
    "GeminiDetectRunnable",
    "GeminiDetectTool",
    "GeminiImageLoader",
    "GeminiSegmentRunnable",
    "GeminiSegmentTool",
    "GeminiVisionRunnable",
    "GeminiVisionTool",
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
    "PartialLoadError",
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
}


def test_all_is_pinned() -> None:
    assert set(langchain_gemini_vision.__all__) == EXPECTED


def test_every_name_in_all_exists() -> None:
    for name in langchain_gemini_vision.__all__:
        assert hasattr(langchain_gemini_vision, name), name


def test_all_is_sorted_and_unique() -> None:
    names = langchain_gemini_vision.__all__
    assert len(names) == len(set(names))
