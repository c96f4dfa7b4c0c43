"""Every request body the package can send, validated against google-genai's own typed models.

The validator (:mod:`langchain_gemini_vision.testing.request_schema`) walks a JSON body
through the SDK's request types, Interactions (``google/genai/_gaos/types/interactions``:
``CreateModelInteraction``, ``UserInputStep``, ``ImageContent``, ``GenerationConfig``,
``TextResponseFormat``...) and generateContent (``types.Content``, ``types.Part``,
``types.GenerationConfig``...), with unknown keys refused and enumerations closed: the
SDK's own models accept both (``extra="allow"``, ``UnrecognizedStr``), so validating with
them as they are would prove nothing. The bodies come from the package's real code path:
the client's tasks, sent through the lean transport to the emulator (which runs the same
check and would answer 400), recorded there and checked again here.
"""

from __future__ import annotations

import json
import typing
from collections.abc import Iterator
from typing import Any

import pytest
from google.genai import types
from google.genai._gaos.types.interactions import (
    imagecontent,
    interaction,
    mediaresolution,
    thinkinglevel,
)
from pydantic import BaseModel

from langchain_gemini_vision import GeminiVisionClient, RetryPolicy
from langchain_gemini_vision._transport import payloads, sdk
from langchain_gemini_vision._transport.base import ImagePart, VisionRequest, WireRequest
from langchain_gemini_vision.batch import BatchItem
from langchain_gemini_vision.batch.items import plan_item
from langchain_gemini_vision.errors import GeminiVisionInvalidRequestError
from langchain_gemini_vision.profiles import (
    MediaResolution,
    ThinkingLevel,
    known_profiles,
    profile_for,
)
from langchain_gemini_vision.testing import GeminiEmulator, make_scene
from langchain_gemini_vision.testing.request_schema import (
    RequestSchemaError,
    check_request,
    request_violations,
)

FAST = RetryPolicy(max_attempts=1)
SCENE = make_scene(96, 64, 2, seed=3)
OTHER = make_scene(96, 64, 3, seed=4)
# One model per profile family, and one no profile knows.
MODELS = [
    "gemini-2.0-flash",
    "gemini-2.5-flash",
    "gemini-2.5-pro",
    "gemini-3-flash-preview",
    "gemini-3.1-pro-preview",
    "gemini-3.7-flash",
    "gemini-3.8-flash",
    "gemini-9-flash",
]


class Shape(BaseModel):
    colour: str


@pytest.fixture(scope="module")
def emulator() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emu:
        yield emu


def _client(emulator: GeminiEmulator, api: str, model: str, **options: Any) -> GeminiVisionClient:
    return GeminiVisionClient(
        api_key="k",
        base_url=emulator.base_url,
        api=api,  # type: ignore[arg-type]
        model=model,
        retry=FAST,
        **options,
    )


def _every_task(client: GeminiVisionClient, image: Any) -> None:
    client.caption(image)
    client.compare([image, SCENE.data])
    client.detect(image, query="shapes", max_objects=5)
    client.segment(image)
    client.ask(image, "What colour is the largest shape?")
    client.ask(image, "What colour is the largest shape?", schema=Shape)


