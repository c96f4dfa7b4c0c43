"""Local files inside allowed folders: the file opened is the file checked (issue 16, 7-8).

The check resolves the path; the open then walks it again from a descriptor of the
allowed folder, one component at a time, refusing any symlink, so a directory
swapped for a symlink between the two cannot lead outside.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import io
import os
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from langchain_gemini_vision.errors import ImageInputError
from langchain_gemini_vision.images import load_image


def png(color: tuple[int, int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), color).save(buffer, "PNG")
    return buffer.getvalue()


INSIDE = png((255, 0, 0))
OUTSIDE = png((0, 0, 255))


@pytest.fixture
def tree(tmp_path: Path) -> dict[str, Path]:
    """``allowed/sub/img.png`` (inside) and ``outside/img.png`` (the secret)."""
    allowed, outside = tmp_path / "allowed", tmp_path / "outside"
    (allowed / "sub").mkdir(parents=True)
    outside.mkdir()
    (allowed / "sub" / "img.png").write_bytes(INSIDE)
    (outside / "img.png").write_bytes(OUTSIDE)
    return {"allowed": allowed, "outside": outside, "root": tmp_path}


# --------------------------------------------------------------------------- 7. symlink race


def test_item7_directory_swapped_for_a_symlink_after_the_check_is_not_followed(
    tree: dict[str, Path], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Deterministic replay of the race: the swap happens right after the path is resolved."""
    allowed, outside = tree["allowed"], tree["outside"]
    target = allowed / "sub" / "img.png"
    real_realpath = os.path.realpath
    swapped: list[bool] = []

    def realpath_then_swap(path: Any, *args: Any, **kwargs: Any) -> str:
        resolved = real_realpath(path, *args, **kwargs)
        if not swapped and Path(path).parts[-2:] == ("sub", "img.png"):
            (allowed / "sub").rename(allowed / "sub-moved")
            (allowed / "sub").symlink_to(outside, target_is_directory=True)
            swapped.append(True)
        return resolved

    monkeypatch.setattr(os.path, "realpath", realpath_then_swap)
    with pytest.raises(ImageInputError) as info:  # today: the outside file is read
        load_image(str(target), allowed_dirs=[allowed])
    assert info.value.reason == "outside_allowed_dirs"
    assert swapped == [True]


def test_item7_symlinked_intermediate_directory_to_outside_is_refused(
    tree: dict[str, Path],
) -> None:
    allowed, outside = tree["allowed"], tree["outside"]
    (allowed / "link").symlink_to(outside, target_is_directory=True)
    for source in (allowed / "link" / "img.png", str(allowed / "link" / "img.png")):
        with pytest.raises(ImageInputError) as info:
            load_image(source, allowed_dirs=[allowed])
        assert info.value.reason == "outside_allowed_dirs"


def test_item7_symlinks_that_stay_inside_the_allowed_folder_keep_working(
    tree: dict[str, Path],
) -> None:
    allowed = tree["allowed"]
    (allowed / "alias").symlink_to(allowed / "sub", target_is_directory=True)
    (allowed / "img-link.png").symlink_to(allowed / "sub" / "img.png")
    for source in (allowed / "alias" / "img.png", allowed / "img-link.png"):
        assert load_image(source, allowed_dirs=[allowed]).data == INSIDE


def test_item7_allowed_folder_itself_may_be_named_through_a_symlink(
    tree: dict[str, Path],
) -> None:
    allowed, root = tree["allowed"], tree["root"]
    (root / "alias").symlink_to(allowed, target_is_directory=True)
    assert load_image(root / "alias" / "sub" / "img.png", allowed_dirs=[allowed]).data == INSIDE
    assert load_image(allowed / "sub" / "img.png", allowed_dirs=[root / "alias"]).data == INSIDE


def _renameat2() -> Any:
    if not sys.platform.startswith("linux"):
        return None
    name = ctypes.util.find_library("c")
    libc = ctypes.CDLL(name, use_errno=True) if name else None
    return getattr(libc, "renameat2", None)


