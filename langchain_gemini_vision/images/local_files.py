"""Reading a local file, only inside the allowed folders, so the file opened is the file checked.

The path is resolved (``realpath``) and checked against the allowed folders; then,
where the platform offers ``openat`` (``os.open`` with ``dir_fd``), it is opened again
from a descriptor of the allowed folder one component at a time with
``O_NOFOLLOW``. The resolved path holds no symlink, so a symlink met on the way
means the tree changed between the check and the open (a directory swapped for a
symlink to elsewhere) and the read is refused. Symlinks inside an allowed folder
that stay inside it keep working: ``realpath`` resolves them before the walk.

Every path outside gets one answer, whether it exists or not
(:func:`outside_allowed_dirs`): nothing leaks about files elsewhere.
"""

from __future__ import annotations

import errno
import os
import stat
from collections.abc import Iterable
from pathlib import Path

from langchain_gemini_vision.errors import ImageInputError

__all__ = ["is_within", "names_path_within", "outside_allowed_dirs", "read_local_file"]

_CAN_WALK = os.open in os.supports_dir_fd and os.stat in os.supports_dir_fd
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_FILE_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | _NOFOLLOW | _CLOEXEC
_FILE_FLAGS |= getattr(os, "O_BINARY", 0)
_SWAPPED = "the path changed while it was opened (a symlink appeared on it); refused"


def outside_allowed_dirs(label: str) -> ImageInputError:
    """The one answer for every path outside the allowed folders, existing or not."""
    return ImageInputError(
        label, "outside_allowed_dirs", "the path is outside the allowed directories"
    )


def is_within(path: str, directory: str) -> bool:
    """Whether ``path`` is ``directory`` or below it (both absolute, normalised)."""
    try:
        return os.path.commonpath([path, directory]) == directory
    except ValueError:  # different drives on Windows
        return False


def names_path_within(text: str, allowed_dirs: Iterable[str | os.PathLike[str]]) -> bool:
    """Whether ``text``, read as a path (relative to the current folder), lies in an
    allowed folder before any symlink is resolved. Touches no file."""
    # abspath, not resolve(): lexical on purpose, no symlink followed, no file touched.
    # os.path.expanduser leaves "~nobody" as it is where pathlib's would raise.
    absolute = os.path.abspath(os.path.expanduser(text))  # noqa: PTH100, PTH111
    for directory in allowed_dirs:
        given = Path(directory).expanduser()
        for base in {os.path.abspath(given), os.path.realpath(given)}:  # noqa: PTH100
            if is_within(absolute, base):
                return True
    return False


def _check_regular(info: os.stat_result, label: str, max_bytes: int) -> None:
    if stat.S_ISDIR(info.st_mode):
        raise ImageInputError(label, "not_an_image", "this is a directory, not an image file")
    if not stat.S_ISREG(info.st_mode):
        raise ImageInputError(
            label, "not_an_image", "not a regular file (a FIFO, socket or device)"
        )
    if info.st_size > max_bytes:
        raise ImageInputError(
            label,
            "too_large",
            f"the file is {info.st_size} bytes, over the {max_bytes}-byte limit",
        )


def _os_error(exc: OSError, label: str, doing: str, *, guarded: bool) -> ImageInputError:
    # O_NOFOLLOW meeting a symlink: ELOOP (Linux, macOS), EMLINK (FreeBSD).
    if guarded and exc.errno in (errno.ELOOP, errno.EMLINK):
        return ImageInputError(label, "outside_allowed_dirs", _SWAPPED)
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return ImageInputError(label, "not_found", "no such file")
    return ImageInputError(label, "not_found", f"cannot {doing} the file: {exc}")


def _open_checked(
    real: str, label: str, max_bytes: int, *, guarded: bool
) -> tuple[int, os.stat_result]:
    """Stat, check, then open ``real`` (O_NOFOLLOW guards its last component only)."""
    try:
        info = Path(real).stat()
    except OSError as exc:
        raise _os_error(exc, label, "access", guarded=guarded) from exc
    _check_regular(info, label, max_bytes)  # a FIFO or device is never opened
    try:
        return os.open(real, _FILE_FLAGS), info
    except OSError as exc:
        raise _os_error(exc, label, "open", guarded=guarded) from exc


