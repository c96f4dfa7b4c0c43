"""Issue 17 item 5: a module over about 500 lines says at its top why it is one idea.

Long modules are allowed when what they hold cannot be cut without one half reaching
into the other; the docstring then says so in a paragraph starting ``Why one module:``,
so the next reader does not have to find out by trying.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "langchain_gemini_vision"
LIMIT = 500
MARKER = "Why one module:"


def _long_modules() -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob("*.py") if len(p.read_text(encoding="utf-8").splitlines()) > LIMIT
    )


@pytest.mark.parametrize("path", _long_modules(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_item5_a_long_module_says_why_it_is_one_idea(path: Path) -> None:
    docstring = ast.get_docstring(ast.parse(path.read_text(encoding="utf-8"))) or ""
    assert MARKER in docstring, (
        f"{path.relative_to(PACKAGE)} has over {LIMIT} lines: split it along its seams, or "
        f"say in its docstring, in a paragraph starting {MARKER!r}, why it is one idea"
    )
