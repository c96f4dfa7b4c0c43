"""GeminiVisionClient end to end against the local emulator: both APIs, sync and async."""

from __future__ import annotations

import asyncio
import logging

import pytest

from langchain_gemini_vision import (
    GeminiVisionClient,
    GeminiVisionInvalidRequestError,
    GeminiVisionRateLimitError,
    GeminiVisionServerError,
    GeminiVisionTimeoutError,
    RetryPolicy,
)
from langchain_gemini_vision._transport.base import VisionRequest
from langchain_gemini_vision.geometry import iou_xyxy as _iou
from langchain_gemini_vision.testing import GeminiEmulator, make_scene

from .conftest import FAST_RETRIES

SECRET = "AIza" + "SyTESTtestTESTtestTESTtestTESTtes"


def test_generate_returns_text_usage_and_model(client: GeminiVisionClient, api: str) -> None:
    scene = make_scene(320, 200, objects=2, seed=3)
    image = client.prepare(scene.data)
    response = client.generate(VisionRequest(prompt="Caption this image.", images=(image,)))
    assert "2 objects" in response.text
    assert response.api == api
    assert response.usage.input_tokens > 0 and response.usage.output_tokens > 0
    assert response.model
    assert client.usage.total_tokens == response.usage.total_tokens


def test_both_apis_and_transports_give_the_same_detections(emulator: GeminiEmulator) -> None:
    scene = make_scene(640, 360, objects=3, seed=11)
    results = []
    for api in ("interactions", "generate_content"):
        for transport in ("lean", "sdk"):
            with GeminiVisionClient(
                api_key="k",
                base_url=emulator.base_url,
                api=api,
                transport=transport,  # type: ignore[arg-type]
            ) as client:
                result = client.detect(scene.data)
                results.append([(d.label, d.box) for d in result])
    assert all(r == results[0] for r in results)
    assert len(results[0]) == 3


async def test_async_detection_matches_ground_truth(client: GeminiVisionClient) -> None:
    scene = make_scene(500, 300, objects=3, seed=5)
    result = await client.adetect(scene.data)
    assert len(result) == len(scene.objects)
    for truth in scene.objects:
        best = max(_iou(d.box, truth.box) for d in result)
        assert best >= 0.9, truth.label


def test_large_image_uploads_once_across_many_calls(emulator: GeminiEmulator, api: str) -> None:
    scene = make_scene(400, 300, objects=2, seed=8)
    # A tiny inline budget forces the Files API without a large image.
    with GeminiVisionClient(
        api_key="k",
        base_url=emulator.base_url,
        api=api,
        inline_limit_bytes=1000,  # type: ignore[arg-type]
    ) as client:
        for _ in range(3):
            assert len(client.detect(scene.data)) == 2
        client.caption(scene.data)
    assert emulator.stats.uploads == 1
    assert client.files.uploads == 1


async def test_concurrent_calls_share_one_upload(emulator: GeminiEmulator, api: str) -> None:
    scene = make_scene(400, 300, objects=2, seed=9)
    async with GeminiVisionClient(
        api_key="k",
        base_url=emulator.base_url,
        api=api,
        inline_limit_bytes=1000,  # type: ignore[arg-type]
    ) as client:
        results = await asyncio.gather(*(client.adetect(scene.data) for _ in range(12)))
    assert all(len(r) == 2 for r in results)
    assert emulator.stats.uploads == 1


def test_threads_share_one_upload(emulator: GeminiEmulator) -> None:
    scene = make_scene(400, 300, objects=1, seed=10)
    with GeminiVisionClient(
        api_key="k", base_url=emulator.base_url, inline_limit_bytes=1000, max_concurrency=8
    ) as client:
        results = client.map(client.detect, [scene.data] * 12)
    assert all(not isinstance(r, Exception) and len(r) == 1 for r in results)
    assert emulator.stats.uploads == 1


def test_expired_file_is_uploaded_again_once(emulator: GeminiEmulator, api: str) -> None:
    scene = make_scene(300, 300, objects=1, seed=12)
    with GeminiVisionClient(
        api_key="k",
        base_url=emulator.base_url,
        api=api,
        inline_limit_bytes=1000,  # type: ignore[arg-type]
    ) as client:
        client.detect(scene.data)
        emulator.expire_all_files()
        assert len(client.detect(scene.data)) == 1
        assert len(client.detect(scene.data)) == 1
    assert emulator.stats.uploads == 2


