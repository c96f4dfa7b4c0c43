"""Imports flow downward only (see ARCHITECTURE.md): a module never imports from a layer above it.

Two levels: the package's top-level modules and subpackages have layers (``LAYERS``),
and the modules inside each subpackage have layers of their own (``INNER_LAYERS``).
Every import counts, relative ones and those under ``if TYPE_CHECKING:`` included (an
upward type import is still upward knowledge); a subpackage's ``__init__`` is its face
and may import any of its modules.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.unit._imports import PACKAGE, ROOT, imported_modules, module_name, modules

# Lower number = lower layer. A module may import from its own layer or below.
LAYERS: dict[str, int] = {
    "errors": 0,
    "usage": 0,
    "profiles": 0,
    "_version": 0,
    "_lazy": 0,
    "_text": 0,
    "_concurrency": 0,
    "_progress": 0,
    "stores": 0,
    "geometry": 1,
    "tokens": 1,
    "_json_depth": 1,
    "_label_ids": 1,
    "_quota": 1,
    "image_formats": 2,
    "decode_budget": 2,
    "_url_policy": 2,
    "_url_safety": 2,
    "_trace_images": 2,
    "images": 2,
    "masks": 2,
    "results": 3,
    "spatial": 3,
    "prompts": 3,
    "parsing": 3,
    "annotate": 3,
    "_transport": 4,
    "_result_cache": 4,
    "settings": 5,
    "client": 5,
    "tasks": 5,
    "_client_owner": 6,
    "_tool_references": 6,
    "_model_runs": 6,
    "_runnable_inputs": 6,
    "_load_failures": 6,
    "_loader_content": 6,
    "runnables": 6,
    "tools": 6,
    "toolkit": 6,
    "loaders": 6,
    "image_store": 6,
    "embeddings": 6,
    "retrievers": 6,
    "batch": 6,
    "report": 7,
    "evaluation": 7,
    "cli": 7,
    "mcp_server": 7,
    "attachments": 7,
    "testing": 8,  # the emulator may use anything; nothing but tests, CLI demo and benchmarks use it
}
# Inside a subpackage: a module may import its own sub-layer or below.
INNER_LAYERS: dict[str, dict[str, int]] = {
    "images": {
        # the model, the options, what a reference is, safe local reads
        "model": 0,
        "options": 0,
        "references": 0,
        "local_files": 0,
        "pixels": 1,  # Pillow work
        "prepare": 2,  # bytes and pixels to a PreparedImage
        "sources": 3,  # each kind of source, read
        "load": 4,  # the loaders
    },
    "_quota": {"clock": 0, "window": 0, "gate": 0, "limiter": 1},
    "masks": {"limits": 0, "contours": 0, "rle": 1, "mask": 2, "decode": 3},
    "parsing": {"json_text": 0, "spatial": 1, "detections": 2, "answers": 1, "incremental": 3},
    "_transport": {
        "base": 0,
        "errors": 0,
        "retry": 1,
        "payloads": 1,
        "embeddings": 2,
        "files": 2,
        "lean": 2,
        "sdk": 2,
    },
    "tasks": {
        "streams": 0,  # what a task streams
        "task": 0,  # what a task is
        "ask": 1,
        "caption": 1,
        "compare": 1,
        "detect": 1,
        "segment": 2,  # detection's parsing, with masks
        "point": 2,  # detection's image size
    },
    "evaluation": {"dataset": 0, "metrics": 1, "run": 2, "html": 3},
    "batch": {"items": 0, "_api": 0, "manifest": 1, "outcomes": 2, "job": 3, "documents": 4},
    "cli": {
        "_inputs": 0,
        "_options": 0,
        "_run": 0,
        "_models": 1,
        "_output": 1,
        "_batch": 1,
        "_eval": 1,
        "_demo": 2,
        "_mcp": 2,
        "_mcp_command": 2,
        "app": 3,
        "__main__": 4,
    },
    "testing": {
        # what the emulator is made of, bottom up
        "request_schema": 0,
        "_palette": 0,
        "faults": 0,
        "_contours": 0,
        "_schemas": 0,
        "_emulator_cli": 3,
        "hostile": 0,
        "mock_transport": 0,  # a transport a test answers, apart from the server
        "_colors": 1,
        "_api_errors": 1,
        "scenes": 1,
        "vision": 2,
        "_protocol": 2,
        "degrade": 3,  # spatial answers spoiled by computed amounts
        "descriptions": 3,
        "_emulator_analyses": 3,
        "_emulator_http": 3,
        "_emulator_quota": 2,
        "answers": 4,
        "_emulator_files": 4,
        "embedding_space": 3,  # the embedding model: concepts from pixels and words
        "dialects": 5,
        "_emulator_embeddings": 5,
        "_schema_fill": 5,
        "_emulator_generation": 6,
        "batches": 7,
        "emulator": 8,
        # the pytest side, on top of the server
        "_lazy_emulator": 9,
        "_pytest_asyncio": 10,
        "pytest_plugin": 11,
    },
}
# Allowed exceptions, each with its reason.
ALLOWED = {
    # DetectionResult.draw() delegates to annotate, lazily, as supervision's results do.
    ("results", "annotate"),
    # The demo starts the emulator when there is no key.
    ("cli", "testing"),
}

KNOWN = modules()


def _parts(module: str) -> list[str]:
    return module.split(".")[1:]  # without the package's own name


def _upward(module: str, target: str) -> str | None:
    """Why ``module`` may not import ``target``, or ``None`` when it may."""
    own, other = _parts(module), _parts(target)
    if not own or not other:
        return None  # the package root re-exports everything
    if own[0] != other[0]:
        if own[0] not in LAYERS or other[0] not in LAYERS or (own[0], other[0]) in ALLOWED:
            return None
        if LAYERS[other[0]] > LAYERS[own[0]]:
            return f"{own[0]} (layer {LAYERS[own[0]]}) imports {target} (layer {LAYERS[other[0]]})"
        return None
    inner = INNER_LAYERS.get(own[0])
    if inner is None or len(own) < 2 or len(other) < 2:
        return None  # a subpackage's face, or the subpackage itself
    mine, theirs = inner.get(own[1]), inner.get(other[1])
    if mine is not None and theirs is not None and theirs > mine:
        return f"{module} (layer {mine} of {own[0]}) imports {target} (layer {theirs})"
    return None


@pytest.mark.parametrize("path", sorted(KNOWN.values()), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_upward_imports(path: Path) -> None:
    module = module_name(path)
    targets = imported_modules(module, path, KNOWN, runtime_only=False)
    offenders = [reason for target in sorted(targets) if (reason := _upward(module, target))]
    assert not offenders, offenders


def test_every_top_level_module_has_a_layer() -> None:
    names = {_parts(name)[0] for name in KNOWN if _parts(name)}
    missing = sorted(n for n in names if n not in LAYERS and n != "py")
    assert not missing, f"add these to LAYERS (and ARCHITECTURE.md): {missing}"


def test_the_architecture_table_matches_the_tree() -> None:
    """ARCHITECTURE.md's table names every top-level module and subpackage, and nothing else."""
    text = (PACKAGE.parent / "ARCHITECTURE.md").read_text(encoding="utf-8")
    table = "\n".join(line for line in text.splitlines() if line.startswith("| "))
    named = set(re.findall(r"`([A-Za-z_][A-Za-z0-9_]*)(?:\.py|/)`", table))
    tree = {p.stem for p in PACKAGE.glob("*.py")} | {
        p.parent.name for p in PACKAGE.glob("*/__init__.py")
    }
    tree -= {"__init__", "py"}
    assert tree - named == set(), f"add to ARCHITECTURE.md's table: {sorted(tree - named)}"
    assert named - tree == set(), f"no longer in the tree: {sorted(named - tree)}"


def test_every_module_of_a_subpackage_has_a_layer() -> None:
    missing = sorted(
        name
        for name in KNOWN
        if len(_parts(name)) == 2
        and _parts(name)[0] in INNER_LAYERS
        and _parts(name)[1] not in INNER_LAYERS[_parts(name)[0]]
    )
    packages = sorted({p.parent.name for p in PACKAGE.glob("*/__init__.py")})
    unlayered = [p for p in packages if p not in INNER_LAYERS]
    assert not missing, f"add these to INNER_LAYERS (and ARCHITECTURE.md): {missing}"
    assert not unlayered, f"give these subpackages INNER_LAYERS: {unlayered}"


def test_the_checker_sees_an_upward_import_inside_a_subpackage() -> None:
    """The checker itself: a lower module of a subpackage importing a higher one is caught."""
    assert _upward(f"{ROOT}.images.model", f"{ROOT}.images.load") is not None
    assert _upward(f"{ROOT}.images.load", f"{ROOT}.images.model") is None
    assert _upward(f"{ROOT}.images.load", f"{ROOT}.client") is not None
    assert _upward(f"{ROOT}.client", f"{ROOT}.images.load") is None
    assert _upward(f"{ROOT}.images", f"{ROOT}.images.load") is None  # the package's face
