"""`ImageStore`: images the application registers, so tools take ids, not bytes.

Models cannot pass image bytes through tool arguments reliably (base64 is long,
costly and often mangled), so the tools in :mod:`langchain_gemini_vision.tools`
take *references*. An ``ImageStore`` is where the application puts the images a
conversation is about (an upload, a frame, a file it trusts) and gets back a
short id such as ``"img_1"`` to show the model::

    store = ImageStore()
    image_id = store.add(uploaded_bytes)  # "img_1"
    tools = GeminiVisionToolkit(image_store=store).get_tools()
    # tell the model: "The user's photo is image id img_1."

The store keeps what it is given as is (bytes, a path the application trusts, a
``PIL`` image, a content block, a ``PreparedImage``...) and the tools hand it to
the client, which loads it on use. It is in memory and thread-safe.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from typing import Any

from langchain_core.messages import BaseMessage

__all__ = ["ImageStore", "image_blocks"]

_ID_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}")


class ImageStore:
    """A thread-safe, in-memory mapping of short ids to image sources.

    Ids are ``img_1``, ``img_2``, ... unless the caller chooses one. Anything
    :func:`~langchain_gemini_vision.images.load_image` accepts can be stored;
    the store never decodes or copies it.

    Example:
        >>> store = ImageStore()
        >>> store.add(b"...png bytes...")
        'img_1'
        >>> store.add("https://example.com/cat.png", id="cat")
        'cat'
        >>> store.ids()
        ['img_1', 'cat']
        >>> "cat" in store
        True
    """

    def __init__(self, images: dict[str, Any] | None = None, *, prefix: str = "img_") -> None:
        """Create a store, optionally filled with ``{id: image}``.

        Args:
            images: Images to add under the given ids.
            prefix: Prefix of the ids the store makes up (``"img_"`` gives ``img_1``).
        """
        self._lock = threading.Lock()
        self._items: dict[str, Any] = {}
        self._counter = 0
        self._prefix = prefix
        for image_id, image in (images or {}).items():
            self.add(image, id=image_id)

    def add(self, image: Any, id: str | None = None, *, replace: bool = False) -> str:
        """Store ``image`` and return its id.

        Args:
            image: Any image source the client accepts.
            id: The id to use; by default the next free ``img_<n>``.
            replace: Allow replacing an image already stored under ``id``.

        Raises:
            ValueError: ``id`` is malformed, or taken and ``replace`` is false.
        """
        if image is None:
            msg = "cannot store None as an image"
            raise ValueError(msg)
        with self._lock:
            if id is None:
                while True:
                    self._counter += 1
                    candidate = f"{self._prefix}{self._counter}"
                    if candidate not in self._items:
                        break
                id = candidate
            elif not _ID_PATTERN.fullmatch(id):
                msg = (
                    f"image id {id!r} is not valid: use 1-64 letters, digits, '_', '-', '.' "
                    "or ':', starting with a letter or digit"
                )
                raise ValueError(msg)
            elif id in self._items and not replace:
                msg = f"an image is already stored under id {id!r} (pass replace=True)"
                raise ValueError(msg)
            self._items[id] = image
            return id

    def add_from_message(self, message: BaseMessage) -> list[str]:
        """Store every image block of a chat message; return their new ids, in order.

        Reads ``message.content_blocks``, so OpenAI-style ``image_url`` blocks and
        LangChain v0/v1 image blocks are all understood.
        """
        return [self.add(block) for block in image_blocks(message)]

    def get(self, id: str) -> Any:
        """The image stored under ``id``.

        Raises:
            KeyError: No such id; the message lists the known ids.
        """
        with self._lock:
            try:
                return self._items[id]
            except KeyError:
                known = ", ".join(self._items) or "none"
                msg = f"no image with id {id!r} (known ids: {known})"
                raise KeyError(msg) from None

    def remove(self, id: str) -> None:
        """Forget the image stored under ``id`` (no error when absent)."""
        with self._lock:
            self._items.pop(id, None)

    def clear(self) -> None:
        """Forget every image."""
        with self._lock:
            self._items.clear()

    def ids(self) -> list[str]:
        """The stored ids, in the order they were added."""
        with self._lock:
            return list(self._items)

    def latest_id(self) -> str | None:
        """The id added last, or ``None`` when the store is empty."""
        with self._lock:
            return next(reversed(self._items), None)

    def __contains__(self, id: object) -> bool:
        with self._lock:
            return id in self._items

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)

    def __iter__(self) -> Iterator[str]:
        return iter(self.ids())

    def __repr__(self) -> str:
        return f"ImageStore(ids={self.ids()!r})"


def image_blocks(message: BaseMessage) -> list[dict[str, Any]]:
    """A message's image blocks in LangChain's standard form, in order, as sources."""
    blocks: list[dict[str, Any]] = []
    for block in message.content_blocks:
        if block.get("type") == "image":
            # Drop LangChain's random "lc_..." id: it is not part of the image.
            blocks.append({k: v for k, v in block.items() if k != "id"})
    return blocks
