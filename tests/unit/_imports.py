"""The package's own imports, read with ``ast``: for the layer and import-circle tests.

Every import statement counts wherever it stands (module level, inside a function or a
``try``); relative imports are resolved; ``from package import module`` is read as
importing that module. ``runtime_only`` leaves out what sits under ``if TYPE_CHECKING:``,
which never runs.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "langchain_gemini_vision"
ROOT = PACKAGE.name


def module_name(path: Path) -> str:
    """``langchain_gemini_vision.images.load`` for ``images/load.py``; a package's
    ``__init__.py`` is the package itself."""
    parts = [ROOT, *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the package, by name."""
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def _is_type_checking(test: ast.expr) -> bool:
    if isinstance(test, ast.Name):
        return test.id == "TYPE_CHECKING"
    return isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"


def import_nodes(tree: ast.AST, *, runtime_only: bool) -> Iterator[ast.Import | ast.ImportFrom]:
    """Every import statement in ``tree`` (under ``if TYPE_CHECKING:`` too, unless
    ``runtime_only``)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            yield node
        elif runtime_only and isinstance(node, ast.If) and _is_type_checking(node.test):
            for branch in node.orelse:
                yield from import_nodes(branch, runtime_only=runtime_only)
        else:
            yield from import_nodes(node, runtime_only=runtime_only)


def resolve(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The absolute name a ``from ... import`` reads from."""
    if node.level == 0:
        return node.module or ""
    base = module.split(".") if is_package else module.split(".")[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join([*base, node.module] if node.module else base)


def imported_modules(
    module: str, path: Path, known: dict[str, Path], *, runtime_only: bool
) -> set[str]:
    """The package's modules that ``module`` imports (a name imported from a module
    counts as that module)."""
    found: set[str] = set()
    tree = ast.parse(path.read_text(encoding="utf-8"))
    for node in import_nodes(tree, runtime_only=runtime_only):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            source = resolve(module, path.name == "__init__.py", node)
            names = [
                f"{source}.{alias.name}" if f"{source}.{alias.name}" in known else source
                for alias in node.names
            ]
        for imported in names:
            if imported != ROOT and not imported.startswith(ROOT + "."):
                continue
            name = imported
            while name not in known:  # ``import a.b.c`` of a name inside a module
                name = name.rsplit(".", 1)[0]
            found.add(name)
    return found
