"""Wire-format parsing and building for the emulator (no I/O, no server).

Reads Interactions and generateContent request bodies into one
:class:`ModelCall`, accepting both the camelCase and the snake_case spelling
of every key (the SDK mixes them), and builds the JSON replies.

Why one module: the three request kinds (Interactions, generateContent, embeddings)
share one reading of a content part, an image and a key's two spellings; kept
together, a rule the emulator enforces on one kind cannot drift from the others.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Final, Literal

from ._api_errors import bad_request, check_schema
from .request_schema import RequestKind

__all__ = [
    "SUPPORTED_IMAGE_TYPES",
    "EmbedInput",
    "ImagePart",
    "ModelCall",
    "get_key",
    "parse_batch_embed",
    "parse_generate_content",
    "parse_interaction",
    "sniff_mime_type",
]

# The emulator's own copy of what Gemini takes (the client's is images.SUPPORTED_MIME_TYPES),
# kept apart on purpose: the server judges what a client sends, so a slip in the client's
# list must not be mirrored by the server that tests it (a test checks the two agree).
SUPPORTED_IMAGE_TYPES: Final = frozenset(
    {"image/png", "image/jpeg", "image/webp", "image/heic", "image/heif"}
)
"""The image types Gemini's image-understanding guide lists."""

_STEP_TYPES: Final = frozenset(
    {"user_input", "model_output", "thought", "function_call", "function_result"}
)


_CAMEL_PART = re.compile(r"_([a-z])")


def get_key(mapping: Any, snake: str, default: Any = None) -> Any:
    """``mapping[snake]`` or ``mapping[camelCase]``, whichever is present."""
    if not isinstance(mapping, dict):
        return default
    if snake in mapping:
        return mapping[snake]
    camel = _CAMEL_PART.sub(lambda m: m.group(1).upper(), snake)
    return mapping.get(camel, default)


