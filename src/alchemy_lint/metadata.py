"""What the installed distribution says about itself: its repository address and its extras.

Both are written once, in pyproject.toml (`[project.urls]`, `[project.optional-dependencies]`),
and read here at run time from the package metadata.
"""

from __future__ import annotations

import functools
import shlex
import sys
from importlib import metadata

DISTRIBUTION = "alchemy-lint"
#: The `[project.urls]` label every link (rule pages, SARIF, the editor) is derived from.
REPOSITORY_LABEL = "Repository"
#: For a copy run without its metadata (a source tree on sys.path): pyproject.toml's value,
#: which a test keeps equal.
FALLBACK_REPOSITORY_URL = "https://github.com/alchemy-lint/alchemy-lint"


def _metadata() -> metadata.PackageMetadata | None:
    try:
        return metadata.metadata(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return None


@functools.cache
def repository_url() -> str:
    """The project's repository address, without a trailing slash."""
    found = _metadata()
    entries: list[str] = (found.get_all("Project-URL") or []) if found is not None else []
    for entry in entries:
        label, _, url = str(entry).partition(",")
        if label.strip() == REPOSITORY_LABEL and url.strip():
            return url.strip().rstrip("/")
    return FALLBACK_REPOSITORY_URL


def extra_requirements(extra: str) -> tuple[str, ...]:
    """The requirements an extra adds (`lsp` -> `pygls>=2.0`, ...), from the metadata."""
    try:
        requires = metadata.requires(DISTRIBUTION) or []
    except metadata.PackageNotFoundError:
        return ()
    wanted = {f'extra == "{extra}"', f"extra == '{extra}'"}
    found = []
    for requirement in requires:
        specifier, _, marker = requirement.partition(";")
        if marker.strip() in wanted:
            found.append(specifier.strip().replace(" ", ""))
    return tuple(found)


def install_command(extra: str, fallback: tuple[str, ...]) -> str:
    """A command that installs an extra's requirements into the Python running alchemy-lint,
    wherever alchemy-lint came from (a checkout, a wheel, pipx): `python -m pip install ...`."""
    requirements = extra_requirements(extra) or fallback
    return shlex.join([sys.executable, "-m", "pip", "install", *requirements])
