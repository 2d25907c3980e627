"""Files -> facts -> project index -> findings.

The engine groups the files to check by project, builds each project's index over all
of its Python files, runs the enabled rules and applies suppressions.
"""

from __future__ import annotations

import ast
import os
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

from alchemy_lint.config import Settings, load_settings, matches_any, override
from alchemy_lint.facts import FileFacts, extract_facts, parse_source
from alchemy_lint.facts.extract import PARSE_ERRORS
from alchemy_lint.noqa import is_suppressed, noqa_lines
from alchemy_lint.project import ProjectIndex, find_project_root, is_project_root
from alchemy_lint.resolve import module_name_for
from alchemy_lint.rules import FileContext, Finding, enabled_rules, ignored_for_path

#: Folders never walked into: VCS data, virtual environments, caches and build output.
SKIPPED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        ".tox",
        ".nox",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".alchemy_lint_cache",
        "build",
        "dist",
        "node_modules",
        "site-packages",
        ".eggs",
    }
)


@dataclass(frozen=True, slots=True)
class CheckResult:
    findings: tuple[Finding, ...]
    files_checked: int


def display_path(path: Path) -> str:
    """The path as the user would write it: relative to the working directory when below it."""
    absolute = path.absolute()
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


def is_skipped_dir(folder: Path) -> bool:
    return folder.name in SKIPPED_DIRS or folder.name.endswith(".egg-info") or (folder / "pyvenv.cfg").is_file()


def python_files(
    root: Path, settings: Settings, project_root: Path, nested_roots: list[Path] | None = None
) -> Iterator[Path]:
    """Python files below `root`, skipping tool folders and `exclude` globs.

    A folder with its own pyproject.toml (or setup.cfg, setup.py, .git) is another project,
    with its own settings and index, as flake8 sees it per file: it is not walked but
    appended to `nested_roots`.

    `exclude` applies to files and folders named on the command line too (ruff's
    `--force-exclude`): pre-commit names every changed file, and the flake8 plugin cannot
    tell a named file from a found one.
    """
    if root.resolve() != project_root and is_excluded(root, settings, project_root):
        return
    if root.is_file():
        yield root
        return
    for folder, subfolders, files in os.walk(root):
        here = Path(folder)
        kept = []
        for name in sorted(subfolders):
            child = here / name
            if is_skipped_dir(child) or is_excluded(child, settings, project_root):
                continue
            if is_project_root(child):
                if nested_roots is not None:
                    nested_roots.append(child)
                continue
            kept.append(name)
        subfolders[:] = kept
        for name in sorted(files):
            if name.endswith((".py", ".pyi")):
                candidate = here / name
                if not is_excluded(candidate, settings, project_root):
                    yield candidate


def is_excluded(path: Path, settings: Settings, project_root: Path) -> bool:
    if not settings.exclude:
        return False
    try:
        relative = path.resolve().relative_to(project_root).as_posix()
    except ValueError:
        relative = path.as_posix()
    return matches_any(relative, settings.exclude)


def facts_for_source(path: str, source: bytes, module_path: Path) -> FileFacts:
    """Parse and extract; a file that does not parse gives facts with `parse_error` set."""
    module, is_package = module_name_for(module_path)
    try:
        tree = parse_source(source, path)
    except PARSE_ERRORS as error:
        line, col = _error_position(error)
        return FileFacts(path, module, is_package, parse_error=_describe(error), error_line=line, error_col=col)
    facts = extract_facts(tree, path, module, is_package)
    return _with_noqa(facts, source)


def facts_for_tree(path: str, tree: ast.Module, module_path: Path) -> FileFacts:
    """Facts from a tree someone else parsed (flake8 hands plugins theirs)."""
    module, is_package = module_name_for(module_path)
    return extract_facts(tree, path, module, is_package)


def _with_noqa(facts: FileFacts, source: bytes) -> FileFacts:
    if b"noqa" not in source.lower():
        return facts
    text = source.decode("utf-8", errors="replace")
    return replace(facts, noqa=noqa_lines(text))


