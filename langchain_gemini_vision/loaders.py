"""`GeminiImageLoader`: images in, captioned ``Document``s out, for RAG over pictures.

Each image becomes one ``Document`` whose ``page_content`` is Gemini's caption and
whose metadata holds what a retriever or an answer may need::

    {"source": "photos/cat.png", "sha256": "...", "mime_type": "image/png",
     "width": 640, "height": 480, "model": "gemini-3-flash-preview",
     "usage": {"input_tokens": ..., ...},
     # with detect=True:
     "labels": ["cat", "sofa"], "object_count": 2,
     "objects": [{"label": "cat", "box": [x0, y0, x1, y1]}, ...],
     # with read_text=True:
     "text": "EXIT\nOpen 9-5"}

For a vector store: ``metadata_format="flat"``, ``page_content_template``, ``read_text``
(see :mod:`._loader_content`). With a result cache (``cache=FileStore("cache/")``), loading
again after a crash or a kill pays only for the images not answered yet.

Loading streams: at most ``max_concurrency`` images are in flight, each image's
bytes are dropped once its document is built, and documents come out in input
order as soon as they are ready, so memory stays flat for any number of images.

**Failures** (an unreadable file, a refused URL, an API error after retries, an
unusable answer) never vanish silently, and never take the other images' documents
with them. Each one is logged and recorded in :attr:`GeminiImageLoader.failures`;
then, by ``on_error``:

* ``"raise"`` (default): the other images still load (and stream, with
  ``lazy_load``); once every image has been tried, a
  :class:`~langchain_gemini_vision.errors.PartialLoadError` lists every failure and
  carries the documents that were made (``error.documents``, from ``load()`` and
  ``aload()``; ``lazy_load()`` has already handed them out) and ``error.failures``.
  So 45 good images and one corrupt one give 45 documents on the error, not zero::

      try:
          docs = loader.load()
      except PartialLoadError as error:
          docs = error.documents  # everything that was paid for
          retry = [f.source for f in error.failures]

* ``"skip"``: nothing is raised; read ``failures`` afterwards;
* ``"include"``: a ``Document`` with empty ``page_content`` and
  ``metadata["error"]`` stands in for the image.

Batch-jobs mode (``batch_dir=``) follows the same rules: an image that cannot be
loaded is a failure of that image (the others are submitted), and every item the
service could not answer is recorded in ``failures`` too.

**Settings.** The loader takes every client setting by name (``model=``,
``api_key=``/``google_api_key=``, ``retry=``, ``allowed_dirs=``...: the fields of
:class:`~langchain_gemini_vision.settings.GeminiVisionSettings`), or a
``settings=`` object, or a ``client=`` (then no setting beside it). They are
checked at construction (a misspelt name raises, naming the closest one) and
kept in :attr:`GeminiImageLoader.settings`; assigning one
(``loader.model = "..."``) takes effect at the next load, which builds its client
from the new settings. The key is never pickled.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
import threading
from collections.abc import AsyncIterator, Iterable, Iterator, Sized
from contextlib import aclosing, closing
from pathlib import Path, PurePath
from typing import Any, Literal

from langchain_core.document_loaders import BaseLoader
from langchain_core.documents import Document

from langchain_gemini_vision._concurrency import Outcome, aordered_map, ordered_map
from langchain_gemini_vision._load_failures import (
    LoaderFailure,
    failure_document,
    partial_load_error,
)
from langchain_gemini_vision._loader_content import (
    READ_TEXT_QUESTION,
    DocumentForm,
    MetadataFormat,
    VisibleText,
)
from langchain_gemini_vision._progress import progress_bar
from langchain_gemini_vision.client import ConcurrencyScope, GeminiVisionClient
from langchain_gemini_vision.errors import ConfigurationError, GeminiVisionError, PartialLoadError
from langchain_gemini_vision.images import classify_reference
from langchain_gemini_vision.settings import (
    GeminiVisionSettings,
    accepted_names,
    check_arguments,
)

__all__ = [
    "GeminiImageLoader",
    "LoaderFailure",
    "OnError",
    "failure_document",
    "partial_load_error",
]

logger = logging.getLogger("langchain_gemini_vision")

OnError = Literal["raise", "skip", "include"]

IMAGE_SUFFIXES = frozenset(
    {".png", ".jpg", ".jpeg", ".webp", ".heic", ".heif", ".gif", ".bmp", ".tif", ".tiff"}
)
"""File suffixes a folder is scanned for (case-insensitive)."""


class GeminiImageLoader(BaseLoader):
    """Load images as captioned documents (and, optionally, detected objects).

    Args:
        sources: A folder (scanned with ``glob``), one image, or an iterable of images:
            paths, ``http(s)``/``gs://`` URLs, Files API names, bytes, ...
        glob: Pattern for folders, e.g. ``"**/*.png"``; by default every image file
            directly inside.
        client: The client to use (shared); otherwise one is built from the settings.
        settings: A :class:`~langchain_gemini_vision.settings.GeminiVisionSettings`
            to build the client from (``**settings_fields`` change it).
        detect: Also run object detection and add ``labels`` and ``objects``.
        detect_query: What detection looks for (all prominent objects by default).
        caption_prompt: Override the caption instruction.
        max_concurrency: Images in flight at once, and the bound on requests in flight
            while loading, even above a given client's own (default: the client's).
        on_error: ``"raise"`` (a :class:`PartialLoadError` carrying the documents made,
            once every image was tried), ``"skip"`` or ``"include"``; see the module
            docstring.
        batch_dir: Run as Gemini Batch API jobs (half the price, results within
            24 h) with their resumable manifest in this folder; loading again with
            the same folder resumes without submitting any image twice.
        batch_poll_interval: Seconds between polls of the batch jobs (default 30).
        metadata_format: ``"nested"`` (default: dicts and lists of dicts, as above) or
            ``"flat"`` (only ``str``/``int``/``float``/``bool`` and lists of them, what
            every vector store takes).
        page_content_template: A ``str.format`` template for ``page_content`` over
            ``{caption}``, ``{labels}`` (with ``detect``), ``{text}`` (with
            ``read_text``) and ``{source}``; the caption alone by default.
        read_text: Also read the text visible in each image (OCR through the ``ask``
            task with a JSON schema: one more request per image) into
            ``metadata["text"]``. Not with ``batch_dir``.
        show_progress: Draw a progress bar on stderr (images done of the total).
        settings_fields: Client settings by name (``model``, ``api``, ``api_key``,
            ``base_url``, ``retry``...), when ``client`` is not given.

    Raises:
        UnknownArgumentError: A keyword argument no setting or parameter has.
        ConfigurationError: A bad setting value, or settings next to ``client``.

    Example:
        >>> loader = GeminiImageLoader("photos/", glob="*.jpg", detect=True)
        >>> docs = loader.load()  # doctest: +SKIP
        >>> docs[0].metadata["labels"]  # doctest: +SKIP
    """

    def __init__(
        self,
        sources: str | PurePath | Iterable[Any],
        *,
        glob: str = "*",
        client: GeminiVisionClient | None = None,
        settings: GeminiVisionSettings | None = None,
        detect: bool = False,
        detect_query: str | None = None,
        caption_prompt: str | None = None,
        max_concurrency: int | None = None,
        on_error: OnError = "raise",
        batch_dir: str | PurePath | None = None,
        batch_poll_interval: float | None = None,
        metadata_format: MetadataFormat = "nested",
        page_content_template: str | None = None,
        read_text: bool = False,
        show_progress: bool = False,
        **settings_fields: Any,
    ) -> None:
        if on_error not in ("raise", "skip", "include"):
            msg = f"on_error must be 'raise', 'skip' or 'include', not {on_error!r}"
            raise ValueError(msg)
        if max_concurrency is not None and max_concurrency < 1:
            msg = "max_concurrency must be at least 1"
            raise ValueError(msg)
        if read_text and batch_dir is not None:
            msg = "read_text=True is not available with batch_dir: load without batch jobs"
            raise ConfigurationError(msg)
        self._form = DocumentForm(
            metadata_format=metadata_format,
            template=page_content_template,
            detect=detect,
            read_text=read_text,
        )
        self.read_text = read_text
        self.show_progress = show_progress
        self.sources = sources
        self.glob = glob
        self.detect = detect
        self.detect_query = detect_query
        self.caption_prompt = caption_prompt
        self.on_error: OnError = on_error
        self.batch_dir = batch_dir
        self.batch_poll_interval = batch_poll_interval
        self._max_concurrency = max_concurrency
        self.failures: list[LoaderFailure] = []
        """Images that failed during the last load (reset when a load starts)."""
        self._given_client = client
        self._built: tuple[GeminiVisionSettings, GeminiVisionClient] | None = None
        self._built_lock = threading.Lock()
        if client is not None and (settings is not None or settings_fields):
            beside = sorted(settings_fields) or ["settings"]
            msg = (
                f"GeminiImageLoader: {', '.join(beside)} cannot be given next to client=..., "
                "whose settings are fixed: set them on that client, or pass no client"
            )
            raise ConfigurationError(msg)
        check_arguments("GeminiImageLoader", settings_fields, _SETTING_NAMES | _PARAMETERS)
        if max_concurrency is not None and client is None:
            # One number for one idea: the client built here bounds requests to it too.
            settings_fields["max_concurrency"] = max_concurrency
        self.settings: GeminiVisionSettings = (
            client.settings
            if client is not None
            else GeminiVisionSettings.build(settings, owner="GeminiImageLoader", **settings_fields)
        )
        """The client settings (a change to one of them takes effect at the next load)."""

    # -- setup -------------------------------------------------------------

    def __getattr__(self, name: str) -> Any:
        # Each client setting reads as an attribute: ``loader.model``.
        if name in _SETTING_NAMES and "settings" in self.__dict__:
            return getattr(self.settings, name)
        msg = f"{type(self).__name__!r} object has no attribute {name!r}"
        raise AttributeError(msg)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in _SETTING_NAMES and "settings" in self.__dict__:
            if self._given_client is not None:
                msg = (
                    f"GeminiImageLoader.{name} cannot be set: this loader uses the client it "
                    "was given (client=...), whose settings are fixed"
                )
                raise ConfigurationError(msg)
            # Validated now; the next load builds its client from the new settings.
            value = GeminiVisionSettings.build(
                self.settings, owner="GeminiImageLoader", **{name: value}
            )
            name = "settings"
        super().__setattr__(name, value)

    @property
    def client(self) -> GeminiVisionClient:
        """The client given, else one built from :attr:`settings` (again when they change)."""
        if self._given_client is not None:
            return self._given_client
        built = self._built
        if built is None or built[0] != self.settings:
            with self._built_lock:
                built = self._built
                if built is None or built[0] != self.settings:
                    built = (self.settings, GeminiVisionClient(self.settings))
                    self._built = built
        return built[1]

    @property
    def max_concurrency(self) -> int:
        """Images in flight at once."""
        return self._max_concurrency or self.client.max_concurrency

    def __getstate__(self) -> dict[str, Any]:
        # The settings pickle without the key; a client built here is not pickled
        # (a given one refuses to be).
        state = {k: v for k, v in self.__dict__.items() if k not in ("_built", "_built_lock")}
        return {**state, "_built": None}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self.__dict__["_built_lock"] = threading.Lock()

    def _iter_sources(self) -> Iterator[tuple[str, Any]]:
        """``(label, source)`` pairs, lazily; folders are listed in sorted order."""
        sources = self.sources
        if isinstance(sources, (str, PurePath)):
            path = Path(sources)
            is_url = isinstance(sources, str) and "://" in sources
            if not is_url and path.is_dir():
                for item in sorted(path.glob(self.glob)):
                    if item.is_file() and item.suffix.lower() in IMAGE_SUFFIXES:
                        yield str(item), item
                return
            yield str(sources), sources
            return
        if isinstance(sources, (bytes, bytearray)):
            yield "<bytes #0>", sources
            return
        for index, source in enumerate(sources):
            yield _label(source, index), source

    # -- one image -----------------------------------------------------------

    def _load_one(self, label: str, source: Any) -> Document:
        # Fetched: the loader's metadata carries every image's size.
        image = self.client.prepare(source, fetch=True)
        caption = self.client.caption(image, prompt=self.caption_prompt)
        detection = self.client.detect(image, query=self.detect_query) if self.detect else None
        reading = (
            self.client.ask(image, READ_TEXT_QUESTION, schema=VisibleText)
            if self.read_text
            else None
        )
        return self._form.document(
            label, image, self.client.model, caption=caption, detection=detection, reading=reading
        )

    async def _aload_one(self, label: str, source: Any) -> Document:
        image = await self.client.aprepare(source, fetch=True)
        caption, detection, reading = await asyncio.gather(
            self.client.acaption(image, prompt=self.caption_prompt),
            self.client.adetect(image, query=self.detect_query) if self.detect else _nothing(),
            (
                self.client.aask(image, READ_TEXT_QUESTION, schema=VisibleText)
                if self.read_text
                else _nothing()
            ),
        )
        return self._form.document(
            label, image, self.client.model, caption=caption, detection=detection, reading=reading
        )

    def _record(self, failure: LoaderFailure) -> None:
        logger.warning("could not load image %s: %s", failure.source, failure.error)
        self.failures.append(failure)

    def _failed(self, label: str, error: GeminiVisionError) -> Document | None:
        self._record(LoaderFailure(source=label, error=error))
        return failure_document(label, error) if self.on_error == "include" else None

    def _finish(self, total: int) -> None:
        if self.on_error == "raise" and self.failures:
            raise partial_load_error(self.failures, total)

    # -- BaseLoader ------------------------------------------------------------

    def _batch_documents(self) -> list[Document]:
        """Every source through batch jobs, failures recorded as in interactive mode."""
        from langchain_gemini_vision.batch import caption_documents

        assert self.batch_dir is not None
        documents = caption_documents(
            list(self._iter_sources()),
            client=self.client,
            manifest_dir=Path(self.batch_dir),
            prompt=self.caption_prompt,
            detect=self.detect,
            detect_query=self.detect_query,
            progress=self.show_progress,
            poll_interval=self.batch_poll_interval,
            on_error=self.on_error,
            on_failure=self._record,
        )
        return [self._form.apply(document) for document in documents]

    def load(self) -> list[Document]:
        """Every document, in input order.

        Raises:
            PartialLoadError: With ``on_error="raise"``, after every image was tried; its
                ``documents`` holds every document made.
        """
        documents: list[Document] = []
        try:
            for document in self.lazy_load():
                documents.append(document)
        except PartialLoadError as error:
            error.documents = error.documents or documents
            raise
        return documents

    async def aload(self) -> list[Document]:
        """Async :meth:`load`; a ``PartialLoadError`` carries the documents made."""
        documents: list[Document] = []
        try:
            async for document in self.alazy_load():
                documents.append(document)
        except PartialLoadError as error:
            error.documents = error.documents or documents
            raise
        return documents

    def lazy_load(self) -> Iterator[Document]:
        """Yield documents in input order, ``max_concurrency`` images in flight on threads."""
        self.failures = []
        if self.batch_dir is not None:
            yield from self._batch_documents()
            return
        window, scope, sources = self._window()
        with (
            scope.bar,
            closing(ordered_map(scope.load, sources, limit=window, ahead=window)) as done,
        ):
            for outcome in done:
                yield from scope.handed_out(outcome)
        self._finish(scope.total)

    async def alazy_load(self) -> AsyncIterator[Document]:
        """Async :meth:`lazy_load`: ``max_concurrency`` tasks in flight, input order kept."""
        self.failures = []
        if self.batch_dir is not None:
            for batched in await asyncio.to_thread(self._batch_documents):
                yield batched
            return
        window, scope, sources = self._window()
        with scope.bar:
            async with aclosing(
                aordered_map(scope.aload, sources, limit=window, ahead=window)
            ) as done:
                async for outcome in done:
                    for document in scope.handed_out(outcome):
                        yield document
        self._finish(scope.total)

    def _window(self) -> tuple[int, _Loading, Iterable[tuple[str, Any]]]:
        """Images in flight (and held) at once, what each one's loading shares, the sources."""
        window = self.max_concurrency
        sources: Iterable[tuple[str, Any]] = self._iter_sources()
        total: int | None = None
        if not isinstance(self.sources, Iterable) or isinstance(self.sources, Sized):
            # A folder is listed (sorted) anyway, a list knows its length: the bar's total.
            sources = list(sources)
            total = len(sources)
        return window, _Loading(self, self.client.concurrency(window), total), sources


