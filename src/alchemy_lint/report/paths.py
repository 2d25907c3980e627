"""Paths as CI systems want them: relative to the root of the git repository.

GitHub places an annotation or a code-scanning alert by its path from the repository root,
whatever folder the check ran in; outside a repository the path stays as displayed.
"""

from __future__ import annotations

import os
from pathlib import Path, PurePath

from alchemy_lint.ignores import git_root


class RepositoryPaths:
    """Displayed paths -> repository-relative posix paths, one repository lookup per folder."""

    def __init__(self) -> None:
        self._roots: dict[str, Path | None] = {}

    def relative(self, shown: str) -> str:
        absolute = os.path.abspath(shown)
        folder = os.path.dirname(absolute)
        if folder not in self._roots:
            self._roots[folder] = git_root(Path(folder))
        root = self._roots[folder]
        if root is None:
            return PurePath(shown).as_posix()
        return Path(absolute).relative_to(root).as_posix()
