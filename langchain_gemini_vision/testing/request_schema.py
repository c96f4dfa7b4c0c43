"""What Gemini accepts in a request body, read from google-genai's typed request models.

Gemini parses a body into its schema before anything else: an unknown key or an
enumeration value outside its type is a 400, whoever sent it. The emulator runs
:func:`request_violations` on every body it receives (so it refuses what Gemini would
refuse), and the tests run it on every body the package sends.

The knowledge is Google's, never this package's: it is derived from the installed SDK,

* Interactions: the generated models in ``google/genai/_gaos/types/interactions``
  (``CreateModelInteraction`` -> ``UserInputStep`` -> ``TextContent`` / ``ImageContent``,
  ``GenerationConfig``, ``TextResponseFormat``...), keys as the SDK writes them (snake_case);
* generateContent: ``google.genai.types`` (``Content``, ``Part``, ``Blob``, ``FileData``,
  ``PartMediaResolution``, ``GenerationConfig``, ``ThinkingConfig``...), under a request
  envelope whose top-level fields are those ``models._GenerateContentConfig_to_mldev``
  writes; keys in either spelling (proto JSON takes camelCase and snake_case).
  ``types.GenerationConfig`` also names a few Vertex-only fields (``routing_config``,
  ``audio_timestamp``...), which this check therefore lets through; a field the SDK's
  own Gemini API converter (``models._<Type>_to_mldev``) refuses, such as
  ``SafetySetting.method``, is unknown here too;
* Batch API: the envelope ``batches._CreateBatchJobParameters_to_mldev`` writes, each
  inline request a generateContent request;
* embeddings: the ``batchEmbedContents`` envelope ``models._EmbedContentParametersPrivate_to_mldev``
  writes, each request a ``types.Content`` with the fields ``_EmbedContentConfig_to_mldev``
  adds (``taskType``, ``title``, ``outputDimensionality``) and the model.

Why not ``Model.model_validate``: those models let anything through. The Interactions
models keep unknown keys (``extra="allow"``) and their enumerations are open
(``Union[Literal[...], UnrecognizedStr]``, ``Unknown*`` variants); google-genai's enums
warn and pass an unknown value. So this module walks the JSON along the models'
annotations itself, with those fall-backs removed: unknown keys and off-enum values fail.

Why one module: the roots (which SDK model each request body starts from, which keys
its envelope adds) and the walk (how each annotation reads a JSON value: unions,
discriminators, open fall-backs, enum constants) are one reading of the SDK's types.
Each root names the annotations the walk must know, and each rule of the walk exists
for a shape some root reaches; apart, neither half could be read or tested alone.
"""

from __future__ import annotations

import contextlib
import datetime
import enum
import functools
import json
import re
import types
import typing
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, TypeGuard

import typing_extensions
from pydantic import BaseModel

__all__ = [
    "RequestKind",
    "RequestSchemaError",
    "SchemaViolation",
    "check_request",
    "load_request_schemas",
    "request_violations",
]

RequestKind = Literal[
    "interactions", "generate_content", "batch_generate_content", "batch_embed_contents"
]
"""The bodies the package sends (embeddings go as ``batchEmbedContents``, as the SDK's)."""

ViolationKind = Literal["unknown_field", "invalid_value", "missing_field"]

_UNION_ORIGINS = frozenset({typing.Union, types.UnionType})
_LIST_ORIGINS = frozenset({list, Sequence, tuple})
_DICT_ORIGINS = frozenset({dict, Mapping})
_INTEGER_STRING = re.compile(r"-?\d+")
# Discriminator mismatches say "this is not that kind of object": a union member that
# fails on its "type" fits worse than one with a misspelt key deeper down.
_DISCRIMINATOR_RANK = 1000
_SCALAR_NAMES: dict[type, str] = {
    bool: "TYPE_BOOL",
    int: "TYPE_INT32",
    float: "TYPE_FLOAT",
    str: "TYPE_STRING",
    bytes: "TYPE_BYTES",
}
_PLAIN_NAMES = {
    "TYPE_BOOL": "a boolean",
    "TYPE_INT32": "an integer",
    "TYPE_FLOAT": "a number",
    "TYPE_STRING": "a string",
    "TYPE_BYTES": "a base64 string",
    "TYPE_ENUM": "an enumeration value",
    "TYPE_MESSAGE": "an object",
}
# Names Gemini prints as they are; any other is a message or enum type of its package.
_WIRE_TYPE_NAMES = frozenset(_PLAIN_NAMES)


