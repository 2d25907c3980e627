"""`alchemy-lint check -` with `--stdin-filename`: text piped in by an editor, checked as that file.

The text stands in for the file in its project's index, as the language server's unsaved
buffers do, so cross-file rules see it; `--fix` and `--diff` fix the text, not the file.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from alchemy_lint.cache import content_digest
from alchemy_lint.catalogue import is_fixable
from alchemy_lint.config import Overrides, settings_for
from alchemy_lint.engine import (
    CheckResult,
    DiskProject,
    RunOptions,
    RunStats,
    display_path,
    is_excluded,
    read_project,
)
from alchemy_lint.findings import Finding
from alchemy_lint.fixes.pipeline import FileFixResult
from alchemy_lint.resolve import ModuleNames
from alchemy_lint.roots import find_project_root, is_project_root
from alchemy_lint.sourcefile import decode_source
from alchemy_lint.sources import SourceChanged, SourceFile

#: What findings show as the path when no `--stdin-filename` is given (as ruff shows it).
ANONYMOUS = "-"
#: The file an anonymous text is checked as: a module of the working folder's project.
ANONYMOUS_FILE = "stdin.py"


@dataclass(slots=True)
class StdinCheck:
    """The checked text and, unless the path is excluded, the project it was checked in."""

    source: SourceFile
    project: DiskProject | None
    result: CheckResult

    @property
    def texts(self) -> dict[str, str]:
        """The text by displayed path, for reports that show source lines (it is not on disk)."""
        try:
            return {self.source.display: decode_source(self.source.source).text}
        except (SyntaxError, UnicodeDecodeError):
            return {}


def check_stdin(
    filename: str | None, data: bytes, overrides: Overrides | None, options: RunOptions, *, trust_status: bool = False
) -> StdinCheck:
    """Check `data` as the file `filename` (which need not exist) of its project.

    `trust_status`: the other files are read only if the manifest does not know them unchanged
    (`read_project`); not for a check whose project is kept to fix the text afterwards."""
    path = Path(filename if filename else ANONYMOUS_FILE).resolve()
    root = find_project_root(path)
    settings = settings_for(root, overrides)
    display = display_path(path) if filename else ANONYMOUS
    module, is_package = ModuleNames(root).module_for(path)
    relative = path.relative_to(root).as_posix() if root in path.parents else path.as_posix()
    source = SourceFile(path, display, relative, module, is_package, content_digest(data), data)
    if is_excluded(path, settings, root):
        # `exclude` holds for named files (ruff's --force-exclude): editors pipe excluded files too.
        return StdinCheck(source, None, CheckResult((), 0, warnings=settings.warnings))
    stats = RunStats()
    # Outside any project the text is its own project: the folder around it is not walked.
    files: list[Path] | None = None if is_project_root(root) else []
    try:
        project = read_project(root, settings, options, stats, files=files, trust_status=trust_status)
        source = _named_by(project, source)
        return StdinCheck(source, project, _check(project, source, stats))
    except SourceChanged:
        # A file of the project changed on disk while this run read it: read every file again.
        stats = RunStats(restarted=1)
        project = read_project(root, settings, options, stats, files=files)
        source = _named_by(project, source)
        return StdinCheck(source, project, _check(project, source, stats))


def _named_by(project: DiskProject, source: SourceFile) -> SourceFile:
    """The text named as the project names its file (a namespace name another file's may shadow)."""
    module, is_package = project.module_of(source.path)
    return source if module == source.module else replace(source, module=module, is_package=is_package)


def _check(project: DiskProject, source: SourceFile, stats: RunStats) -> CheckResult:
    project.replace_source(source)
    findings = project.check([source])
    stats.checked = 1
    project.finish()
    unique = tuple(sorted(set(findings), key=Finding.sort_key))
    return CheckResult(unique, 1, stats, project.settings.warnings)


def fix_stdin(check: StdinCheck, *, unsafe: bool) -> tuple[FileFixResult, StdinCheck]:
    """Fix the text (nothing is written): the fixed text, and the check of it."""
    source = check.source
    fixable = [f for f in check.result.findings if is_fixable(f, unsafe=unsafe)]
    try:
        text = decode_source(source.source)
    except (SyntaxError, UnicodeDecodeError) as error:
        return FileFixResult(source.display, "", "", (), f"cannot read: {error}"), check
    if check.project is None or not fixable:
        return FileFixResult(source.display, text.text, text.text, ()), check
    # Imported here: a check without fixable findings never imports LibCST.
    from alchemy_lint.fixes.apply import FixError, fix_source
    from alchemy_lint.fixes.registry import FIXERS

    project = check.project
    try:
        facts = project.facts_of(source)
        fixed = fix_source(text.text, [f for f in fixable if f.code in FIXERS], facts, project.index(), FIXERS)
        data = text.encode(fixed.text)
    except (FixError, UnicodeEncodeError) as error:
        return FileFixResult(source.display, text.text, text.text, (), str(error)), check
    result = FileFixResult(source.display, text.text, fixed.text, fixed.applied)
    if not result.changed:
        return result, check
    fixed_source = replace(source, digest=content_digest(data), data=data)
    return result, StdinCheck(fixed_source, project, _check(project, fixed_source, RunStats()))
