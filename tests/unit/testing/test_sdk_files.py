"""The real SDK's Files API against the emulator, plus chunked uploads by hand."""

from __future__ import annotations

import io

import httpx2
import pytest
from google import genai
from google.genai import _interactions, errors, types

from langchain_gemini_vision.testing import GeminiEmulator, make_scene

from .conftest import create, sdk_client

SCENE = make_scene(320, 240, 2, seed=11)


def _upload(client: genai.Client, data: bytes = SCENE.data, name: str = "scene.png") -> types.File:
    return client.files.upload(
        file=io.BytesIO(data), config={"mime_type": "image/png", "display_name": name}
    )


def test_upload_get_list_delete(client: genai.Client, gemini_emulator: GeminiEmulator) -> None:
    uploaded = _upload(client)
    assert uploaded.name is not None
    assert uploaded.name.startswith("files/")
    assert uploaded.state == types.FileState.ACTIVE
    assert uploaded.size_bytes == len(SCENE.data)
    assert uploaded.display_name == "scene.png"
    assert uploaded.uri == f"{gemini_emulator.base_url}/v1/{uploaded.name}"
    assert uploaded.expiration_time is not None
    assert uploaded.create_time is not None
    assert (uploaded.expiration_time - uploaded.create_time).total_seconds() == 48 * 3600
    chunk_request = gemini_emulator.requests[-1]
    assert chunk_request.query["upload_id"]
    assert chunk_request.body_size == len(SCENE.data)
    assert gemini_emulator.stats.uploads == 1
    assert gemini_emulator.stats.uploaded_bytes == len(SCENE.data)

    assert client.files.get(name=uploaded.name).sha256_hash == uploaded.sha256_hash
    second = _upload(client, make_scene(100, 100, 1).data, "two.png")
    names = [f.name for f in client.files.list(config={"page_size": 1})]  # pages through
    assert names == [uploaded.name, second.name]
    client.files.delete(name=uploaded.name)
    with pytest.raises(errors.ClientError, match="may not exist") as caught:
        client.files.get(name=uploaded.name)
    assert caught.value.code == 403
    assert gemini_emulator.files == [second.name]


def test_uploaded_file_is_used_by_both_apis(client: genai.Client) -> None:
    uploaded = _upload(client)
    assert uploaded.uri is not None
    contents: list[types.PartUnionDict] = [
        types.Part.from_uri(file_uri=uploaded.uri, mime_type="image/png"),
        "Caption.",
    ]
    response = client.models.generate_content(model="gemini-3-flash-preview", contents=contents)
    interaction = create(
        client,
        model="gemini-3-flash-preview",
        input=[
            {"type": "text", "text": "Caption."},
            {"type": "image", "uri": uploaded.uri, "mime_type": "image/png"},
        ],
    )
    assert response.text == interaction.output_text
    assert (response.text or "").startswith("2 objects")


def test_processing_then_active_and_expiry() -> None:
    with GeminiEmulator(file_processing_polls=2) as emu:
        client = sdk_client(emu)
        uploaded = _upload(client)
        assert uploaded.name is not None
        assert uploaded.uri is not None
        assert uploaded.state == types.FileState.PROCESSING
        part: types.PartUnionDict = types.Part.from_uri(
            file_uri=uploaded.uri, mime_type="image/png"
        )
        with pytest.raises(errors.ClientError, match="not in an ACTIVE state"):
            client.models.generate_content(model="gemini-3-flash", contents=[part, "x"])
        states = [client.files.get(name=uploaded.name).state for _ in range(3)]
        assert states == [types.FileState.PROCESSING, types.FileState.PROCESSING, "ACTIVE"]
        emu.expire_file(uploaded.name)
        with pytest.raises(errors.ClientError, match="may not exist") as caught:
            client.models.generate_content(model="gemini-3-flash", contents=[part, "x"])
        assert caught.value.code == 403
        other = _upload(client)
        emu.expire_all_files()
        with pytest.raises(_interactions.PermissionDeniedError):
            create(
                client,
                model="gemini-3-flash",
                input=[{"type": "image", "uri": other.uri or "", "mime_type": "image/png"}],
            )
        assert list(client.files.list()) == []


def test_non_image_upload_is_rejected(client: genai.Client) -> None:
    with pytest.raises(errors.ClientError, match="not a decodable image/png"):
        _upload(client, b"definitely not a png")
    with pytest.raises(errors.ClientError, match="Unsupported MIME type: text/plain"):
        client.files.upload(file=io.BytesIO(b"hello"), config={"mime_type": "text/plain"})


def test_chunked_upload_with_offsets(gemini_emulator: GeminiEmulator) -> None:
    data = SCENE.data
    half = len(data) // 2
    with httpx2.Client(base_url=gemini_emulator.base_url) as http:
        start = http.post(
            "/upload/v1beta/files",
            headers={
                "x-goog-api-key": "k",
                "X-Goog-Upload-Protocol": "resumable",
                "X-Goog-Upload-Command": "start",
                "X-Goog-Upload-Header-Content-Length": str(len(data)),
                "X-Goog-Upload-Header-Content-Type": "image/png",
            },
            json={"file": {"display_name": "chunks.png"}},
        )
        url = start.headers["X-Goog-Upload-URL"]
        assert url.startswith(gemini_emulator.base_url + "/upload/v1beta/files?upload_id=")
        first = http.post(
            url,
            content=data[:half],
            headers={"X-Goog-Upload-Command": "upload", "X-Goog-Upload-Offset": "0"},
        )
        assert first.headers["X-Goog-Upload-Status"] == "active"
        wrong = http.post(
            url,
            content=data[half:],
            headers={"X-Goog-Upload-Command": "upload, finalize", "X-Goog-Upload-Offset": "1"},
        )
        assert wrong.status_code == 400
        final = http.post(
            url,
            content=data[half:],
            headers={
                "X-Goog-Upload-Command": "upload, finalize",
                "X-Goog-Upload-Offset": str(half),
            },
        )
    assert final.headers["X-Goog-Upload-Status"] == "final"
    file = final.json()["file"]
    assert file["sizeBytes"] == str(len(data))
    assert file["displayName"] == "chunks.png"
    assert file["uri"].endswith("/v1beta/" + file["name"])