@dataclass(frozen=True)
class SchemaViolation:
    """One place where a body leaves the schema.

    Attributes:
        kind: ``unknown_field``, ``invalid_value`` or ``missing_field``.
        path: Where, in the API's own field names (``contents[0].parts[1]``): the
            enclosing object for an unknown field (``""`` at the top level), the field
            itself otherwise.
        name: The unknown or missing key, or the field's name.
        value: The offending value (``invalid_value`` only).
        type_name: What was expected: a wire type (``TYPE_INT32``, ``TYPE_MESSAGE``...),
            or the SDK's enum or message class name (``ThinkingLevel``, ``Content``); for a
            list, its items' type.
        allowed: The enumeration's values, when the type is one.
    """

    kind: ViolationKind
    path: str
    name: str
    value: Any = None
    type_name: str = ""
    allowed: tuple[str, ...] = ()
    rank: int = field(default=1, compare=False, repr=False)

    def google_message(self, api_version: str = "v1beta") -> str:
        """The text Gemini's generateContent front end gives (``google.rpc.BadRequest``)."""
        if self.kind == "unknown_field":
            where = f" at '{self.path}'" if self.path else ""
            return (
                f'Invalid JSON payload received. Unknown name "{self.name}"{where}: '
                "Cannot find field."
            )
        if self.kind == "missing_field":
            return f"Invalid JSON payload received. Required field '{self.path}' is missing."
        type_name = self.type_name
        if type_name not in _WIRE_TYPE_NAMES:
            package = f"type.googleapis.com/google.ai.generativelanguage.{api_version}"
            type_name = f"{package}.{type_name}"
        return f"Invalid value at '{self.path}' ({type_name}), {_shown(self.value)}"

    def interactions_message(self) -> str:
        """The text of an Interactions ``invalid_request`` error."""
        if self.kind == "unknown_field":
            where = f" at '{self.path}'" if self.path else ""
            return f'Unknown field "{self.name}"{where}.'
        if self.kind == "missing_field":
            return f"Missing required field '{self.path}'."
        if self.allowed:
            expected = "one of " + ", ".join(json.dumps(a) for a in self.allowed)
        else:
            expected = _PLAIN_NAMES.get(self.type_name, f"a {self.type_name} object")
        return f"Invalid value at '{self.path}': {_shown(self.value)} (expected {expected})."


class RequestSchemaError(ValueError):
    """A body the API's schema does not allow.

    Attributes:
        kind: Which request it was.
        violations: Every place it leaves the schema, in body order.
    """

    def __init__(self, kind: RequestKind, violations: Sequence[SchemaViolation]) -> None:
        self.kind = kind
        self.violations = list(violations)
        super().__init__("\n".join(self.messages(kind)))

    def messages(self, kind: RequestKind | None = None) -> list[str]:
        """One line per violation, worded as the API words it."""
        if (kind or self.kind) == "interactions":
            return [v.interactions_message() for v in self.violations]
        return [v.google_message() for v in self.violations]


def request_violations(kind: RequestKind, body: Any) -> list[SchemaViolation]:
    """Every place ``body`` leaves the schema of ``kind`` (empty when it fits)."""
    return _check(kind, body).violations


def check_request(kind: RequestKind, body: Any) -> tuple[str, ...]:
    """Raise :class:`RequestSchemaError` unless ``body`` fits; return deprecated fields it sets.

    A deprecated field (the SDK marks a few) is still accepted, as the API still accepts it.
    """
    walk = _check(kind, body)
    if walk.violations:
        raise RequestSchemaError(kind, walk.violations)
    return tuple(walk.deprecated)


