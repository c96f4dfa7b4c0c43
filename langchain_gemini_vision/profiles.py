"""What differs between Gemini model generations, as one small table.

Tasks never branch on model names: they ask :func:`profile_for` and read the
answer. Users can override any entry with :func:`register_profile` or by
passing ``profile=`` to the client.
"""

from __future__ import annotations

import functools
import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

MaskForm = Literal["png", "polygon", "none"]
"""How a model returns segmentation masks: base64 PNG maps, polygons, or not at all."""

ThinkingLevel = Literal["minimal", "low", "medium", "high"]
Sampling = Literal["honoured", "ignored", "rejected"]
"""What a model does with ``temperature`` (and ``top_p``/``top_k``)."""
MediaResolution = Literal["low", "medium", "high", "ultra_high"]

THINKING_LEVELS: tuple[ThinkingLevel, ...] = ("minimal", "low", "medium", "high")
"""Every thinking level, least thinking first."""

DEFAULT_INLINE_LIMIT_BYTES = 20 * 1024 * 1024
"""The seed guide's inline-request budget; the API has since raised it, so it is configurable."""


class ModelProfile(BaseModel):
    """How to talk to one model family.

    Attributes are read by the client and the tasks; none is a guess at runtime.
    """

    model_config = ConfigDict(frozen=True)

    family: str
    """The model-name prefix this profile is for (``"unknown"`` for the fallback)."""
    low_thinking_level: ThinkingLevel | None = None
    """``thinking_level`` that turns thinking down (3.x); ``None`` to send none."""
    low_thinking_budget: int | None = None
    """``thinking_budget`` that turns thinking down (2.5, generateContent only)."""
    mask_form: MaskForm = "polygon"
    """The mask form segmentation asks for."""
    default_media_resolution: MediaResolution | None = None
    """Per-image resolution sent when the caller sets none (``None``: the service's default)."""
    inline_limit_bytes: int = DEFAULT_INLINE_LIMIT_BYTES
    """Largest request sent inline; bigger ones go through the Files API."""
    supports_media_resolution: bool = True
    """Whether ``resolution`` / ``media_resolution`` may be sent at all."""
    thinking_levels: tuple[ThinkingLevel, ...] | None = None
    """The ``thinking_level`` values the model accepts (``()``: none, it takes a budget or
    no thinking setting at all; ``None``: unknown, sent as given)."""
    sampling: Sampling = "honoured"
    """What the model does with ``temperature``/``top_p``/``top_k``: ``"ignored"`` (Gemini
    3.6 Flash and newer) or ``"rejected"`` (an error) mean the package never sends them."""
    segmentation: bool = True
    """Whether the model answers segmentation masks at all (else boxes only). ``False``:
    segmentation still asks, and a result without masks says the model gives none."""
    default_thinking_level: str | None = None
    """The level the model thinks at when none is sent, as documented."""
    shutdown: str | None = None
    """When the model is (or was) shut down, as announced (ISO date)."""
    replaced_by: str | None = None
    """The model Gemini routes its requests to, or recommends instead, once deprecated."""
    source: str = ""
    """Where these facts come from (documentation pages, release notes)."""

    @model_validator(mode="after")
    def _consistent(self) -> ModelProfile:
        levels = self.thinking_levels
        if levels is not None and self.low_thinking_level not in (None, *levels):
            msg = (
                f"profile {self.family!r} turns thinking down with {self.low_thinking_level!r}, "
                f"which it does not accept (it accepts: {', '.join(levels) or 'no level'})"
            )
            raise ValueError(msg)
        if self.mask_form == "none" and self.segmentation:
            msg = f"profile {self.family!r} asks for no masks but says it segments"
            raise ValueError(msg)
        return self

    @property
    def lowest_thinking_level(self) -> str | None:
        """The least thinking the model accepts (``None``: no level, or unknown)."""
        levels = self.thinking_levels
        return min(levels, key=_level_rank) if levels else None


def _level_rank(level: str) -> int:
    return THINKING_LEVELS.index(level) if level in THINKING_LEVELS else len(THINKING_LEVELS)


_UNKNOWN = ModelProfile(family="unknown")

