"""How the integration tests record cassettes, and the rule every cassette must pass.

Cassettes come from one of two sources, each with its own folder and rule:

* ``cassettes/emulator/<test module>/<test>.yaml``: recorded from the local emulator
  (``python -m pytest tests/integration --record-mode=rewrite``). Every response
  carries the emulator's own ``x-emulator`` header.
* ``cassettes/live/<test module>/<test>.yaml``: recorded from live Gemini
  (``GEMINI_VISION_LIVE=1 GEMINI_API_KEY=... python -m pytest tests/integration
  --record-mode=rewrite``). Every response is marked ``x-recorded-from: live-gemini``
  when recorded, and none may carry ``x-emulator``.

Whatever the source, :class:`Recorder` rewrites each interaction before it is stored
(and each request before it is matched), so that a cassette holds no secret and
recording twice gives the same file:

* the run's own key (whatever its shape) and anything shaped like a Google API key
  become ``PLACEHOLDER`` wherever they appear: headers, query, request and response bodies;
* the host becomes the source's fixed origin (no port), in URIs and in bodies;
* ids the server made up (``id``, ``responseId``, ``files/...``, ``batches/...``) become
  ``recorded-<n>`` in order of appearance, in every later request and response too;
* timestamps become a fixed day plus their offset from the cassette's first one, in
  whole minutes (so an expiry 48 h after creation stays 48 h after it);
* only headers that describe the exchange are kept, with lower-case names.

:class:`ReadableYaml` stores JSON bodies as YAML mappings instead of opaque strings;
:func:`cassette_problems` is the hygiene rule ``tests/unit/test_cassette_hygiene.py``
applies to every cassette of both folders.
"""

from __future__ import annotations

import copy
import json
import os
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import yaml
from vcr.request import Request

Source = Literal["emulator", "live"]

CASSETTES = Path(
    os.environ.get("GEMINI_VISION_CASSETTES") or Path(__file__).parents[1] / "cassettes"
)
"""The cassette root (``GEMINI_VISION_CASSETTES`` records into another folder)."""

PLACEHOLDER = "PLACEHOLDER"
ORIGINS: dict[Source, str] = {
    "emulator": "http://emulator.invalid",
    "live": "https://generativelanguage.googleapis.com",
}
"""The origin every recorded URI and body shows, per source."""
LIVE_MARKER = ("x-recorded-from", "live-gemini")
EMULATOR_HEADER = "x-emulator"
# A Google key standing alone: the same letters inside a longer run are base64 image
# data (generateContent bodies use the URL-safe alphabet, as google-genai writes them).
KEY_SHAPED = re.compile(r"(?<![0-9A-Za-z_\-+/])AIza[0-9A-Za-z_\-]{20,}")
TEST_KEYS = ("emulator-key", "test-key")
EPOCH = datetime(2026, 1, 1, tzinfo=timezone.utc)

SECRET_HEADERS = frozenset({"x-goog-api-key", "authorization", "x-goog-user-project"})
SECRET_QUERY = frozenset({"key"})
REQUEST_HEADERS = frozenset({"accept", "content-type", "user-agent", "x-goog-api-client"})
RESPONSE_HEADERS = frozenset({"content-type", "retry-after", EMULATOR_HEADER, LIVE_MARKER[0]})

_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$")
_RECORDED_ID = re.compile(r"^((files|batches)/)?recorded-\d+$")
_ID_KEYS = frozenset({"id", "responseId"})
_NAMED = ("files/", "batches/")


def cassette_folder(source: Source, module: str) -> Path:
    """Where the cassettes of one test module recorded from ``source`` live."""
    return CASSETTES / source / module


# ---------------------------------------------------------------- recording