def load_request_schemas() -> None:
    """Import the SDK's types and walk one typical body of each kind now, so that the
    first request does not pay for it (google-genai builds its models on first use)."""
    image = {"data": "", "mime_type": "image/png", "resolution": "low", "type": "image"}
    part = {"inlineData": {"data": "", "mime_type": "image/png"}, "mediaResolution": {}}
    request = {
        "contents": [{"parts": [{"text": ""}, part, {"fileData": {"file_uri": ""}}]}],
        "systemInstruction": {"parts": [{"text": ""}]},
        "generationConfig": {"responseJsonSchema": {}, "thinkingConfig": {}},
    }
    typical: dict[RequestKind, Any] = {
        "interactions": {
            "model": "",
            "input": [{"content": [{"text": "", "type": "text"}, image], "type": "user_input"}],
            "generation_config": {"max_output_tokens": 1},
            "response_format": {"mime_type": "application/json", "schema": {}, "type": "text"},
        },
        "generate_content": request,
        "batch_generate_content": {
            "batch": {"inputConfig": {"requests": {"requests": [{"request": request}]}}}
        },
        "batch_embed_contents": {"requests": [{"content": {"parts": [{"text": ""}]}}]},
    }
    for kind, body in typical.items():
        _check(kind, body)


# --------------------------------------------------------------------------- roots


@functools.cache
def _roots() -> dict[RequestKind, type[BaseModel]]:
    """The root type of each request, built once from the installed SDK (imported lazily)."""
    from google.genai import _common
    from google.genai import types as gtypes
    from google.genai._gaos.types.interactions.createmodelinteraction import (
        CreateModelInteraction,
    )
    from pydantic import create_model

    def message(name: str, **fields: Any) -> type[BaseModel]:
        # google-genai's own base: the same camelCase aliases its types carry.
        spec: dict[str, Any] = {key: (tp | None, None) for key, tp in fields.items()}
        model: type[BaseModel] = create_model(name, __base__=_common.BaseModel, **spec)
        return model

    # The fields models._GenerateContentConfig_to_mldev writes at the top level (and
    # batches._InlinedRequest_to_mldev adds "model"), typed with the SDK's classes.
    generate_content = message(
        "GenerateContentRequest",
        model=str,
        contents=list[gtypes.Content],
        system_instruction=gtypes.Content,
        generation_config=gtypes.GenerationConfig,
        safety_settings=list[gtypes.SafetySetting],
        tools=list[gtypes.Tool],
        tool_config=gtypes.ToolConfig,
        labels=dict[str, str],
        cached_content=str,
        service_tier=gtypes.ServiceTier,
        store=bool,
    )
    # batches._CreateBatchJobParameters_to_mldev / _BatchJobSource_to_mldev.
    inlined = message("InlinedRequest", request=generate_content, metadata=dict[str, Any])
    input_config = message(
        "InputConfig",
        file_name=str,
        requests=message("InlinedRequests", requests=types.GenericAlias(list, (inlined,))),
    )
    batch = message(
        "GenerateContentBatch",
        display_name=str,
        input_config=input_config,
        webhook_config=gtypes.WebhookConfig,
    )
    # models._EmbedContentParametersPrivate_to_mldev / _EmbedContentConfig_to_mldev.
    embed = message(
        "EmbedContentRequest",
        content=gtypes.Content,
        task_type=str,
        title=str,
        output_dimensionality=int,
        model=str,
    )
    return {
        "interactions": CreateModelInteraction,
        "batch_embed_contents": message(
            "BatchEmbedContentsRequest", requests=types.GenericAlias(list, (embed,))
        ),
        "generate_content": generate_content,
        "batch_generate_content": message("BatchGenerateContentRequest", batch=batch),
    }


@functools.cache
def _open_fields() -> dict[tuple[type[BaseModel], str], Any]:
    """Fields whose SDK enumeration is open on purpose: Gemini serves models the SDK's list
    does not name yet, so any model name is a valid ``model``."""
    from google.genai._gaos.types.interactions.createmodelinteraction import (
        CreateModelInteraction,
    )

    return {(CreateModelInteraction, "model"): str}


