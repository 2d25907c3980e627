"""The build backend: setuptools, plus mypy when the analysis core is to be compiled.

`ALCHEMY_LINT_COMPILE=1 pip install .` compiles the facts layer and the name resolver with
mypyc (see `setup.py`), as black and mypy ship themselves; it needs mypy in the isolated build
environment, and only then. Without the variable the build is pure Python, as before. Only a
wheel is compiled, and only when it is built: its metadata, which pip asks for first, is not
(mypyc would type-check and generate the C twice). An sdist holds the sources, and an editable
install stays pure Python (the sources a developer edits are what runs, never extensions built
beside them).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from setuptools import build_meta as _setuptools
from setuptools.build_meta import *  # noqa: F403 (the PEP 517 hooks this module does not change)

#: The variable that asks for the compiled build.
SWITCH = "ALCHEMY_LINT_COMPILE"
#: The mypy that compiles (2.x, as CI's strict check runs), and the dependencies whose types
#: the compiled modules import: mypyc checks them as `mypy` does.
COMPILER = ["mypy>=2.0,<3", "libcst>=1.9,<2", "pathspec>=0.12"]

_Settings = dict[str, Any] | None


def _compiling() -> bool:
    return os.environ.get(SWITCH) == "1"


@contextmanager
def _pure() -> Iterator[None]:
    """`setup.py` run without the switch: what it builds here is never compiled."""
    asked = os.environ.pop(SWITCH, None)
    try:
        yield
    finally:
        if asked is not None:
            os.environ[SWITCH] = asked


# (setuptools answers this by running `setup.py`, which needs mypyc when compiling: the
# compiled build asks for COMPILER only, setuptools being in `build-system.requires`.)
def get_requires_for_build_wheel(config_settings: _Settings = None) -> list[str]:
    return COMPILER if _compiling() else _setuptools.get_requires_for_build_wheel(config_settings)


def prepare_metadata_for_build_wheel(metadata_directory: str, config_settings: _Settings = None) -> str:
    """The wheel's metadata, which the extensions do not change: `setup.py` run without the
    switch, so that mypyc compiles once, in `build_wheel`, not also here (pip asks for the
    metadata first, in a run of its own)."""
    with _pure():
        return _setuptools.prepare_metadata_for_build_wheel(metadata_directory, config_settings)


def get_requires_for_build_sdist(config_settings: _Settings = None) -> list[str]:
    with _pure():
        return _setuptools.get_requires_for_build_sdist(config_settings)


def build_sdist(sdist_directory: str, config_settings: _Settings = None) -> str:
    with _pure():
        return _setuptools.build_sdist(sdist_directory, config_settings)


def get_requires_for_build_editable(config_settings: _Settings = None) -> list[str]:
    with _pure():
        return _setuptools.get_requires_for_build_editable(config_settings)


def prepare_metadata_for_build_editable(metadata_directory: str, config_settings: _Settings = None) -> str:
    with _pure():
        return _setuptools.prepare_metadata_for_build_editable(metadata_directory, config_settings)


def build_editable(
    wheel_directory: str, config_settings: _Settings = None, metadata_directory: str | None = None
) -> str:
    with _pure():
        return _setuptools.build_editable(wheel_directory, config_settings, metadata_directory)