def _send_every_shape(emulator: GeminiEmulator, api: str, model: str) -> None:
    """Every task with its image inline and uploaded by the client to the Files API; the
    tasks that need no pixel size with an existing Files API file and a plain URL; the
    settings no task sets; streamed and not."""
    with _client(emulator, api, model) as client:
        _every_task(client, SCENE.data)
        image = client.prepare(OTHER.data)
        assert image.data is not None and image.mime_type is not None
        uploaded = client.files.upload(image.data, image.mime_type, image.sha256 or "", "other")
        file_id = uploaded.name.rsplit("/", 1)[-1]
        # A URL, not a Files API URI (no version segment): a URI of unknown type.
        for reference in (uploaded.name, f"{emulator.base_url}/files/{file_id}"):
            client.caption(reference)
            client.compare([reference, SCENE.data])
            client.ask(reference, "What colour is the largest shape?")
            client.ask(reference, "What colour is the largest shape?", schema=Shape)
        prepared = (client.prepare(SCENE.data),)
        full = VisionRequest(
            prompt="Describe the image.",
            images=prepared,
            system_instruction="Answer briefly.",
            thinking="low",
            media_resolution="low",
            max_output_tokens=64,
            temperature=0.2,
        )
        client.generate(full)
        client.generate(VisionRequest(prompt="Describe.", images=prepared))
        assert "".join(client.stream(full))
        assert "".join(client.stream(VisionRequest(prompt="Describe.", images=prepared)))
    # Over the inline budget: the client uploads the image itself and sends its URI.
    with _client(emulator, api, model, inline_limit_bytes=16, media_resolution="high") as client:
        _every_task(client, SCENE.data)
    # The generation settings, each where the model takes it.
    with _client(emulator, api, model, **_generation_settings(model)) as client:
        _every_task(client, SCENE.data)


def _generation_settings(model: str) -> dict[str, Any]:
    profile = profile_for(model)
    settings: dict[str, Any] = {
        "max_output_tokens": 400,
        "safety_settings": {"hate_speech": "block_only_high", "image_harassment": "off"},
        "labels": {"team": "vision", "run-id": "r_7"},
    }
    if profile.thinking_levels is None or "high" in profile.thinking_levels:
        settings["thinking_level"] = "high"
    if profile.sampling == "honoured":
        settings["temperature"] = 0.3
    return settings


def _bodies(emulator: GeminiEmulator, api: str, model: str) -> list[tuple[str, dict[str, Any]]]:
    """(path, body) of every generation request the emulator received."""
    emulator.clear_requests()
    _send_every_shape(emulator, api, model)
    return [(r.path, r.json) for r in emulator.requests if r.route == api and r.method == "POST"]


def _features(api: str, path: str, body: dict[str, Any]) -> set[str]:
    """What a request exercises, read off the wire (to prove the sweep covered each case)."""
    text = json.dumps(body)
    streamed = body.get("stream") is True or path.endswith(":streamGenerateContent")
    found = {"stream" if streamed else "no-stream"}
    if api == "interactions":
        blocks = [b for step in body["input"] for b in step["content"]]
        found |= {"inline" for b in blocks if "data" in b}
        found |= {"files_api" for b in blocks if "/v1" in str(b.get("uri", ""))}
        found |= {"url" for b in blocks if "uri" in b and "/v1" not in b["uri"]}
        schema = "response_format" in body
    else:
        parts = body["contents"][0]["parts"]
        found |= {"inline" for p in parts if "inlineData" in p}
        found |= {"files_api" for p in parts if "/v1" in p.get("fileData", {}).get("file_uri", "-")}
        found |= {
            "url" for p in parts if "fileData" in p and "/v1" not in p["fileData"]["file_uri"]
        }
        schema = "responseJsonSchema" in body.get("generationConfig", {})
    found.add("schema" if schema else "no-schema")
    for key in ("system_instruction", "systemInstruction"):
        if key in body:
            found.add("system_instruction")
    for name in (
        "thinking_level",
        "thinking_budget",
        "max_output_tokens",
        "maxOutputTokens",
        "temperature",
    ):
        if f'"{name}"' in text:
            found.add(name.replace("maxOutputTokens", "max_output_tokens"))
    if '"resolution"' in text or '"mediaResolution"' in text:
        found.add("resolution")
    if "safety_settings" in body or "safetySettings" in body:
        found.add("safety_settings")
    if "labels" in body:
        found.add("labels")
    return found