@pytest.mark.slow
@pytest.mark.skipif(_renameat2() is None, reason="needs Linux renameat2(RENAME_EXCHANGE)")
def test_item7_race_with_a_swapping_thread_never_reads_outside(tree: dict[str, Path]) -> None:
    """An attacker swaps ``allowed/sub`` with a symlink to the outside folder in a loop."""
    renameat2 = _renameat2()
    at_fdcwd, rename_exchange = -100, 2
    allowed, outside = tree["allowed"], tree["outside"]
    (allowed / "swap").symlink_to(outside, target_is_directory=True)
    first, second = os.fsencode(allowed / "sub"), os.fsencode(allowed / "swap")
    stop = threading.Event()

    def swap() -> None:
        while not stop.is_set():
            renameat2(at_fdcwd, first, at_fdcwd, second, rename_exchange)

    swapper = threading.Thread(target=swap, daemon=True)
    swapper.start()
    outcomes = {"inside": 0, "outside": 0, "refused": 0}
    try:
        for _ in range(15_000):
            try:
                prepared = load_image(str(allowed / "sub" / "img.png"), allowed_dirs=[allowed])
            except ImageInputError:
                outcomes["refused"] += 1
            else:
                outcomes["outside" if prepared.data == OUTSIDE else "inside"] += 1
    finally:
        stop.set()
        swapper.join()
    assert outcomes["outside"] == 0, outcomes
    assert outcomes["inside"] > 0, outcomes  # the swap did not simply break every read


# --------------------------------------------------------------------------- 8. no oracle


def test_item8_paths_outside_get_one_answer_whether_they_exist_or_not(
    tree: dict[str, Path],
) -> None:
    allowed, outside = tree["allowed"], tree["outside"]
    sources: list[str | Path] = [
        outside / "img.png",
        outside / "missing.png",
        str(outside / "img.png"),
        str(outside / "missing.png"),
        str(outside / "no-dir" / "missing.png"),
        str(allowed / ".." / "outside" / "img.png"),
    ]
    answers = set()
    for source in sources:
        with pytest.raises(ImageInputError) as info:
            load_image(source, allowed_dirs=[allowed])
        answers.add((info.value.reason, info.value.detail))
    assert answers == {("outside_allowed_dirs", "the path is outside the allowed directories")}


# Bare names and other strings a file in the current folder could be called.
BARE_NAMES = ["secret", "secret.png", "abcdefghabcdefgh", "my secret", "~secret"]


def _answer(source: str | Path, allowed: Path) -> tuple[str, str]:
    with pytest.raises(ImageInputError) as info:
        load_image(source, allowed_dirs=[allowed])
    return info.value.reason, info.value.detail


@pytest.mark.parametrize("name", BARE_NAMES)
def test_item8_a_bare_name_outside_gets_one_answer_whether_it_exists_or_not(
    tree: dict[str, Path], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    allowed, outside = tree["allowed"], tree["outside"]
    monkeypatch.chdir(outside)
    missing = _answer(name, allowed)
    (outside / name).write_bytes(OUTSIDE)
    existing = _answer(name, allowed)
    assert existing == missing
    assert existing == ("outside_allowed_dirs", "the path is outside the allowed directories")


def _file_calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Every call that looks at a file (stat, lstat, open), with the path it was given."""
    seen: list[tuple[str, str]] = []
    for name in ("stat", "lstat", "open"):
        real = getattr(os, name)

        def spy(path: Any, *args: Any, _real: Any = real, _name: str = name, **kw: Any) -> Any:
            if isinstance(path, (str, bytes, os.PathLike)):
                seen.append((_name, os.path.abspath(os.fsdecode(path))))  # noqa: PTH100
            return _real(path, *args, **kw)

        monkeypatch.setattr(os, name, spy)
    return seen


@pytest.mark.parametrize("name", [*BARE_NAMES, "img.png", "../outside/img.png"])
def test_item8_a_path_outside_is_refused_in_the_same_steps_whether_it_exists_or_not(
    tree: dict[str, Path], monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    """Nothing looks the file up before the check refuses it (its timing tells nothing):
    the calls made are the same whether it exists or not, and none stats or opens it."""
    allowed, outside = tree["allowed"], tree["outside"]
    monkeypatch.chdir(outside)
    target = outside / name
    calls = _file_calls(monkeypatch)
    steps = {}
    for exists in (True, False):
        if exists:
            target.write_bytes(OUTSIDE)
        else:
            target.unlink()
        calls.clear()
        for source in (name, target, str(target)):
            with pytest.raises(ImageInputError, match="outside the allowed directories"):
                load_image(source, allowed_dirs=[allowed])
        steps[exists] = list(calls)
        assert [c for c in calls if c[0] != "lstat" and c[1].startswith(str(outside))] == []
    assert steps[True] == steps[False]
