"""The build backend: setuptools, plus mypy when the analysis core is to be compiled.

`ALCHEMY_LINT_COMPILE=1 pip install .` compiles the facts layer and the name resolver with
mypyc (see `setup.py`), as black and mypy ship themselves; it needs mypy in the isolated build
environment, and only then. Without the variable the build is pure Python, as before.
"""

from __future__ import annotations

import os

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 (the PEP 517 hooks this module does not change)

#: The mypy that compiles (the one whose strict check the code passes in CI), and the
#: dependencies whose types the compiled modules import: mypyc checks them as `mypy` does.
COMPILER = ["mypy>=2.0,<3", "libcst>=1.9,<2", "pathspec>=0.12"]


def _compiling() -> bool:
    return os.environ.get("ALCHEMY_LINT_COMPILE") == "1"


# (setuptools answers these by running `setup.py`, which needs mypyc when compiling: the
# compiled build asks for COMPILER only, setuptools being in `build-system.requires`.)
def get_requires_for_build_wheel(config_settings: dict[str, str | list[str]] | None = None) -> list[str]:
    return COMPILER if _compiling() else _setuptools.get_requires_for_build_wheel(config_settings)


def get_requires_for_build_editable(config_settings: dict[str, str | list[str]] | None = None) -> list[str]:
    return COMPILER if _compiling() else _setuptools.get_requires_for_build_editable(config_settings)