def sniff_mime_type(data: bytes) -> str | None:
    """The image MIME type from magic numbers, or ``None``.

    The emulator's own copy of the magic numbers (the client's is
    :func:`langchain_gemini_vision.image_formats.sniff_mime_type`), kept apart on
    purpose: the server infers the type of what a client sent without the client's
    code, as Gemini does (a test checks both read real images alike).
    """
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    if data[4:8] == b"ftyp":
        brand = data[8:12]
        if brand in (b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis"):
            return "image/heic"
        if brand in (b"mif1", b"msf1", b"avif"):
            return "image/heif" if brand != b"avif" else "image/avif"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "image/gif"
    if data[:2] == b"BM":
        return "image/bmp"
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        return "image/tiff"
    return None


@dataclass(frozen=True)
class ImagePart:
    """One image of a request, resolved to bytes.

    Attributes:
        data: The image bytes.
        mime_type: The declared (or sniffed) MIME type.
        resolution: Per-image resolution (``low``...), if given.
        where: Where it sat in the request, for messages.
    """

    data: bytes = field(repr=False)
    mime_type: str
    resolution: str | None
    where: str


@dataclass
class ModelCall:
    """A generation request of either API, in one shape.

    Attributes:
        api: ``"interactions"`` or ``"generate_content"``.
        model: Model name without ``models/``.
        prompt: All text parts, in order, joined by newlines.
        images: The images, in order.
        system_instruction: The system instruction text, if any.
        schema: The JSON response schema, if any.
        json_mode: ``application/json`` was asked.
        max_output_tokens: The output budget, if any.
        thinking_level: Lower-case ``thinking_level``, if any.
        thinking_budget: ``thinking_budget``, if any.
        media_resolution: Global media resolution (``low``...), if any.
        stream: An SSE answer was asked (interactions ``stream: true``).
    """

    api: Literal["interactions", "generate_content"]
    model: str
    prompt: str
    images: list[ImagePart]
    system_instruction: str | None = None
    schema: Any = None
    json_mode: bool = False
    max_output_tokens: int | None = None
    thinking_level: str | None = None
    thinking_budget: int | None = None
    media_resolution: str | None = None
    stream: bool = False


FileResolver = Callable[[str, str], tuple[bytes, str]]
"""(uri, where) -> (bytes, mime type); raises :class:`ApiError`."""


def _decode_base64(value: Any, where: str) -> bytes:
    """The bytes of a request's base64 field, read as the API reads them: the emulator's
    own copy, kept apart from the client's decoder on purpose (see :func:`sniff_mime_type`)."""
    if not isinstance(value, str):
        raise bad_request(f"Invalid value at '{where}' (TYPE_BYTES): expected a base64 string")
    # The API takes standard and URL-safe alphabets alike.
    normalised = value.replace("-", "+").replace("_", "/")
    normalised += "=" * (-len(normalised) % 4)
    try:
        return base64.b64decode(normalised, validate=True)
    except (binascii.Error, ValueError):
        raise bad_request(
            f"Invalid value at '{where}' (TYPE_BYTES), Base64 decoding failed"
        ) from None


def _check_mime(declared: Any, data: bytes, where: str) -> str:
    mime = declared if isinstance(declared, str) and declared else sniff_mime_type(data)
    if mime is None:
        raise bad_request(f"{where}: mime_type is required and could not be inferred")
    mime = mime.lower()
    if mime not in SUPPORTED_IMAGE_TYPES:
        raise bad_request(
            f"Unsupported MIME type: {mime} at {where}. "
            f"Supported image types: {', '.join(sorted(SUPPORTED_IMAGE_TYPES))}."
        )
    return mime


def _int_or_none(value: Any, where: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise bad_request(f"Invalid value at '{where}' (TYPE_INT32), {value!r}")
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"Invalid value at '{where}' (TYPE_INT32), {value!r}") from None


def _model_name(value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise bad_request("model is required")
    return value.removeprefix("models/")


# ---------------------------------------------------------------- interactions


def _interaction_image(block: dict[str, Any], where: str, resolve_file: FileResolver) -> ImagePart:
    resolution = block.get("resolution")  # one of the enum's values (check_schema)
    if block.get("data") is not None:
        data = _decode_base64(block["data"], f"{where}.data")
        mime = _check_mime(get_key(block, "mime_type"), data, where)
    elif block.get("uri"):
        data, stored_mime = resolve_file(str(block["uri"]), where)
        mime = _check_mime(get_key(block, "mime_type") or stored_mime, data, where)
    else:
        raise bad_request(f"{where}: an image needs 'data' or 'uri'")
    return ImagePart(data, mime, str(resolution) if resolution else None, where)


def _interaction_content(
    items: list[Any], where: str, texts: list[str], images: list[ImagePart], resolve: FileResolver
) -> None:
    for index, block in enumerate(items):
        at = f"{where}[{index}]"
        if isinstance(block, str):
            texts.append(block)
            continue
        if not isinstance(block, dict):
            raise bad_request(f"Invalid value at '{at}': expected a content object")
        kind = block.get("type", "text" if "text" in block else None)
        if kind == "text":
            texts.append(str(block.get("text", "")))
        elif kind == "image":
            images.append(_interaction_image(block, at, resolve))
        elif kind in _STEP_TYPES:
            if kind == "user_input":
                content = block.get("content") or []
                if isinstance(content, str):
                    content = [{"type": "text", "text": content}]
                if not isinstance(content, list):
                    raise bad_request(f"Invalid value at '{at}.content'")
                _interaction_content(content, f"{at}.content", texts, images, resolve)
            # Earlier model turns are context the emulator does not need.
        else:
            raise bad_request(
                f"Content type {kind!r} at '{at}' is not supported by the emulator "
                "(text and image only)"
            )


def _response_format(value: Any) -> tuple[Any, bool]:
    formats = value if isinstance(value, list) else [value]
    for item in formats:
        if not isinstance(item, dict):
            continue
        mime = get_key(item, "mime_type")
        schema = item.get("schema", item.get("schema_"))
        if schema is not None:
            return schema, True
        if mime == "application/json":
            return None, True
    return None, False


# The emulator's own copy of the label rule (google-genai documents it on
# CreateModelInteraction.labels): the client checks labels too, this checks what arrives.
_LABEL_KEY = re.compile(r"[^\W\d_A-Z](?:[^\WA-Z]|-){0,62}")
_LABEL_VALUE = re.compile(r"(?:[^\WA-Z]|-){0,63}")


def check_labels(body: dict[str, Any]) -> None:
    """Refuse labels Gemini refuses: keys start with a lowercase letter; keys and values
    hold lowercase letters, digits, ``_`` and ``-`` (international letters too), 63 at most.

    Raises:
        ApiError: 400 naming the first bad label.
    """
    for key, value in (get_key(body, "labels") or {}).items():
        if not _LABEL_KEY.fullmatch(key) or any(c.isupper() for c in key):
            raise bad_request(
                f"Invalid label key {key!r}: a label key starts with a lowercase letter and "
                "holds at most 63 lowercase letters, digits, underscores and dashes."
            )
        if not _LABEL_VALUE.fullmatch(value) or any(c.isupper() for c in value):
            raise bad_request(
                f"Invalid value for label {key!r}: at most 63 lowercase letters, digits, "
                "underscores and dashes."
            )


def parse_interaction(body: Any, resolve_file: FileResolver) -> ModelCall:
    """Read a ``POST /{v}/interactions`` body.

    Raises:
        ApiError: 400 for anything malformed or unsupported.
    """
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON payload: expected an object")
    if body.get("agent") and not body.get("model"):
        raise bad_request("Agents are not emulated; pass a model")
    check_schema("interactions", body)
    check_labels(body)
    model = _model_name(body.get("model"))
    raw_input = body.get("input")
    if raw_input is None:
        raise bad_request("input is required")
    texts: list[str] = []
    images: list[ImagePart] = []
    if isinstance(raw_input, str):
        texts.append(raw_input)
    else:
        items = raw_input if isinstance(raw_input, list) else [raw_input]
        _interaction_content(items, "input", texts, images, resolve_file)
    schema, json_mode = _response_format(get_key(body, "response_format"))
    if get_key(body, "response_mime_type") == "application/json":
        json_mode = True
    config = get_key(body, "generation_config") or {}
    if not isinstance(config, dict):
        raise bad_request("Invalid value at 'generation_config': expected an object")
    level = get_key(config, "thinking_level")
    system = get_key(body, "system_instruction")
    return ModelCall(
        api="interactions",
        model=model,
        prompt="\n".join(t for t in texts if t),
        images=images,
        system_instruction=system if isinstance(system, str) else None,
        schema=schema,
        json_mode=json_mode or schema is not None,
        max_output_tokens=_int_or_none(
            get_key(config, "max_output_tokens"), "generation_config.max_output_tokens"
        ),
        thinking_level=str(level).lower() if level else None,
        stream=bool(body.get("stream")),
    )


# ---------------------------------------------------------------- generateContent

_MEDIA_RESOLUTION = re.compile(r"^(?:MEDIA_RESOLUTION_)?(LOW|MEDIUM|HIGH|ULTRA_HIGH|UNSPECIFIED)$")


def _media_resolution(value: Any) -> str | None:
    if isinstance(value, dict):
        value = value.get("level")
    if value is None:
        return None
    match = _MEDIA_RESOLUTION.match(str(value).upper())
    if match is None:
        raise bad_request(f"Invalid value for media_resolution: {value!r}")
    level = match.group(1).lower()
    return None if level == "unspecified" else level


def _system_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, str):
        return value
    parts = get_key(value, "parts") if isinstance(value, dict) else value
    if isinstance(parts, list):
        return "\n".join(str(p.get("text", "")) for p in parts if isinstance(p, dict))
    return None


def _check_body(kind: RequestKind, body: Any, api_version: str) -> None:
    if not isinstance(body, dict):
        raise bad_request("Invalid JSON payload: expected an object")
    check_schema(kind, body, api_version)


def _content_image(
    part: dict[str, Any], where: str, resolve_file: FileResolver, resolution: str | None
) -> ImagePart:
    """The image of a ``Content`` part: its ``inline_data`` bytes or its ``file_data`` file."""
    inline = get_key(part, "inline_data")
    if isinstance(inline, dict):
        data = _decode_base64(inline.get("data"), f"{where}.inline_data.data")
        return ImagePart(
            data, _check_mime(get_key(inline, "mime_type"), data, where), resolution, where
        )
    file_data = get_key(part, "file_data")
    uri = get_key(file_data, "file_uri")
    if not isinstance(uri, str):
        raise bad_request(f"{where}.file_data: file_uri is required")
    data, stored_mime = resolve_file(uri, where)
    mime = _check_mime(get_key(file_data, "mime_type") or stored_mime, data, where)
    return ImagePart(data, mime, resolution, where)


def parse_generate_content(
    body: Any, model: str, resolve_file: FileResolver, *, api_version: str = "v1beta"
) -> ModelCall:
    """Read a ``models/{model}:generateContent`` body.

    Raises:
        ApiError: 400 for anything malformed or unsupported.
    """
    _check_body("generate_content", body, api_version)
    check_labels(body)
    contents = body.get("contents")
    if contents is None:
        raise bad_request("contents is not specified")
    if isinstance(contents, dict):
        contents = [contents]
    if not isinstance(contents, list):
        raise bad_request("Invalid value at 'contents': expected a list")
    texts: list[str] = []
    images: list[ImagePart] = []
    for c_index, content in enumerate(contents):
        parts = get_key(content, "parts") if isinstance(content, dict) else None
        if not isinstance(parts, list):
            raise bad_request(f"Invalid value at 'contents[{c_index}].parts'")
        if isinstance(content, dict) and content.get("role") == "model":
            continue
        for p_index, part in enumerate(parts):
            where = f"contents[{c_index}].parts[{p_index}]"
            if not isinstance(part, dict):
                raise bad_request(f"Invalid value at '{where}'")
            resolution = _media_resolution(get_key(part, "media_resolution"))
            inline = get_key(part, "inline_data")
            file_data = get_key(part, "file_data")
            if "text" in part:
                texts.append(str(part["text"]))
            elif isinstance(inline, dict) or isinstance(file_data, dict):
                images.append(_content_image(part, where, resolve_file, resolution))
            elif part.get("thought") or get_key(part, "thought_signature"):
                continue
            else:
                raise bad_request(
                    f"Part at '{where}' is not supported by the emulator (text and images only)"
                )
    config = get_key(body, "generation_config") or {}
    if not isinstance(config, dict):
        raise bad_request("Invalid value at 'generation_config': expected an object")
    schema = get_key(config, "response_json_schema")
    if schema is None:
        schema = get_key(config, "response_schema")
    mime = get_key(config, "response_mime_type")
    if schema is not None and mime != "application/json":
        raise bad_request(
            "response_mime_type must be application/json when a response schema is set"
        )
    thinking = get_key(config, "thinking_config") or {}
    level = get_key(thinking, "thinking_level")
    budget = _int_or_none(
        get_key(thinking, "thinking_budget"), "generation_config.thinking_config.thinking_budget"
    )
    if level is not None and budget is not None:
        raise bad_request("thinking_level and thinking_budget cannot both be set")
    return ModelCall(
        api="generate_content",
        model=_model_name(model),
        prompt="\n".join(t for t in texts if t),
        images=images,
        system_instruction=_system_text(get_key(body, "system_instruction")),
        schema=schema,
        json_mode=mime == "application/json",
        max_output_tokens=_int_or_none(
            get_key(config, "max_output_tokens"), "generation_config.max_output_tokens"
        ),
        thinking_level=str(level).lower().removeprefix("thinking_level_") if level else None,
        thinking_budget=budget,
        media_resolution=_media_resolution(get_key(config, "media_resolution")),
    )


# ---------------------------------------------------------------- embeddings


@dataclass(frozen=True)
class EmbedInput:
    """One entry of a ``batchEmbedContents`` body: its texts and images, and its settings."""

    texts: list[str]
    images: list[ImagePart]
    task_type: str | None
    output_dimensionality: int | None


def parse_batch_embed(
    body: Any, model: str, resolve_file: FileResolver, *, api_version: str = "v1beta"
) -> list[EmbedInput]:
    """Read a ``models/{model}:batchEmbedContents`` body (each request names the same model).

    Raises:
        ApiError: 400 for anything malformed or unsupported (as :func:`parse_generate_content`).
    """
    _check_body("batch_embed_contents", body, api_version)
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise bad_request("* BatchEmbedContentsRequest.requests: at least one request is required")
    inputs: list[EmbedInput] = []
    for r_index, entry in enumerate(requests):
        where = f"requests[{r_index}]"
        named = _model_name(get_key(entry, "model"))
        if named != model:
            raise bad_request(
                f"{where}.model: model '{named}' is not the batch's model 'models/{model}'"
            )
        parts = get_key(get_key(entry, "content") or {}, "parts")
        if not isinstance(parts, list) or not parts:
            raise bad_request(f"{where}.content: at least one part is required")
        texts: list[str] = []
        images: list[ImagePart] = []
        for p_index, part in enumerate(parts):
            at = f"{where}.content.parts[{p_index}]"
            if "text" in part:
                texts.append(str(part["text"]))
            elif any(isinstance(get_key(part, k), dict) for k in ("inline_data", "file_data")):
                images.append(_content_image(part, at, resolve_file, None))
            else:
                raise bad_request(f"Part at '{at}' is not supported by the emulator")
        dims = _int_or_none(
            get_key(entry, "output_dimensionality"), f"{where}.output_dimensionality"
        )
        task = get_key(entry, "task_type")
        inputs.append(EmbedInput(texts, images, task if isinstance(task, str) else None, dims))
    return inputs


def dumps(value: Any) -> bytes:
    """Compact UTF-8 JSON."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()