def _expected_features(api: str, model: str) -> set[str]:
    profile = profile_for(model)
    expected = {
        "stream",
        "no-stream",
        "inline",
        "files_api",
        "url",
        "schema",
        "no-schema",
        "system_instruction",
        "max_output_tokens",
        "safety_settings",
        "labels",
    }
    if (
        profile.sampling == "honoured"
    ):  # else never sent (tests/unit/client/test_generation_settings)
        expected.add("temperature")
    if profile.supports_media_resolution:
        expected.add("resolution")
    if profile.low_thinking_level is not None or profile.thinking_levels is None:
        expected.add("thinking_level")
    if api == "generate_content" and profile.low_thinking_budget is not None:
        expected.add("thinking_budget")
    return expected


@pytest.mark.parametrize("model", MODELS)
@pytest.mark.parametrize("api", ["interactions", "generate_content"])
def test_every_body_the_package_sends_fits_the_sdk_types(
    emulator: GeminiEmulator, api: str, model: str
) -> None:
    bodies = _bodies(emulator, api, model)
    assert len(bodies) >= 22
    seen: set[str] = set()
    for path, body in bodies:
        deprecated = check_request(api, body)  # type: ignore[arg-type]
        # The one deprecated field is Interactions' temperature, sent only when asked for.
        assert set(deprecated) <= {"generation_config.temperature"}
        seen |= _features(api, path, body)
    assert seen >= _expected_features(api, model), "the sweep missed a request shape"


# --------------------------------------------------------------------------- broken bodies


def _sample(api: str) -> dict[str, Any]:
    request = WireRequest(
        model="gemini-3-flash-preview",
        prompt="Find the shapes.",
        parts=(
            ImagePart(mime_type="image/png", data_base64="iVBORw0KGgo=", resolution="high"),
            ImagePart(mime_type=None, uri="https://example.com/a.jpg"),
        ),
        response_schema={"type": "object"},
        system_instruction="Be precise.",
        thinking_level="minimal",
        max_output_tokens=128,
        profile=profile_for("gemini-3-flash-preview"),
    )
    if api == "interactions":
        return payloads.interactions_body(request, stream=True)
    return payloads.generate_content_body(request)


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
def test_the_sample_bodies_are_valid(api: str) -> None:
    check_request(api, _sample(api))  # type: ignore[arg-type]


def _at(body: dict[str, Any], where: tuple[Any, ...]) -> Any:
    for step in where:
        body = body[step]
    return body


# (api, object holding the key, key, misspelling, where the API reports it)
MISSPELLINGS = [
    ("interactions", ("input", 0, "content", 1), "resolution", "resolutoin", "input[0].content[1]"),
    (
        "interactions",
        ("generation_config",),
        "thinking_level",
        "thinking_levl",
        "generation_config",
    ),
    ("interactions", (), "system_instruction", "system_instructions", ""),
    ("interactions", ("response_format",), "schema", "json_schema", "response_format"),
    (
        "generate_content",
        ("contents", 0, "parts", 1),
        "mediaResolution",
        "mediaResolutoin",
        "contents[0].parts[1]",
    ),
    (
        "generate_content",
        ("contents", 0, "parts", 1, "inlineData"),
        "mime_type",
        "mimetype",
        "contents[0].parts[1].inline_data",
    ),
    (
        "generate_content",
        ("generationConfig", "thinkingConfig"),
        "thinking_level",
        "thinking_levl",
        "generation_config.thinking_config",  # Gemini names places in snake_case
    ),
    (
        "generate_content",
        ("generationConfig",),
        "responseJsonSchema",
        "responseJSONSchema",
        "generation_config",
    ),
    ("generate_content", (), "systemInstruction", "system_instructions", ""),
]


