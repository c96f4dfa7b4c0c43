"""ImageStore: ids, thread safety, messages."""

from __future__ import annotations

import threading

import pytest
from langchain_core.messages import HumanMessage

from langchain_gemini_vision.image_store import ImageStore


def test_add_gives_sequential_ids_and_get_returns_the_source_unchanged() -> None:
    store = ImageStore()
    data = b"\x89PNG..."
    assert store.add(data) == "img_1"
    assert store.add("https://example.com/a.png") == "img_2"
    assert store.get("img_1") is data
    assert store.ids() == ["img_1", "img_2"]
    assert store.latest_id() == "img_2"
    assert len(store) == 2
    assert "img_2" in store
    assert list(store) == ["img_1", "img_2"]


def test_user_ids_are_kept_and_auto_ids_skip_them() -> None:
    store = ImageStore({"img_1": b"a"})
    assert store.add(b"b", id="cat") == "cat"
    assert store.add(b"c") == "img_2"


def test_duplicate_or_malformed_ids_are_refused() -> None:
    store = ImageStore()
    store.add(b"a", id="x")
    with pytest.raises(ValueError, match="already stored"):
        store.add(b"b", id="x")
    assert store.add(b"b", id="x", replace=True) == "x"
    assert store.get("x") == b"b"
    with pytest.raises(ValueError, match="not valid"):
        store.add(b"c", id="../etc/passwd")
    with pytest.raises(ValueError, match="None"):
        store.add(None)


def test_missing_id_lists_the_known_ids() -> None:
    store = ImageStore({"a": b"1"})
    with pytest.raises(KeyError, match="known ids: a"):
        store.get("b")


def test_remove_and_clear() -> None:
    store = ImageStore({"a": b"1", "b": b"2"})
    store.remove("a")
    store.remove("missing")
    assert store.ids() == ["b"]
    store.clear()
    assert len(store) == 0
    assert store.latest_id() is None


def test_concurrent_adds_never_share_an_id() -> None:
    store = ImageStore()
    ids: list[str] = []
    lock = threading.Lock()

    def work() -> None:
        for _ in range(200):
            new = store.add(b"x")
            with lock:
                ids.append(new)

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(ids) == len(set(ids)) == 1600 == len(store)


def test_add_from_message_stores_every_image_block() -> None:
    message = HumanMessage(
        content=[
            {"type": "text", "text": "look"},
            {"type": "image", "url": "https://example.com/a.png"},
            {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        ]
    )
    store = ImageStore()
    assert store.add_from_message(message) == ["img_1", "img_2"]
    assert store.get("img_1") == {"type": "image", "url": "https://example.com/a.png"}
    second = store.get("img_2")
    assert second["type"] == "image"
    assert second["base64"] == "iVBORw0KGgo="
    assert "id" not in second
