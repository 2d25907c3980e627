"""Where a project starts: the nearest folder with a pyproject.toml, setup.cfg, setup.py (not in a
package) or .git.

The engine, the flake8 plugin, the fixes and the language server all group files by it.
"""

from __future__ import annotations

import keyword
import os
import re
from collections.abc import Callable, Container, Iterable
from pathlib import Path

ROOT_MARKERS = ("pyproject.toml", "setup.cfg", "setup.py", ".git")
#: A marker that is also a plain module name: in a package (a folder with `__init__.py`) it is one
#: of the package's modules (`app/db/setup.py`, which sets the database up), not a project's.
_MODULE_MARKER = "setup.py"


def marks_project(present: Callable[[str], bool]) -> bool:
    """Whether a folder whose entries `present` tells is a project root: it holds a marker, and
    not only a `setup.py` beside an `__init__.py`."""
    return any(present(marker) for marker in ROOT_MARKERS if marker != _MODULE_MARKER) or (
        present(_MODULE_MARKER) and not present("__init__.py")
    )


def find_project_root(path: Path) -> Path:
    """The nearest folder at or above `path` with a pyproject.toml, setup.cfg or .git."""
    start = path.resolve()
    folder = start if start.is_dir() else start.parent
    for candidate in (folder, *folder.parents):
        if is_project_root(candidate):
            return candidate
    return folder


def is_project_root(folder: Path) -> bool:
    return marks_project(lambda name: (folder / name).exists())


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


def offered_packages(nested_roots: Iterable[Path], own: Container[str]) -> dict[str, Path]:
    """The top packages of the nested project folders, each with its folder, that the project may
    import as libraries (a uv workspace's `package/yuxi` imported by the sibling `server/` as
    `from yuxi.repo import ...`).

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
    return offered


class PackageImports:
    """Which of some top packages a file's source imports (`from yuxi.repo import x`,
    `import yuxi`), at the start of a line."""

    def __init__(self, names: Iterable[str]) -> None:
        self.names = tuple(sorted(names))
        self._encoded = tuple(name.encode() for name in self.names)
        pattern = b"|".join(re.escape(name) for name in self._encoded)
        self._imports = re.compile(rb"^[ \t]*(?:from|import)[ \t]+(" + pattern + rb")\b", re.MULTILINE)

    def found_in(self, data: bytes) -> tuple[str, ...]:
        # A substring search first: most files name none of the packages, and the anchored
        # pattern over every line of every file was most of a one-file check's time on a
        # project with nested projects.
        if not any(name in data for name in self._encoded):
            return ()
        return tuple(dict.fromkeys(match.group(1).decode() for match in self._imports.finditer(data)))


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