@pytest.mark.parametrize(
    ("api", "holder", "key", "typo", "reported_at"),
    MISSPELLINGS,
    ids=[f"{m[0]}-{m[3]}" for m in MISSPELLINGS],
)
def test_a_misspelt_key_is_refused(
    api: str, holder: tuple[Any, ...], key: str, typo: str, reported_at: str
) -> None:
    body = _sample(api)
    target = _at(body, holder)
    target[typo] = target.pop(key)
    with pytest.raises(RequestSchemaError) as caught:
        check_request(api, body)  # type: ignore[arg-type]
    (violation,) = caught.value.violations
    assert (violation.kind, violation.name, violation.path) == ("unknown_field", typo, reported_at)
    if api == "generate_content":
        assert str(caught.value).startswith(f'Invalid JSON payload received. Unknown name "{typo}"')


WRONG_VALUES = [
    ("interactions", ("generation_config", "thinking_level"), "none"),
    ("interactions", ("generation_config", "thinking_level"), "MINIMAL"),  # lower case here
    ("interactions", ("input", 0, "content", 1, "resolution"), "MEDIA_RESOLUTION_HIGH"),
    ("interactions", ("input", 0, "content", 1, "mime_type"), "image/svg+xml"),
    ("interactions", ("response_format", "type"), "json"),
    ("interactions", ("generation_config", "max_output_tokens"), "many"),
    ("generate_content", ("generationConfig", "thinkingConfig", "thinking_level"), "minimal"),
    ("generate_content", ("generationConfig", "thinkingConfig", "thinking_level"), "NONE"),
    ("generate_content", ("contents", 0, "parts", 1, "mediaResolution", "level"), "HIGH"),
    ("generate_content", ("generationConfig", "maxOutputTokens"), 1.5),
    ("generate_content", ("contents", 0, "role"), 3),
]


