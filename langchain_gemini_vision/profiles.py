"""What differs between Gemini model generations, as one small table.

Tasks never branch on model names: they ask :func:`profile_for` and read the
answer. Users can override any entry with :func:`register_profile` or by
passing ``profile=`` to the client.
"""

from __future__ import annotations

import functools
from typing import Literal

from pydantic import BaseModel, ConfigDict

MaskForm = Literal["png", "polygon", "none"]
"""How a model returns segmentation masks: base64 PNG maps, polygons, or not at all."""

ThinkingLevel = Literal["minimal", "low", "medium", "high"]
Sampling = Literal["honoured", "ignored", "rejected"]
"""What a model does with ``temperature`` (and ``top_p``/``top_k``)."""
MediaResolution = Literal["low", "medium", "high", "ultra_high"]

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
    """Whether the model answers segmentation masks at all (else boxes only)."""


_UNKNOWN = ModelProfile(family="unknown")

# Sources: the seed guide, supervision and roboflow/inference parsers, Gemini
# release notes (see the README's "Model profiles").
_PROFILES: dict[str, ModelProfile] = {
    p.family: p
    for p in (
        ModelProfile(
            family="gemini-2.0",
            mask_form="none",
            supports_media_resolution=False,
            thinking_levels=(),
            segmentation=False,
        ),
        ModelProfile(
            family="gemini-2.5-flash",
            low_thinking_budget=0,
            mask_form="png",
            supports_media_resolution=False,
            thinking_levels=(),
        ),
        # 2.5 Pro cannot turn thinking off; 128 is its floor.
        ModelProfile(
            family="gemini-2.5-pro",
            low_thinking_budget=128,
            mask_form="png",
            supports_media_resolution=False,
            thinking_levels=(),
        ),
        ModelProfile(
            family="gemini-3",
            low_thinking_level="minimal",
            mask_form="polygon",
            thinking_levels=("minimal", "low", "medium", "high"),
        ),
        # 3.1 Pro cannot disable thinking; the newer Flash releases reject "minimal"
        # and ignore temperature, top_p and top_k.
        ModelProfile(
            family="gemini-3.1-pro",
            low_thinking_level="low",
            mask_form="polygon",
            thinking_levels=("low", "medium", "high"),
        ),
        *(
            ModelProfile(
                family=family,
                low_thinking_level="low",
                mask_form="polygon",
                thinking_levels=("low", "medium", "high"),
                sampling="ignored",
            )
            for family in ("gemini-3.7", "gemini-3.8")
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
