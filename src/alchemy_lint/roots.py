"""Where a project starts: the nearest folder with a pyproject.toml, setup.cfg, setup.py or .git.

The engine, the flake8 plugin, the fixes and the language server all group files by it.
"""

from __future__ import annotations

import keyword
import os
import re
from collections.abc import Container, Iterable
from pathlib import Path

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")


def find_project_root(path: Path) -> Path:
    """The nearest folder at or above `path` with a pyproject.toml, setup.cfg or .git."""
    start = path.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if is_project_root(candidate):
            return candidate
    return folder


def is_project_root(folder: Path) -> bool:
    return any((folder / marker).exists() for marker in ROOT_MARKERS)


def imported_root_name(root: Path, sources: Iterable[bytes]) -> str | None:
    """The name the files of a folder with no project marker import it by, if they do.

    Checked as `alchemy-lint check app`, a folder `app/` without `__init__.py` whose files write
    `from app.db import engine` is run with its parent on `sys.path` (`python -m app.main`, or
    pytest's rootdir): its files are `app.db`, not `db`, or no import between them resolves.
    None when a marker or an `__init__.py` names the folder already, when no file imports it so,
    or when `app` is also a module of the folder (`app.py`, `app/`): with the folder on
    `sys.path`, `from app import x` means that one.
    """
    name = root.name
    if is_project_root(root) or not name.isidentifier() or keyword.iskeyword(name):
        return None
    if any((root / entry).exists() for entry in ("__init__.py", "__init__.pyi", f"{name}.py", f"{name}.pyi", name)):
        return None
    escaped = re.escape(name.encode())
    # `from app.db import`, `from app import db`, `import app.db`, at the start of a line.
    imports_root = re.compile(
        rb"^[ \t]*(?:from[ \t]+" + escaped + rb"(?:[ \t]*\.|[ \t]+import\b)|import[ \t]+" + escaped + rb"[ \t]*\.)",
        re.MULTILINE,
    )
    return name if any(imports_root.search(data) for data in sources) else None


def imported_libraries(nested_roots: Iterable[Path], sources: Iterable[bytes], own: Container[str]) -> list[Path]:
    """The nested project folders whose top package the project's files import (a uv workspace's
    `package/yuxi` imported by the sibling `server/` as `from yuxi.repo import ...`).

    Such a folder is a library of the project, on `sys.path` beside it when the application runs;
    a top package is a folder with an `__init__.py` directly in the nested root or in its `src/`.
    Not a folder holding a repository of its own (`.git`: a vendored checkout), nor a name the
    project holds itself (its own module wins the import).
    """
    offered: dict[str, Path] = {}
    for folder in nested_roots:
        if (folder / ".git").exists():
            continue
        for base in (folder, folder / "src"):
            for name in _top_packages(base):
                if name not in own:
                    offered.setdefault(name, folder)
    if not offered:
        return []
    names = b"|".join(re.escape(name.encode()) for name in sorted(offered))
    imports = re.compile(rb"^[ \t]*(?:from|import)[ \t]+(" + names + rb")\b", re.MULTILINE)
    wanted: dict[Path, None] = {}
    for data in sources:
        for match in imports.finditer(data):
            wanted[offered[match.group(1).decode()]] = None
            if len(wanted) == len(set(offered.values())):
                return list(wanted)
    return list(wanted)


def _top_packages(folder: Path) -> list[str]:
    """The regular packages directly in `folder`."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return []
    return [
        entry.name
        for entry in entries
        if entry.name.isidentifier()
        and not keyword.iskeyword(entry.name)
        and entry.is_dir(follow_symlinks=False)
        and os.path.isfile(os.path.join(entry.path, "__init__.py"))
    ]
