"""No import circles inside the package, counting every import that runs.

Each module's imports are read with ``ast``: module-level and function-level ones,
relative ones resolved, ``from package import module`` read as importing that module,
and the packages a submodule import runs on the way (``import a.b.c`` runs ``a/b``'s
``__init__``). Only imports under ``if TYPE_CHECKING:`` are left out: they never run.
A circle among what is left means one module can be half-initialised when another
needs it, or that two modules are really one idea split in two.
"""

from __future__ import annotations

import ast
from pathlib import Path

from tests.unit._imports import ROOT, import_nodes, imported_modules, modules, resolve


def _targets(module: str, path: Path, known: dict[str, Path]) -> set[str]:
    """The package's modules that importing ``module`` runs: each one imported, and the
    packages on the way to it (``import a.b.c`` runs ``a/b``'s ``__init__``), except
    those ``module`` already sits in."""
    found: set[str] = set()
    for name in imported_modules(module, path, known, runtime_only=True):
        parts = name.split(".")
        for depth in range(2, len(parts) + 1):
            step = ".".join(parts[:depth])
            if step != module and not module.startswith(step + "."):
                found.add(step)
    return found


def import_graph() -> dict[str, set[str]]:
    """Module -> the package's modules its runtime imports run."""
    known = modules()
    return {name: _targets(name, path, known) for name, path in known.items()}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(found)


def test_the_detector_finds_a_circle_through_a_function_level_import() -> None:
    """The checker itself: a circle closed only inside a function is still a circle."""
    graph = {
        f"{ROOT}.a": {f"{ROOT}.b"},
        f"{ROOT}.b": {f"{ROOT}.c"},
        f"{ROOT}.c": {f"{ROOT}.a"},
        f"{ROOT}.d": {f"{ROOT}.a"},
    }
    assert cycles(graph) == [[f"{ROOT}.a", f"{ROOT}.b", f"{ROOT}.c"]]
    source = "def f():\n    from . import a\n"
    tree = ast.parse(source)
    (node,) = list(import_nodes(tree, runtime_only=True))
    assert isinstance(node, ast.ImportFrom)
    assert resolve(f"{ROOT}.cli.app", False, node) == f"{ROOT}.cli"
    hidden = ast.parse("from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    import x\n")
    assert [type(n).__name__ for n in import_nodes(hidden, runtime_only=True)] == ["ImportFrom"]


def test_the_graph_sees_relative_and_function_level_imports() -> None:
    graph = import_graph()
    # testing/emulator.py imports its siblings with relative imports.
    assert f"{ROOT}.testing.batches" in graph[f"{ROOT}.testing.emulator"]
    # results.draw() imports annotate inside the method.
    assert f"{ROOT}.annotate" in graph[f"{ROOT}.results"]


def test_no_import_cycles() -> None:
    found = cycles(import_graph())
    assert not found, "import circles (break each by moving what both need lower):\n" + (
        "\n".join(" <-> ".join(c) for c in found)
    )
