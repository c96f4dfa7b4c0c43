"""The input bounds are client settings, kept in one place (issue 17 item 2).

``max_decode_bytes`` and the decode budget (issue 16 item 4), and the detection
answer's ``max_detection_items`` / ``max_mask_bytes`` (issue 16 item 5), are fields of
:class:`GeminiVisionSettings`: each client owns its decode budget, and the parsing
bounds apply on the interactive path and when batch jobs' answers are parsed.
"""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from PIL import Image

from langchain_gemini_vision import GeminiVisionClient, GeminiVisionSettings
from langchain_gemini_vision.batch import BatchItem, BatchSettings, VisionBatch
from langchain_gemini_vision.decode_budget import (
    DEFAULT_DECODE_BUDGET_BYTES,
    DEFAULT_MAX_DECODE_BYTES,
    SHARED_DECODE_BUDGET,
    DecodeBudget,
)
from langchain_gemini_vision.errors import ConfigurationError, ImageInputError
from langchain_gemini_vision.testing import GeminiEmulator, make_scene
from langchain_gemini_vision.testing.batches import batches_of

SCENE5 = make_scene(400, 300, objects=5, seed=7)


def _bmp(side: int) -> bytes:
    """A BMP: it is converted to PNG, so preparing it decodes it."""
    buffer = io.BytesIO()
    Image.new("RGB", (side, side), (200, 30, 30)).save(buffer, format="BMP")
    return buffer.getvalue()


def test_the_bounds_are_settings_with_the_documented_defaults() -> None:
    settings = GeminiVisionSettings()
    assert settings.max_decode_bytes == DEFAULT_MAX_DECODE_BYTES
    assert settings.decode_budget_bytes == DEFAULT_DECODE_BUDGET_BYTES
    assert settings.max_detection_items == 1000
    assert settings.max_mask_bytes == 128 * 1024 * 1024
    for name in ("max_decode_bytes", "decode_budget_bytes", "max_detection_items"):
        with pytest.raises(ConfigurationError, match=name):
            GeminiVisionClient(api_key="k", **{name: 0})


@pytest.mark.parametrize("mode", ["sync", "async"])
async def test_max_decode_bytes_of_the_client_applies_to_its_images(mode: str) -> None:
    client = GeminiVisionClient(api_key="k", max_decode_bytes=100_000)
    prepare = client.prepare if mode == "sync" else client.aprepare
    with pytest.raises(ImageInputError) as info:
        await _maybe_await(prepare(_bmp(600)))
    assert info.value.reason == "too_large"
    assert "max_decode_bytes=100000" in str(info.value)
    assert GeminiVisionClient(api_key="k").prepare(_bmp(600)).width == 600


async def _maybe_await(value: object) -> object:
    return await value if hasattr(value, "__await__") else value  # type: ignore[misc]


def test_each_client_owns_its_decode_budget() -> None:
    first = GeminiVisionClient(api_key="k", decode_budget_bytes=64 * 1024 * 1024)
    second = GeminiVisionClient(api_key="k")
    assert isinstance(first.decode_budget, DecodeBudget)
    assert first.decode_budget.total_bytes == 64 * 1024 * 1024
    assert second.decode_budget.total_bytes == DEFAULT_DECODE_BUDGET_BYTES
    assert first.decode_budget is not second.decode_budget
    assert SHARED_DECODE_BUDGET not in (first.decode_budget, second.decode_budget)
    first.prepare(_bmp(300))
    assert first.decode_budget.peak_bytes > 0
    assert second.decode_budget.peak_bytes == 0


def test_a_decode_over_the_clients_budget_is_refused() -> None:
    client = GeminiVisionClient(api_key="k", decode_budget_bytes=200_000)
    with pytest.raises(ImageInputError, match="decode budget"):
        client.prepare(_bmp(600))


@pytest.fixture(scope="module")
def emu() -> Iterator[GeminiEmulator]:
    with GeminiEmulator() as emulator:
        yield emulator


@pytest.mark.parametrize("api", ["interactions", "generate_content"])
async def test_max_detection_items_applies_to_interactive_calls(
    emu: GeminiEmulator, api: str
) -> None:
    client = GeminiVisionClient(api_key="k", base_url=emu.base_url, api=api, max_detection_items=2)
    for result in (client.detect(SCENE5.data), await client.adetect(SCENE5.data)):
        assert len(result) == 2
        assert any("kept the first 2 of 5" in w for w in result.warnings)


def test_max_mask_bytes_applies_to_interactive_calls(emu: GeminiEmulator) -> None:
    client = GeminiVisionClient(api_key="k", base_url=emu.base_url, max_mask_bytes=1)
    result = client.segment(SCENE5.data)
    assert len(result) == 5  # every box kept
    assert all(d.mask is None for d in result)
    assert any("max_mask_bytes" in w for w in result.warnings)


def test_the_parsing_bounds_apply_to_batch_job_answers(
    emu: GeminiEmulator, tmp_path: object
) -> None:
    service = batches_of(emu)
    service.polls_per_state = {"PENDING": 1, "RUNNING": 1}
    client = GeminiVisionClient(
        api_key="k",
        base_url=emu.base_url,
        api="generate_content",
        max_detection_items=2,
        max_mask_bytes=1,
    )
    items = [BatchItem.detect(SCENE5.data, key="d"), BatchItem.segment(SCENE5.data, key="s")]
    with VisionBatch(
        str(tmp_path), client=client, settings=BatchSettings(poll_interval=0)
    ) as batch:
        batch.submit(items)
        batch.wait(progress=False)
        results = {r.key: r.unwrap() for r in batch.results()}
    detected, segmented = results["d"], results["s"]
    assert len(detected) == 2  # type: ignore[arg-type]
    assert all(d.mask is None for d in segmented)  # type: ignore[union-attr]
    assert any("max_mask_bytes" in w for w in segmented.warnings)  # type: ignore[union-attr]