_ALL: tuple[ThinkingLevel, ...] = THINKING_LEVELS
_NO_MINIMAL: tuple[ThinkingLevel, ...] = ("low", "medium", "high")
_DOCS = "https://ai.google.dev/gemini-api/docs"
_CLOUD = "https://docs.cloud.google.com/gemini-enterprise-agent-platform/models"
_DEPRECATIONS = f"{_DOCS}/deprecations"
_THINKING = f"{_DOCS}/thinking"
_SEGMENTATION_3X = (
    "release notes quoted at discuss.ai.google.dev/t/146559: 'Image segmentation is not "
    "supported in Gemini 3.x'"
)

# Each entry names its sources; the README's "Model profiles" table shows them. Where
# the sources disagree with what models are seen to do, the profile says what they do.
_PROFILES: dict[str, ModelProfile] = {
    p.family: p
    for p in (
        ModelProfile(
            family="gemini-2.0",
            mask_form="none",
            segmentation=False,
            supports_media_resolution=False,
            thinking_levels=(),
            shutdown="2026-06-01",
            replaced_by="gemini-3.1-flash-lite",
            source=f"{_DEPRECATIONS}; https://firebase.google.com/docs/ai-logic (shutdown notice)",
        ),
        ModelProfile(
            family="gemini-2.5-flash",
            low_thinking_budget=0,
            mask_form="png",
            supports_media_resolution=False,
            thinking_levels=(),
            shutdown="2026-12-01",
            replaced_by="gemini-3.5-flash-lite",
            source=f"{_DEPRECATIONS} (reroute reported by aideprecations.com); {_THINKING}; "
            f"{_DOCS}/image-understanding#segmentation",
        ),
        # 2.5 Flash-Lite is not deprecated: its own row keeps 2.5 Flash's shutdown off it.
        ModelProfile(
            family="gemini-2.5-flash-lite",
            low_thinking_budget=0,
            mask_form="png",
            supports_media_resolution=False,
            thinking_levels=(),
            source=f"{_DEPRECATIONS}; {_THINKING}",
        ),
        # 2.5 Pro cannot turn thinking off; 128 is its floor.
        ModelProfile(
            family="gemini-2.5-pro",
            low_thinking_budget=128,
            mask_form="png",
            supports_media_resolution=False,
            thinking_levels=(),
            shutdown="2026-12-01",
            replaced_by="gemini-3.8-flash",
            source=f"{_DEPRECATIONS} (reroute reported by aideprecations.com); {_THINKING}; "
            f"{_DOCS}/image-understanding#segmentation",
        ),
        # gemini-3-flash-preview, and any 3.x model without a row of its own. The
        # guide's segmentation sample asks it for polygons.
        ModelProfile(
            family="gemini-3",
            low_thinking_level="minimal",
            mask_form="polygon",
            thinking_levels=_ALL,
            default_thinking_level="high",
            source=f"{_DOCS}/image-understanding; "
            "https://docs.cloud.google.com/vertex-ai/generative-ai/docs/models/gemini/3-flash",
        ),
        # 3 Pro takes low and high only: "minimal" is a 400.
        ModelProfile(
            family="gemini-3-pro",
            low_thinking_level="low",
            thinking_levels=("low", "high"),
            default_thinking_level="high",
            segmentation=False,
            shutdown="2026-03-09",
            replaced_by="gemini-3.1-pro-preview",
            source=f"{_THINKING} ('You cannot disable thinking for Gemini 3 Pro'); "
            f"{_DEPRECATIONS}; {_SEGMENTATION_3X}",
        ),
        # 3.1 Pro cannot disable thinking.
        ModelProfile(
            family="gemini-3.1-pro",
            low_thinking_level="low",
            thinking_levels=_NO_MINIMAL,
            default_thinking_level="high",
            segmentation=False,
            source=f"{_CLOUD}/guides/gemini-3-5-flash (levels table); {_SEGMENTATION_3X}",
        ),
        ModelProfile(
            family="gemini-3.1-flash-lite",
            low_thinking_level="minimal",
            thinking_levels=_ALL,
            default_thinking_level="minimal",
            segmentation=False,
            source=f"{_CLOUD}/guides/gemini-3-5-flash (levels table); {_SEGMENTATION_3X}",
        ),
        # Observed answering polygons [[x, y], ...] (x first, unlike box_2d).
        ModelProfile(
            family="gemini-3.5-flash",
            low_thinking_level="minimal",
            thinking_levels=_ALL,
            default_thinking_level="medium",
            replaced_by="gemini-3.6-flash",
            source=f"{_CLOUD}/guides/gemini-3-5-flash; discuss.ai.google.dev/t/146559 "
            "(polygons observed)",
        ),
        ModelProfile(
            family="gemini-3.5-flash-lite",
            low_thinking_level="minimal",
            thinking_levels=_ALL,
            default_thinking_level="minimal",
            sampling="ignored",
            segmentation=False,
            source=f"{_CLOUD}/gemini/3-5-flash-lite; {_DOCS}/whats-new-gemini-3.6; "
            f"{_SEGMENTATION_3X}",
        ),
        ModelProfile(
            family="gemini-3.6-flash",
            low_thinking_level="minimal",
            thinking_levels=_ALL,
            default_thinking_level="medium",
            sampling="ignored",
            source=f"{_CLOUD}/gemini/3-6-flash; {_DOCS}/whats-new-gemini-3.6; supervision "
            "PR #2504 (polygons in {'boxes': [...]})",
        ),
        # 3.7 and 3.8 Flash reject "minimal".
        ModelProfile(
            family="gemini-3.7",
            low_thinking_level="low",
            thinking_levels=_NO_MINIMAL,
            default_thinking_level="medium",
            sampling="ignored",
            replaced_by="gemini-3.8-flash",
            source=f"{_DOCS}/whats-new-gemini-3.7 (deprecated, routed to 3.8 Flash); "
            "supervision PR #2504 (polygons)",
        ),
        ModelProfile(
            family="gemini-3.8",
            low_thinking_level="low",
            thinking_levels=_NO_MINIMAL,
            default_thinking_level="medium",
            sampling="ignored",
            segmentation=False,
            source=f"{_CLOUD}/guides/gemini-3-8-flash; {_SEGMENTATION_3X}",
        ),
        # Built on 3.5 Flash: points [y, x] and polygons; its thinking levels are not listed.
        ModelProfile(
            family="gemini-robotics-er",
            source=f"{_DOCS}/robotics-overview; discuss.ai.google.dev/t/146559 (polygons)",
        ),
    )
}


