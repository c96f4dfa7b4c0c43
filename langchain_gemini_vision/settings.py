"""Every client setting, defined once, and the frozen settings object made from them.

The client, the Runnables, the Tools, the Toolkit, the Loader and the CLI take the
same settings, so each setting is defined, validated and documented in one place:

* :class:`SettingFields` and :class:`LocalFilesField` are the field definitions.
  The LangChain classes inherit them through one private base (as
  langchain-google-genai keeps its shared fields on ``_BaseGoogleGenerativeAI``),
  so the settings are their constructor arguments, shown by LangSmith and kept by
  LangChain's serialisation (the key excepted), and a change to one takes effect.
* :class:`GeminiVisionSettings` is the same fields, frozen: ``GeminiVisionClient``
  is built from one, and the LangChain classes produce one from their field values
  whenever they need their client. A client's settings never change under it.

Adding a setting is adding a field here (and reading it where it acts); its
docstring is its documentation.

Two ideas, two names: ``allowed_dirs`` (here) is where the *application's own*
paths may be read from (``None``: any path it names); the Tools' ``reference_dirs``
is where a *model-chosen* reference may point (``None``: no local file at all).

The key follows google-genai: ``api_key`` (``google_api_key`` is accepted
everywhere), else ``GOOGLE_API_KEY``, else ``GEMINI_API_KEY``. It is a
``SecretStr``, never in a ``repr``, a dump, LangChain's serialisation or a pickle:
an unpickled object reads it from the environment again.

Why one module: a setting is one idea wherever it appears, its field, its validation,
its documentation and its part in the result cache's key (:data:`RESULT_CACHE_KEY`);
split across modules, a new setting could miss one of them, which the tests of this
module's table catch only when the four stand together.
"""

from __future__ import annotations

import difflib
import logging
import os
import sys
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Literal

from langchain_core.rate_limiters import BaseRateLimiter
from langchain_core.stores import BaseStore
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SecretStr,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from langchain_gemini_vision._transport.base import ApiName, Transport, TransportName
from langchain_gemini_vision._transport.retry import RetryPolicy
from langchain_gemini_vision._url_policy import UrlPolicy
from langchain_gemini_vision.decode_budget import (
    DEFAULT_DECODE_BUDGET_BYTES,
    DEFAULT_MAX_DECODE_BYTES,
)
from langchain_gemini_vision.errors import ConfigurationError, UnknownArgumentError
from langchain_gemini_vision.masks import DEFAULT_MAX_MASK_BYTES
from langchain_gemini_vision.parsing import DEFAULT_MAX_ITEMS
from langchain_gemini_vision.profiles import (
    MediaResolution,
    ModelProfile,
    ThinkingLevel,
    profile_for,
)
from langchain_gemini_vision.prompts import Prompts

__all__ = [
    "DEFAULT_MODEL",
    "RESULT_CACHE_KEY",
    "CacheRole",
    "GeminiVisionSettings",
    "LocalFilesField",
    "SettingFields",
    "accepted_names",
    "check_arguments",
    "env_base_url",
    "key_from_env",
]

logger = logging.getLogger("langchain_gemini_vision")

DEFAULT_MODEL = "gemini-3-flash-preview"
"""The seed guide's model; ``GEMINI_VISION_MODEL`` overrides it."""

_KEY_VARIABLES = ("GOOGLE_API_KEY", "GEMINI_API_KEY")
"""google-genai's order (``_api_client.get_env_api_key``): ``GOOGLE_API_KEY`` wins."""
_warned_two_keys: list[bool] = []


def key_from_env() -> SecretStr | None:
    """The API key google-genai would read: ``GOOGLE_API_KEY``, else ``GEMINI_API_KEY``.

    An empty variable counts as unset, as in google-genai.
    """
    values = [os.environ.get(name) for name in _KEY_VARIABLES]
    if all(values) and values[0] != values[1] and not _warned_two_keys:
        _warned_two_keys.append(True)
        logger.warning("Both GOOGLE_API_KEY and GEMINI_API_KEY are set. Using GOOGLE_API_KEY.")
    for value in values:
        if value:
            return SecretStr(value)
    return None