_REFUSING_CONVERTER = re.compile(
    r"if getv\(from_object, \['(\w+)'\]\) is not None:\s+raise ValueError"
)


@functools.cache
def _refused_on_gemini_api() -> dict[type[BaseModel], frozenset[str]]:
    """Fields of google-genai's types that the Gemini API refuses (Vertex AI's only, such
    as ``SafetySetting.method``): read from the SDK's own ``models._<Type>_to_mldev``
    converters, which raise ``ValueError`` when such a field is set."""
    import inspect

    from google.genai import models
    from google.genai import types as gtypes

    refused: dict[type[BaseModel], frozenset[str]] = {}
    for name, converter in vars(models).items():
        match = re.fullmatch(r"_(\w+)_to_mldev", name)
        model = getattr(gtypes, match.group(1), None) if match else None
        if _is_model(model):
            fields = _REFUSING_CONVERTER.findall(inspect.getsource(converter))
            if fields:
                refused[model] = frozenset(fields)
    return refused


# --------------------------------------------------------------------------- the walk


@dataclass
class _Walk:
    violations: list[SchemaViolation] = field(default_factory=list)
    deprecated: list[str] = field(default_factory=list)

    def score(self) -> int:
        return sum(v.rank for v in self.violations)


def _check(kind: RequestKind, body: Any) -> _Walk:
    walk = _Walk()
    _value(body, _roots()[kind], "", walk)
    return walk


@dataclass(frozen=True)
class _Field:
    name: str
    segment: str
    annotation: Any
    required: bool
    deprecated: bool


def _join(path: str, segment: str) -> str:
    return f"{path}.{segment}" if path else segment


@functools.cache
def _fields(model: type[BaseModel]) -> dict[str, _Field]:
    """Wire key -> field: the name (snake_case) and the alias (camelCase, or the JSON name
    of a Python-escaped field such as ``schema_``)."""
    with contextlib.suppress(Exception):  # one that cannot rebuild keeps its annotations
        model.model_rebuild()
    open_fields = _open_fields()
    refused = _refused_on_gemini_api().get(model, frozenset())
    keys: dict[str, _Field] = {}
    for name, info in model.model_fields.items():
        if name in refused:
            continue
        escaped = name.endswith("_")
        segment = info.alias if escaped and info.alias else name
        spec = _Field(
            name=name,
            segment=segment,
            annotation=open_fields.get((model, name), info.annotation),
            required=info.is_required(),
            deprecated=bool(info.deprecated),
        )
        if not escaped:
            keys[name] = spec
        if info.alias:
            keys[info.alias] = spec
    return keys


_Fn = typing.TypeVar("_Fn", bound=typing.Callable[..., Any])


def _memo(function: _Fn) -> _Fn:
    """Cache on the (type) arguments; one that cannot be hashed is just computed."""
    cache: dict[tuple[Any, ...], Any] = {}

    @functools.wraps(function)
    def cached(*args: Any) -> Any:
        try:
            return cache[args]
        except KeyError:
            result = cache[args] = function(*args)
            return result
        except TypeError:
            return function(*args)

    return typing.cast("_Fn", cached)


@_memo
def _unwrap(tp: Any) -> Any:
    """Through type aliases and ``Annotated`` to the type itself."""
    while True:
        if isinstance(tp, typing_extensions.TypeAliasType):
            tp = tp.__value__
        elif typing.get_origin(tp) is typing.Annotated:
            tp = typing.get_args(tp)[0]
        else:
            return tp


def _is_model(tp: Any) -> TypeGuard[type[BaseModel]]:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _is_open_fallback(tp: Any) -> bool:
    """An SDK catch-all that would accept anything: not part of the API's schema."""
    tp = _unwrap(tp)
    if tp is type(None):
        return True
    if isinstance(tp, type):
        name = tp.__name__
        if name in ("UnrecognizedStr", "UnrecognizedInt", "Unset"):
            return True
        if _is_model(tp) and "is_unknown" in tp.model_fields:  # Unknown* union variants
            return True
    return False


