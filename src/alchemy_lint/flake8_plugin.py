"""The flake8 plugin: a thin adapter over the engine.

flake8 makes one plugin object per file; the project index is built once per project
and process (`_project_index`), from the project's files, so cross-file rules see it all.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

from alchemy_lint import __version__
from alchemy_lint.config import ConfigError, load_settings
from alchemy_lint.engine import check_file, display_path, facts_for_tree, is_excluded, load_project
from alchemy_lint.facts import FileFacts
from alchemy_lint.project import ProjectIndex, find_project_root


@functools.lru_cache(maxsize=8)
def _project_index(root: Path) -> ProjectIndex:
    # flake8 instantiates the plugin once per file: without this, every file would
    # re-read the whole project.
    return load_project(root, load_settings(root)).index()


class AlchemyLintPlugin:
    name = "alchemy-lint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str) -> None:
        self.tree = tree
        self.filename = filename

    def run(self) -> Iterator[tuple[int, int, str, type[AlchemyLintPlugin]]]:
        if not isinstance(self.tree, ast.Module) or self.filename in ("stdin", "-"):
            path = Path("stdin.py")
        else:
            path = Path(self.filename)
        root = find_project_root(path)
        try:
            index = _project_index(root)
        except ConfigError as error:
            yield 1, 0, f"ASA000 configuration error: {error}", type(self)
            return
        if is_excluded(path, index.settings, index.root):
            return
        facts = self._facts(path, index)
        # flake8 applies its own select/ignore and noqa; run every rule the project enables.
        for finding in check_file(facts, index, index.settings, honour_noqa=False):
            yield finding.line, finding.col, finding.message, type(self)

    def _facts(self, path: Path, index: ProjectIndex) -> FileFacts:
        known = index.files.get(display_path(path))
        if known is not None:
            return known
        assert isinstance(self.tree, ast.Module)
        return facts_for_tree(display_path(path), self.tree, path)