def env_base_url(*, vertexai: bool) -> str | None:
    """The base URL google-genai uses when none is given (``_base_url.get_base_url``).

    ``GOOGLE_GEMINI_BASE_URL`` (``GOOGLE_VERTEX_BASE_URL`` for Vertex AI); when
    google-genai is already loaded, its own function, so a process-wide
    ``set_default_base_urls`` counts too. An explicit ``base_url`` always wins.
    """
    sdk = sys.modules.get("google.genai._base_url")
    if sdk is not None:
        found: str | None = sdk.get_base_url(vertexai)
        return found or None
    variable = "GOOGLE_VERTEX_BASE_URL" if vertexai else "GOOGLE_GEMINI_BASE_URL"
    return os.environ.get(variable) or None


# --------------------------------------------------------------------------- names


def accepted_names(model: type[BaseModel]) -> set[str]:
    """The keyword arguments ``model`` takes: its field names and their aliases."""
    names = set(model.model_fields)
    names.update(info.alias for info in model.model_fields.values() if info.alias)
    return names


def check_arguments(
    owner: str,
    given: Iterable[str],
    accepted: Iterable[str],
    renamed: Mapping[str, str] | None = None,
) -> None:
    """Raise for a keyword argument ``owner`` does not take, naming the closest valid one.

    Raises:
        UnknownArgumentError: (a ``TypeError``) with every valid name.
    """
    valid = set(accepted)
    unknown = [name for name in given if name not in valid]
    if not unknown:
        return
    renamed = renamed or {}
    described = []
    for name in unknown:
        close = difflib.get_close_matches(name, sorted(valid), n=1, cutoff=0.6)
        hint = f" (did you mean {renamed.get(close[0], close[0])!r}?)" if close else ""
        described.append(f"{name!r}{hint}")
    noun = "argument" if len(unknown) == 1 else "arguments"
    names = ", ".join(sorted(valid - set(renamed)))
    msg = f"{owner}() got an unexpected keyword {noun} {', '.join(described)}. It takes: {names}."
    raise UnknownArgumentError(msg)


def describe_invalid(error: ValidationError) -> str:
    """A validation error as ``field: problem`` pairs, without the values (keys stay out)."""
    problems = "; ".join(
        f"{'.'.join(str(part) for part in item['loc']) or 'settings'}: {item['msg']}"
        for item in error.errors()
    )
    return f"invalid setting: {problems}"


# --------------------------------------------------------------------------- generation

HARM_CATEGORIES = frozenset(
    {
        "harassment",
        "hate_speech",
        "sexually_explicit",
        "dangerous_content",
        "civic_integrity",
        "jailbreak",
        "image_hate",
        "image_dangerous_content",
        "image_harassment",
        "image_sexually_explicit",
    }
)
"""The harm categories both APIs take (google-genai's ``HarmCategory``; Interactions
spells them in lower case without the ``HARM_CATEGORY_`` prefix)."""
BLOCK_THRESHOLDS = frozenset(
    {"block_low_and_above", "block_medium_and_above", "block_only_high", "block_none", "off"}
)
"""google-genai's ``HarmBlockThreshold`` values (lower case, as Interactions writes them)."""
_LABEL_LIMIT = 63


def normalise_safety_settings(value: Any) -> dict[str, str]:
    """Safety settings as ``{category: threshold}`` in lower case, short names.

    Takes that mapping in any spelling, or a list of google-genai ``SafetySetting``
    objects or ``{"category": ..., "threshold": ...}`` dicts.
    """
    if isinstance(value, Mapping):
        pairs = list(value.items())
    elif isinstance(value, (list, tuple)):
        pairs = [_safety_pair(item) for item in value]
    else:
        msg = "safety_settings: give {category: threshold} or a list of SafetySetting"
        raise ValueError(msg)
    settings: dict[str, str] = {}
    for raw_category, raw_threshold in pairs:
        category = _enum_text(raw_category).removeprefix("harm_category_")
        threshold = _enum_text(raw_threshold)
        if category not in HARM_CATEGORIES:
            msg = f"unknown harm category {raw_category!r}; one of {sorted(HARM_CATEGORIES)}"
            raise ValueError(msg)
        if threshold not in BLOCK_THRESHOLDS:
            msg = f"unknown block threshold {raw_threshold!r}; one of {sorted(BLOCK_THRESHOLDS)}"
            raise ValueError(msg)
        settings[category] = threshold
    return settings