class _Loading:
    """One load's per-image calls: each runs inside the load's concurrency scope."""

    def __init__(
        self, loader: GeminiImageLoader, scope: ConcurrencyScope, expected: int | None
    ) -> None:
        self.loader = loader
        self.scope = scope
        self.total = 0
        self.bar = progress_bar(show=loader.show_progress, transient=False)
        self._bar_task = self.bar.add_task("loading images", total=expected)

    def load(self, labelled: tuple[str, Any]) -> Document:
        with self.scope.active():
            return self.loader._load_one(*labelled)

    async def aload(self, labelled: tuple[str, Any]) -> Document:
        with self.scope.active():  # set in this task's own context: nothing leaks to the caller
            return await self.loader._aload_one(*labelled)

    def handed_out(self, outcome: Outcome[tuple[str, Any], Document]) -> list[Document]:
        """The document of one image, or its stand-in; a failure is recorded."""
        self.total += 1
        self.bar.advance(self._bar_task)
        if not isinstance(outcome.error, GeminiVisionError):
            return [outcome.unwrap()]
        document = self.loader._failed(outcome.item[0], outcome.error)
        return [document] if document is not None else []


_SETTING_NAMES = frozenset(accepted_names(GeminiVisionSettings))
_PARAMETERS = frozenset(inspect.signature(GeminiImageLoader.__init__).parameters) - {
    "self",
    "settings_fields",
}


def _label(source: Any, index: int) -> str:
    if isinstance(source, PurePath):
        return str(source)
    if isinstance(source, str):
        # Image data (base64, however short, or a data: URI) is never its own label.
        kind = classify_reference(source).kind
        if kind in ("data_uri", "image_data") or len(source) > 500:
            return f"<data #{index}>"
        return source
    if isinstance(source, (bytes, bytearray, memoryview)):
        return f"<bytes #{index}>"
    return f"<{type(source).__name__} #{index}>"


async def _nothing() -> None:
    """An awaitable of ``None``: a call the loader was not asked to make."""
