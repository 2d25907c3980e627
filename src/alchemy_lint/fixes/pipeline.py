"""`check --fix` and `--diff`: from findings to rewritten files, one LibCST pass per fixable file.

LibCST is imported and run only for files with a fixable finding; only rewritten files are parsed twice.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import replace
from pathlib import Path

from alchemy_lint.catalogue import is_fixable
from alchemy_lint.config import Overrides, settings_for
from alchemy_lint.engine import CheckResult, DiskProject, RunOptions, check_paths, load_project, read_facts
from alchemy_lint.facts.model import FileFacts
from alchemy_lint.findings import Finding
from alchemy_lint.index import ProjectIndex
from alchemy_lint.records import record
from alchemy_lint.roots import find_project_root
from alchemy_lint.sourcefile import SourceText, python_lines, read_source_text, replace_file
from alchemy_lint.sources import resolved as resolve_quietly


@record
class FileFixResult:
    """One file that LibCST parsed: its text before and after, and what was fixed or why not."""

    path: str
    before: str
    after: str
    applied: tuple[Finding, ...]
    error: str | None = None

    @property
    def changed(self) -> bool:
        return self.after != self.before

    def diff(self) -> str:
        lines = difflib.unified_diff(
            python_lines(self.before),
            python_lines(self.after),
            fromfile=f"a/{self.path}",
            tofile=f"b/{self.path}",
        )
        return "".join(
            line if line.endswith(("\n", "\r")) else line + "\n\\ No newline at end of file\n" for line in lines
        )


@record
class FixRun:
    #: Every file LibCST parsed, in path order: only files with a fixable finding.
    files: tuple[FileFixResult, ...]

    @property
    def applied(self) -> tuple[Finding, ...]:
        return tuple(finding for file in self.files for finding in file.applied)

    @property
    def changed(self) -> tuple[FileFixResult, ...]:
        return tuple(file for file in self.files if file.changed)

    def diff(self) -> str:
        return "".join(file.diff() for file in self.changed)


class FixSession:
    """One `check --fix` or `--diff` run over `paths`: each project is loaded once; after
    fixing, only the rewritten files are read again before the second check.
    """

    def __init__(
        self, paths: Iterable[str], overrides: Overrides | None = None, options: RunOptions | None = None
    ) -> None:
        self.paths = list(paths)
        self.overrides = overrides
        # Fixers need every file's noqa comments in its facts, not only those of files with
        # findings; and they read the kept projects after the check, so every file is read.
        self.options = replace(options or RunOptions(), lazy_noqa=False, trust_status=False)
        self.projects: dict[Path, DiskProject] = {}

    def check(self) -> CheckResult:
        return check_paths(self.paths, self.overrides, self.options, projects=self.projects)

    def fix(self, findings: Iterable[Finding], *, unsafe: bool = False, write: bool = True) -> FixRun:
        """Fix what can be fixed among `findings` (from `check()`); `write=False` changes no file."""
        by_path: dict[str, list[Finding]] = {}
        for finding in findings:
            if is_fixable(finding, unsafe=unsafe):
                by_path.setdefault(finding.path, []).append(finding)
        results: list[FileFixResult] = []
        # Indexes as they were when the findings were made: one per project, not one per file.
        indexes: dict[Path, ProjectIndex] = {}
        for path in sorted(by_path):
            file = Path(path)
            resolved = resolve_quietly(file)
            project = self._project_of(resolved)
            if project.root not in indexes:
                indexes[project.root] = project.index()
            source = project.sources.get(resolved)
            facts = project.facts_of(source) if source is not None else read_facts(file, project.root)
            result = _fix_file(file, path, by_path[path], facts, indexes[project.root], write=write)
            results.append(result)
            if write and result.changed:
                # A file can belong to a project and to the one that encloses it: refresh both.
                for loaded in self.projects.values():
                    loaded.refresh(resolved)
        return FixRun(tuple(results))

    def _project_of(self, resolved: Path) -> DiskProject:
        root = find_project_root(resolved)
        if root in self.projects:
            return self.projects[root]
        for project in self.projects.values():
            if resolved in project.sources:
                return project
        self.projects[root] = load_project(root, settings_for(root, self.overrides))
        return self.projects[root]


def _fix_file(
    file: Path, shown: str, findings: Sequence[Finding], facts: FileFacts, index: ProjectIndex, *, write: bool
) -> FileFixResult:
    # Imported here: a run without fixable findings never imports LibCST.
    from alchemy_lint.fixes.apply import FixError, fix_source
    from alchemy_lint.fixes.registry import FIXERS

    try:
        source: SourceText = read_source_text(file)
    except (OSError, SyntaxError, UnicodeDecodeError) as error:
        return FileFixResult(shown, "", "", (), f"cannot read: {error}")
    try:
        fixed = fix_source(source.text, [f for f in findings if f.code in FIXERS], facts, index, FIXERS)
        data = source.encode(fixed.text)
    except FixError as error:
        return FileFixResult(shown, source.text, source.text, (), str(error))
    except UnicodeEncodeError as error:
        return FileFixResult(
            shown, source.text, source.text, (), f"the fixed text does not fit the file's encoding ({error})"
        )
    result = FileFixResult(shown, source.text, fixed.text, fixed.applied)
    if write and result.changed:
        try:
            replace_file(file, data)
        except OSError as error:
            return FileFixResult(shown, source.text, source.text, (), f"cannot write: {error}")
    return result