def _safety_pair(item: Any) -> tuple[Any, Any]:
    if isinstance(item, Mapping):
        return item.get("category"), item.get("threshold")
    return getattr(item, "category", None), getattr(item, "threshold", None)


def _enum_text(value: Any) -> str:
    """An enum member's value, or a string, in lower case."""
    return str(getattr(value, "value", value)).lower()


def check_label(key: str, value: str) -> None:
    """Raise ``ValueError`` unless ``key: value`` is a label Gemini takes."""
    if not key or not (key[0].isalpha() and not key[0].isupper()):
        msg = f"label key {key!r} must start with a lowercase letter"
        raise ValueError(msg)
    for what, text in (("key", key), ("value", value)):
        if len(text) > _LABEL_LIMIT:
            msg = f"label {what} of {key!r} is over {_LABEL_LIMIT} characters"
            raise ValueError(msg)
        if any(c.isupper() or not (c.isalnum() or c in "_-") for c in text):
            msg = (
                f"label {what} {text!r}: only lowercase letters, digits, '_' and '-' "
                "(international letters too)"
            )
            raise ValueError(msg)


# --------------------------------------------------------------------------- pickling


def state_without_key(state: dict[str, Any]) -> dict[str, Any]:
    """A pydantic model's pickle state with the API key left out."""
    fields = {k: v for k, v in state["__dict__"].items() if k != "api_key"}
    return {**state, "__dict__": fields}


def restore_key(model: BaseModel) -> None:
    """After unpickling: the key is read from the environment again (never pickled)."""
    model.__dict__["api_key"] = key_from_env()


# --------------------------------------------------------------------------- the fields

_FIELD_CONFIG = ConfigDict(
    populate_by_name=True, arbitrary_types_allowed=True, hide_input_in_errors=True
)


