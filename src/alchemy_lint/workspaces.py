"""The sibling projects a project may import as libraries: the other members of the workspace it
belongs to, and the folders its own pyproject.toml names as path dependencies.

A uv workspace (`[tool.uv.workspace] members = ["packages/*"]` in a pyproject.toml above the
project) installs every member into one environment: `packages/api` imports `shared.models`
from its sibling `packages/shared`, whose files are no part of the folder checked. So does a
path dependency (`[tool.uv.sources] shared = { path = "../shared" }`, Poetry's `shared = {
path = "../shared", develop = true }`). Without those files the models, factories and helpers
the project imports resolve to nothing, and every rule that needs them is blind.

Only folders outside the project's own: a member below it is a nested project already (see
`engine.python_files`). Reading the pyproject files is the only cost, and only a project's
ancestors up to the repository's top are read.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from alchemy_lint.roots import is_project_root

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

#: How many folders above the project a workspace's pyproject.toml is looked for (uv's members
#: sit one or two folders below it: `packages/api`, `services/billing/api`).
_LEVELS_UP = 4


def sibling_projects(root: Path) -> list[Path]:
    """The folders outside `root` that its workspace or its path dependencies name, in the order
    the pyproject files list them; each a project folder (one with a project marker)."""
    found: dict[Path, None] = {}
    own = _document(root / "pyproject.toml")
    for folder in (*_workspace_members(root), *_path_dependencies(root, own)):
        try:
            real = folder.resolve()
        except OSError:
            continue
        if real == root or real.is_relative_to(root) or root.is_relative_to(real):
            continue
        if real.is_dir() and is_project_root(real):
            found.setdefault(real, None)
    return list(found)


def _workspace_members(root: Path) -> Iterator[Path]:
    """The members of the nearest uv workspace above `root` that lists it (its globs expanded,
    its `exclude` globs left out)."""
    for level, folder in enumerate(root.parents):
        if level >= _LEVELS_UP:
            return
        workspace = _table(_document(folder / "pyproject.toml"), "tool", "uv", "workspace")
        members = _strings(workspace.get("members"))
        if members:
            excluded = {
                path.resolve() for pattern in _strings(workspace.get("exclude")) for path in _glob(folder, pattern)
            }
            listed = [path for pattern in members for path in _glob(folder, pattern) if path.resolve() not in excluded]
            if any(path.resolve() == root for path in listed):
                yield from listed
            return
        if (folder / ".git").exists():
            return  # the repository's top: a workspace above it is another checkout's


def _path_dependencies(root: Path, document: Mapping[str, Any]) -> Iterator[Path]:
    """`[tool.uv.sources] name = { path = "../shared" }` and Poetry's `path` dependencies (in
    `[tool.poetry.dependencies]` and in its groups), relative to the project."""
    tables = [_table(document, "tool", "uv", "sources"), _table(document, "tool", "poetry", "dependencies")]
    groups = _table(document, "tool", "poetry", "group")
    tables.extend(_table(group, "dependencies") for group in groups.values() if isinstance(group, dict))
    for table in tables:
        for spec in table.values():
            for entry in spec if isinstance(spec, list) else [spec]:
                path = entry.get("path") if isinstance(entry, dict) else None
                if isinstance(path, str) and path:
                    yield root / path


def _glob(folder: Path, pattern: str) -> list[Path]:
    if os.path.isabs(pattern):
        return []
    try:
        return sorted(path for path in folder.glob(pattern) if path.is_dir())
    except (OSError, ValueError):  # an odd pattern (`**` misplaced, `..` past the root)
        return []


def _document(path: Path) -> dict[str, Any]:
    """The pyproject file's tables; empty when it is missing or cannot be read (its own project
    reports that, and a sibling's broken file only leaves the sibling out)."""
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError, RecursionError):
        return {}


def _table(document: Mapping[str, Any], *keys: str) -> dict[str, Any]:
    current: Any = document
    for key in keys:
        current = current.get(key) if isinstance(current, dict) else None
    return current if isinstance(current, dict) else {}


def _strings(value: object) -> list[str]:
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []
