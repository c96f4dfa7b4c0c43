"""The package's one exception tree.

Every error the package raises on purpose is a :class:`GeminiVisionError`.
Where LangChain has a matching category, the class inherits it too, so code
written against ``langchain_core.exceptions`` keeps working::

    GeminiVisionError
    ├── ImageInputError            (ValueError)        bad image before any call
    ├── ConfigurationError         (ValueError)        missing key, bad option
    │   └── UnknownArgumentError   (TypeError)         a misspelt keyword argument
    ├── GeminiVisionAPIError                           the service said no
    │   ├── GeminiVisionAuthError          (ModelAuthenticationError) key, permission
    │   ├── GeminiVisionRateLimitError     (ModelRateLimitError)      quota, 429
    │   │   └── GeminiVisionDailyQuotaError                        a daily quota is used up
    │   ├── GeminiVisionTimeoutError       (ModelTimeoutError)        deadline
    │   ├── GeminiVisionConnectionError    (ModelConnectionError)     network
    │   ├── GeminiVisionServerError        (ModelAPIError)            5xx
    │   ├── GeminiVisionInvalidRequestError(ModelInvalidRequestError) 400
    │   └── GeminiVisionNotFoundError      (ModelNotFoundError)       404
    ├── ResponseError                                  an answer we cannot use
    │   ├── ResponseBlockedError   (ModelRefusalError) SAFETY, RECITATION, ...
    │   ├── EmptyResponseError                         no candidates, no text
    │   └── OutputParsingError     (OutputParserException) text is not the answer
    │       └── SpatialFormError                       points or 3D boxes, not 2D boxes
    ├── BatchJobError                                  a Batch API job failed
    │   └── BatchManifestError                         the manifest cannot be used
    │       └── BatchJobBusyError                      another program holds it
    └── PartialLoadError                               some images made no document

An API error's class follows what the service says it means (a
``google.rpc.ErrorInfo`` reason such as ``API_KEY_INVALID``, the status string,
the Interactions API's error code); the HTTP status decides only when the body
says nothing more. Messages never contain the API key: see :func:`redact`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

from langchain_core.exceptions import (
    ModelAPIError,
    ModelAuthenticationError,
    ModelConnectionError,
    ModelInvalidRequestError,
    ModelNotFoundError,
    ModelRateLimitError,
    ModelRefusalError,
    ModelTimeoutError,
    OutputParserException,
)
from pydantic import SecretStr

__all__ = [
    "BatchJobBusyError",
    "BatchJobError",
    "BatchManifestError",
    "ConfigurationError",
    "EmptyResponseError",
    "GeminiVisionAPIError",
    "GeminiVisionAuthError",
    "GeminiVisionConnectionError",
    "GeminiVisionDailyQuotaError",
    "GeminiVisionError",
    "GeminiVisionInvalidRequestError",
    "GeminiVisionNotFoundError",
    "GeminiVisionRateLimitError",
    "GeminiVisionServerError",
    "GeminiVisionTimeoutError",
    "ImageInputError",
    "ImageInputReason",
    "OutputParsingError",
    "PartialLoadError",
    "QuotaViolation",
    "ResponseBlockedError",
    "ResponseError",
    "SpatialFormError",
    "UnknownArgumentError",
    "redact",
]

# Google API keys have a fixed prefix; anything shaped like one is scrubbed
# from every message we build, whatever the server echoed back.
_API_KEY_PATTERN = re.compile(r"AIza[0-9A-Za-z_\-]{20,}")
# Secrets at least this long are masked wherever they appear; shorter ones as whole words.
_MIN_ANYWHERE = 12


def redact(text: str, *secrets: str | SecretStr | None) -> str:
    """Return ``text`` with API-key-shaped strings and the given secrets masked.

    A client passes its own key here, whatever its shape: a proxy's key need not
    look like Google's.
    """
    for secret in secrets:
        value = secret.get_secret_value() if isinstance(secret, SecretStr) else secret
        # The stripped form too: a key read from a file may end in a newline that
        # an HTTP library's message shows escaped.
        for form in {value, value.strip()} if value else ():
            if len(form) >= _MIN_ANYWHERE:
                text = text.replace(form, "***")
            elif form:
                # A short test key ("k") would blank out letters of every word:
                # mask it only where it stands alone.
                text = re.sub(rf"(?<![\w-]){re.escape(form)}(?![\w-])", "***", text)
    return _API_KEY_PATTERN.sub("***", text)


class GeminiVisionError(Exception):
    """Root of every error this package raises on purpose."""


ImageInputReason = Literal[
    "not_found",
    "outside_allowed_dirs",
    "not_an_image",
    "unsupported",
    "too_large",
    "too_many_images",
    "corrupted",
    "blocked_url",
    "download_failed",
    "heic_support_missing",
    "invalid_reference",
]


class ImageInputError(GeminiVisionError, ValueError):
    """An image could not be accepted; raised before any call to Gemini.

    Attributes:
        source: A short, printable description of what was given (never the
            whole base64 payload).
        reason: A machine-readable reason, one of :data:`ImageInputReason`.
    """

    def __init__(self, source: str, reason: ImageInputReason, detail: str) -> None:
        self.source = source
        self.reason: ImageInputReason = reason
        self.detail = detail
        super().__init__(f"{source}: {detail}")


class ConfigurationError(GeminiVisionError, ValueError):
    """The package is set up in a way that cannot work (missing key, bad option)."""


class UnknownArgumentError(ConfigurationError, TypeError):
    """A keyword argument no setting or field has: a ``TypeError``, as Python's own is."""