class SettingFields(BaseModel):
    """Every client setting but ``allowed_dirs`` (which the Tools name differently).

    Not used alone: :class:`GeminiVisionSettings` and the LangChain classes' base
    inherit these definitions.
    """

    model_config = _FIELD_CONFIG

    model: str | None = None
    """Gemini model name; ``None``: ``GEMINI_VISION_MODEL``, else ``gemini-3-flash-preview``."""
    api: ApiName = "interactions"
    """``"interactions"`` (the guide's API) or ``"generate_content"``: same results."""
    transport: TransportName | Transport | None = None
    """``"lean"`` (direct HTTP, the default with a key) or ``"sdk"`` (google-genai's calls;
    the default for Vertex AI or a passed ``genai_client``); or a
    :class:`~langchain_gemini_vision._transport.base.Transport` object that carries the
    calls instead (``langchain_gemini_vision.testing.MockTransport`` in tests)."""
    api_key: SecretStr | None = Field(
        default_factory=key_from_env, alias="google_api_key", exclude=True
    )
    """Gemini API key (``google_api_key`` is accepted too); else ``GOOGLE_API_KEY``, else
    ``GEMINI_API_KEY``, as google-genai reads them. Never shown, dumped or pickled."""
    vertexai: bool | None = None
    """Use Vertex AI (with ``project`` and ``location``) instead of an API key."""
    project: str | None = None
    """Google Cloud project, for Vertex AI."""
    location: str | None = None
    """Google Cloud location, for Vertex AI."""
    base_url: str | None = None
    """Another endpoint (a proxy, the local emulator); else ``GOOGLE_GEMINI_BASE_URL``, else
    Google's, as google-genai does."""
    api_version: str | None = None
    """API version path segment; ``None``: ``v1``."""
    timeout: float | None = Field(default=60.0, gt=0)
    """Seconds for one attempt (``None``: no limit per attempt)."""
    retry: RetryPolicy | None = None
    """Attempts, backoff and deadline; ``None``: ``RetryPolicy()``."""
    max_concurrency: int = Field(default=16, ge=1)
    """Requests in flight at once per client, sync and async; the default for batches
    (a batch asking for more gets what it asks for)."""
    inline_limit_bytes: int | None = Field(default=None, ge=1)
    """Request size above which images go through the Files API; ``None``: the profile's."""
    media_resolution: MediaResolution | None = None
    """Per-image resolution for Gemini 3: low, medium, high, ultra_high; ``None``: the profile's."""
    profile: ModelProfile | None = None
    """Override the model profile (thinking control, mask form, limits)."""
    url_policy: UrlPolicy | None = None
    """Rules for downloads (private and loopback hosts refused by default)."""
    max_side: int | None = Field(default=None, ge=1)
    """Downscale images so neither side exceeds this (results map to the original pixels)."""
    max_pixels: int | None = Field(default=None, ge=1)
    """Downscale images so width x height does not exceed this."""
    mask_threshold: int = Field(default=127, ge=0, le=255)
    """Probability (0-255) above which a PNG mask pixel is foreground."""
    prompts: Prompts | None = None
    """Override the default prompts."""
    max_decode_bytes: int = Field(default=DEFAULT_MAX_DECODE_BYTES, ge=1)
    """Most memory decoding one image may take, estimated from its header before any
    decode: a JPEG over it is decoded at 1/2, 1/4 or 1/8 size, anything else is refused
    (``ImageInputError``, ``too_large``)."""
    decode_budget_bytes: int = Field(default=DEFAULT_DECODE_BUDGET_BYTES, ge=1)
    """Memory all of one client's concurrent decodes may hold together: each client owns
    such a budget, and a decode waits for room (one larger than the budget is refused)."""
    max_detection_items: int = Field(default=DEFAULT_MAX_ITEMS, ge=1)
    """Items read from one detection or segmentation answer; the rest are dropped with a
    warning (interactive calls and batch jobs alike)."""
    max_mask_bytes: int = Field(default=DEFAULT_MAX_MASK_BYTES, ge=1)
    """Bytes of box-local masks decoded from one answer; a mask past it is dropped with a
    warning and its box kept."""
    cache: BaseStore[str, bytes] | None = Field(default=None, repr=False)
    """A result cache: any LangChain ``BaseStore[str, bytes]`` (``InMemoryByteStore``, the
    on-disk :class:`~langchain_gemini_vision.stores.FileStore`, Redis...). A task whose
    images, request and settings were answered before returns that answer again without
    a request (its usage zero, ``usage.cached`` true); see :data:`RESULT_CACHE_KEY`."""
    max_output_tokens: int | None = Field(default=None, ge=1)
    """Output budget of every call (thinking excluded); an answer cut there is truncated
    (``finish_reason`` ``MAX_TOKENS``; detections keep what parsed). ``None``: the model's."""
    thinking_level: ThinkingLevel | None = None
    """``minimal``, ``low``, ``medium`` or ``high`` for every call, over the tasks' own
    (detection and segmentation turn thinking down); refused at construction when the
    model's profile does not take it (2.5 models take none, 3.1 Pro and 3.7/3.8 Flash no
    ``minimal``). ``None``: each task's choice."""
    temperature: float | None = Field(default=None, ge=0.0, le=2.0)
    """Sampling temperature (0-2). Not sent to a model whose profile ignores sampling
    (Gemini 3.7/3.8 Flash: a warning when the client is built); refused at construction
    for one that rejects it. ``None``: the model's default."""
    safety_settings: dict[str, str] | None = None
    """Block thresholds by harm category, ``{"hate_speech": "block_only_high"}`` (the
    ``HARM_CATEGORY_``/upper-case spellings and a list of google-genai ``SafetySetting``
    are accepted and normalised to this); sent on both APIs."""
    labels: dict[str, str] | None = None
    """Request labels (billing and usage reports), ``{"team": "vision"}``: keys start
    with a lowercase letter; keys and values hold lowercase letters, digits, ``_`` and
    ``-``, at most 63 characters. Sent on both APIs."""

    @field_validator("safety_settings", mode="before")
    @classmethod
    def _safety_settings(cls, value: Any) -> Any:
        return None if value is None else normalise_safety_settings(value)

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for key, text in (value or {}).items():
            check_label(key, text)
        return value

    rpm: int | None = Field(default=None, ge=1)
    """Requests per minute this client sends at most, counted before sending; ``None``: no
    limit of yours (the client still learns Gemini's from its 429s, see ``learn_quota``)."""
    tpm: int | None = Field(default=None, ge=1)
    """Input tokens per minute this client sends at most, counted before sending from the
    package's estimate of each prompt and its images, corrected by the usage answers report."""
    rate_limiter: BaseRateLimiter | None = Field(default=None, exclude=True)
    """LangChain's rate limiter (``InMemoryRateLimiter``...), acquired before each request
    is sent, as chat models take it; one object shared by several clients shares its rate."""
    learn_quota: bool = True
    """Learn Gemini's quota from its 429s (the limit a ``QuotaFailure`` names, the wait its
    ``RetryInfo`` asks for, a used-up daily quota) and adapt the requests in flight, for the
    client's life; ``False``: only ``rpm``, ``tpm`` and ``rate_limiter`` pace the calls."""
    bulk_retry: RetryPolicy | None = None
    """The retry policy of bulk work (``batch``/``abatch``, ``map``/``amap``, the loader, the
    command line); ``None``: ``retry`` with the waits Gemini asks for honoured up to 61 s
    (a per-minute quota's window) and no overall deadline."""

    @field_serializer("transport")
    def _transport_name(self, value: Any) -> str | None:
        # A transport object is not data: it serialises as its name.
        return value if value is None or isinstance(value, str) else str(value.name)

    @field_serializer("cache")
    def _cache_name(self, value: Any) -> str | None:
        # A store is not data either: it serialises as what it is.
        return None if value is None else repr(value)