@pytest.mark.parametrize(("api", "field", "value"), WRONG_VALUES)
def test_a_value_outside_its_type_is_refused(api: str, field: tuple[Any, ...], value: Any) -> None:
    body = _sample(api)
    _at(body, field[:-1])[field[-1]] = value
    violations = request_violations(api, body)  # type: ignore[arg-type]
    assert [(v.kind, v.value) for v in violations] == [("invalid_value", value)]


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
def test_a_misspelt_key_in_the_package_fails_the_sweep(
    emulator: GeminiEmulator, api: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sweep above is not blind: a package that misspells one key fails it."""
    from langchain_gemini_vision._transport import lean

    name = "interactions_body" if api == "interactions" else "generate_content_body"
    original = getattr(payloads, name)

    def misspelt(request: WireRequest, **kwargs: Any) -> dict[str, Any]:
        text = json.dumps(original(request, **kwargs))
        return json.loads(
            text.replace('"resolution"', '"resolutoin"').replace(
                '"mediaResolution"', '"mediaResolutoin"'
            )
        )

    monkeypatch.setattr(lean, name, misspelt)
    with pytest.raises(GeminiVisionInvalidRequestError, match=r"(?i)resolutoin"):
        _bodies(emulator, api, "gemini-3-flash-preview")
    refused = [r.json for r in emulator.requests if r.route == api and r.method == "POST"][-1]
    with pytest.raises(RequestSchemaError, match=r"(?i)resolutoin"):
        check_request(api, refused)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Batch API


@pytest.fixture
def gc_client(emulator: GeminiEmulator) -> Iterator[GeminiVisionClient]:
    with GeminiVisionClient(
        api_key="k", base_url=emulator.base_url, api="generate_content", retry=FAST
    ) as client:
        yield client


def _batch_items() -> list[BatchItem]:
    return [
        BatchItem.caption(SCENE.data, key="caption"),
        BatchItem.detect(SCENE.data, query="shapes", key="detect"),
        BatchItem.segment(SCENE.data, key="segment"),
        BatchItem.compare([SCENE.data, OTHER.data], key="compare"),
        BatchItem.ask(SCENE.data, "Colour?", key="ask"),
        BatchItem.ask(SCENE.data, "Colour?", schema=Shape, key="ask-schema"),
    ]


def test_batch_bodies_fit_the_generate_content_types(gc_client: GeminiVisionClient) -> None:
    """Each batch item's request, inline or as a JSONL line, is a valid GenerateContentRequest."""
    from langchain_gemini_vision.batch.job import _jsonl

    planned = [plan_item(gc_client, item) for item in _batch_items()]
    for item in planned:
        check_request("generate_content", item.body)
    for line in _jsonl([(p.key, p.body) for p in planned]).splitlines():
        entry = json.loads(line)
        assert set(entry) == {"key", "request"}
        check_request("generate_content", entry["request"])


def test_batch_create_body_fits_the_batch_types(
    emulator: GeminiEmulator, gc_client: GeminiVisionClient
) -> None:
    """The whole create call, as the emulator received it from the package's BatchApi."""
    from langchain_gemini_vision.batch._api import BatchApi

    planned = [plan_item(gc_client, item) for item in _batch_items()]
    emulator.clear_requests()
    BatchApi(gc_client.genai_client, FAST).create(
        gc_client.model, "wire-check", requests=[(p.key, p.body) for p in planned]
    )
    (create,) = [r.json for r in emulator.requests if r.path.endswith(":batchGenerateContent")]
    check_request("batch_generate_content", create)
    broken = json.loads(json.dumps(create).replace('"displayName"', '"displayname"'))
    with pytest.raises(RequestSchemaError, match="displayname"):
        check_request("batch_generate_content", broken)


# --------------------------------------------------------------------------- enumerations


def _literal_values(annotation: Any) -> set[str]:
    """The closed values of an SDK enumeration (``Union[Literal[...], UnrecognizedStr]``)."""
    values: set[str] = set()
    for arg in typing.get_args(annotation):
        if typing.get_origin(arg) is typing.Literal:
            values |= set(typing.get_args(arg))
    return values


def test_thinking_levels_are_members_of_both_sdk_enums() -> None:
    interactions_levels = _literal_values(thinkinglevel.ThinkingLevel)
    gc_levels = {m.value for m in types.ThinkingLevel}
    package_levels = set(typing.get_args(ThinkingLevel))
    assert package_levels <= interactions_levels  # sent as is on Interactions
    assert {
        level.upper() for level in package_levels
    } <= gc_levels  # upper-cased on generateContent
    used = {p.low_thinking_level for p in known_profiles() if p.low_thinking_level is not None}
    assert used <= package_levels


def test_media_resolutions_are_members_of_both_sdk_enums() -> None:
    package = set(typing.get_args(MediaResolution))
    assert package <= _literal_values(mediaresolution.MediaResolution)
    part_levels = {m.value for m in types.PartMediaResolutionLevel}
    assert set(payloads._GC_RESOLUTION) == package
    assert set(payloads._GC_RESOLUTION.values()) <= part_levels
    assert {level.value for level in sdk._GC_LEVEL.values()} == set(
        payloads._GC_RESOLUTION.values()
    )
    defaults = {p.default_media_resolution for p in known_profiles()} - {None}
    assert defaults <= package


def test_image_mime_types_the_package_sends_are_in_the_interactions_enum() -> None:
    from langchain_gemini_vision.images import SUPPORTED_MIME_TYPES

    allowed = _literal_values(imagecontent.ImageContentMimeType)
    assert set(SUPPORTED_MIME_TYPES) <= allowed


def test_finish_reasons_and_statuses_are_members_of_the_sdk_enums() -> None:
    finish_reasons = {m.value for m in types.FinishReason}
    assert finish_reasons >= payloads.BLOCKING_FINISH_REASONS
    assert finish_reasons >= payloads.TRUNCATED_FINISH_REASONS
    statuses = _literal_values(interaction.Interaction.model_fields["status"].annotation)
    assert statuses >= payloads.FAILED_INTERACTION_STATUSES
    assert statuses >= payloads.TRUNCATED_INTERACTION_STATUSES
