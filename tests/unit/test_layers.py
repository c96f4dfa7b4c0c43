"""Imports flow downward only (see ARCHITECTURE.md): a module never imports from a layer above it."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "langchain_gemini_vision"

# Lower number = lower layer. A module may import from its own layer or below.
LAYERS: dict[str, int] = {
    "errors": 0,
    "usage": 0,
    "profiles": 0,
    "_version": 0,
    "_lazy": 0,
    "_text": 0,
    "_concurrency": 0,
    "geometry": 1,
    "tokens": 1,
    "_json_depth": 1,
    "image_formats": 2,
    "decode_budget": 2,
    "_local_files": 2,
    "images": 2,
    "_url_safety": 2,
    "masks": 2,
    "results": 3,
    "prompts": 3,
    "parsing": 3,
    "annotate": 3,
    "_transport": 4,
    "settings": 5,
    "client": 5,
    "tasks": 5,
    "_load_failures": 5,
    "_client_owner": 6,
    "runnables": 6,
    "tools": 6,
    "toolkit": 6,
    "loaders": 6,
    "image_store": 6,
    "batch": 6,
    "report": 7,
    "cli": 7,
    "testing": 8,  # the emulator may use anything; nothing but tests, CLI demo and benchmarks use it
}
# Allowed exceptions, each with its reason.
ALLOWED = {
    # DetectionResult.draw() delegates to annotate, lazily, as supervision's results do.
    ("results", "annotate"),
    # The demo starts the emulator when there is no key.
    ("cli", "testing"),
}


def _layer_of(module: str) -> str | None:
    parts = module.split(".")
    if parts[0] != "langchain_gemini_vision" or len(parts) < 2:
        return None
    return parts[1]


def _modules() -> list[Path]:
    return sorted(p for p in PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_no_upward_imports(path: Path) -> None:
    rel = path.relative_to(PACKAGE)
    own = rel.parts[0].removesuffix(".py")
    if own == "__init__" or own not in LAYERS:
        pytest.skip("the package root re-exports everything")
    tree = ast.parse(path.read_text())
    offenders = []
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            target = _layer_of(name)
            if target is None or target == own or target not in LAYERS:
                continue
            if LAYERS[target] > LAYERS[own] and (own, target) not in ALLOWED:
                offenders.append(
                    f"{own} (layer {LAYERS[own]}) imports {name} (layer {LAYERS[target]})"
                )
    assert not offenders, offenders


def test_every_top_level_module_has_a_layer() -> None:
    names = {p.relative_to(PACKAGE).parts[0].removesuffix(".py") for p in _modules()}
    names -= {"__init__", "__main__", "py"}
    missing = sorted(n for n in names if n not in LAYERS)
    assert not missing, f"add these to LAYERS (and ARCHITECTURE.md): {missing}"


# --------------------------------------------------------------------------- import circles

KNOWN_CIRCLES = {
    # Left to the split of those modules into packages (issue 17 item 5).
    frozenset({"annotate", "results"}),
    frozenset({"testing.batches", "testing.emulator"}),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _runtime_imports(path: Path, modules: set[str]) -> set[str]:
    """Modules of the package that ``path`` imports when it runs (``TYPE_CHECKING`` aside)."""
    own = _module_name(path)
    package = own if path.name == "__init__.py" else own.rpartition(".")[0]
    tree = ast.parse(path.read_text())
    checked: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            checked.update(id(n) for child in node.body for n in ast.walk(child))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in checked:
            continue
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".") if package else []
                base = base[: len(base) - (node.level - 1)] if node.level > 1 else base
                module = ".".join([*base, *([node.module] if node.module else [])])
            else:
                module = node.module or ""
            if not node.level and not module.startswith("langchain_gemini_vision"):
                continue
            inner = module.removeprefix("langchain_gemini_vision").lstrip(".")
            for alias in node.names:  # a submodule by name, else the module itself
                sub = f"{inner}.{alias.name}".lstrip(".")
                targets.append(sub if sub in modules else inner)
        for target in targets:
            name = target.removeprefix("langchain_gemini_vision").lstrip(".")
            if name in modules and name != own:
                found.add(name)
    return found


def test_no_import_circles() -> None:
    """No two modules import each other, even lazily (issue 17: the circles go)."""
    paths = _modules()
    modules = {_module_name(p) for p in paths}
    graph = {_module_name(p): _runtime_imports(p, modules) for p in paths}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles: set[frozenset[str]] = set()

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        for target in graph.get(node, ()):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.add(frozenset(component))

    for module in sorted(graph):
        if module not in index:
            visit(module)
    assert circles <= KNOWN_CIRCLES, sorted(sorted(c) for c in circles - KNOWN_CIRCLES)
