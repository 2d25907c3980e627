"""Pure Python by default. With `ALCHEMY_LINT_COMPILE=1` in the environment, the modules that
a cold check spends its time in (the facts layer and the name resolver) are compiled with mypyc
into C extensions beside the pure-Python package; the rest stays interpreted. See the README's
"A compiled build" (under "Performance and cache") and `build_support/alchemy_build.py`, which
brings mypy into the build."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from setuptools import setup

#: Compiled when asked: where a check's time goes (`bench/RESULTS.md`), all of it typed strictly.
COMPILED = ("src/alchemy_lint/facts", "src/alchemy_lint/resolve.py")


def _extensions() -> list[object]:
    if os.environ.get("ALCHEMY_LINT_COMPILE") != "1":
        return []
    from mypyc.build import mypycify

    sources = sorted(
        str(path)
        for entry in COMPILED
        for path in ([Path(entry)] if entry.endswith(".py") else Path(entry).glob("*.py"))
    )
    # One extension per module, so that setuptools can build them on several cores.
    return _largest_first(list(mypycify(sources, opt_level="3", separate=True)))


def _largest_first(extensions: list[Any]) -> list[object]:
    """The extensions with the most C first: `build_ext -j` starts them in this order, and the
    largest (the loading interpreter's, several times any other) takes as long as all the others
    together on one core; started last, it ran alone while the other cores waited."""
    return sorted(extensions, key=lambda extension: -sum(Path(source).stat().st_size for source in extension.sources))


if __name__ == "__main__":  # (how setuptools runs it; the tests only read COMPILED)
    # `build_ext -j`: the extensions on every core (one C file per module).
    setup(ext_modules=_extensions(), options={"build_ext": {"parallel": os.cpu_count() or 1}})