class GeminiVisionAPIError(GeminiVisionError):
    """The Gemini service answered with an error, or could not be reached.

    Attributes:
        status: The HTTP status code, or ``None`` when no response arrived (or the
            error came as an event inside a stream).
        code: The API's status string (``"INVALID_ARGUMENT"``) or the Interactions
            API's error code (``"invalid_request"``), as the service sent it.
        reason: The ``google.rpc.ErrorInfo`` reason, when the service gave one
            (``"API_KEY_INVALID"``).
        message: The service's message, with anything key-shaped redacted.
        retry_after: Seconds the service asked us to wait before retrying, when it said.
    """

    def __init__(
        self,
        message: str,
        *,
        status: int | None = None,
        code: str | None = None,
        reason: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.status = status
        self.code = code
        self.reason = reason
        self.retry_after = retry_after
        self.message = redact(message)
        prefix = f"{status} {code or ''}".strip() if status is not None else (code or "")
        super().__init__(f"{prefix}: {self.message}" if prefix else self.message)


class GeminiVisionAuthError(GeminiVisionAPIError, ModelAuthenticationError):
    """The API key or credentials were missing, wrong or not allowed.

    401 and 403, and a 400 whose ``ErrorInfo`` reason says so (``API_KEY_INVALID``:
    live Gemini answers a wrong key with 400 ``INVALID_ARGUMENT``).
    """


_QUOTA_PERIODS: dict[str, float] = {
    "PerSecond": 1.0,
    "PerMinute": 60.0,
    "PerHour": 3600.0,
    "PerDay": 86400.0,
}
"""The period a quota id names (``GenerateRequestsPerMinutePerProjectPerModel``), in seconds."""


@dataclass(frozen=True)
class QuotaViolation:
    """One quota a 429 says was exceeded (a ``google.rpc.QuotaFailure`` violation, or a
    ``Quota exceeded for metric`` line of the message when the answer has no details).

    Attributes:
        metric: ``generativelanguage.googleapis.com/generate_content_free_tier_requests``...
        quota_id: ``GenerateRequestsPerMinutePerProjectPerModel-FreeTier``... (``None``
            when only the message named the quota).
        value: The quota's limit (``quotaValue``), when the service said.
        daily: A per-day quota (its id contains ``PerDay``): waiting minutes will not help.
    """

    metric: str | None = None
    quota_id: str | None = None
    value: int | None = None
    daily: bool = False

    @property
    def counts_tokens(self) -> bool:
        """Whether the quota counts (input) tokens rather than requests."""
        return "token" in f"{self.metric} {self.quota_id}".lower()

    @property
    def period(self) -> float | None:
        """The seconds the quota id's period lasts (``PerMinute``: 60), if it names one."""
        if self.daily:
            return _QUOTA_PERIODS["PerDay"]
        for word, seconds in _QUOTA_PERIODS.items():
            if word in (self.quota_id or ""):
                return seconds
        return None


class GeminiVisionRateLimitError(GeminiVisionAPIError, ModelRateLimitError):
    """Quota or rate limit exceeded (429): the retry budget ran out, the wait it asked for
    was longer than the call may wait (``retry_after`` says how long), or the client's
    own limiter would have had to wait that long before sending.

    Attributes:
        violations: Every quota the answer named (:class:`QuotaViolation`), if any.
    """

    def __init__(
        self,
        message: str,
        *,
        violations: Sequence[QuotaViolation] = (),
        **fields: Any,
    ) -> None:
        super().__init__(message, **fields)
        self.violations = tuple(violations)

    @property
    def quota_id(self) -> str | None:
        """The first quota id the answer named (``...PerMinutePerProjectPerModel-FreeTier``)."""
        return next((v.quota_id for v in self.violations if v.quota_id), None)

    @property
    def quota_value(self) -> int | None:
        """The limit of the first quota the answer gave one for."""
        return next((v.value for v in self.violations if v.value is not None), None)

    @property
    def daily(self) -> bool:
        """Whether a daily quota is used up (then see :class:`GeminiVisionDailyQuotaError`)."""
        return any(v.daily for v in self.violations)


class GeminiVisionDailyQuotaError(GeminiVisionRateLimitError):
    """A daily quota (``PerDay`` in its id) is used up: never retried or waited for, in
    interactive and bulk work alike. Daily quotas reset at midnight Pacific time; until
    then, use another model or project, raise the quota, or submit batch jobs."""


class GeminiVisionTimeoutError(GeminiVisionAPIError, ModelTimeoutError):
    """A call, or its whole retry budget, ran past its deadline."""


class GeminiVisionConnectionError(GeminiVisionAPIError, ModelConnectionError):
    """The connection failed or dropped before a full answer arrived."""


class GeminiVisionServerError(GeminiVisionAPIError, ModelAPIError):
    """The service failed (5xx) and the retry budget ran out."""


class GeminiVisionInvalidRequestError(GeminiVisionAPIError, ModelInvalidRequestError):
    """The service rejected the request as invalid (400); retrying will not help."""


class GeminiVisionNotFoundError(GeminiVisionAPIError, ModelNotFoundError):
    """The model, file or resource does not exist (404)."""


class ResponseError(GeminiVisionError):
    """Gemini answered, but the answer cannot be used.

    Attributes:
        raw_text: Whatever text the model produced (possibly empty).
    """

    def __init__(self, message: str, *, raw_text: str = "") -> None:
        self.raw_text = raw_text
        super().__init__(message)


class ResponseBlockedError(ResponseError, ModelRefusalError):
    """The answer was blocked or stopped (SAFETY, RECITATION, PROHIBITED_CONTENT, failed).

    Attributes:
        reason: The finish reason or interaction status the service gave.
    """

    def __init__(self, reason: str, *, raw_text: str = "") -> None:
        self.reason = reason
        super().__init__(
            f"Gemini did not answer: finish reason {reason}. "
            "Try another image or prompt; safety blocks are not retried.",
            raw_text=raw_text,
        )


class EmptyResponseError(ResponseError):
    """The service returned no candidates or no text at all."""


class OutputParsingError(ResponseError, OutputParserException):
    """The model's text could not be read as the expected answer.

    The raw text is kept on ``raw_text`` (and on ``llm_output``, LangChain's name),
    so nothing the model said is lost.
    """

    def __init__(self, message: str, *, raw_text: str = "") -> None:
        # ResponseError.__init__ would reach OutputParserException through the
        # MRO without llm_output, so set both halves here, once.
        self.raw_text = raw_text
        OutputParserException.__init__(self, message, llm_output=raw_text)


class SpatialFormError(OutputParsingError):
    """The answer holds another spatial form than the one asked for: points (``[y, x]``)
    or 3D boxes (``box_3d``) where 2D boxes were expected.

    ``form`` names it (``"point"`` or ``"box_3d"``) and ``items`` holds what was read
    (``langchain_gemini_vision.spatial.Point`` / ``Box3D``), so nothing is lost: ask
    with the ``point`` task for points.
    """

    def __init__(
        self, message: str, *, form: str, items: Sequence[Any], raw_text: str = ""
    ) -> None:
        super().__init__(message, raw_text=raw_text)
        self.form = form
        self.items = list(items)


class BatchJobError(GeminiVisionError):
    """A Batch API job failed, was cancelled, or its manifest cannot be used."""


class BatchManifestError(BatchJobError):
    """The batch manifest cannot be used: not a manifest, damaged, of another version, or busy.

    Nothing is written to a file that is refused.

    Attributes:
        path: The manifest file (or the folder) concerned.
    """

    def __init__(self, path: str, detail: str) -> None:
        self.path = path
        self.detail = detail
        super().__init__(f"{path}: {detail}")


class BatchJobBusyError(BatchManifestError):
    """Another program (or another ``VisionBatch`` in this one) is working on the batch.

    One program at a time submits, resumes, polls and fetches a batch; try again once it
    has finished, or stop it.
    """


class PartialLoadError(GeminiVisionError):
    """Some images did not become documents; the documents that were made are kept here.

    Raised by ``GeminiImageLoader`` with ``on_error="raise"`` (its default) once every
    image has been tried, so nothing that was paid for is lost with the error.

    Attributes:
        documents: The documents made that the caller has not already received, in input
            order: every one from ``load()``, ``aload()`` and batch jobs; none from an
            interactive ``lazy_load()``, which yielded each one as it was made.
        failures: One ``LoaderFailure`` (``source``, ``error``) per image that failed.
    """

    def __init__(
        self, message: str, *, documents: Sequence[Any] = (), failures: Sequence[Any] = ()
    ) -> None:
        self.documents: list[Any] = list(documents)
        self.failures: list[Any] = list(failures)
        super().__init__(message)
