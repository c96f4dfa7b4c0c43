"""`GeminiEmbeddings` against the emulator: texts and images in one space, as promised."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
from langchain_core.stores import InMemoryByteStore
from langchain_core.vectorstores import InMemoryVectorStore

from langchain_gemini_vision.client import GeminiVisionClient
from langchain_gemini_vision.embeddings import GeminiEmbeddings
from langchain_gemini_vision.errors import (
    ConfigurationError,
    GeminiVisionInvalidRequestError,
    ImageInputError,
    UnknownArgumentError,
)
from langchain_gemini_vision.testing import GeminiEmulator, MockTransport, Scene, make_scene


@pytest.fixture(autouse=True)
def _no_old_requests(emu: GeminiEmulator) -> None:
    emu.clear_requests()


@pytest.fixture(scope="module")
def scenes() -> list[Scene]:
    return [make_scene(200, 150, objects=2, seed=seed) for seed in range(30, 38)]


def _unique_label(scenes: list[Scene]) -> tuple[int, str]:
    """A scene and one of its objects' labels that no other scene holds."""
    for index, scene in enumerate(scenes):
        for obj in scene.objects:
            if sum(obj.label in {o.label for o in s.objects} for s in scenes) == 1:
                return index, obj.label
    raise AssertionError("no unique label in these scenes")


def test_a_text_query_finds_the_image_that_shows_it(
    settings: dict[str, str], scenes: list[Scene], emu: GeminiEmulator
) -> None:
    embeddings = GeminiEmbeddings(**settings)
    vectors = np.array(embeddings.embed_images([s.data for s in scenes]))
    index, label = _unique_label(scenes)
    query = np.array(embeddings.embed_query(f"a photo with a {label}"))
    assert int(np.argmax(vectors @ query)) == index
    # One batchEmbedContents call for the 8 images, one for the query.
    assert emu.stats.requests["embed"] == 2


def test_vectors_have_the_asked_length_unit_norm_and_match_across_transports_and_async(
    settings: dict[str, str], scenes: list[Scene]
) -> None:
    lean = GeminiEmbeddings(**settings, output_dimensionality=256)
    sdk = GeminiEmbeddings(**settings, output_dimensionality=256, transport="sdk")
    images = [s.data for s in scenes[:3]]
    texts = ["a red circle", "two blue squares at the top"]
    vectors = lean.embed_images(images)
    assert [len(v) for v in vectors] == [256, 256, 256]
    assert all(math.isclose(float(np.linalg.norm(v)), 1.0, rel_tol=1e-9) for v in vectors)
    assert sdk.embed_images(images) == vectors
    assert sdk.embed_documents(texts) == lean.embed_documents(texts)
    assert len(GeminiEmbeddings(**settings).embed_query("x")) == 3072


async def test_async_twins_give_the_sync_vectors(
    settings: dict[str, str], scenes: list[Scene]
) -> None:
    embeddings = GeminiEmbeddings(**settings, output_dimensionality=128)
    images = [s.data for s in scenes[:2]]
    assert await embeddings.aembed_images(images) == embeddings.embed_images(images)
    assert await embeddings.aembed_documents(["a", "b"]) == embeddings.embed_documents(["a", "b"])
    assert await embeddings.aembed_query("red") == embeddings.embed_query("red")


def test_batches_of_batch_size_run_through_the_clients_retries(
    settings: dict[str, str], emu: GeminiEmulator
) -> None:
    embeddings = GeminiEmbeddings(**settings, batch_size=2, output_dimensionality=128)
    emu.faults.inject("embed", schedule=[503])
    texts = [f"text number {i}" for i in range(5)]
    vectors = embeddings.embed_documents(texts)
    assert len(vectors) == 5
    # 3 batches (2 + 2 + 1), one of them answered 503 first and retried.
    assert emu.stats.requests["embed"] == 4
    bodies = [r.json for r in emu.requests if r.route == "embed"]
    distinct = {json.dumps(b, sort_keys=True): b for b in bodies}.values()  # the retry repeats one
    assert sorted(len(b["requests"]) for b in distinct) == [1, 2, 2]
    assert all(r["taskType"] == "RETRIEVAL_DOCUMENT" for b in bodies for r in b["requests"])
    assert embeddings.get_client().usage.input_tokens > 0


