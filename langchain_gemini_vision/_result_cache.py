"""The result cache: Gemini's answers kept in a LangChain ``BaseStore``, keyed on what asked.

The client's ``cache`` setting turns it on for every task it runs (the Runnables, the
Tools, the loader and the CLI run tasks through the client). :func:`cache_key` and
:class:`ResultCache`'s guarded store access are what another kind of answer (vectors)
would reuse.

What is stored is the model's *answer* (its text and how it ended), never the parsed
result: on a hit the task parses it again with the current parser and settings, so a
parser fix or a new ``mask_threshold`` applies to cached answers at once, and the
typed result is exactly what a fresh call would give (a pydantic ``schema`` given to
``ask`` comes back as an instance of it).

The key is a SHA-256 of everything that decides the answer: the request as the wire
would carry it (model, prompt, schema, system instruction, thinking, media resolution,
generation settings), the SHA-256 of each image's bytes as sent (or its URI or Files
API name), which service answers (``base_url``, Vertex AI) and :data:`CACHE_VERSION`.
:data:`~langchain_gemini_vision.settings.RESULT_CACHE_KEY` says, setting by setting,
how each one reaches it.

Whatever the store holds that this module did not write for that key (a foreign value,
a file cut short by a crash, another version's entry, a store that fails) is a miss,
logged and never raised: the call is then made and its answer stored again.
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Final

from langchain_core.stores import BaseStore
from pydantic_core import to_jsonable_python

from langchain_gemini_vision._transport.base import ApiName, VisionResponse
from langchain_gemini_vision.usage import Usage

__all__ = ["CACHE_VERSION", "ResultCache", "cache_key"]

logger = logging.getLogger("langchain_gemini_vision")

CACHE_VERSION: Final = 1
"""In every key and entry: bumped when what an entry means changes (its format, or what
a request is keyed on), so older entries are never read as current ones."""

_ANSWER: Final = "gemini-vision/answer"
_APIS: Final = ("interactions", "generate_content")


def cache_key(kind: str, parts: Mapping[str, Any]) -> str:
    """The store key of ``parts`` (any JSON-able values; pydantic models are dumped).

    ``kind`` (a task's name) starts the key, so a store can be listed
    or cleared by kind; the digest is sharded by its first two characters, as a folder
    of 10,000 entries should be.
    """
    payload = {"version": CACHE_VERSION, "kind": kind, **parts}
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=_jsonable)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return f"gemini-vision/v{CACHE_VERSION}/{kind}/{digest[:2]}/{digest}"


def _jsonable(value: Any) -> Any:
    return to_jsonable_python(value, fallback=repr)


class ResultCache:
    """A store, read and written so that nothing it holds can break a call."""

    def __init__(self, store: BaseStore[str, bytes]) -> None:
        self.store = store

    # ------------------------------------------------------------------ answers

    def answer(self, key: str) -> VisionResponse | None:
        """The answer stored under ``key``, or ``None`` (a miss)."""
        return _read_answer(key, self._get(key))

    async def aanswer(self, key: str) -> VisionResponse | None:
        """Async :meth:`answer`."""
        return _read_answer(key, await self._aget(key))

    def keep(self, key: str, response: VisionResponse) -> None:
        """Store ``response`` under ``key``."""
        self._set(key, _answer_entry(key, response))

    async def akeep(self, key: str, response: VisionResponse) -> None:
        """Async :meth:`keep`."""
        await self._aset(key, _answer_entry(key, response))

    # ------------------------------------------------------------------ the store, guarded

    def _get(self, key: str) -> Any:
        return self._mget([key])[0]

    async def _aget(self, key: str) -> Any:
        return (await self._amget([key]))[0]

    def _set(self, key: str, value: bytes) -> None:
        self._mset([(key, value)])

    async def _aset(self, key: str, value: bytes) -> None:
        await self._amset([(key, value)])

    def _mget(self, keys: Sequence[str]) -> list[Any]:
        try:
            return list(self.store.mget(list(keys)))
        except Exception as error:  # a store that fails is a cache that misses
            logger.warning("result cache: reading failed, calling instead: %r", error)
            return [None] * len(keys)

    async def _amget(self, keys: Sequence[str]) -> list[Any]:
        try:
            return list(await self.store.amget(list(keys)))
        except Exception as error:
            logger.warning("result cache: reading failed, calling instead: %r", error)
            return [None] * len(keys)

    def _mset(self, pairs: list[tuple[str, bytes]]) -> None:
        try:
            self.store.mset(pairs)
        except Exception as error:  # the answer is still returned; only keeping it failed
            logger.warning("result cache: writing failed (answer not kept): %r", error)

    async def _amset(self, pairs: list[tuple[str, bytes]]) -> None:
        try:
            await self.store.amset(pairs)
        except Exception as error:
            logger.warning("result cache: writing failed (answer not kept): %r", error)


# --------------------------------------------------------------------------- entries


def _entry(kind: str, key: str, **fields: Any) -> bytes:
    return json.dumps({"format": kind, "version": CACHE_VERSION, "key": key, **fields}).encode()


def _read_entry(kind: str, key: str, raw: Any) -> dict[str, Any] | None:
    """The entry ``raw`` holds when it is one of ours, of ``kind``, for ``key``."""
    if raw is None:
        return None
    try:
        entry = json.loads(raw)
    except (TypeError, ValueError, RecursionError):
        entry = None
    if (
        not isinstance(entry, dict)
        or entry.get("format") != kind
        or entry.get("version") != CACHE_VERSION
        or entry.get("key") != key
    ):
        logger.warning("result cache: ignoring an entry that is not one of ours under %s", key)
        return None
    return entry


def _answer_entry(key: str, response: VisionResponse) -> bytes:
    return _entry(
        _ANSWER,
        key,
        text=response.text,
        finish_reason=response.finish_reason,
        truncated=response.truncated,
        model=response.model,
        response_id=response.response_id,
        api=response.api,
        paid=response.usage.model_dump(),
    )


def _read_answer(key: str, raw: Any) -> VisionResponse | None:
    entry = _read_entry(_ANSWER, key, raw)
    if entry is None:
        return None
    text, finish, api = entry.get("text"), entry.get("finish_reason"), entry.get("api")
    response_id = entry.get("response_id")
    if (
        not isinstance(text, str)
        or not (finish is None or isinstance(finish, str))
        or api not in _APIS
        or not (response_id is None or isinstance(response_id, str))
    ):
        logger.warning("result cache: ignoring a damaged entry under %s", key)
        return None
    chosen: ApiName = "interactions" if api == "interactions" else "generate_content"
    return VisionResponse(
        text=text,
        finish_reason=finish,
        truncated=entry.get("truncated") is True,
        usage=Usage(cached=True),  # nothing was paid for this answer now
        model=str(entry.get("model") or ""),
        response_id=response_id,
        api=chosen,
    )