def test_retries_429_and_503_honouring_retry_after(emulator: GeminiEmulator, api: str) -> None:
    route = "interactions" if api == "interactions" else "generate_content"
    emulator.faults.inject(route, schedule=[503, 429, 503], retry_after=0.05)
    scene = make_scene(200, 200, objects=1, seed=13)
    with GeminiVisionClient(
        api_key="k",
        base_url=emulator.base_url,
        api=api,
        retry=FAST_RETRIES,  # type: ignore[arg-type]
    ) as client:
        assert len(client.detect(scene.data)) == 1
    assert emulator.stats.requests[route] == 4
    assert emulator.stats.faults["429"] == 1 and emulator.stats.faults["503"] == 2


def test_retry_after_is_waited_for(emulator: GeminiEmulator) -> None:
    import time

    emulator.faults.inject("interactions", schedule=[429], retry_after=0.3)
    scene = make_scene(200, 200, objects=1, seed=14)
    with GeminiVisionClient(api_key="k", base_url=emulator.base_url, retry=FAST_RETRIES) as client:
        started = time.monotonic()
        client.caption(scene.data)
        waited = time.monotonic() - started
    # Backoff alone would be ~1 ms; the server asked for 0.3 s.
    assert waited >= 0.3


def test_no_retry_on_400(emulator: GeminiEmulator, api: str) -> None:
    route = "interactions" if api == "interactions" else "generate_content"
    emulator.faults.inject(route, schedule=[400])
    with GeminiVisionClient(api_key="k", base_url=emulator.base_url, api=api) as client:  # type: ignore[arg-type]
        with pytest.raises(GeminiVisionInvalidRequestError):
            client.caption(make_scene(100, 100, objects=1).data)
    assert emulator.stats.requests[route] == 1


def test_persistent_faults_end_in_a_typed_error(emulator: GeminiEmulator) -> None:
    emulator.faults.inject("interactions", 503, probability=1.0)
    with GeminiVisionClient(
        api_key="k",
        base_url=emulator.base_url,
        retry=RetryPolicy(max_attempts=3, initial_delay=0.001),
    ) as client:
        with pytest.raises(GeminiVisionServerError):
            client.caption(make_scene(100, 100, objects=1).data)
    assert emulator.stats.requests["interactions"] == 3


def test_rate_limit_beyond_the_cap_is_reported_with_retry_after(emulator: GeminiEmulator) -> None:
    emulator.faults.inject("interactions", 429, probability=1.0, retry_after=120)
    with GeminiVisionClient(api_key="k", base_url=emulator.base_url) as client:
        with pytest.raises(GeminiVisionRateLimitError) as info:
            client.caption(make_scene(100, 100, objects=1).data)
    assert info.value.retry_after == 120


@pytest.mark.timeout(30)
def test_timeout_surfaces_as_timeout_error(emulator: GeminiEmulator, api: str) -> None:
    route = "interactions" if api == "interactions" else "generate_content"
    emulator.faults.inject(route, "slow", probability=1.0, delay=2.0)
    with GeminiVisionClient(
        api_key="k",
        base_url=emulator.base_url,
        api=api,  # type: ignore[arg-type]
        timeout=0.2,
        retry=RetryPolicy(max_attempts=2, initial_delay=0.01, deadline=5),
    ) as client:
        with pytest.raises(GeminiVisionTimeoutError):
            client.caption(make_scene(100, 100, objects=1).data)


@pytest.mark.timeout(30)
async def test_dropped_and_truncated_replies_are_retried(
    emulator: GeminiEmulator, api: str
) -> None:
    route = "interactions" if api == "interactions" else "generate_content"
    emulator.faults.inject(route, schedule=["drop", "truncate"])
    async with GeminiVisionClient(
        api_key="k",
        base_url=emulator.base_url,
        api=api,
        retry=FAST_RETRIES,  # type: ignore[arg-type]
    ) as client:
        result = await client.adetect(make_scene(300, 200, objects=2, seed=2).data)
    assert len(result) == 2
    assert emulator.stats.requests[route] == 3