def test_query_and_document_task_types_are_sent_and_can_be_turned_off(
    settings: dict[str, str], emu: GeminiEmulator
) -> None:
    GeminiEmbeddings(**settings, query_task_type="QUESTION_ANSWERING").embed_query("q")
    GeminiEmbeddings(**settings, document_task_type=None).embed_documents(["d"])
    first, second = (r.json["requests"][0] for r in emu.requests[-2:])
    assert first["taskType"] == "QUESTION_ANSWERING"
    assert "taskType" not in second


def test_an_image_over_the_inline_budget_goes_through_the_files_api(
    emu: GeminiEmulator, scenes: list[Scene]
) -> None:
    embeddings = GeminiEmbeddings(
        api_key="test-key", base_url=emu.base_url, inline_limit_bytes=1024
    )
    big = make_scene(640, 480, objects=3, seed=3, format="PNG")
    assert len(big.data) > 1024
    inline = GeminiEmbeddings(api_key="test-key", base_url=emu.base_url)
    assert embeddings.embed_images([big.data]) == inline.embed_images([big.data])
    assert emu.stats.requests["upload"] >= 1
    parts = [
        r.json["requests"][0]["content"]["parts"][0] for r in emu.requests if r.route == "embed"
    ]
    assert "file_data" in parts[0]
    assert "inline_data" in parts[1]


def test_settings_are_checked(settings: dict[str, str]) -> None:
    with pytest.raises(UnknownArgumentError, match="output_dimensionality"):
        GeminiEmbeddings(**settings, output_dimensions=64)
    with pytest.raises(ValueError, match="batch_size"):
        GeminiEmbeddings(**settings, batch_size=101)
    with pytest.raises(ValueError, match="RETRIEVAL_QUERY"):
        GeminiEmbeddings(**settings, query_task_type="retrieval")
    with pytest.raises(ConfigurationError, match="embedding_model"):
        GeminiEmbeddings(**settings, model="gemini-2.5-flash")  # the generation model
    embeddings = GeminiEmbeddings(**settings, model=None)  # a default changes nothing
    with pytest.raises(ConfigurationError, match="mask_threshold"):
        embeddings.mask_threshold = 0.9
    with pytest.raises(TypeError, match="embed_images"):
        GeminiEmbeddings(**settings).embed_documents([b"bytes"])  # type: ignore[list-item]
    with pytest.raises(TypeError, match="list of images"):
        GeminiEmbeddings(**settings).embed_images(b"one image")


def test_a_path_outside_allowed_dirs_is_refused_before_any_request(
    settings: dict[str, str], emu: GeminiEmulator, tmp_path: Path, scene: Scene
) -> None:
    inside, outside = tmp_path / "in", tmp_path / "out"
    inside.mkdir()
    outside.mkdir()
    (outside / "a.png").write_bytes(scene.data)
    (inside / "b.png").write_bytes(scene.data)
    embeddings = GeminiEmbeddings(**settings, allowed_dirs=[inside])
    with pytest.raises(ImageInputError) as raised:
        embeddings.embed_images([inside / "b.png", outside / "a.png"])
    assert raised.value.reason == "outside_allowed_dirs"
    assert emu.stats.requests["embed"] == 0
    assert len(embeddings.embed_images([inside / "b.png"])) == 1


def test_a_text_only_model_refuses_images_with_a_typed_error(
    settings: dict[str, str], scene: Scene
) -> None:
    embeddings = GeminiEmbeddings(**settings, embedding_model="gemini-embedding-001")
    assert len(embeddings.embed_query("fine")) == 3072
    with pytest.raises(GeminiVisionInvalidRequestError, match="embeds text only"):
        embeddings.embed_images([scene.data])


def test_a_transport_without_embeddings_says_so() -> None:
    client = GeminiVisionClient(api_key="k", transport=MockTransport(lambda request: "x"))
    with pytest.raises(ConfigurationError, match="carries no embedding requests"):
        GeminiEmbeddings(client=client).embed_query("x")


def test_stored_images_are_indexed_by_id_and_found_by_text(
    settings: dict[str, str], scenes: list[Scene]
) -> None:
    store = InMemoryByteStore()
    ids = [f"img-{i}" for i in range(len(scenes))]
    store.mset(list(zip(ids, (s.data for s in scenes), strict=True)))
    embeddings = GeminiEmbeddings(**settings, output_dimensionality=256)
    vectorstore = InMemoryVectorStore(embedding=embeddings.for_stored_images(store))
    vectorstore.add_texts(ids, ids=ids)
    index, label = _unique_label(scenes)
    (hit,) = vectorstore.similarity_search(f"the {label}", k=1)
    assert hit.page_content == ids[index]
    with pytest.raises(ImageInputError, match="not in the image store"):
        vectorstore.add_texts(["img-missing"])


