"""The flake8 plugin: a thin adapter over the engine.

flake8 makes one plugin object per file; each project is read once per process (`_project`)
and its index built only when a file's findings are not in the on-disk cache, which flake8's
worker processes share.
"""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterator
from pathlib import Path

from alchemy_lint import __version__
from alchemy_lint.config import ConfigError, load_settings
from alchemy_lint.engine import (
    DiskProject,
    RunOptions,
    check_file,
    display_path,
    facts_for_tree,
    is_excluded,
    read_project,
)
from alchemy_lint.findings import Finding
from alchemy_lint.ignores import IgnoreFiles
from alchemy_lint.noqa import noqa_lines
from alchemy_lint.roots import find_project_root, is_project_root
from alchemy_lint.rules.precedence import one_finding_per_construct
from alchemy_lint.sources import SourceChanged


@functools.lru_cache(maxsize=8)
def _project(root: Path, lone_file: Path | None, trust_status: bool = True) -> DiskProject:
    # flake8 instantiates the plugin once per file: without this, every file would
    # re-read the whole project. A file outside any project is its own project, as in the CLI.
    # A file the cache's manifest knows unchanged is not read (see `read_project`).
    files = None if lone_file is None else [lone_file] if lone_file.is_file() else []
    return read_project(
        root, load_settings(root), RunOptions(cache=True, jobs=1), files=files, trust_status=trust_status
    )


@functools.lru_cache(maxsize=8)
def _ignore_files(root: Path) -> IgnoreFiles:
    return IgnoreFiles(root)


def _left_out(path: Path, project: DiskProject, *, from_stdin: bool) -> bool:
    """What `alchemy-lint check` leaves out of a folder it walks: flake8 cannot tell a named file
    from a found one, so excluded and git-ignored files are left out of both."""
    if is_excluded(path, project.settings, project.root):
        return True
    if from_stdin or not project.settings.respect_gitignore:
        return False
    return _ignore_files(project.root).is_ignored_anywhere(path)


class AlchemyLintPlugin:
    name = "alchemy-lint"
    version = __version__

    def __init__(self, tree: ast.AST, filename: str, lines: list[str]) -> None:
        self.tree = tree
        self.filename = filename
        #: The text flake8 checks: the file, or an editor's unsaved buffer given on stdin.
        self.lines = lines

    def run(self) -> Iterator[tuple[int, int, str, type[AlchemyLintPlugin]]]:
        from_stdin = self.filename in ("stdin", "-")
        path = Path("stdin.py") if from_stdin or not isinstance(self.tree, ast.Module) else Path(self.filename)
        root = find_project_root(path)
        lone_file = None if is_project_root(root) else path.resolve()
        try:
            try:
                found = self._checked(path, _project(root, lone_file), from_stdin=from_stdin)
            except SourceChanged:
                # A file changed on disk while this process read the project: read every file.
                found = self._checked(path, _project(root, lone_file, False), from_stdin=from_stdin)
        except ConfigError as error:
            yield 1, 0, f"ASA000 configuration error: {error}", type(self)
            return
        # flake8 applies its own select/ignore and noqa; run every rule the project enables. Where
        # two rules report one construct, the more specific one is kept unless noqa silences it.
        noqa = noqa_lines("".join(self.lines))
        for finding in one_finding_per_construct(found, noqa):
            yield finding.line, finding.col, finding.message, type(self)

    def _checked(self, path: Path, project: DiskProject, *, from_stdin: bool) -> list[Finding]:
        if _left_out(path, project, from_stdin=from_stdin):
            return []
        return self._findings(path, project)

    def _findings(self, path: Path, project: DiskProject) -> list[Finding]:
        source = project.sources.get(path.resolve())
        if source is not None and _same_text(source.source, self.lines):
            return project.check([source], honour_noqa=False, parsed_elsewhere=True)
        # stdin (`--stdin-display-name`), a buffer that differs from the file on disk, or a file
        # outside the project's walk: its facts come from flake8's tree, the rest from the index.
        assert isinstance(self.tree, ast.Module)
        facts = facts_for_tree(display_path(path), self.tree, project.module_of(path.resolve()), "".join(self.lines))
        return check_file(facts, project.index(), project.settings, honour_noqa=False)


def _same_text(on_disk: bytes, lines: list[str]) -> bool:
    try:
        return on_disk.decode("utf-8-sig") == "".join(lines)
    except UnicodeDecodeError:
        return False