@_memo
def _closed_members(args: tuple[Any, ...]) -> tuple[Any, ...]:
    members = [a for a in args if not _is_open_fallback(a)]
    if any(_is_model(_unwrap(m)) for m in members):
        # ``Dict[str, Any]`` beside typed variants (response formats) is a fall-back too.
        members = [m for m in members if typing.get_origin(_unwrap(m)) not in _DICT_ORIGINS]
    return tuple(members)


@_memo
def _type_constants(member: Any) -> tuple[str, ...] | None:
    """The values of a model's ``type`` constant (its union discriminator), if it has one."""
    tp = _unwrap(member)
    type_field = tp.model_fields.get("type") if _is_model(tp) else None
    literal = _unwrap(type_field.annotation) if type_field is not None else None
    if typing.get_origin(literal) is not Literal:
        return None
    return tuple(str(a) for a in typing.get_args(literal))


def _type_name(tp: Any) -> str:
    tp = _unwrap(tp)
    origin = typing.get_origin(tp)
    if origin in _UNION_ORIGINS:
        members = _closed_members(typing.get_args(tp))
        return _type_name(members[0]) if members else "TYPE_STRING"
    if origin is Literal:
        return "TYPE_ENUM"
    if origin in _LIST_ORIGINS:
        args = typing.get_args(tp)
        return _type_name(args[0]) if args else "TYPE_MESSAGE"
    if origin in _DICT_ORIGINS or tp is dict:
        return "TYPE_MESSAGE"
    if isinstance(tp, type):
        if tp in _SCALAR_NAMES:
            return _SCALAR_NAMES[tp]
        return tp.__name__
    return "TYPE_STRING"


def _json_kind(value: Any) -> type:
    """The JSON kind of a parsed value: dict, list, str, bool, int (any number) or NoneType."""
    if isinstance(value, bool):
        return bool
    if isinstance(value, (int, float)):
        return int
    return type(value)


@_memo
def _fits_kind(tp: Any, kind: type) -> bool:
    """Could a JSON value of this kind be an instance of ``tp`` at all (before looking inside)?"""
    tp = _unwrap(tp)
    origin = typing.get_origin(tp)
    if tp is Any or tp is object:
        return True
    if origin in _UNION_ORIGINS:
        return any(_fits_kind(m, kind) for m in _closed_members(typing.get_args(tp)))
    if origin is Literal:
        return any(_json_kind(a) is kind for a in typing.get_args(tp))
    if origin in _LIST_ORIGINS or tp in (list, tuple):
        return kind is list
    if origin in _DICT_ORIGINS or tp is dict or _is_model(tp):
        return kind is dict
    if tp is bool:
        return kind is bool
    if tp in (int, float):
        return kind in (int, str)
    if isinstance(tp, type) and (
        issubclass(tp, (str, bytes, enum.Enum, datetime.datetime, datetime.date))
    ):
        return kind is str
    return True


def _invalid(
    walk: _Walk,
    path: str,
    value: Any,
    type_name: str,
    allowed: tuple[str, ...] = (),
    *,
    rank: int = 1,
) -> None:
    name = path.rsplit(".", 1)[-1]
    walk.violations.append(
        SchemaViolation("invalid_value", path, name, value, type_name, allowed, rank)
    )


def _value(value: Any, tp: Any, path: str, walk: _Walk) -> None:
    tp = _unwrap(tp)
    if tp is Any or tp is object or value is None:
        return  # JSON null is the field's default, as proto JSON reads it
    origin = typing.get_origin(tp)
    if origin in _UNION_ORIGINS:
        _union(value, _closed_members(typing.get_args(tp)), path, walk)
    elif origin is Literal:
        allowed = typing.get_args(tp)
        if not any(a == value and type(a) is type(value) for a in allowed):
            _invalid(walk, path, value, "TYPE_ENUM", tuple(str(a) for a in allowed))
    elif origin in _LIST_ORIGINS or tp in (list, tuple):
        if not isinstance(value, list):
            _invalid(walk, path, value, _type_name(tp))
            return
        args = typing.get_args(tp)
        for index, item in enumerate(value):
            _value(item, args[0] if args else Any, f"{path}[{index}]", walk)
    elif origin in _DICT_ORIGINS or tp is dict:
        if not isinstance(value, dict):
            _invalid(walk, path, value, _type_name(tp))
            return
        args = typing.get_args(tp)
        for key, item in value.items():
            _value(item, args[1] if len(args) == 2 else Any, f"{path}[{json.dumps(key)}]", walk)
    elif _is_model(tp):
        _model(value, tp, path, walk)
    elif isinstance(tp, type) and issubclass(tp, enum.Enum):
        allowed = tuple(str(member.value) for member in tp)
        if not (isinstance(value, str) and value in allowed):
            _invalid(walk, path, value, tp.__name__, allowed)
    elif not _scalar_fits(tp, value):
        _invalid(walk, path, value, _type_name(tp))