def test_the_key_is_never_in_a_repr_or_a_pickle(emu: GeminiEmulator) -> None:
    import pickle

    secret = "AIza" + "-embeddings-secret-value-0123456789"  # split: no key-shaped literal
    embeddings = GeminiEmbeddings(api_key=secret, base_url=emu.base_url)
    assert secret not in repr(embeddings)
    assert secret.encode() not in pickle.dumps(embeddings)
    assert len(embeddings.embed_query("still works")) == 3072


def test_the_cache_pays_each_input_once_and_keys_on_what_changes_the_vector(
    settings: dict[str, str], emu: GeminiEmulator, scenes: list[Scene], tmp_path: Path
) -> None:
    from langchain_core.stores import InMemoryByteStore as Store

    cache = Store()
    images = [s.data for s in scenes]
    first = GeminiEmbeddings(
        **settings, cache=cache, output_dimensionality=128, inline_limit_bytes=4096
    )
    vectors = first.embed_images(images)
    paid = emu.stats.requests["embed"]
    uploads = emu.stats.requests["upload"]
    # A new object on the same cache (a restarted indexer): nothing paid, nothing uploaded.
    again = GeminiEmbeddings(
        **settings, cache=cache, output_dimensionality=128, inline_limit_bytes=4096
    )
    assert again.embed_images(images) == vectors
    assert again.embed_images([images[0], images[0]]) == [vectors[0], vectors[0]]
    assert emu.stats.requests["embed"] == paid
    assert emu.stats.requests["upload"] == uploads
    # Another length, or texts as queries rather than documents, are other vectors.
    longer = GeminiEmbeddings(**settings, cache=cache, output_dimensionality=256)
    assert len(longer.embed_images(images[:1])[0]) == 256
    assert emu.stats.requests["embed"] == paid + 1
    docs = again.embed_documents(["a red circle", "a blue square"])
    assert again.embed_documents(["a blue square", "a red circle"]) == docs[::-1]
    again.embed_query("a red circle")  # RETRIEVAL_QUERY: its own entry, paid once
    assert emu.stats.requests["embed"] == paid + 3


def test_a_clients_cache_keeps_its_vectors_beside_its_answers(
    settings: dict[str, str], emu: GeminiEmulator, scenes: list[Scene]
) -> None:
    from langchain_core.stores import InMemoryByteStore

    from langchain_gemini_vision import GeminiVisionClient

    store = InMemoryByteStore()
    with GeminiVisionClient(**settings, cache=store) as client:
        embeddings = GeminiEmbeddings(client=client, output_dimensionality=128)
        vector = embeddings.embed_images([scenes[0].data])
        client.caption(scenes[0].data)
        paid = emu.stats.requests["embed"]
        assert (
            GeminiEmbeddings(client=client, output_dimensionality=128).embed_images(
                [scenes[0].data]
            )
            == vector
        )
        assert emu.stats.requests["embed"] == paid  # read from the client's cache
    kinds = {key.split(":", 1)[0].split("/", 1)[0] for key in store.yield_keys()}
    assert kinds == {"embedding", "gemini-vision"}  # vectors and answers, apart


async def test_a_damaged_or_foreign_cache_entry_is_a_miss(
    settings: dict[str, str], emu: GeminiEmulator
) -> None:
    cache = InMemoryByteStore()
    embeddings = GeminiEmbeddings(**settings, cache=cache, output_dimensionality=128)
    vector = await embeddings.aembed_query("a green triangle")
    (key,) = list(cache.yield_keys())
    for damaged in (b"", b"\x00" * 7, b"\x00" * 8 * 64):  # empty, cut, the wrong length
        cache.mset([(key, damaged)])
        assert await embeddings.aembed_query("a green triangle") == vector
    assert emu.stats.requests["embed"] == 4
    assert await embeddings.aembed_query("a green triangle") == vector
    assert emu.stats.requests["embed"] == 4  # the last answer was cached again


async def test_stored_images_index_from_async_code_too(
    settings: dict[str, str], scenes: list[Scene]
) -> None:
    store = InMemoryByteStore()
    store.mset([("a", scenes[0].data), ("b", scenes[1].data)])
    view = GeminiEmbeddings(**settings, output_dimensionality=128).for_stored_images(store)
    assert await view.aembed_documents(["a", "b"]) == view.embed_documents(["a", "b"])
    assert await view.aembed_query("red") == view.embed_query("red")
    with pytest.raises(ImageInputError, match="not in the image store"):
        await view.aembed_documents(["a", "zzz"])
