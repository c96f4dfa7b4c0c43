"""The emulator's image analyses, cached by content and computed once per image.

Analysing an image (:func:`~.vision.analyse_image`) is the emulator's costly step, so
each is kept by SHA-256 (least recently used dropped first), and requests that need an
image being analysed wait for that one analysis rather than start their own.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from concurrent.futures import Executor

from .faults import Stats
from .vision import ImageAnalysis, analyse_image

__all__ = ["AnalysisCache"]


class AnalysisCache:
    """Up to ``size`` analyses, by the SHA-256 of the image bytes."""

    def __init__(self, size: int) -> None:
        self._size = size
        self._cache: OrderedDict[str, ImageAnalysis] = OrderedDict()
        self._inflight: dict[str, asyncio.Future[ImageAnalysis]] = {}

    async def analyse(self, data: bytes, executor: Executor | None, stats: Stats) -> ImageAnalysis:
        """The analysis of ``data``: cached, awaited, or computed on ``executor``.

        Raises:
            ImageDecodeError: The bytes do not decode (every waiter gets it).
        """
        key = hashlib.sha256(data).hexdigest()
        cached = self._cache.get(key)
        if cached is not None:
            self._cache.move_to_end(key)
            stats.analysis_cache_hits += 1
            return cached
        pending = self._inflight.get(key)
        if pending is not None:
            stats.analysis_cache_hits += 1
            return await asyncio.shield(pending)
        loop = asyncio.get_running_loop()
        future: asyncio.Future[ImageAnalysis] = loop.create_future()
        self._inflight[key] = future
        try:
            result = await loop.run_in_executor(executor, analyse_image, data)
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: waiters re-raise it, nobody else must
            raise
        finally:
            self._inflight.pop(key, None)
        future.set_result(result)
        stats.analyses += 1
        self._cache[key] = result
        while len(self._cache) > self._size:
            self._cache.popitem(last=False)
        return result
