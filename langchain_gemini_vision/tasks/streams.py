"""What a task streams: its chunks, and how it reads them from the arriving text.

A task with a streaming form (:meth:`~.task.Task.streamer`) hands out a
:class:`TaskStream` per call. The client feeds it the answer's text as it arrives and
yields the chunks it makes, then the task's typed result, parsed from the whole
answer exactly as a call without streaming parses it (so the result carries the usage
and the truncation flag, and equals ``invoke``'s). Chunks add up as LangChain's do:
``chunk + chunk`` joins them, ``chunk + result`` is the result, so a chain after a
streamed Runnable receives the result.

* :class:`TextChunk` (``text_delta``): a caption's, a comparison's summary or an
  answer's text as it grows (:class:`TextStream`);
* :class:`DetectionChunk` (``detections``): each :class:`~..results.Detection` as soon
  as its object in the streamed JSON is complete (:class:`DetectionStream`, through
  :mod:`..parsing.incremental`; ``max_objects`` and the item caps hold).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Generic, TypeVar

from pydantic import BaseModel, ConfigDict

from langchain_gemini_vision._transport.base import VisionResponse
from langchain_gemini_vision.parsing import DetectionReader, JsonScanner
from langchain_gemini_vision.parsing import DetectionStream as _DetectionScan
from langchain_gemini_vision.results import Detection

__all__ = [
    "DetectionChunk",
    "DetectionStream",
    "StreamChunk",
    "TaskStream",
    "TextChunk",
    "TextStream",
]

ResultT = TypeVar("ResultT", bound=BaseModel)


class StreamChunk(BaseModel):
    """A piece of a streamed result; ``chunk + chunk`` joins, ``chunk + result`` is the result."""

    model_config = ConfigDict(frozen=True)

    def _join(self, other: Any) -> StreamChunk:
        raise NotImplementedError

    def __add__(self, other: Any) -> Any:
        if type(other) is type(self):
            return self._join(other)
        if isinstance(other, BaseModel) and not isinstance(other, StreamChunk):
            return other  # the result ends the stream: it holds every chunk
        return NotImplemented


class TextChunk(StreamChunk):
    """Text of the answer that arrived (a caption, a summary, an answer)."""

    text_delta: str
    """What this chunk adds to the text."""

    def _join(self, other: Any) -> TextChunk:
        return TextChunk(text_delta=self.text_delta + other.text_delta)


class DetectionChunk(StreamChunk):
    """Detections whose objects the streamed answer completed."""

    detections: tuple[Detection, ...]
    """The new detections, in the model's order."""

    @property
    def detection(self) -> Detection:
        """The first (usually only) detection of the chunk."""
        return self.detections[0]

    def _join(self, other: Any) -> DetectionChunk:
        return DetectionChunk(detections=(*self.detections, *other.detections))


class TaskStream(Generic[ResultT]):
    """Reads one call's answer as it arrives (see the module docstring)."""

    def feed(self, text: str) -> list[StreamChunk]:
        """The chunks this piece of the answer's text completes."""
        raise NotImplementedError

    def result(self, response: VisionResponse) -> ResultT | None:
        """The result, from what the stream has read (``None``: the task's ``parse``)."""
        return None

    def finish(self, result: ResultT) -> list[StreamChunk]:
        """The chunks still owed once the whole answer is read into ``result``."""
        return []


class TextStream(TaskStream[ResultT]):
    """Streams a text field of the result as it grows.

    Args:
        field: The result's attribute the streamed text adds up to.
        json_key: The key of the answer's JSON object holding that text (``None``:
            the answer's text is the field, as a free answer's).
    """

    def __init__(self, field: str, json_key: str | None = None) -> None:
        self._field = field
        self._scanner = JsonScanner(text_key=json_key) if json_key is not None else None
        self._sent: list[str] = []
        self._held = ""  # trailing whitespace: the result's text is stripped

    def feed(self, text: str) -> list[StreamChunk]:
        piece = self._scanner.feed(text).text if self._scanner is not None else text
        return self._chunk(piece)

    def _chunk(self, piece: str) -> list[StreamChunk]:
        piece = self._held + piece
        if not self._sent:
            piece = piece.lstrip()
        body = piece.rstrip()
        self._held = piece[len(body) :]
        if not body:
            return []
        self._sent.append(body)
        return [TextChunk(text_delta=body)]

    def finish(self, result: ResultT) -> list[StreamChunk]:
        whole = str(getattr(result, self._field))
        sent = "".join(self._sent)
        rest = whole[len(sent) :] if whole.startswith(sent) else ""
        return [TextChunk(text_delta=rest)] if rest else []


class DetectionStream(TaskStream[ResultT]):
    """Streams each detection as its object closes, up to ``max_objects``.

    Args:
        reader: Reads the items, with the call's bounds (item cap, mask bytes).
        parse: The task's parse of the whole response through ``reader``, which keeps
            the items it has read (a mask is decoded once).
        max_objects: The most detections handed over (the call's option).
    """

    def __init__(
        self,
        reader: DetectionReader,
        parse: Callable[[VisionResponse, DetectionReader], ResultT],
        max_objects: int | None = None,
    ) -> None:
        self._scan = _DetectionScan(reader)
        self._parse = parse
        self._left = max_objects

    def result(self, response: VisionResponse) -> ResultT:
        return self._parse(response, self._scan.reader)

    def feed(self, text: str) -> list[StreamChunk]:
        found = self._scan.feed(text)
        if self._left is not None:
            found, self._left = found[: self._left], max(self._left - len(found), 0)
        return [DetectionChunk(detections=(d,)) for d in found]