def _open_folder(name: str, parent: int, label: str) -> int:
    """Open the folder ``name`` in ``parent``, refusing a symlink in its place."""
    try:
        return os.open(name, os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC, dir_fd=parent)
    except OSError as exc:
        # O_DIRECTORY | O_NOFOLLOW on a symlink: ENOTDIR on Linux, ELOOP elsewhere.
        if exc.errno in (errno.ENOTDIR, errno.ELOOP, errno.EMLINK):
            try:
                swapped = stat.S_ISLNK(os.stat(name, dir_fd=parent, follow_symlinks=False).st_mode)
            except OSError:
                swapped = False
            if swapped:
                raise ImageInputError(label, "outside_allowed_dirs", _SWAPPED) from exc
        raise


def _open_beneath(
    base: str, relative: str, label: str, max_bytes: int
) -> tuple[int, os.stat_result]:
    """Open ``base/relative`` from a descriptor of ``base``, refusing any symlink on the way."""
    parts = [part for part in Path(relative).parts if part not in ("", os.curdir)]
    if not parts:
        raise ImageInputError(label, "not_an_image", "this is a directory, not an image file")
    try:
        folder = os.open(base, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
    except OSError as exc:
        raise _os_error(exc, label, "open", guarded=True) from exc
    try:
        for name in parts[:-1]:
            inner = _open_folder(name, folder, label)
            os.close(folder)
            folder = inner
        info = os.stat(parts[-1], dir_fd=folder, follow_symlinks=False)
        if stat.S_ISLNK(info.st_mode):
            raise ImageInputError(label, "outside_allowed_dirs", _SWAPPED)
        _check_regular(info, label, max_bytes)
        return os.open(parts[-1], _FILE_FLAGS, dir_fd=folder), info
    except OSError as exc:
        raise _os_error(exc, label, "open", guarded=True) from exc
    finally:
        os.close(folder)


def _read_all(fd: int, size_hint: int, label: str, max_bytes: int) -> bytes:
    chunks: list[bytes] = []
    total = 0
    # One read of the size stat reports (no join of megabyte chunks); the loop
    # still catches a file that grew, and pseudo-files that report size 0.
    first = min(max(size_hint, 1 << 16), max_bytes + 1)
    while True:
        chunk = os.read(fd, first if not chunks else min(1 << 20, max_bytes + 1 - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
        if total > max_bytes:
            raise ImageInputError(
                label, "too_large", f"the file is over the {max_bytes}-byte limit"
            )
    return chunks[0] if len(chunks) == 1 else b"".join(chunks)


def read_local_file(
    raw: str, label: str, allowed_dirs: tuple[str, ...] | None, max_bytes: int
) -> bytes:
    """The bytes of the regular file at ``raw`` (``~`` expanded), at most ``max_bytes``.

    ``allowed_dirs`` are resolved, absolute folders (``None``: any path). The check
    runs before any existence test, and FIFOs and devices are refused without being
    opened for reading.

    Raises:
        ImageInputError: ``outside_allowed_dirs``, ``not_found``, ``not_an_image``
            (a directory, FIFO or device) or ``too_large``.
    """
    real = os.path.realpath(os.path.expanduser(raw))  # noqa: PTH111
    if allowed_dirs is None:
        fd, checked = _open_checked(real, label, max_bytes, guarded=False)
    else:
        base = max((d for d in allowed_dirs if is_within(real, d)), key=len, default=None)
        if base is None:
            raise outside_allowed_dirs(label)
        if _CAN_WALK:
            fd, checked = _open_beneath(base, os.path.relpath(real, base), label, max_bytes)
        else:  # no openat (Windows): check, then open; O_NOFOLLOW guards the last step
            fd, checked = _open_checked(real, label, max_bytes, guarded=True)
    try:
        opened = os.fstat(fd)
        _check_regular(opened, label, max_bytes)  # the file we opened, not the one we checked
        same = (opened.st_dev, opened.st_ino) == (checked.st_dev, checked.st_ino)
        if allowed_dirs is not None and not same:
            raise ImageInputError(label, "outside_allowed_dirs", _SWAPPED)
        return _read_all(fd, opened.st_size, label, max_bytes)
    except OSError as exc:
        raise ImageInputError(label, "not_found", f"cannot read the file: {exc}") from exc
    finally:
        os.close(fd)