class LocalFilesField(BaseModel):
    """``allowed_dirs``: the folders the application's own image paths may be read from."""

    model_config = _FIELD_CONFIG

    allowed_dirs: tuple[Path, ...] | None = None
    """Local folders images may be read from (checked on the resolved path); ``None``: any
    path the application names. Tools have their own ``reference_dirs`` for paths a model
    chooses."""

    @field_validator("allowed_dirs", mode="before")
    @classmethod
    def _one_folder(cls, value: Any) -> Any:
        return (value,) if isinstance(value, (str, os.PathLike)) else value


# --------------------------------------------------------------------------- the cache key

CacheRole = Literal["request", "image", "source", "parsing", "none"]
"""How a setting reaches the result cache's key (see :data:`RESULT_CACHE_KEY`)."""

RESULT_CACHE_KEY: Final[dict[str, CacheRole]] = {
    # In the key through the request they shape (what is sent is what is keyed):
    "model": "request",
    "prompts": "request",
    "media_resolution": "request",
    "profile": "request",  # thinking control, mask form, default media resolution
    "max_output_tokens": "request",  # a shorter budget cuts the answer
    "thinking_level": "request",
    "temperature": "request",
    "safety_settings": "request",  # a stricter threshold may block the answer
    # In the key through the SHA-256 of the image bytes sent (exact: an image under
    # max_side is sent unchanged and keeps its answer):
    "max_side": "image",
    "max_pixels": "image",
    "max_decode_bytes": "image",  # a JPEG over it is sent decoded at reduced size
    # In the key as they are: which service answered (the emulator's answers never
    # stand in for Gemini's):
    "base_url": "source",
    "vertexai": "source",
    # Not in the key: applied again to the stored answer on every hit, so a change
    # takes effect at once without paying again:
    "mask_threshold": "parsing",
    "max_detection_items": "parsing",
    "max_mask_bytes": "parsing",
    # Not in the key: they change how a request travels, never what is answered.
    # Both APIs give the same results (the tests run every task through both), so
    # an answer from one serves the other.
    "api": "none",
    "transport": "none",
    "api_key": "none",
    "project": "none",
    "location": "none",
    "api_version": "none",
    "timeout": "none",
    "retry": "none",
    "max_concurrency": "none",
    "inline_limit_bytes": "none",  # inline or uploaded, the same image
    "url_policy": "none",
    "allowed_dirs": "none",
    "decode_budget_bytes": "none",  # waits for room, never changes the image
    "cache": "none",
    "labels": "none",  # billing labels: the answer is the same
    "rpm": "none",  # when a request leaves, never what it asks
    "tpm": "none",
    "rate_limiter": "none",
    "learn_quota": "none",
    "bulk_retry": "none",
}
"""Every setting, and how it reaches the result cache's key: ``request`` (the request it
shapes is keyed), ``image`` (the SHA-256 of the image bytes it shapes is keyed),
``source`` (keyed as it is), ``parsing`` (not keyed: the stored answer is parsed again
with it on every hit), ``none`` (no effect on the answer). A new setting is added here
too (a test checks every one is, and that each role holds)."""


