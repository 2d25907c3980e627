"""The compiled build (`ALCHEMY_LINT_COMPILE=1 pip install .`, see `setup.py`): what it compiles
exists, and where CI asked for it, the modules that run are the compiled ones."""

from __future__ import annotations

import ast
import importlib
import importlib.machinery
import os
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _compiled_modules() -> list[str]:
    """The modules `setup.py` compiles, by dotted name."""
    # Read, not run: a virtual environment from Python 3.12 on has no setuptools to import.
    tree = ast.parse((REPO / "setup.py").read_text(encoding="utf-8"))
    compiled = next(
        ast.literal_eval(statement.value)
        for statement in tree.body
        if type(statement) is ast.Assign and [ast.unparse(target) for target in statement.targets] == ["COMPILED"]
    )
    names = []
    for entry in compiled:
        path = REPO / entry
        for module in [path] if path.suffix == ".py" else sorted(path.glob("*.py")):
            parts = module.relative_to(REPO / "src").with_suffix("").parts
            names.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return names


def test_every_compiled_entry_is_a_module_of_the_package() -> None:
    names = _compiled_modules()
    assert "alchemy_lint.facts.extract" in names
    assert "alchemy_lint.resolve" in names
    for name in names:
        importlib.import_module(name)


@pytest.mark.skipif(os.environ.get("ALCHEMY_LINT_COMPILE") != "1", reason="the pure-Python build")
def test_the_compiled_build_runs_compiled_modules() -> None:
    """CI installs the compiled build for one Python with ALCHEMY_LINT_COMPILE=1 set, and runs
    the whole suite on it: these modules must then be the extensions, not the sources."""
    for name in _compiled_modules():
        origin = importlib.import_module(name).__file__ or ""
        assert origin.endswith(tuple(importlib.machinery.EXTENSION_SUFFIXES)), (name, origin)
