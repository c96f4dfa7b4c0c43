"""Turn the command line's image arguments (files, globs, folders, URLs) into sources."""

from __future__ import annotations

import glob
import os
import re
from pathlib import Path

from langchain_gemini_vision.images import classify_reference

__all__ = ["IMAGE_SUFFIXES", "InputError", "expand_sources", "is_remote"]

IMAGE_SUFFIXES = frozenset(
    {
        ".png",
        ".jpg",
        ".jpeg",
        ".jpe",
        ".webp",
        ".heic",
        ".heif",
        ".gif",
        ".bmp",
        ".tif",
        ".tiff",
        ".avif",
    }
)
"""File endings picked from folders and globs (a file named explicitly is always tried)."""

_DOT_SLASH = ("./", ".\\")
_GLOB_CHARS = re.compile(r"[*?\[]")


class InputError(ValueError):
    """An argument names no image at all (a usage error, exit code 2)."""


def is_remote(source: str) -> bool:
    """Whether ``source`` is a URL of any scheme, a data URI or a Files API name, as the
    loader reads it (:func:`~langchain_gemini_vision.images.classify_reference`)."""
    return classify_reference(source).is_remote


def _local(path: str | Path) -> str:
    """``path`` as a source that is read as a file: ``./`` in front of a relative path
    that would otherwise read as a Files API name or a data URI."""
    text = str(path)
    return os.path.join(os.curdir, text) if is_remote(text) else text  # noqa: PTH118


def _is_remote_argument(argument: str) -> bool:
    """URLs are remote; ``files/...`` and ``data:...`` only when no such local path exists
    (the user names their own files first); ``./...`` never."""
    if argument.startswith(_DOT_SLASH):
        return False
    reference = classify_reference(argument)
    if reference.kind in ("http", "gcs", "other_scheme"):
        return True  # a URL names no local file (another scheme meets the loader's refusal)
    return reference.is_remote and not os.path.lexists(Path(argument).expanduser())


def _folder_images(folder: Path, recursive: bool) -> list[str]:
    pattern = "**/*" if recursive else "*"
    return sorted(
        _local(path)
        for path in folder.glob(pattern)
        if path.is_file() and path.suffix.lower() in IMAGE_SUFFIXES
    )


def expand_sources(arguments: list[str], *, recursive: bool = False) -> list[str]:
    """Expand the arguments, in order, into one source per image.

    * URLs (``http(s)://``) and ``gs://`` URIs stay as they are; so do ``data:`` URIs and
      ``files/<id>`` names, unless a local path of that name exists (the user's own file
      wins; ``./files/...`` is always a path);
    * a folder gives its image files (by extension, sorted; ``recursive`` goes into subfolders);
    * a glob pattern (``*``, ``?``, ``[``; ``**`` for subfolders) gives the matching image files;
    * any other argument must be an existing file (its type is checked when it is loaded).

    Duplicates are kept: naming a file twice processes it twice.

    Raises:
        InputError: an argument matches nothing, with a sentence saying what to do.
    """
    sources: list[str] = []
    for argument in arguments:
        if _is_remote_argument(argument):
            sources.append(argument)
            continue
        path = Path(argument).expanduser()
        if path.is_dir():
            found = _folder_images(path, recursive)
            if not found:
                hint = "" if recursive else " (add --recursive to look in subfolders)"
                raise InputError(f"No images found in folder '{argument}'{hint}.")
            sources.extend(found)
        elif path.exists():
            sources.append(_local(path))
        elif _GLOB_CHARS.search(argument):
            matches = sorted(
                _local(name)
                for name in glob.glob(str(path), recursive=True)  # noqa: PTH207 - user patterns may be absolute or use ~
                if Path(name).is_file() and Path(name).suffix.lower() in IMAGE_SUFFIXES
            )
            if not matches:
                raise InputError(f"No image files match '{argument}'.")
            sources.extend(matches)
        else:
            raise InputError(
                f"File not found: '{argument}'. Check the path (relative paths start in the "
                "current folder), or pass a folder, a glob such as 'photos/*.jpg', or a URL."
            )
    return sources