@dataclass
class Recorder:
    """Scrubs and normalises one cassette's interactions (one instance per cassette).

    Attributes:
        source: ``"emulator"`` or ``"live"``: the origin shown and the marker added.
        secrets: Values to scrub wherever they appear (the run's key).
        origin: The backend actually recorded from (``http://127.0.0.1:<port>``), or
            ``None`` when it is the source's own origin.
    """

    source: Source
    secrets: tuple[str, ...] = ()
    origin: str | None = None
    _ids: dict[str, str] = field(default_factory=dict)
    _first_time: datetime | None = None

    def vcr_config(self) -> dict[str, Any]:
        """The ``vcr_config`` of a test: matching, and these rewrites."""
        return {
            # Several calls share POST /v1/interactions: the body tells them apart.
            "match_on": ["method", "path", "body"],
            "decode_compressed_response": True,
            "before_record_request": self.request,
            "before_record_response": self.response,
            "allow_playback_repeats": False,
        }

    def request(self, request: Request) -> Request:
        """Scrub and normalise a request (vcr passes a copy)."""
        parts = urlsplit(self._text(request.uri))
        query = [
            (name, PLACEHOLDER if name in SECRET_QUERY else value)
            for name, value in parse_qsl(parts.query, keep_blank_values=True)
        ]
        fixed = urlsplit(ORIGINS[self.source])
        request.uri = urlunsplit((fixed.scheme, fixed.netloc, parts.path, urlencode(query), ""))
        headers: dict[str, str] = {}
        for name, value in request.headers.items():
            lower = name.lower()
            if lower in SECRET_HEADERS:
                headers[lower] = PLACEHOLDER
            elif lower in REQUEST_HEADERS:
                headers[lower] = self._text(str(value))
        request.headers = dict(sorted(headers.items()))
        body = request.body_bytes
        if isinstance(body, (bytes, str)):
            request.body = self._body(body, learn=False)
        return request

    def response(self, response: dict[str, Any]) -> dict[str, Any]:
        """Scrub and normalise a response; learn the ids it introduces."""
        headers: dict[str, list[str]] = {}
        for name, values in response.get("headers", {}).items():
            lower = name.lower()
            if lower in RESPONSE_HEADERS:
                headers[lower] = [self._text(str(v)) for v in values]
        if self.source == "live":
            headers[LIVE_MARKER[0]] = [LIVE_MARKER[1]]
        response["headers"] = dict(sorted(headers.items()))
        body = response.get("body", {}).get("string")
        if isinstance(body, (bytes, str)):
            cleaned = self._body(body, learn=True)
            response["body"]["string"] = cleaned.encode() if isinstance(cleaned, str) else cleaned
        return response

    def _body(self, raw: bytes | str, *, learn: bool) -> bytes | str:
        try:
            text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        except UnicodeDecodeError:
            return raw  # binary (an uploaded image): nothing to scrub in it
        try:
            data = json.loads(text)
        except ValueError:
            return self._text(text)  # a stream of events or plain text: text rules only
        if learn:
            self._learn(data)
        return json.dumps(self._walk(data, learn), ensure_ascii=False, separators=(",", ":"))

    def _learn(self, data: Any) -> None:
        for key, value in _pairs(data):
            if not isinstance(value, str) or _RECORDED_ID.match(value) or value in self._ids:
                continue
            if key in _ID_KEYS and len(value) >= 6:
                self._ids[value] = f"recorded-{len(self._ids) + 1}"
            elif key == "name" and value.startswith(_NAMED):
                kind = value.split("/", 1)[0]
                self._ids[value] = f"{kind}/recorded-{len(self._ids) + 1}"

    def _walk(self, data: Any, timestamps: bool) -> Any:
        if isinstance(data, dict):
            return {self._text(k): self._walk(v, timestamps) for k, v in data.items()}
        if isinstance(data, list):
            return [self._walk(v, timestamps) for v in data]
        if isinstance(data, str):
            if timestamps and _TIMESTAMP.match(data):
                return self._time(data)
            return self._text(data)
        return data

    def _time(self, value: str) -> str:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
        if self._first_time is None:
            self._first_time = moment
        minutes = round((moment - self._first_time).total_seconds() / 60)
        return (EPOCH + timedelta(minutes=minutes)).strftime("%Y-%m-%dT%H:%M:%SZ")

    def _text(self, text: str) -> str:
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, PLACEHOLDER)
        text = KEY_SHAPED.sub(PLACEHOLDER, text)
        if self.origin:
            text = text.replace(self.origin.rstrip("/"), ORIGINS[self.source])
        for real, stable in self._ids.items():
            text = text.replace(real, stable)
        return text


def _pairs(data: Any) -> list[tuple[str, Any]]:
    """Every ``(key, value)`` of a JSON document, depth first."""
    found: list[tuple[str, Any]] = []
    stack = [data]
    while stack:
        item = stack.pop()
        if isinstance(item, dict):
            found += item.items()
            stack += reversed(list(item.values()))
        elif isinstance(item, list):
            stack += reversed(item)
    return found


# ---------------------------------------------------------------- storage


