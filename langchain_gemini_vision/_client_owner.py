"""The private base of the LangChain classes that own, or share, a client.

The Runnables, the Tools and the Toolkit inherit every client setting from
:mod:`.settings` through this one base, so each setting is one of their
constructor arguments, documented once. The rules are the same for all of them:

* ``client=`` shares an existing client as is. A setting given next to it, or
  assigned later, is refused: it could not take effect.
* Otherwise a client is built from the fields on first use and reused while they
  stay the same. Assigning a setting (``detector.model = "gemini-2.5-flash"``) is
  validated at once and takes effect on the next call, which gets a client built
  from the new settings (the old one finishes what it is doing; its usage totals
  stay with it).
* A keyword argument that no field has raises, naming the closest one.
* The key is never pickled; an unpickled object reads it from the environment.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Mapping
from typing import Any, ClassVar

from pydantic import ConfigDict, Field, PrivateAttr

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.errors import ConfigurationError
from langchain_gemini_vision.settings import (
    GeminiVisionSettings,
    SettingFields,
    accepted_names,
    check_arguments,
    restore_key,
    state_without_key,
)

__all__ = ["ClientOwner"]

# Building a client takes a lock, so that concurrent first calls share one client.
_CLIENT_LOCK = threading.Lock()
_SETTING_NAMES = frozenset(GeminiVisionSettings.model_fields)


class ClientOwner(SettingFields):
    """Client settings as fields, the client built from them, and the rules above."""

    model_config = ConfigDict(
        populate_by_name=True,
        arbitrary_types_allowed=True,
        hide_input_in_errors=True,
        extra="forbid",
    )

    client: GeminiVisionClient | None = Field(default=None, exclude=True, repr=False)
    """An existing client to use as is (shared, never serialised); settings given
    next to it are refused."""

    _built: tuple[dict[str, Any], GeminiVisionClient] | None = PrivateAttr(default=None)
    _renamed: ClassVar[Mapping[str, str]] = {}
    """Old keyword -> its field, still accepted with a ``DeprecationWarning``."""

    def __init__(self, **data: Any) -> None:
        cls = type(self)
        for old, new in cls._renamed.items():
            if old in data:
                if new in data:
                    msg = f"{cls.__name__}() takes {new}= or its old name {old}=, not both"
                    raise TypeError(msg)
                warn_renamed(cls.__name__, old, new, stacklevel=2)
                data[new] = data.pop(old)
        check_arguments(cls.__name__, data, accepted_names(cls) | set(cls._renamed), cls._renamed)
        super().__init__(**data)
        if self.client is None:
            self.client_settings()  # settings that cannot go together are refused now
        else:
            beside = self._settings_beside_client(set(data))
            if beside:
                msg = (
                    f"{cls.__name__}: {', '.join(beside)} cannot be set next to client=..., "
                    "whose settings are fixed: set them on that client, or pass no client"
                )
                raise ConfigurationError(msg)

    def _settings_beside_client(self, given: set[str]) -> list[str]:
        """Settings given with ``client=`` that would differ from that client's.

        A value equal to the field's default or to the client's own changes nothing
        (LangChain's ``configurable_fields`` passes every field back, defaults too).
        """
        assert self.client is not None
        fields = type(self).model_fields
        aliases = {info.alias: name for name, info in fields.items() if info.alias}
        theirs = self.client.settings
        return sorted(
            name
            for name in {aliases.get(k, k) for k in given} & self._setting_names()
            if self.__dict__[name] != fields[name].get_default(call_default_factory=True)
            and self.__dict__[name] != getattr(theirs, name)
        )

    @classmethod
    def _setting_names(cls) -> frozenset[str]:
        return _setting_names_of(cls)

    def _setting_values(self) -> dict[str, Any]:
        return {name: self.__dict__[name] for name in self._setting_names()}

    def client_settings(self) -> GeminiVisionSettings:
        """The frozen settings these fields give: what the client is built from."""
        return GeminiVisionSettings.build(owner=type(self).__name__, **self._setting_values())

    def get_client(self) -> GeminiVisionClient:
        """The client: the one given, else the one built from the current settings.

        Raises:
            ConfigurationError: No key (and no Vertex AI), or an invalid setting.
        """
        if self.client is not None:
            return self.client
        values = self._setting_values()
        built = self._built
        if built is None or built[0] != values:
            with _CLIENT_LOCK:
                built = self._built
                if built is None or built[0] != values:
                    settings = GeminiVisionSettings.build(owner=type(self).__name__, **values)
                    built = (values, GeminiVisionClient(settings))
                    self._built = built
        return built[1]

    def __setattr__(self, name: str, value: Any) -> None:
        if name in self._renamed:
            warn_renamed(type(self).__name__, name, self._renamed[name], stacklevel=2)
            name = self._renamed[name]
        if name in self._setting_names():
            owner = type(self).__name__
            if self.__dict__.get("client") is not None:
                msg = (
                    f"{owner}.{name} cannot be set: this object uses the client it was given "
                    "(client=...), whose settings are fixed; build one with the new setting"
                )
                raise ConfigurationError(msg)
            # Validated (and normalised) now, not at the next call.
            changed = GeminiVisionSettings.build(
                owner=owner, **{**self._setting_values(), name: value}
            )
            value = getattr(changed, name)
        super().__setattr__(name, value)

    @property
    def lc_secrets(self) -> dict[str, str]:
        """The API key is serialised as a reference to ``GEMINI_API_KEY``, never its value."""
        return {"api_key": "GEMINI_API_KEY"}

    def __getstate__(self) -> dict[str, Any]:
        state = state_without_key(super().__getstate__())
        private = state.get("__pydantic_private__")
        if private:
            state["__pydantic_private__"] = {**private, "_built": None}  # not the client
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        super().__setstate__(state)
        restore_key(self)


@functools.cache
def _setting_names_of(cls: type[ClientOwner]) -> frozenset[str]:
    """The settings ``cls`` has as fields (asked on every call: computed once per class)."""
    return _SETTING_NAMES.intersection(cls.model_fields)


def warn_renamed(owner: str, old: str, new: str, *, stacklevel: int) -> None:
    """The ``DeprecationWarning`` for ``old``, the former name of ``new``."""
    warnings.warn(
        f"{owner}: {old} is deprecated, use {new} (same meaning; see its documentation)",
        DeprecationWarning,
        stacklevel=stacklevel + 1,
    )