def _error_position(error: BaseException) -> tuple[int, int]:
    if isinstance(error, SyntaxError) and error.lineno:
        return error.lineno, max((error.offset or 1) - 1, 0)
    return 1, 0


def _describe(error: BaseException) -> str:
    if isinstance(error, SyntaxError):
        return f"{error.msg} ({type(error).__name__})"
    if isinstance(error, RecursionError):
        return "too deeply nested for Python's parser (RecursionError)"
    if isinstance(error, MemoryError):
        return "too large or too deeply nested for Python's parser (MemoryError)"
    return f"{error} ({type(error).__name__})"


def read_facts(path: Path) -> FileFacts:
    shown = display_path(path)
    try:
        source = path.read_bytes()
    except OSError as error:
        module, is_package = module_name_for(path)
        return FileFacts(shown, module, is_package, parse_error=f"cannot read: {error.strerror or error}")
    return facts_for_source(shown, source, path)


@dataclass(slots=True)
class Project:
    """One project root with its settings and the facts of its files."""

    root: Path
    settings: Settings
    facts: dict[Path, FileFacts]

    def index(self) -> ProjectIndex:
        return ProjectIndex(self.root, self.settings, self.facts.values())


def load_project(root: Path, settings: Settings) -> Project:
    facts = {path.resolve(): read_facts(path) for path in python_files(root, settings, root)}
    return Project(root, settings, facts)


def check_file(facts: FileFacts, index: ProjectIndex, settings: Settings, *, honour_noqa: bool = True) -> list[Finding]:
    """Run the enabled rules on one file's facts and drop what is suppressed.

    flake8 reads `# noqa` itself (and honours `--disable-noqa`), so its plugin passes False.
    """
    context = FileContext(facts, index, settings)
    ignored = ignored_for_path(index.relative(facts.path), settings)
    found: list[Finding] = []
    for rule in enabled_rules(settings):
        if any(rule.code.startswith(code) for code in ignored):
            continue
        try:
            for finding in rule.check(rule, context):
                if not (honour_noqa and is_suppressed(facts.noqa, finding.line, finding.code)):
                    found.append(finding)
        except Exception as error:
            raise RuleCrash(rule.code, facts.path, error) from error
    return found


class RuleCrash(Exception):
    """A rule raised on a file: a bug in alchemy-lint, reported with where it happened."""

    def __init__(self, code: str, path: str, error: Exception) -> None:
        super().__init__(f"{code} crashed on {path}: {type(error).__name__}: {error}")


def check_paths(
    paths: Iterable[str],
    overrides: dict[str, tuple[str, ...] | None] | None = None,
    *,
    projects: dict[Path, Project] | None = None,
) -> CheckResult:
    """Check files and folders; raises ConfigError for a bad configuration.

    `projects` keeps the loaded projects by root across calls (`check --fix` checks, fixes,
    refreshes the rewritten files' facts and checks again without loading twice).
    """
    targets: dict[Path, list[Path]] = {}
    for raw in paths:
        given = Path(raw)
        if not given.exists():
            raise FileNotFoundError(raw)
        targets.setdefault(find_project_root(given), []).append(given)
    findings: list[Finding] = []
    checked = 0
    pending = list(targets.items())
    while pending:
        root, given_paths = pending.pop(0)
        settings = override(load_settings(root), **(overrides or {}))
        project = projects.get(root) if projects is not None else None
        if project is None:
            project = load_project(root, settings)
            if projects is not None:
                projects[root] = project
        index = project.index()
        nested_roots: list[Path] = []
        for given in given_paths:
            for path in python_files(given, settings, root, nested_roots):
                resolved = path.resolve()
                facts = project.facts.get(resolved) or read_facts(path)
                checked += 1
                findings.extend(check_file(facts, index, settings))
        pending.extend((nested.resolve(), [nested]) for nested in nested_roots if nested.resolve() not in targets)
    unique = sorted(set(findings), key=Finding.sort_key)
    return CheckResult(tuple(unique), checked)