# --------------------------------------------------------------------------- the object


class GeminiVisionSettings(LocalFilesField, SettingFields):
    """Every client setting, frozen and validated: what a ``GeminiVisionClient`` is built from.

    Example:
        >>> settings = GeminiVisionSettings(model="gemini-2.5-flash", max_side=1024)
        >>> client = GeminiVisionClient(settings)  # doctest: +SKIP
        >>> other = GeminiVisionClient(settings, api="generate_content")  # doctest: +SKIP

    The field docstrings are the reference; README's Configuration table lists them.
    """

    model_config = ConfigDict(**_FIELD_CONFIG, frozen=True, extra="forbid")

    def __init__(self, **data: Any) -> None:
        check_arguments(type(self).__name__, data, accepted_names(type(self)))
        super().__init__(**data)

    def model_name(self) -> str:
        """The model: ``model``, else ``GEMINI_VISION_MODEL``, else the default."""
        return self.model or os.environ.get("GEMINI_VISION_MODEL") or DEFAULT_MODEL

    def model_profile(self) -> ModelProfile:
        """The model's profile: ``profile`` when given, else the table's."""
        return self.profile or profile_for(self.model_name())

    @model_validator(mode="after")
    def _fits_the_model(self) -> GeminiVisionSettings:
        # Refused before any call: a setting the model would answer with a 400.
        profile, model = self.model_profile(), self.model_name()
        levels = profile.thinking_levels
        if self.thinking_level is not None and levels is not None:
            if not levels:
                msg = f"thinking_level: {model} takes no thinking level (its thinking is a budget)"
                raise ValueError(msg)
            if self.thinking_level not in levels:
                msg = (
                    f"thinking_level {self.thinking_level!r} is not one {model} takes: "
                    f"{', '.join(levels)}"
                )
                raise ValueError(msg)
        if self.temperature is not None and profile.sampling == "rejected":
            msg = f"temperature: {model} rejects sampling settings; leave temperature unset"
            raise ValueError(msg)
        return self

    @classmethod
    def build(
        cls,
        settings: GeminiVisionSettings | None = None,
        /,
        *,
        owner: str = "GeminiVisionSettings",
        **fields: Any,
    ) -> GeminiVisionSettings:
        """``settings`` with ``fields`` changed, or new settings from ``fields``.

        Raises:
            UnknownArgumentError: A name no setting has (``owner`` names the caller).
            ConfigurationError: A value a setting does not take.
        """
        check_arguments(owner, fields, accepted_names(cls))
        aliases = {info.alias: name for name, info in cls.model_fields.items() if info.alias}
        values = settings.field_values() if settings is not None else {}
        values.update({aliases.get(name, name): value for name, value in fields.items()})
        if settings is not None and values == settings.field_values():
            return settings
        try:
            return cls.model_validate(values)
        except ValidationError as error:
            raise ConfigurationError(describe_invalid(error)) from None

    def field_values(self) -> dict[str, Any]:
        """Every setting by name, the key included (as its ``SecretStr``)."""
        return {name: getattr(self, name) for name in type(self).model_fields}

    def __getstate__(self) -> dict[str, Any]:
        return state_without_key(super().__getstate__())

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_key(self)
