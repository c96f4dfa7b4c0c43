"""What installing the package does to an environment, and what it must declare.

* The ``pytest11`` plugin is loaded by every pytest run in an environment where the
  package is installed, including other projects' runs: it must import nothing
  beyond the core dependencies until one of its fixtures is used.
* Every package the code imports is a declared dependency (core, or the extra its
  module belongs to), and the ``testing`` extra brings what the emulator and its
  plugin need.
"""

from __future__ import annotations

import ast
import importlib.metadata
import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from packaging.requirements import Requirement

import langchain_gemini_vision

tomllib = pytest.importorskip("tomllib")  # Python 3.11+

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = Path(langchain_gemini_vision.__file__).resolve().parent
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())

# A package that fails to import as an absent one does. It shadows the installed one from
# PYTHONPATH, so even pytest's import hook (which bypasses other meta-path finders for
# plugin packages) meets it: the environment looks as if only the package and pytest
# were installed.
_MISSING = "raise ModuleNotFoundError({message!r}, name={name!r})\n"


def _run_pytest(
    tmp_path: Path, tests: str, *, blocked: set[str] = frozenset(), args: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    """Run pytest on a one-file project of its own, with the package on the path."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pytest.ini").write_text("[pytest]\n")
    (project / "test_project.py").write_text(textwrap.dedent(tests))
    path = [str(ROOT)]
    if blocked:
        site = tmp_path / "site"
        for name in blocked:
            (site / name).mkdir(parents=True)
            message = f"No module named {name!r}"
            (site / name / "__init__.py").write_text(_MISSING.format(message=message, name=name))
        path.insert(0, str(site))
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(path)}
    env.pop("PYTEST_ADDOPTS", None)
    env.pop("PYTEST_PLUGINS", None)
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", *args]
    return subprocess.run(
        command, cwd=project, env=env, capture_output=True, text=True, timeout=180, check=False
    )


# ---------------------------------------------------------------- item 16: the plugin


def test_plugin_does_not_break_unrelated_projects_without_the_testing_extra(
    tmp_path: Path,
) -> None:
    """Issue 15 item 16: pytest_asyncio and scipy missing, another project's run passes."""
    done = _run_pytest(
        tmp_path,
        """
        import sys

        def test_unrelated(request):
            # The plugin was registered from the package's entry point...
            assert request.config.pluginmanager.has_plugin("gemini_emulator")
            # ...and loaded nothing the core dependencies do not bring.
            assert "langchain_gemini_vision.testing.emulator" not in sys.modules
            assert "scipy" not in sys.modules

        def test_arithmetic():
            assert 1 + 1 == 2
        """,
        blocked={"pytest_asyncio", "scipy"},
        # pytest-asyncio's own entry point is installed here: keep pytest from loading it.
        args=("-p", "no:asyncio"),
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "2 passed" in done.stdout


def test_plugin_fixtures_say_which_extra_they_need_when_it_is_missing(tmp_path: Path) -> None:
    done = _run_pytest(
        tmp_path,
        """
        def test_sync(gemini_emulator):
            pass

        def test_async(async_gemini_emulator):
            pass
        """,
        blocked={"pytest_asyncio", "scipy"},
        args=("-p", "no:asyncio", "-rE"),
    )
    assert done.returncode == 1, done.stdout + done.stderr
    assert "2 error" in done.stdout, done.stdout
    assert done.stdout.count("langchain-gemini-vision[testing]") >= 2, done.stdout
    assert "pytest-asyncio" in done.stdout


def test_plugin_fixtures_work_with_the_testing_extra(tmp_path: Path) -> None:
    """Strict asyncio mode (pytest-asyncio's default): the async fixture still works."""
    done = _run_pytest(
        tmp_path,
        """
        import json
        import urllib.request

        import pytest

        def _alive(emulator):
            request = urllib.request.Request(
                emulator.base_url + "/v1beta/files", headers={"x-goog-api-key": "k"}
            )
            with urllib.request.urlopen(request, timeout=10) as response:
                return response.status == 200 and isinstance(json.loads(response.read()), dict)

        def test_sync(gemini_emulator):
            assert _alive(gemini_emulator)

        def test_session(gemini_emulator_session):
            assert _alive(gemini_emulator_session)

        def test_client(gemini_emulator_client):
            assert list(gemini_emulator_client.files.list()) == []

        @pytest.mark.asyncio
        async def test_async(async_gemini_emulator):
            import aiohttp

            async with aiohttp.ClientSession() as session:
                async with session.get(
                    async_gemini_emulator.base_url + "/v1beta/files",
                    headers={"x-goog-api-key": "k"},
                ) as response:
                    assert response.status == 200
        """,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert "4 passed" in done.stdout


# ---------------------------------------------------------------- item 17: dependencies


def _declared(requirements: list[str]) -> set[str]:
    names = set()
    for text in requirements:
        requirement = Requirement(text)
        if requirement.name != "langchain-gemini-vision":
            names.add(_normalise(requirement.name))
    return names


def _normalise(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


CORE = _declared(PYPROJECT["project"]["dependencies"])
EXTRAS = {
    extra: _declared(requirements)
    for extra, requirements in PYPROJECT["project"]["optional-dependencies"].items()
}


def _extra_of(module: Path) -> str | None:
    """The extra a module belongs to: the emulator kit is the ``testing`` extra's."""
    relative = module.relative_to(PACKAGE)
    return "testing" if relative.parts[0] == "testing" else None


def _imports(node: ast.AST) -> set[str]:
    """Top-level names of the absolute imports under a node (lazy ones included)."""
    names: set[str] = set()
    for child in ast.walk(node):
        if isinstance(child, ast.Import):
            names.update(alias.name.split(".")[0] for alias in child.names)
        elif isinstance(child, ast.ImportFrom) and child.level == 0 and child.module:
            names.add(child.module.split(".")[0])
    return names


def _optional_imports(tree: ast.AST) -> set[str]:
    """Imports guarded by ``except ImportError``: the feature is optional where they are."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Try) and any(
            isinstance(handler.type, ast.Name)
            and handler.type.id in {"ImportError", "ModuleNotFoundError"}
            for handler in node.handlers
        ):
            for statement in node.body:
                names |= _imports(statement)
    return names


def test_every_imported_package_is_a_declared_dependency() -> None:
    """Issue 15 item 17: httpcore2 and anyio arrived only transitively."""
    distributions = importlib.metadata.packages_distributions()
    stdlib = sys.stdlib_module_names
    missing: list[str] = []
    for module in sorted(PACKAGE.rglob("*.py")):
        extra = _extra_of(module)
        allowed = CORE | (EXTRAS[extra] if extra else set())
        tree = ast.parse(module.read_text(), str(module))
        optional = _optional_imports(tree)
        for name in sorted(_imports(tree)):
            if name in stdlib or name == "langchain_gemini_vision" or name == "__future__":
                continue
            owners = {_normalise(d) for d in distributions.get(name, [])}
            assert owners, f"{module.relative_to(PACKAGE)} imports {name}, which nothing installs"
            if owners & allowed:
                continue
            if name in optional and any(owners & names for names in EXTRAS.values()):
                continue  # an optional feature behind an extra (heic, supervision)
            where = f"the {extra!r} extra" if extra else "the core dependencies"
            missing.append(f"{module.relative_to(PACKAGE)}: {name} ({owners}) not in {where}")
    assert not missing, "\n".join(missing)


def test_lazily_imported_extras_are_declared_as_extras() -> None:
    """The optional features import their library inside the call; each has its extra."""
    assert "pillow-heif" in EXTRAS["heic"]
    assert "supervision" in EXTRAS["supervision"]


def test_testing_extra_brings_what_the_emulator_and_its_plugin_need() -> None:
    testing = EXTRAS["testing"]
    assert {"scipy", "pytest", "pytest-asyncio"} <= testing


def test_testing_kit_docstring_says_what_the_extra_brings() -> None:
    """Issue 15 item 21: it said "aiohttp, scipy"; aiohttp is a core dependency."""
    from langchain_gemini_vision import testing

    doc = " ".join((testing.__doc__ or "").split())
    sentence = next(s for s in doc.split(". ") if "``testing`` extra" in s)
    known = CORE | set().union(*EXTRAS.values())
    named = {
        name for name in known if re.search(rf"(?<![\w-]){re.escape(name)}(?![\w-])", sentence)
    }
    assert named == EXTRAS["testing"], sentence
