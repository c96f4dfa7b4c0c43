"""The API's error replies: HTTP status, ``google.rpc`` status name, details.

Every refusal of the emulator is an :class:`ApiError`, written as Gemini writes it:
``{"error": {"code", "message", "status", "details"}}``, or the Interactions API's
``{"error": {"code": "invalid_request", "message"}}``. :func:`check_schema` is the
first of them: the 400 for a body google-genai's types do not allow.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any, Final

from .request_schema import RequestKind, request_violations

__all__ = ["ApiError", "bad_request", "check_schema"]

_STATUS_NAMES: Final[dict[int, str]] = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    409: "ABORTED",
    413: "INVALID_ARGUMENT",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    501: "NOT_IMPLEMENTED",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_BAD_REQUEST: Final = "type.googleapis.com/google.rpc.BadRequest"


class ApiError(Exception):
    """An error reply in the API's JSON shape.

    Args:
        status: HTTP status.
        message: The ``error.message``.
        status_name: The ``error.status`` (derived from ``status`` when omitted).
        details: The ``error.details`` list.
        headers: Extra response headers (``Retry-After``...).
    """

    def __init__(
        self,
        status: int,
        message: str,
        *,
        status_name: str | None = None,
        details: list[dict[str, Any]] | None = None,
        headers: dict[str, str] | None = None,
        code: str | None = None,
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.status_name = status_name or _STATUS_NAMES.get(
            status, HTTPStatus(status).phrase.upper().replace(" ", "_")
        )
        self.details = details or []
        self.headers = headers or {}
        self.code = code

    def body(self) -> dict[str, Any]:
        """``{"error": {"code", "message", "status", "details"?}}``, or the Interactions
        API's ``{"error": {"code": "invalid_request", "message"}}`` when ``code`` is set."""
        if self.code is not None:
            return {"error": {"code": self.code, "message": self.message}}
        error: dict[str, Any] = {
            "code": self.status,
            "message": self.message,
            "status": self.status_name,
        }
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad_request(message: str, status_name: str = "INVALID_ARGUMENT") -> ApiError:
    """A 400 with ``message``."""
    return ApiError(400, message, status_name=status_name)


def check_schema(kind: RequestKind, body: Any, api_version: str = "v1beta") -> None:
    """Refuse, as Gemini does before anything else, a body its schema does not allow.

    The schema is read from google-genai's typed request models (:mod:`.request_schema`),
    never from this package's code. generateContent and Batch bodies get Gemini's 400
    (``google.rpc.BadRequest`` with one ``fieldViolations`` entry per problem);
    Interactions bodies get that API's ``invalid_request``.

    Raises:
        ApiError: 400 listing every unknown key and out-of-type value.
    """
    violations = request_violations(kind, body)
    if not violations:
        return
    if kind == "interactions":
        message = "\n".join(v.interactions_message() for v in violations)
        raise ApiError(400, message, code="invalid_request")
    descriptions = [v.google_message(api_version) for v in violations]
    field_violations = [
        {"field": v.path, "description": text} if v.path else {"description": text}
        for v, text in zip(violations, descriptions, strict=True)
    ]
    raise ApiError(
        400,
        "\n".join(descriptions),
        details=[{"@type": _BAD_REQUEST, "fieldViolations": field_violations}],
    )
