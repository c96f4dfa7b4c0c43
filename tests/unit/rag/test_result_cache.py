"""The result cache (issue 19 item 4): a second run over unchanged images pays for nothing.

The cache is the client setting ``cache`` (any LangChain ``BaseStore[str, bytes]``:
``InMemoryByteStore``, the package's on-disk ``FileStore``...), so every layer built on
the client has it. Requests are counted at the emulator, never inside the package.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from langchain_core.rate_limiters import InMemoryRateLimiter
from langchain_core.stores import InMemoryByteStore
from pydantic import BaseModel

from langchain_gemini_vision import (
    GeminiCaptionRunnable,
    GeminiCaptionTool,
    GeminiVisionClient,
    GeminiVisionToolkit,
    ImageStore,
    RetryPolicy,
)
from langchain_gemini_vision._result_cache import CACHE_VERSION
from langchain_gemini_vision._url_policy import UrlPolicy
from langchain_gemini_vision.loaders import GeminiImageLoader
from langchain_gemini_vision.profiles import ModelProfile
from langchain_gemini_vision.prompts import Prompts
from langchain_gemini_vision.results import Caption
from langchain_gemini_vision.settings import RESULT_CACHE_KEY, GeminiVisionSettings
from langchain_gemini_vision.stores import FileStore
from langchain_gemini_vision.testing import GeminiEmulator, MockTransport, make_scene
from langchain_gemini_vision.usage import Usage

from .conftest import paid, scene_folder


def test_a_second_loader_run_over_50_unchanged_images_makes_0_calls_a_new_query_50(
    emu: GeminiEmulator, tmp_path: Path
) -> None:
    folder = tmp_path / "images"
    folder.mkdir()
    scene_folder(folder, 50)
    cache = InMemoryByteStore()

    def load(query: str) -> list:
        loader = GeminiImageLoader(
            folder,
            api_key="test-key",
            base_url=emu.base_url,
            cache=cache,
            detect=True,
            detect_query=query,
        )
        return loader.load()

    first = load("every shape")
    assert paid(emu) == 100  # a caption and a detection per image
    emu.stats.reset()
    again = load("every shape")
    assert paid(emu) == 0
    assert [d.page_content for d in again] == [d.page_content for d in first]
    assert [d.metadata["objects"] for d in again] == [d.metadata["objects"] for d in first]
    assert all(d.metadata["usage"]["total_tokens"] == 0 for d in again)
    assert all(d.metadata["usage"]["cached"] for d in again)
    emu.stats.reset()
    load("circles")  # the captions are the same; every detection is a new question
    assert paid(emu) == 50


# --------------------------------------------------------------------------- the client


class Count(BaseModel):
    shapes: int


def _cached_client(emu: GeminiEmulator, store: Any, **fields: Any) -> GeminiVisionClient:
    return GeminiVisionClient(api_key="test-key", base_url=emu.base_url, cache=store, **fields)


CALLS: list[tuple[str, dict[str, Any]]] = [
    ("caption", {}),
    ("detect", {"query": "circles"}),
    ("segment", {}),
    ("ask", {"question": "How many shapes are there?", "schema": Count}),
    ("ask", {"question": "What colour is the largest shape?"}),
]


@pytest.mark.parametrize(
    ("task", "options"), CALLS, ids=[c[0] + str(i) for i, c in enumerate(CALLS)]
)
def test_a_hit_returns_the_same_typed_result_without_a_request(
    emu: GeminiEmulator, task: str, options: dict[str, Any]
) -> None:
    scene = make_scene(240, 180, objects=3, seed=4)
    client = _cached_client(emu, InMemoryByteStore())
    fresh = client.run(task, scene.data, **options)
    assert paid(emu) == 1
    again = client.run(task, scene.data, **options)
    assert paid(emu) == 1  # no request
    assert type(again) is type(fresh)
    timing = {"usage", "elapsed_s"}  # a hit takes no time on the wire
    assert again.model_dump(exclude=timing) == fresh.model_dump(exclude=timing)
    if options.get("schema") is Count:
        assert isinstance(again.data, Count)
    assert fresh.usage.total_tokens > 0 and not fresh.usage.cached
    assert again.usage == Usage(cached=True)  # zero tokens, and said so
    assert client.usage.total_tokens == fresh.usage.total_tokens  # nothing added by the hit


async def test_async_hits_and_sync_hits_share_the_store(emu: GeminiEmulator) -> None:
    scene = make_scene(240, 180, objects=2, seed=5)
    store = InMemoryByteStore()
    client = _cached_client(emu, store)
    fresh = await client.acaption(scene.data)
    assert (await client.acaption(scene.data)).text == fresh.text
    assert client.caption(scene.data).text == fresh.text
    other = _cached_client(emu, store, api="generate_content")  # the API is not in the key
    assert (await other.acaption(scene.data)).usage.cached
    assert paid(emu) == 1


def test_a_different_image_question_or_model_is_a_new_request(emu: GeminiEmulator) -> None:
    one, two = make_scene(200, 150, objects=2, seed=6), make_scene(200, 150, objects=2, seed=7)
    store = InMemoryByteStore()
    client = _cached_client(emu, store)
    client.detect(one.data, query="circles")
    client.detect(two.data, query="circles")
    client.detect(one.data, query="squares")
    client.detect(one.data, query="circles", max_objects=1)
    _cached_client(emu, store, model="gemini-2.5-flash").detect(one.data, query="circles")
    assert paid(emu) == 5


# --------------------------------------------------------------------------- damaged stores


class _Failing(InMemoryByteStore):
    def mget(self, keys: Any) -> list[bytes | None]:
        raise OSError("disk on fire")

    def mset(self, key_value_pairs: Any) -> None:
        raise OSError("disk on fire")


def test_damaged_or_foreign_entries_are_misses_never_errors(
    emu: GeminiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    scene = make_scene(200, 150, objects=2, seed=8)
    store = InMemoryByteStore()
    client = _cached_client(emu, store)
    key = client.cache_key("caption", scene.data)
    good = client.caption(scene.data)
    (kept,) = store.mget([key])
    assert kept is not None
    entry = json.loads(kept)
    other_key = client.cache_key("caption", make_scene(200, 150, objects=1, seed=9).data)
    damaged: list[Any] = [
        b"\x00\xff not json",
        kept[: len(kept) // 2],  # a write cut short
        b'{"caption": "A foreign program wrote this."}',
        json.dumps({**entry, "version": entry["version"] + 1}).encode(),  # another version
        json.dumps({**entry, "key": other_key}).encode(),  # another key's answer
        json.dumps({**entry, "text": 42}).encode(),
        json.dumps({**entry, "text": "not the caption JSON"}).encode(),  # no longer parses
        "a str, not bytes",
        b"[1, 2, 3]",
    ]
    for count, value in enumerate(damaged, start=2):
        store.mset([(key, value)])
        result = client.caption(scene.data)
        assert isinstance(result, Caption)
        assert result.text == good.text
        assert paid(emu) == count, value  # a miss: asked again...
        assert client.caption(scene.data).usage.cached  # ...and kept again
    assert "result cache" in caplog.text


def test_a_failing_store_costs_a_call_not_the_result(
    emu: GeminiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    scene = make_scene(200, 150, objects=2, seed=10)
    client = _cached_client(emu, _Failing())
    assert client.caption(scene.data).text
    assert client.caption(scene.data).text
    assert paid(emu) == 2
    assert "disk on fire" in caplog.text


# --------------------------------------------------------------------------- the key


def _jpeg(size: tuple[int, int]) -> bytes:
    # Stored sideways: it is decoded (turned upright) before sending, so a decode limit counts.
    return make_scene(*size, objects=2, seed=11, format="JPEG", exif_orientation=6).data


# A value that changes each setting, and the call it should (or should not) change.
CHANGES: dict[str, tuple[Any, str, dict[str, Any]]] = {
    "model": ("gemini-2.5-flash", "caption", {}),
    "prompts": (Prompts(caption="Describe the colours only."), "caption", {}),
    "media_resolution": ("high", "caption", {}),
    "profile": (ModelProfile(family="custom", low_thinking_level="low"), "detect", {}),
    "max_side": (64, "caption", {}),
    "max_pixels": (4096, "caption", {}),
    "max_decode_bytes": (1_000_000, "caption", {}),
    "base_url": ("http://127.0.0.1:1", "caption", {}),
    "vertexai": (True, "caption", {}),
    "mask_threshold": (200, "segment", {}),
    "max_detection_items": (1, "detect", {}),
    "max_mask_bytes": (10, "segment", {}),
    "api": ("generate_content", "detect", {}),
    "transport": ("sdk", "caption", {}),
    "api_key": ("another-key", "caption", {}),
    "project": ("a-project", "caption", {}),
    "location": ("europe-west4", "caption", {}),
    "api_version": ("v1beta", "caption", {}),
    "timeout": (5.0, "caption", {}),
    "retry": (RetryPolicy(max_attempts=1), "caption", {}),
    "max_concurrency": (2, "caption", {}),
    "inline_limit_bytes": (10, "caption", {}),
    "url_policy": (UrlPolicy(allow_private=True), "caption", {}),
    "allowed_dirs": ((Path(),), "caption", {}),
    "decode_budget_bytes": (50_000_000, "caption", {}),
    "cache": (InMemoryByteStore(), "caption", {}),
    "max_output_tokens": (64, "caption", {}),
    "thinking_level": ("high", "caption", {}),
    "temperature": (0.5, "caption", {}),
    "safety_settings": ({"hate_speech": "block_only_high"}, "caption", {}),
    "labels": ({"team": "vision"}, "caption", {}),
    "rpm": (60, "caption", {}),
    "tpm": (100_000, "caption", {}),
    "rate_limiter": (InMemoryRateLimiter(requests_per_second=10), "caption", {}),
    "learn_quota": (False, "caption", {}),
    "bulk_retry": (RetryPolicy(max_attempts=2), "caption", {}),
}


def test_every_setting_says_how_it_reaches_the_key() -> None:
    assert set(RESULT_CACHE_KEY) == set(GeminiVisionSettings.model_fields)
    assert set(CHANGES) == set(GeminiVisionSettings.model_fields)


@pytest.mark.parametrize("name", sorted(CHANGES))
def test_each_setting_changes_the_key_exactly_when_its_role_says(name: str) -> None:
    value, task, options = CHANGES[name]
    image = _jpeg((1200, 900))
    base = {"api_key": "k", "base_url": "http://127.0.0.1:9", "cache": InMemoryByteStore()}
    if name == "vertexai":
        base = {"cache": base["cache"], "transport": MockTransport(lambda r: "{}")}
        changed = {**base, "vertexai": True, "project": "p", "location": "l"}
    else:
        changed = {**base, name: value}
    before = GeminiVisionClient(**base).cache_key(task, image, **options)
    after = GeminiVisionClient(**changed).cache_key(task, image, **options)
    role = RESULT_CACHE_KEY[name]
    assert (before != after) == (role in ("request", "image", "source")), role
    assert before.startswith(f"gemini-vision/v{CACHE_VERSION}/{task}/")


def test_a_parsing_setting_applies_to_a_cached_answer_at_once(emu: GeminiEmulator) -> None:
    scene = make_scene(300, 200, objects=4, seed=12)
    store = InMemoryByteStore()
    assert len(_cached_client(emu, store).detect(scene.data)) == 4
    fewer = _cached_client(emu, store, max_detection_items=1).detect(scene.data)
    assert len(fewer) == 1 and fewer.usage.cached
    assert paid(emu) == 1


def test_an_image_under_max_side_keeps_its_answer() -> None:
    small = make_scene(100, 80, objects=1, seed=13).data
    base = {"api_key": "k", "base_url": "http://127.0.0.1:9", "cache": InMemoryByteStore()}
    plain = GeminiVisionClient(**base).cache_key("caption", small)
    assert GeminiVisionClient(**base, max_side=512).cache_key("caption", small) == plain


# --------------------------------------------------------------------------- every layer


def test_runnables_and_tools_take_the_cache(emu: GeminiEmulator) -> None:
    scene = make_scene(200, 150, objects=2, seed=14)
    store = InMemoryByteStore()
    fields = {"api_key": "k", "base_url": emu.base_url, "cache": store}
    captioner = GeminiCaptionRunnable(**fields)
    first = captioner.invoke(scene.data)
    assert captioner.invoke(scene.data).usage.cached
    images = ImageStore()
    image_id = images.add(scene.data)
    message = GeminiCaptionTool(image_store=images, **fields).invoke(
        {
            "type": "tool_call",
            "id": "c1",
            "name": "gemini_caption_image",
            "args": {"image": image_id},
        }
    )
    assert message.artifact["text"] == first.text
    assert message.artifact["usage"]["cached"] is True
    (tool,) = [
        t
        for t in GeminiVisionToolkit(image_store=images, **fields).get_tools()
        if t.name == "gemini_caption_image"
    ]
    assert tool.invoke({"image": image_id}) == message.content
    assert paid(emu) == 1


def test_the_file_store_keeps_answers_between_processes(
    emu: GeminiEmulator, tmp_path: Path
) -> None:
    scene = make_scene(200, 150, objects=2, seed=15)
    first = _cached_client(emu, FileStore(tmp_path / "cache")).caption(scene.data)
    again = _cached_client(emu, FileStore(tmp_path / "cache")).caption(scene.data)
    assert again.text == first.text and again.usage.cached
    assert paid(emu) == 1
    (key,) = FileStore(tmp_path / "cache").yield_keys(prefix="gemini-vision/")
    assert key.startswith(f"gemini-vision/v{CACHE_VERSION}/caption/")


def test_the_command_line_reuses_answers_kept_in_cache_dir(
    emu: GeminiEmulator, tmp_path: Path
) -> None:
    from typer.testing import CliRunner

    from langchain_gemini_vision.cli import app

    folder = tmp_path / "images"
    folder.mkdir()
    scene_folder(folder, 3)
    args = ["detect", str(folder), "--cache", str(tmp_path / "cache"), "--base-url", emu.base_url]
    runner = CliRunner()
    first = runner.invoke(app, [*args, "--quiet"], env={"GEMINI_API_KEY": "k"})
    assert first.exit_code == 0, first.output
    assert paid(emu) == 3
    again = runner.invoke(app, [*args, "--quiet"], env={"GEMINI_API_KEY": "k"})
    assert again.exit_code == 0, again.output
    assert paid(emu) == 3

    def results(output: str) -> list[dict[str, Any]]:
        records = [json.loads(line)["result"] for line in output.splitlines() if line.strip()]
        return [{k: v for k, v in r.items() if k not in ("usage", "elapsed_s")} for r in records]

    assert len(results(first.stdout)) == 3
    assert results(again.stdout) == results(first.stdout)
    for line in again.stdout.splitlines():
        assert json.loads(line)["result"]["usage"] == Usage(cached=True).model_dump()


def test_the_key_is_never_in_the_cache(emu: GeminiEmulator) -> None:
    secret = "AIza" + "SyA-very-secret-key-0123456789abcdef"  # split: no key-shaped literal
    store = InMemoryByteStore()
    scene = make_scene(200, 150, objects=2, seed=16)
    GeminiVisionClient(api_key=secret, base_url=emu.base_url, cache=store).caption(scene.data)
    (key,) = store.yield_keys()
    assert secret not in key
    assert secret.encode() not in (store.mget([key])[0] or b"")


@pytest.mark.parametrize("key", ["../outside", "/etc/passwd", "a//b", "a/./b", "a b", "a\\b", ""])
def test_the_file_store_keeps_every_key_inside_its_folder(tmp_path: Path, key: str) -> None:
    store = FileStore(tmp_path / "cache")
    with pytest.raises(ValueError, match="invalid key"):
        store.mset([(key, b"x")])
    with pytest.raises(ValueError, match="invalid key"):
        store.mget([key])
    assert list(tmp_path.rglob("*")) == [tmp_path / "cache"]


def test_the_file_store_writes_whole_values_and_lists_its_keys(tmp_path: Path) -> None:
    store = FileStore(tmp_path)
    store.mset([("a/b/c", b"one"), ("d", b"two")])
    store.mset([("a/b/c", b"three")])
    assert store.mget(["a/b/c", "d", "missing"]) == [b"three", b"two", None]
    assert sorted(store.yield_keys()) == ["a/b/c", "d"]
    assert list(store.yield_keys(prefix="a/")) == ["a/b/c"]
    assert not list(tmp_path.rglob("*.partial"))  # no temporary file left behind
    store.mdelete(["d", "missing"])
    assert store.mget(["d"]) == [None]
