"""classify_reference: one pure decision of what a string reference to an image is.

The loader, the tools and the CLI each read strings as URLs, Files API names, data
URIs, base64 or paths; this is the one place that decides by the string's shape, with
no I/O (whether a path exists is the caller's question).
"""

from __future__ import annotations

import base64
import io
import os
from typing import Any

import pytest
from PIL import Image

from langchain_gemini_vision.images import ImageReference, classify_reference


def _png_base64() -> str:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 3), (10, 20, 30)).save(buffer, "PNG")
    return base64.b64encode(buffer.getvalue()).decode()


PNG_B64 = _png_base64()


@pytest.mark.parametrize(
    ("text", "kind", "scheme", "file_name"),
    [
        ("data:image/png;base64,AAAA", "data_uri", None, None),
        ("DATA:image/png;base64,AAAA", "data_uri", None, None),
        ("files/abc123", "files_api", None, "files/abc123"),
        ("  files/abc-1_2  ", "files_api", None, "files/abc-1_2"),
        (
            "https://generativelanguage.googleapis.com/v1beta/files/abc123",
            "files_api",
            None,
            "files/abc123",
        ),
        ("http://127.0.0.1:8765/v1/files/xyz/", "files_api", None, "files/xyz"),
        ("gs://bucket/photo.jpg", "gcs", "gs", None),
        ("GS://bucket/photo.jpg", "gcs", "gs", None),
        ("https://example.com/cat.png?sig=1", "http", "https", None),
        ("HTTP://example.com/cat.png", "http", "http", None),
        ("ftp://example.com/cat.png", "other_scheme", "ftp", None),
        ("file:///etc/passwd", "other_scheme", "file", None),
    ],
)
def test_item5_urls_and_names_are_classified_by_shape(
    text: str, kind: str, scheme: str | None, file_name: str | None
) -> None:
    reference = classify_reference(text)
    assert isinstance(reference, ImageReference)
    assert reference.kind == kind
    assert reference.scheme == scheme
    assert reference.file_name == file_name
    assert reference.text == text.strip()
    assert reference.is_remote


@pytest.mark.parametrize(
    ("text", "looks_like_path"),
    [
        ("photo.jpg", True),
        ("./photo", True),
        ("~/pictures/cat", True),
        ("dir/cat", True),
        ("C:\\pictures\\cat", True),
        ("files/not a name.png", True),  # not a Files API name: a folder called files
        ("img-1", False),
        ("javascript:alert(1)", False),
    ],
)
def test_item5_anything_else_is_other_with_its_path_shape(text: str, looks_like_path: bool) -> None:
    reference = classify_reference(text)
    assert reference.kind == "other"
    assert reference.looks_like_path is looks_like_path
    assert not reference.is_remote
    assert reference.scheme is None and reference.file_name is None


def test_item5_base64_of_an_image_is_image_data() -> None:
    assert classify_reference(PNG_B64).kind == "image_data"
    url_safe = base64.urlsafe_b64encode(base64.b64decode(PNG_B64)).decode().rstrip("=")
    assert classify_reference(url_safe).kind == "image_data"
    # Base64 of something that is not a known file type is not image data.
    assert classify_reference(base64.b64encode(b"hello world, not an image").decode()).kind == (
        "other"
    )


@pytest.mark.parametrize("text", ["", "   ", "\n\t"])
def test_item5_blank_is_empty(text: str) -> None:
    reference = classify_reference(text)
    assert reference.kind == "empty"
    assert reference.text == ""


def test_item5_classification_touches_no_file(monkeypatch: pytest.MonkeyPatch) -> None:
    """Pure: the same answer whether or not a file of that name exists, and no file call."""

    def no_io(*args: Any, **kwargs: Any) -> Any:
        raise AssertionError("classify_reference touched the file system")

    for name in ("lexists", "exists", "isfile", "realpath"):
        monkeypatch.setattr(os.path, name, no_io)
    monkeypatch.setattr(os, "stat", no_io)
    for text in ("photo.jpg", "files/abc", PNG_B64, "https://example.com/a.png", "img-1"):
        classify_reference(text)


def test_item5_the_loader_reads_strings_through_the_classification() -> None:
    """load_image's string handling agrees with the classification on every URL kind."""
    from langchain_gemini_vision.errors import ImageInputError
    from langchain_gemini_vision.images import load_image

    assert load_image("files/abc123").file_name == "files/abc123"
    with pytest.raises(ImageInputError) as info:
        load_image("ftp://example.com/cat.png")
    assert info.value.reason == "blocked_url"


@pytest.mark.parametrize(
    ("text", "looks_like_path"),
    [
        ("photo.jpg", True),
        ("scan.jp2", True),
        ("cat.heic", True),
        ("shot.tiff", True),
        ("img_7", False),
        ("scan.1", False),  # no image file ends in one character: an id such as frame.1
        ("frame.v2:3", False),
    ],
)
def test_item5_one_suffix_rule_a_file_suffix_is_two_to_five_characters(
    text: str, looks_like_path: bool
) -> None:
    """The loader, the tools and the command line share this rule (issue 17 item 5)."""
    assert classify_reference(text).looks_like_path is looks_like_path