def _scalar_fits(tp: Any, value: Any) -> bool:
    if tp is bool:
        return isinstance(value, bool)
    if isinstance(value, bool):
        return False
    if tp is int:
        # Proto JSON takes an integer as a number, an integral float, or a decimal string.
        if isinstance(value, float):
            return value.is_integer()
        return isinstance(value, int) or (
            isinstance(value, str) and _INTEGER_STRING.fullmatch(value) is not None
        )
    if tp is float:
        return isinstance(value, (int, float))
    if isinstance(tp, type) and issubclass(
        tp, (str, bytes, datetime.datetime, datetime.date, datetime.timedelta)
    ):
        return isinstance(value, str)  # bytes travel as base64, times as RFC 3339 strings
    return True  # a Python-only type (PIL images...) the wire never carries as such


def _model(value: Any, model: type[BaseModel], path: str, walk: _Walk) -> None:
    if not isinstance(value, dict):
        _invalid(walk, path, value, _type_name(model))
        return
    fields = _fields(model)
    seen: set[str] = set()
    for key, item in value.items():
        spec = fields.get(key)
        if spec is None:
            walk.violations.append(SchemaViolation("unknown_field", path, str(key)))
            continue
        seen.add(spec.name)
        where = _join(path, spec.segment)
        if spec.deprecated:
            walk.deprecated.append(where)
        _value(item, spec.annotation, where, walk)
    for spec in {f.name: f for f in fields.values()}.values():
        if spec.required and spec.name not in seen:
            walk.violations.append(
                SchemaViolation("missing_field", _join(path, spec.segment), spec.segment)
            )


def _discriminated(
    value: dict[str, Any], members: list[Any], path: str, walk: _Walk
) -> list[Any] | None:
    """Members whose ``type`` constant matches ``value["type"]``; ``None`` when it matches none
    (a violation is recorded). Members without a ``type`` constant stay candidates."""
    kept: list[Any] = []
    constants: list[str] = []
    matched = False
    for member in members:
        options = _type_constants(member)
        if options is None:
            kept.append(member)
        else:
            constants += options
            if value.get("type") in options:
                kept.append(member)
                matched = True
    if constants and not matched:
        where = _join(path, "type")
        _invalid(
            walk, where, value.get("type"), "TYPE_ENUM", tuple(constants), rank=_DISCRIMINATOR_RANK
        )
        return None
    return kept


def _union(value: Any, members: tuple[Any, ...], path: str, walk: _Walk) -> None:
    kind = _json_kind(value)
    candidates = [m for m in members if _fits_kind(m, kind)]
    if kind is dict and "type" in value and candidates:
        narrowed = _discriminated(value, candidates, path, walk)
        if narrowed is None:
            return
        candidates = narrowed
    if not candidates:
        _invalid(walk, path, value, _type_name(members[0] if members else Any))
        return
    best: _Walk | None = None
    for member in candidates:
        trial = _Walk()
        _value(value, member, path, trial)
        if not trial.violations:
            walk.deprecated += trial.deprecated
            return
        if best is None or trial.score() < best.score():
            best = trial
    assert best is not None
    walk.violations += best.violations
    walk.deprecated += best.deprecated


def _shown(value: Any) -> str:
    """A value as an error message quotes it: JSON, cut short (never a whole image)."""
    text = json.dumps(value)
    return text if len(text) <= 80 else text[:77] + "..."