def test_key_never_in_repr_or_logs(
    emulator: GeminiEmulator, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    emulator.faults.inject("interactions", schedule=[503])
    with GeminiVisionClient(
        api_key=SECRET, base_url=emulator.base_url, retry=FAST_RETRIES
    ) as client:
        client.caption(make_scene(100, 100, objects=1).data)
        assert SECRET not in repr(client)
        assert SECRET not in str(vars(client))
    assert SECRET not in caplog.text
    assert caplog.records, "expected DEBUG log lines from the transport"


def test_missing_key_is_a_clear_configuration_error() -> None:
    from langchain_gemini_vision import ConfigurationError

    with pytest.raises(ConfigurationError, match="GEMINI_API_KEY"):
        GeminiVisionClient()


def test_key_from_environment(monkeypatch: pytest.MonkeyPatch, emulator: GeminiEmulator) -> None:
    monkeypatch.setenv("GOOGLE_API_KEY", "from-env")
    with GeminiVisionClient(base_url=emulator.base_url) as client:
        assert client.caption(make_scene(100, 100, objects=1).data).text


def test_model_from_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GEMINI_VISION_MODEL", "gemini-2.5-flash")
    client = GeminiVisionClient(api_key="k")
    assert client.model == "gemini-2.5-flash"
    assert client.profile.mask_form == "png"


def test_batch_helpers_keep_order_and_per_item_errors(client: GeminiVisionClient) -> None:
    scenes = [make_scene(200, 150, objects=n, seed=n) for n in (1, 2, 3)]
    items = [scenes[0].data, b"not an image", scenes[1].data, scenes[2].data]
    results = client.map(client.detect, items)
    from langchain_gemini_vision import ImageInputError

    assert isinstance(results[1], ImageInputError)
    assert [len(r) for r in results if not isinstance(r, Exception)] == [1, 2, 3]


async def test_async_batch_keeps_order(client: GeminiVisionClient) -> None:
    scenes = [make_scene(200, 150, objects=n, seed=n) for n in (3, 1, 2)]
    results = await client.amap(client.adetect, [s.data for s in scenes], max_concurrency=2)
    assert [len(r) for r in results] == [3, 1, 2]  # type: ignore[arg-type]


def test_stream_yields_text_in_pieces(client: GeminiVisionClient) -> None:
    image = client.prepare(make_scene(200, 150, objects=2, seed=4).data)
    pieces = list(client.stream(VisionRequest(prompt="Caption this image.", images=(image,))))
    assert len(pieces) > 1
    assert "2 objects" in "".join(pieces)


def test_detect_on_a_url_downloads_it_to_measure(emulator: GeminiEmulator) -> None:
    """Boxes need the image's size: an http(s) image is fetched through the URL policy."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from langchain_gemini_vision._url_safety import UrlPolicy

    scene = make_scene(400, 240, objects=2, seed=31)

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("content-type", "image/png")
            self.send_header("content-length", str(len(scene.data)))
            self.end_headers()
            self.wfile.write(scene.data)

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    url = f"http://127.0.0.1:{server.server_address[1]}/scene.png"
    try:
        with GeminiVisionClient(api_key="k", base_url=emulator.base_url) as refusing:
            from langchain_gemini_vision import ImageInputError

            with pytest.raises(ImageInputError) as info:
                refusing.detect(url)  # loopback is a private address: refused by default
            assert info.value.reason == "blocked_url"
        policy = UrlPolicy(allowed_addresses=frozenset({"127.0.0.1"}))
        with GeminiVisionClient(
            api_key="k", base_url=emulator.base_url, url_policy=policy
        ) as client:
            result = client.detect(url)
    finally:
        server.shutdown()
    assert (result.image_width, result.image_height) == (400, 240)
    assert len(result) == 2
    for truth in scene.objects:
        assert max(_iou(d.box, truth.box) for d in result) >= 0.9


async def test_async_stream_yields_text_in_pieces(client: GeminiVisionClient) -> None:
    image = client.prepare(make_scene(200, 150, objects=2, seed=4).data)
    request = VisionRequest(prompt="Caption this image.", images=(image,))
    pieces = [piece async for piece in client.astream(request)]
    assert len(pieces) > 1
    assert "2 objects" in "".join(pieces)


async def test_async_stream_surfaces_errors(emulator: GeminiEmulator, api: str) -> None:
    route = "interactions" if api == "interactions" else "generate_content"
    emulator.faults.inject(route, schedule=[400])
    async with GeminiVisionClient(api_key="k", base_url=emulator.base_url, api=api) as client:  # type: ignore[arg-type]
        image = client.prepare(make_scene(100, 100, objects=1).data)
        with pytest.raises(GeminiVisionInvalidRequestError):
            async for _ in client.astream(VisionRequest(prompt="Caption this.", images=(image,))):
                pass
