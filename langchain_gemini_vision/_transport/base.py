"""The seam between tasks and Gemini: one request model, one response model.

Tasks build a :class:`VisionRequest` and read a :class:`VisionResponse`; they
never see which API (Interactions or generateContent) or which transport
(the lean HTTP one or the google-genai SDK) carried it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any, Literal, Protocol, runtime_checkable

from pydantic import BaseModel, ConfigDict, Field

from langchain_gemini_vision.profiles import MediaResolution, ModelProfile
from langchain_gemini_vision.usage import Usage

ApiName = Literal["interactions", "generate_content"]
TransportName = Literal["lean", "sdk"]
"""The transports the package has, by name (an object can be given instead)."""
ThinkingIntent = Literal["low"]


class ImagePart(BaseModel):
    """An image as it goes on the wire: inline base64 or a URI, never both."""

    model_config = ConfigDict(frozen=True)

    mime_type: str | None
    data_base64: str | None = None
    uri: str | None = None
    resolution: MediaResolution | None = None


class _Asked(BaseModel):
    """What a task asks, on both sides of image resolution."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    prompt: str
    """The instruction text."""
    response_schema: dict[str, Any] | None = None
    """A JSON schema for structured output, or ``None`` for free text."""
    system_instruction: str | None = None
    max_output_tokens: int | None = None
    temperature: float | None = None


class VisionRequest(_Asked):
    """What a task asks of Gemini.

    The prompt is sent before the images, as the image-understanding guide advises.
    """

    images: tuple[Any, ...] = ()
    """`PreparedImage`s, in order; the client resolves them to :class:`ImagePart`s."""
    thinking: ThinkingIntent | None = None
    """``"low"`` asks the profile to turn thinking down (segmentation, detection)."""
    media_resolution: MediaResolution | None = None
    """Per image, over the client's (the profile's when neither is set)."""


class WireRequest(_Asked):
    """A :class:`VisionRequest` with every image resolved, ready to serialise."""

    model: str
    parts: tuple[ImagePart, ...]
    """The images as they go on the wire, each with its media resolution."""
    thinking_level: str | None = None
    thinking_budget: int | None = None
    safety_settings: dict[str, str] | None = None
    """Block thresholds by harm category, lower case (``{"hate_speech": "block_none"}``)."""
    labels: dict[str, str] | None = None
    profile: ModelProfile = Field(exclude=True)


class VisionResponse(BaseModel):
    """What Gemini answered, the same whichever API carried it."""

    model_config = ConfigDict(frozen=True)

    text: str
    """The model's visible text (thoughts excluded)."""
    parsed: Any = None
    """The text parsed as JSON when a schema was asked for and it parsed."""
    finish_reason: str | None = None
    """``STOP``, ``MAX_TOKENS``, ... (generateContent) or the interaction status."""
    truncated: bool = False
    """The answer was cut at the output limit (MAX_TOKENS / ``incomplete``)."""
    usage: Usage = Usage()
    model: str = ""
    response_id: str | None = None
    api: ApiName = "interactions"
    elapsed_s: float = 0.0
    raw: dict[str, Any] = Field(default_factory=dict, repr=False)
    """The response JSON as received (camelCase or snake_case, as the API sent it)."""


@runtime_checkable
class Transport(Protocol):
    """What the client calls to reach Gemini: one resolved request through one API.

    Images are resolved (uploads done) and retries are the client's: a transport sends
    once, within ``timeout`` seconds when given, and raises the package's typed errors
    (:mod:`.errors` maps its library's). ``GeminiVisionClient(transport=...)`` takes an
    object with these methods; ``"lean"`` and ``"sdk"`` name the two the package has.
    """

    name: str
    """A short name for messages and ``client.transport_name`` (``"lean"``, ``"sdk"``...)."""

    def send(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> VisionResponse:
        """Send, and read the whole answer."""
        ...

    async def asend(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> VisionResponse:
        """Async :meth:`send`."""
        ...

    def stream_text(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> Iterator[str | VisionResponse]:
        """Send with streaming on, and yield the answer's text as it arrives, then the
        whole :class:`VisionResponse` (its usage, finish reason, truncation) last.

        A transport that ends without the whole response is read as text alone.
        """
        ...

    def astream_text(
        self, request: WireRequest, api: ApiName, *, timeout: float | None = None
    ) -> AsyncIterator[str | VisionResponse]:
        """Async :meth:`stream_text`."""
        ...

    def close(self) -> None:
        """Release connections."""
        ...

    async def aclose(self) -> None:
        """Release connections from async code."""
        ...
