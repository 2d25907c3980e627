"""The compiled build (`ALCHEMY_LINT_COMPILE=1 pip install .`, see `setup.py`): what it compiles
exists, and where CI asked for it, the modules that run are the compiled ones."""

from __future__ import annotations

import importlib
import importlib.machinery
import os
import runpy
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent


def _compiled_modules() -> list[str]:
    """The modules `setup.py` compiles, by dotted name."""
    setup = runpy.run_path(str(REPO / "setup.py"), run_name="not_main")  # (`setup()` runs only as __main__)
    names = []
    for entry in setup["COMPILED"]:
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