class ReadableYaml:
    """vcrpy's YAML cassettes, with JSON bodies stored as YAML mappings under ``json``.

    Registered under vcrpy's own ``yaml`` name, so files keep their ``.yaml``
    suffix; other bodies stay under ``string`` as vcrpy writes them.
    """

    @staticmethod
    def serialize(cassette: dict[str, Any]) -> str:
        cassette = copy.deepcopy(cassette)  # vcrpy hands over its own response dicts
        for interaction in cassette["interactions"]:
            request, response = interaction["request"], interaction["response"]
            request["body"] = _readable(request["body"])
            response["body"] = _readable(response["body"].get("string"))
        dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)
        return yaml.dump(cassette, Dumper=dumper, sort_keys=False, allow_unicode=True, width=100)

    @staticmethod
    def deserialize(text: str) -> dict[str, Any]:
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data: dict[str, Any] = yaml.load(text, Loader=loader)
        for interaction in data.get("interactions") or []:
            request, response = interaction["request"], interaction["response"]
            request["body"] = _opaque(request["body"])
            response["body"] = {"string": _opaque(response["body"])}
        return data


def _readable(body: Any) -> dict[str, Any] | None:
    if isinstance(body, str):
        try:
            data = json.loads(body)
        except ValueError:
            return {"string": body}
        if isinstance(data, (dict, list)):
            return {"json": data}
        return {"string": body}
    return body if body is None else {"string": body}


def _opaque(body: Any) -> Any:
    if isinstance(body, dict):
        if "json" in body:
            return json.dumps(body["json"], ensure_ascii=False, separators=(",", ":"))
        return body.get("string")
    return body  # a cassette written by vcrpy's own serializer


# ---------------------------------------------------------------- the rule


def cassette_problems(text: str, source: Source) -> list[str]:
    """What is wrong with a cassette file's text for its source (empty when nothing)."""
    problems: list[str] = []
    if KEY_SHAPED.search(text):
        problems.append("an API-key-shaped string is recorded")
    problems += [f"the test key {key!r} is recorded" for key in TEST_KEYS if key in text]
    data = yaml.safe_load(text)
    interactions = data.get("interactions") if isinstance(data, dict) else None
    if not interactions:
        return [*problems, "no interactions"]
    for number, interaction in enumerate(interactions, start=1):
        problems += [
            f"interaction {number}: {p}" for p in _interaction_problems(interaction, source)
        ]
    return problems


def _interaction_problems(interaction: dict[str, Any], source: Source) -> list[str]:
    problems: list[str] = []
    request, response = interaction["request"], interaction["response"]
    uri = request["uri"]
    if not uri.startswith(ORIGINS[source] + "/"):
        problems.append(f"host not normalised: {uri.split('?')[0]}")
    for name, value in parse_qsl(urlsplit(uri).query):
        if name in SECRET_QUERY and value != PLACEHOLDER:
            problems.append(f"query parameter {name} not scrubbed")
    for name, values in request["headers"].items():
        if name in SECRET_HEADERS and values != [PLACEHOLDER]:
            problems.append(f"request header {name} not scrubbed")
        elif name not in SECRET_HEADERS | REQUEST_HEADERS:
            problems.append(f"request header {name} kept")
    headers = response["headers"]
    problems += [f"response header {n} kept" for n in headers if n not in RESPONSE_HEADERS]
    emulator = headers.get(EMULATOR_HEADER)
    if source == "emulator" and not (
        emulator and emulator[0].startswith("langchain-gemini-vision/")
    ):
        problems.append("a response without the emulator's x-emulator header")
    if source == "live":
        if headers.get(LIVE_MARKER[0]) != [LIVE_MARKER[1]]:
            problems.append(f"a response not marked {LIVE_MARKER[0]}: {LIVE_MARKER[1]}")
        if emulator:
            problems.append("a live cassette holds a response of the emulator")
    for side, body in (("request", request["body"]), ("response", response["body"])):
        stored = body.get("string") if isinstance(body, dict) else body
        if isinstance(stored, str) and "json" in (_readable(stored) or {}):
            problems.append(f"{side} body is JSON stored as an opaque string")
    document = response["body"].get("json") if isinstance(response["body"], dict) else None
    for key, value in _pairs(document):
        if key in _ID_KEYS and isinstance(value, str) and not _RECORDED_ID.match(value):
            problems.append(f"id not normalised: {key}={value}")
        if isinstance(value, str) and _TIMESTAMP.match(value) and not _is_normalised_time(value):
            problems.append(f"timestamp not normalised: {key}={value}")
    return problems


def _is_normalised_time(value: str) -> bool:
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment >= EPOCH and moment.second == 0 and moment.microsecond == 0
