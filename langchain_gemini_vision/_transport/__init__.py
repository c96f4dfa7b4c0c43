"""Everything between a task's request and Gemini's answer: both APIs, both transports."""

from .base import (
    ApiName,
    ImagePart,
    Transport,
    TransportName,
    VisionRequest,
    VisionResponse,
    WireRequest,
)
from .retry import NO_RETRIES, RetryPolicy

__all__ = [
    "NO_RETRIES",
    "ApiName",
    "ImagePart",
    "RetryPolicy",
    "Transport",
    "TransportName",
    "VisionRequest",
    "VisionResponse",
    "WireRequest",
]
