"""Where a project starts: the nearest folder with a pyproject.toml, setup.cfg, setup.py or .git.

The engine, the flake8 plugin, the fixes and the language server all group files by it.
"""

from __future__ import annotations

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
