"""Token usage from either Gemini API, in one model."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict


class Usage(BaseModel):
    """Tokens one call (or a sum of calls) consumed.

    Both APIs report the same four numbers under different names; this is
    the one place they meet. ``Usage() + Usage()`` adds them up.
    """

    model_config = ConfigDict(frozen=True)

    input_tokens: int = 0
    """Prompt tokens: text and images."""
    output_tokens: int = 0
    """Tokens of the visible answer."""
    thought_tokens: int = 0
    """Tokens the model spent thinking (billed as output)."""
    total_tokens: int = 0
    """What the service reports as the total."""
    image_tokens: int = 0
    """Of the input, the tokens the service attributed to images, when it says."""
    cached: bool = False
    """The answer came from the result cache (the ``cache`` setting): no request was
    made and no token paid, so every count is zero. A sum is cached when all its parts are."""

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            thought_tokens=self.thought_tokens + other.thought_tokens,
            total_tokens=self.total_tokens + other.total_tokens,
            image_tokens=self.image_tokens + other.image_tokens,
            cached=self.cached and other.cached,
        )

    def to_langchain(self) -> dict[str, int]:
        """Return LangChain's ``UsageMetadata`` keys (``input_tokens``, ...)."""
        return {
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens + self.thought_tokens,
            "total_tokens": self.total_tokens,
        }