def _normalise(model: str) -> str:
    return model.removeprefix("models/").lower()


@functools.lru_cache(maxsize=256)
def profile_for(model: str) -> ModelProfile:
    """Return the profile of the longest family prefix of ``model``, or safe defaults."""
    name = _normalise(model)
    best: ModelProfile | None = None
    for family, profile in _PROFILES.items():
        if name.startswith(family) and (best is None or len(family) > len(best.family)):
            best = profile
    return best or _UNKNOWN


def register_profile(profile: ModelProfile) -> None:
    """Add or replace the profile for ``profile.family`` (process-wide)."""
    _PROFILES[profile.family] = profile
    profile_for.cache_clear()


def known_profiles() -> list[ModelProfile]:
    """Every registered profile, sorted by family (the CLI's ``--model`` help lists them)."""
    return sorted(_PROFILES.values(), key=lambda p: p.family)


# A pinned version of the model asked for ("-001", "-preview-05-20", "-exp-0827"...) is
# the same model; any other name is another model.
_VERSION_SUFFIX = re.compile(r"-(?:\d{3}|\d{2}-\d{2,4}|(?:preview|exp)(?:-[\d-]+)?|latest)")


def answered_by_another(asked: str, answered: str) -> bool:
    """Whether ``answered`` (the response's model version) is another model than ``asked``.

    A pinned version of the model asked for (``gemini-2.5-flash-001`` for
    ``gemini-2.5-flash``) is the same model; an empty name says nothing.
    """
    want, got = _normalise(asked), _normalise(answered)
    if not want or not got or got == want:
        return False
    return not (got.startswith(want) and _VERSION_SUFFIX.fullmatch(got[len(want) :]))


def reroute_warning(asked: str, answered: str) -> str | None:
    """The warning a result carries when another model answered, naming both; else ``None``."""
    if not answered_by_another(asked, answered):
        return None
    text = f"asked for {asked}, but {answered} answered: Gemini routed the request to another model"
    profile = profile_for(asked)
    if profile.replaced_by and _normalise(answered).startswith(_normalise(profile.replaced_by)):
        when = f", shutdown {profile.shutdown}" if profile.shutdown else ""
        text += f" ({profile.family} is deprecated{when}; its requests go to {profile.replaced_by})"
    return text
