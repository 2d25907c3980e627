"""Files -> facts -> project index -> findings, cached on disk, prefiltered, in parallel.

The engine groups the files to check by project, reads every Python file of each project,
answers from the findings cache where it can, and otherwise builds the project's index over
all of its files (facts from the cache or from worker processes), runs the enabled rules and
applies suppressions.
"""

from __future__ import annotations

import ast
import contextlib
import os
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from alchemy_lint import __version__
from alchemy_lint.cache import CACHE_DIR_ENV, Cache, cache_disabled_by_environment, digest
from alchemy_lint.catalogue import check_selectors
from alchemy_lint.collector import frozen_for_fork, rare_collections
from alchemy_lint.config import ConfigError, Overrides, Settings, load_settings, matches_any, settings_for
from alchemy_lint.findings import Finding
from alchemy_lint.ignores import IgnoreFiles
from alchemy_lint.libraries import imported_libraries
from alchemy_lint.manifest import Manifest
from alchemy_lint.noqa import is_suppressed
from alchemy_lint.parallel import (
    FILE_COST_BYTES,
    JobKind,
    ParseJob,
    default_jobs,
    run_job,
    run_jobs,
    share_work,
    with_noqa,
)
from alchemy_lint.prefilter import relevant_files
from alchemy_lint.profile import Profile
from alchemy_lint.records import record
from alchemy_lint.relevance import CachedRelevance
from alchemy_lint.resolve import ModuleNames, module_name_for
from alchemy_lint.roots import find_project_root, imported_root_name, is_project_root, marks_project
from alchemy_lint.sourcefile import read_bounded, read_error_text
from alchemy_lint.sources import (
    SourceChanged,
    SourceFile,
    read_source_file,
    resolved,
    unshadowed,
    without_aliases,
)
from alchemy_lint.workspaces import sibling_projects

# The facts, index and rules packages (and the outlines of the index) are imported where they
# are used: a run that finds every finding in the cache needs none of them, and importing them
# builds some hundred classes, most of a warm run's start-up.
if TYPE_CHECKING:
    from alchemy_lint.facts import FileFacts
    from alchemy_lint.index import ProjectIndex
    from alchemy_lint.index.outline import FileOutline
    from alchemy_lint.outlines import OutlineStore, Stamp

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


#: Below this many bytes of source to check, forking workers for the rules costs more than it
#: saves (the rules take some 60 ms per MB).
MIN_SHARED_RULES_BYTES = 2 * 1024 * 1024


@dataclass(slots=True)
class RunStats:
    """What a run did, file by file; `--profile` prints it and the cache tests read it."""

    project_files: int = 0
    checked: int = 0
    #: Files the prefilter proved irrelevant: no facts walk (and no parse unless checked).
    prefiltered: int = 0
    facts_cached: int = 0
    facts_extracted: int = 0
    #: Prefiltered checked files parsed only to report ASA001.
    syntax_cached: int = 0
    syntax_parsed: int = 0
    findings_cached: int = 0
    findings_computed: int = 0
    #: Outlines of files read from the cache (the index reads a file's full facts only on demand).
    outlines_cached: int = 0
    #: Files not read: the manifest knows them unchanged since they were last read.
    files_unchanged: int = 0
    #: Projects read again because a file changed while the run read it.
    restarted: int = 0
    #: Cache entries that could not be read back and were rebuilt.
    cache_rebuilt: int = 0

    def as_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__slots__}

    def add(self, other: RunStats) -> None:
        for name in self.__slots__:
            setattr(self, name, getattr(self, name) + getattr(other, name))


@record
class CheckResult:
    findings: tuple[Finding, ...]
    files_checked: int
    stats: RunStats = field(default_factory=RunStats, compare=False)
    #: What looks wrong in the configurations read (a misspelled table), for the user to see.
    warnings: tuple[str, ...] = field(default=(), compare=False)
    #: Rules that crashed on a file (bugs of ours): the other files were checked all the same.
    crashes: tuple[str, ...] = field(default=(), compare=False)


@record
class RunOptions:
    """How to run: the CLI turns the cache and every core on; library callers opt in."""

    cache: bool = False
    #: Processes that parse and check, the main one included; 0 means one per core.
    jobs: int = 1
    prefilter: bool = True
    profile: Profile | None = None
    #: Read the noqa comments only of files that have findings (facts then carry none).
    lazy_noqa: bool = True
    #: `check_paths` reads only the files the cache's manifest does not know unchanged (see
    #: `read_project`); off where the project is kept and read from after the check (`--fix`).
    trust_status: bool = True

    @property
    def workers(self) -> int:
        return self.jobs if self.jobs > 0 else default_jobs()


def display_path(path: Path) -> str:
    """The path as the user would write it: relative to the working directory when below it."""
    absolute = path.absolute()
    try:
        return absolute.relative_to(Path.cwd()).as_posix()
    except ValueError:
        return absolute.as_posix()


def is_skipped_dir(folder: Path) -> bool:
    return folder.name in SKIPPED_DIRS or folder.name.endswith(".egg-info") or _holds(folder, "pyvenv.cfg")


def _holds(folder: Path, name: str) -> bool:
    # A folder we may not look into holds nothing we can see; the walk reports it (ASA001).
    try:
        return (folder / name).is_file()
    except OSError:
        return False


def _is_nested_project(folder: Path) -> bool:
    try:
        return is_project_root(folder)
    except OSError:
        return False


class _Listing:
    """The entries of one folder, read once: the walk decides about a folder from its own
    listing (a virtual environment's pyvenv.cfg, a nested project's markers) rather than by
    a stat per marker, and lists it only once when it goes in."""

    __slots__ = ("entries", "error")

    def __init__(self, folder: str) -> None:
        self.entries: dict[str, os.DirEntry[str]] = {}
        self.error: OSError | None = None
        try:
            with os.scandir(folder) as found:
                self.entries = {entry.name: entry for entry in found}
        except OSError as error:
            self.error = error

    def holds_file(self, name: str) -> bool:
        entry = self.entries.get(name)
        try:
            return entry is not None and entry.is_file()
        except OSError:
            return False

    def holds(self, name: str) -> bool:
        """`Path.exists()` of the entry: a link counts only when its target exists."""
        entry = self.entries.get(name)
        return entry is not None and (not entry.is_symlink() or os.path.exists(entry.path))

    def is_dir(self, name: str) -> bool:
        try:
            return self.entries[name].is_dir()
        except OSError:
            return False


def _is_virtual_environment(listing: _Listing, folder: str) -> bool:
    """`_holds(folder, "pyvenv.cfg")`, from the folder's listing (or by stat when it cannot be listed)."""
    if listing.error is not None:
        return _holds(Path(folder), "pyvenv.cfg")
    return listing.holds_file("pyvenv.cfg")


def _is_nested(listing: _Listing, folder: str) -> bool:
    """`_is_nested_project`, from the folder's listing (or by stat when it cannot be listed)."""
    if listing.error is not None:
        return _is_nested_project(Path(folder))
    return marks_project(listing.holds)


def python_files(
    root: Path, settings: Settings, project_root: Path, nested_roots: list[Path] | None = None
) -> Iterator[Path]:
    """Python files below `root`, skipping tool folders and `exclude` globs.

    A folder with its own pyproject.toml (or setup.cfg, setup.py, .git) is another project,
    with its own settings and index, as flake8 sees it per file: it is not walked but
    appended to `nested_roots`.

    `exclude` applies to files and folders named on the command line too (ruff's
    `--force-exclude`): pre-commit names every changed file, and the flake8 plugin cannot
    tell a named file from a found one. What `.gitignore` and `.ignore` files ignore is left
    out of the walk only, as in ruff: a file named on the command line is checked.

    The walk is os.walk's, top-down in sorted order and not into folder links, done with
    strings: a path object per entry cost more than the listing.
    """
    if resolved(root) != project_root and is_excluded(root, settings, project_root):
        return
    if root.is_file():
        yield root
        return
    ignores = IgnoreFiles(root) if settings.respect_gitignore else None
    excluded = _Exclusions(settings, project_root)
    # Each folder to walk with its listing; a folder that cannot be listed (no permission) is
    # yielded as a path that cannot be read: one ASA001 for it, and the walk goes on.
    pending: list[tuple[str, _Listing]] = [(str(root), _Listing(str(root)))]
    while pending:
        folder, listing = pending.pop()
        if listing.error is not None:
            if listing.error.filename:
                yield Path(listing.error.filename)
            continue
        absolute = os.path.abspath(folder)
        in_project = excluded.folder(folder)
        if ignores is not None:
            ignores.enter(absolute, listing.entries)
        subfolders: list[tuple[str, _Listing]] = []
        names = sorted(listing.entries)
        for name in names:
            if not listing.is_dir(name):
                continue
            # What the name, the globs and the ignore files decide first: a tool folder (say
            # node_modules) is never listed.
            if name in SKIPPED_DIRS or name.endswith(".egg-info"):
                continue
            if excluded.excludes(in_project, folder, listing, name):
                continue
            if ignores is not None and ignores.is_ignored_text(os.path.join(absolute, name), is_dir=True):
                continue
            child = os.path.join(folder, name)
            child_listing = _Listing(child)
            if _is_virtual_environment(child_listing, child):
                continue
            if _is_nested(child_listing, child):
                if nested_roots is not None:
                    nested_roots.append(Path(child))
                continue
            if not listing.entries[name].is_symlink():  # os.walk does not follow folder links
                subfolders.append((child, child_listing))
        for name in names:
            if name.endswith((".py", ".pyi")) and not listing.is_dir(name):
                if excluded.excludes(in_project, folder, listing, name):
                    continue
                if ignores is None or not ignores.is_ignored_text(os.path.join(absolute, name), is_dir=False):
                    yield Path(folder, name)
        pending.extend(reversed(subfolders))


class _Exclusions:
    """`is_excluded` for the entries of a walked folder: the folder resolved once, not each entry."""

    __slots__ = ("_patterns", "_root", "_settings")

    def __init__(self, settings: Settings, project_root: Path) -> None:
        self._settings = settings
        self._patterns = settings.exclude
        self._root = project_root

    def folder(self, folder: str) -> str | None:
        """The folder's path relative to the project root, posix style ("" for the root), or
        None when it is outside the project (or there is nothing to exclude)."""
        if not self._patterns:
            return None
        try:
            relative = resolved(Path(folder)).relative_to(self._root).as_posix()
        except ValueError:
            return None
        return "" if relative == "." else relative + "/"

    def excludes(self, in_project: str | None, folder: str, listing: _Listing, name: str) -> bool:
        if not self._patterns:
            return False
        entry = listing.entries[name]
        if in_project is None or entry.is_symlink():  # a link resolves elsewhere
            return is_excluded(Path(folder, name), self._settings, self._root)
        return matches_any(in_project + name, self._patterns)


def is_excluded(path: Path, settings: Settings, project_root: Path) -> bool:
    if not settings.exclude:
        return False
    try:
        relative = resolved(path).relative_to(project_root).as_posix()
    except ValueError:
        relative = path.as_posix()
    return matches_any(relative, settings.exclude)


def facts_for_source(path: str, source: bytes, module: Path | tuple[str, bool]) -> FileFacts:
    """Parse and extract; a file that does not parse gives facts with `parse_error` set.

    `module`: the file's module name and whether it is a package (`DiskProject.module_of`), or
    the path to name it from, as a file outside any project."""
    name, is_package = module_name_for(module) if isinstance(module, Path) else module
    return run_job(ParseJob(JobKind.FACTS, path, name, is_package, source, None))


def facts_for_tree(path: str, tree: ast.Module, module: tuple[str, bool], text: str | None = None) -> FileFacts:
    """Facts from a tree someone else parsed (flake8 hands plugins theirs, and the lines it was
    parsed from: `text`); `module` as for `facts_for_source`."""
    from alchemy_lint.facts import extract_facts

    return extract_facts(tree, path, *module, text)


def read_facts(path: Path, root: Path | None = None) -> FileFacts:
    from alchemy_lint.facts import FileFacts

    shown = display_path(path)
    try:
        source = read_bounded(path)
    except OSError as error:
        module, is_package = module_name_for(path, root)
        return FileFacts(shown, module, is_package, parse_error=read_error_text(error))
    return facts_for_source(shown, source, module_name_for(path, root))


def _relative_to(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


class DiskProject:
    """One project root: its settings, the bytes of all its Python files, and (lazily) its index.

    The index is built only when some finding is not in the cache; facts come from the cache,
    or from parsing in worker processes, and only for the files the prefilter keeps.
    """

    def __init__(
        self,
        root: Path,
        settings: Settings,
        sources: Sequence[SourceFile],
        options: RunOptions,
        stats: RunStats | None = None,
        cache: Cache | None = None,
    ) -> None:
        """`cache`: the project's cache when the caller has it open already."""
        self.root = root
        self.settings = settings
        self.options = options
        self.stats = stats if stats is not None else RunStats()
        self.cache = cache if cache is not None else _cache_for(root, options)
        if self.cache is not None:
            self.cache.remove_stale_temporaries()
        self._settings_key = settings.cache_key()
        self.sources: dict[Path, SourceFile] = {source.path: source for source in sources}
        self.stats.project_files += len(self.sources)
        profile = options.profile or Profile()
        with profile.phase("prefilter"):
            self.relevant = self._relevant_files(sources)
            self.digest = self._index_digest()
        self._checks_syntax: bool | None = None
        self._facts: dict[Path, FileFacts] = {}
        #: Files whose facts came from a parse (or a read error): ASA001 can be trusted.
        self._parsed: set[Path] = set()
        self._index: ProjectIndex | None = None
        #: Folders below the root that are projects of their own (not part of this index).
        self.nested_roots: tuple[Path, ...] = ()
        #: The files of sibling projects read for the index alone (`_library_sources`).
        self.outside: frozenset[Path] = frozenset()
        #: The name the files import the root folder by, when no marker names it (`imported_root_name`).
        self.root_name: str | None = None

    def refresh(self, path: Path) -> None:
        """Forget what was read from `path` (a fix rewrote it): it is read and parsed again."""
        if path in self.sources:
            self.update([path])

    def update(self, paths: Iterable[Path]) -> None:
        """Read these files again as they are on disk now: changed, created or deleted.

        The language server passes what the editor's file watcher reports (resolved paths the
        walk would take). Which files can matter is decided again, and a file whose answer
        changed loses its facts, so that it is parsed (or emptied) as the prefilter now says.
        """
        modules = self.module_names()
        names = _PathNames(self.root)
        for path in paths:
            if path.is_file():
                self.sources[path] = read_source_file(path, *names.names(path), modules)
            elif self.sources.pop(path, None) is None:
                continue
            self._forget(path)
        # A file that came or went can make another's namespace name free or taken (`unshadowed`).
        preferred = [_named(source, *modules.module_for(source.path)) for source in self.sources.values()]
        for source in unshadowed(preferred, modules):
            if source.module != self.sources[source.path].module:
                self.sources[source.path] = source
                self._forget(source.path)
        self._reconsider()

    def module_of(self, path: Path) -> tuple[str, bool]:
        """The module name of the file at `path` (resolved): the project's name for a file it
        holds (so that every front end names a buffer as the check names the file), else as
        the file would be named below the root."""
        source = self.sources.get(path)
        if source is not None:
            return source.module, source.is_package
        return self.module_names().module_for(path)

    def module_names(self) -> ModuleNames:
        return ModuleNames(self.root, self.root_name)

    def replace_source(self, source: SourceFile) -> None:
        """Take `source` as its file's content (text piped in on stdin)."""
        self.sources[source.path] = source
        self._forget(source.path)
        self._reconsider()

    def _forget(self, path: Path) -> None:
        self._facts.pop(path, None)
        self._parsed.discard(path)

    def _reconsider(self) -> None:
        """After sources changed: which files can matter is decided again, and a file whose
        answer changed loses its facts."""
        self._index = None
        before = self.relevant
        self.relevant = self._relevant_files(list(self.sources.values()))
        for path in before ^ self.relevant:
            self._forget(path)
        self.digest = self._index_digest()

    def _relevant_files(self, sources: Sequence[SourceFile]) -> frozenset[Path]:
        """The prefilter's answer, from the cache when its inputs are as they were: it depends on
        the settings and on each file's relative path, module and bytes, nothing else."""
        if not self.options.prefilter:
            return frozenset(source.path for source in sources)
        if self.cache is None or len({source.relative for source in sources}) != len(sources):
            return relevant_files(sources, self.settings)
        scope = digest(__version__, self._settings_key, str(self.root))
        with rare_collections():
            return CachedRelevance(self.cache, self.settings, scope).relevant(sources)

    @property
    def checks_syntax(self) -> bool:
        """Whether ASA001 is on: only then is a file the prefilter drops parsed when checked."""
        if self._checks_syntax is None:
            from alchemy_lint.rules import enabled_rules

            self._checks_syntax = any(rule.code == "ASA001" for rule in enabled_rules(self.settings))
        return self._checks_syntax

    # -- cache keys ----------------------------------------------------------------

    def _index_digest(self) -> str:
        """Everything the index is built from: a file the prefilter drops counts by name only."""
        parts: list[str] = [__version__, self._settings_key, str(self.root)]
        # In the order of the path strings: comparing path objects cost ten times as much.
        for path, source in sorted(self.sources.items(), key=lambda item: str(item[0])):
            parts.extend((source.display, source.module, str(source.is_package)))
            if path in self.relevant:
                parts.append(source.digest)
        return digest(*parts)

    def _facts_key(self, source: SourceFile, kind: JobKind) -> str:
        return digest(
            kind.value,
            str(self.options.lazy_noqa),
            __version__,
            self._settings_key,
            source.display,
            source.module,
            str(source.is_package),
            source.digest,
        )

    def _findings_key(self, source: SourceFile, honour_noqa: bool, in_project: bool, parsed_elsewhere: bool) -> str:
        return digest(
            "findings",
            __version__,
            self._settings_key,
            self.digest,
            source.display,
            source.module,
            source.digest,
            str(honour_noqa),
            str(in_project),
            str(parsed_elsewhere),
        )

    # -- facts -----------------------------------------------------------------------

    def _plan(self, source: SourceFile, needs_syntax: bool) -> FileFacts | ParseJob:
        """Facts known without parsing (cached, unreadable, irrelevant), or the job to make them."""
        from alchemy_lint.facts import FileFacts

        if source.read_error is not None:
            self._parsed.add(source.path)
            return FileFacts(source.display, source.module, source.is_package, parse_error=source.read_error)
        if source.path in self.relevant:
            kind = JobKind.FACTS
        elif needs_syntax and self.checks_syntax:
            kind = JobKind.SYNTAX
        else:
            self.stats.prefiltered += 1
            return FileFacts(source.display, source.module, source.is_package)
        key = self._facts_key(source, kind)
        if self.cache is not None:
            cached = self.cache.load(kind.value, key, FileFacts)
            if cached is not None:
                self._parsed.add(source.path)
                if kind is JobKind.FACTS:
                    self.stats.facts_cached += 1
                else:
                    self.stats.syntax_cached += 1
                return cached
        return ParseJob(
            kind, source.display, source.module, source.is_package, source.source, key, not self.options.lazy_noqa
        )

    def load_facts(
        self,
        sources: Iterable[SourceFile],
        checked: frozenset[Path] = frozenset(),
        progress: Callable[[int], None] | None = None,
    ) -> None:
        """Make sure these files have facts, parsing what the cache lacks in worker processes.

        `progress` is called with the number of files done so far (the language server reports
        it to the editor); an exception it raises stops the loading, and the workers with it.
        """
        # Parsing, walking and unpickling build many objects and no garbage cycles.
        with rare_collections():
            jobs: list[ParseJob] = []
            targets: list[SourceFile] = []
            done = 0
            for source in sources:
                needs_syntax = source.path in checked
                if source.path in self._facts and (source.path in self._parsed or not needs_syntax):
                    continue
                planned = self._plan(source, needs_syntax)
                if not isinstance(planned, ParseJob):
                    self._facts[source.path] = planned
                    done += 1
                    if progress is not None:
                        progress(done)
                else:
                    jobs.append(planned)
                    targets.append(source)
            for source, facts in zip(targets, run_jobs(jobs, self.options.workers, self.cache), strict=True):
                done += 1
                if progress is not None:
                    progress(done)
                self._facts[source.path] = facts
                self._parsed.add(source.path)
                if source.path in self.relevant:
                    self.stats.facts_extracted += 1
                else:
                    self.stats.syntax_parsed += 1

    @property
    def facts(self) -> dict[Path, FileFacts]:
        """The facts of every file of the project, by resolved path."""
        self.load_facts(self.sources.values())
        return {path: self._facts[path] for path in self.sources}

    def index(self, checked: frozenset[Path] = frozenset()) -> ProjectIndex:
        """The project's index. With a cache it is built from the files' outlines, and a file's
        full facts are read only when a question reaches into it (see index/outline.py)."""
        if self._index is None:
            from alchemy_lint.index import ProjectIndex
            from alchemy_lint.outlines import RunOnceMemo

            profile = self.options.profile or Profile()
            if self.cache is None:
                with profile.phase("facts"):
                    self.load_facts(self.sources.values(), checked)
                with profile.phase("index"):
                    self._index = ProjectIndex(self.root, self.settings, (self._facts[path] for path in self.sources))
                return self._index
            with profile.phase("facts"), rare_collections():
                outlines, store = self._outlines(self.cache, checked)
            with profile.phase("index"):
                by_display = {source.display: source for source in self.sources.values()}
                self._index = ProjectIndex(
                    self.root,
                    self.settings,
                    relative_paths=self._relative_paths(),
                    outlines=outlines,
                    load=lambda path: self.facts_of(by_display[path]),
                    passing=store.passing_calls,
                    memo=RunOnceMemo(self.cache, self._run_once_key(outlines), store),
                )
        return self._index

    def _outlines(self, cache: Cache, checked: frozenset[Path]) -> tuple[list[FileOutline], OutlineStore]:
        """Every file's outline: from the cache, else from its facts (parsed if need be).

        The checked files' facts are loaded first (the rules read them anyway)."""
        from alchemy_lint.facts import FileFacts
        from alchemy_lint.index.outline import outline_of
        from alchemy_lint.index.runonce import run_once_inputs
        from alchemy_lint.outlines import OutlineStore, passing_groups

        self.load_facts((self.sources[path] for path in checked if path in self.sources), checked)
        store = OutlineStore(
            cache, digest("outlines", __version__, self._settings_key, str(self.root), str(self.options.lazy_noqa))
        )
        found: dict[Path, FileOutline] = {}
        missing: list[SourceFile] = []
        for path, source in self.sources.items():
            if path not in self.relevant or source.read_error is not None:
                facts = self._facts.get(path) or self._plan(source, False)
                assert isinstance(facts, FileFacts)  # an irrelevant or unreadable file is not parsed here
                self._facts[path] = facts
                found[path] = outline_of(facts, with_run_once=True)
                continue
            outline = store.lookup(_stamp(source), lambda: self._facts_key(source, JobKind.FACTS))  # noqa: B023 - called at once
            if outline is None:
                missing.append(source)
            else:
                found[path] = outline
                self.stats.outlines_cached += 1
        self.load_facts(missing)
        for source in missing:
            facts = self._facts[source.path]
            outline = found[source.path] = outline_of(facts, with_run_once=True)
            stamp, key = _stamp(source), self._facts_key(source, JobKind.FACTS)
            store.remember(stamp, key, outline, run_once_inputs(facts), passing_groups(facts.passing_calls))
        store.finish()
        return [found[path] for path in self.sources], store

    def _relative_paths(self) -> dict[str, str]:
        """`ProjectIndex.relative` of each file, known from the walk: resolving every path again
        cost a tenth of a one-file check. The walk follows no folder links, so only a file that
        is itself a link may resolve elsewhere; the index resolves those."""
        return {
            source.display: source.relative
            for source in self.sources.values()
            if source.relative != str(source.path) and not os.path.islink(source.path)
        }

    def _run_once_key(self, outlines: Sequence[FileOutline]) -> str:
        """What the run-once analysis reads: every file's path and run-once digest."""
        parts = [__version__, str(self.root)]
        for outline in sorted(outlines, key=lambda outline: outline.path):
            parts.extend((outline.path, outline.run_once))
        return digest(*parts)

    def facts_of(self, source: SourceFile, checked: frozenset[Path] = frozenset()) -> FileFacts:
        if source.path not in self.sources:
            # A file checked on its own (excluded, or outside the walked folders): not in the index.
            from alchemy_lint.facts import FileFacts

            key = self._facts_key(source, JobKind.FACTS)
            cached = self.cache.load("outside", key, FileFacts) if self.cache is not None else None
            if cached is not None:
                return cached
            job = ParseJob(JobKind.FACTS, source.display, source.module, source.is_package, source.source, None)
            facts = run_job(replace(job, read_noqa=not self.options.lazy_noqa))
            if self.cache is not None:
                self.cache.store("outside", key, facts)
            return facts
        self.load_facts((source,), checked)
        return self._facts[source.path]

    # -- findings --------------------------------------------------------------------

    def check(
        self,
        sources: Sequence[SourceFile],
        *,
        honour_noqa: bool = True,
        parsed_elsewhere: bool = False,
        crashes: list[RuleCrash] | None = None,
    ) -> list[Finding]:
        """Findings for these files: from the cache, else from the rules over the index.

        `parsed_elsewhere`: the caller parsed these files already (flake8), so a file the
        prefilter drops need not be parsed again to look for ASA001. `crashes`: a rule that
        crashes on a file is added here and the other files are still checked (the command
        line reports them all); without it, the crash is raised.
        """
        profile = self.options.profile
        checked = frozenset() if parsed_elsewhere else frozenset(source.path for source in sources)
        found: list[Finding] = []
        pending: list[tuple[SourceFile, str]] = []
        for source in sources:
            key = self._findings_key(source, honour_noqa, source.path in self.sources, parsed_elsewhere)
            cached = self._cached_findings(key)
            if cached is not None:
                self.stats.findings_cached += 1
                found.extend(cached)
            else:
                pending.append((source, key))
        if not pending:
            return found
        index = self.index(checked)
        started = Profile.start()
        costs = [source.size + FILE_COST_BYTES for source, _ in pending]
        # The rules read the index: forked workers share it as this process holds it, with the
        # whole-project analyses the rules read computed once here rather than once per worker,
        # and the collector kept off the index meanwhile (see `frozen_for_fork`).
        workers = self.options.workers if sum(costs) >= MIN_SHARED_RULES_BYTES else 1
        with frozen_for_fork() if workers > 1 else nullcontext():
            if workers > 1:
                from alchemy_lint.rules import enabled_rules

                index.prepare({analysis for rule in enabled_rules(self.settings) for analysis in rule.analyses})
            computed = share_work(
                lambda number: self._computed_findings(*pending[number], index, checked, honour_noqa),
                costs,
                workers,
                cache=self.cache,
                fork_only=True,
                doing="checking",
            )
        for findings, rule_times, crash in computed:
            if crash is not None:
                if crashes is None:
                    raise RuleCrash(crash)
                crashes.append(RuleCrash(crash))
                continue
            self.stats.findings_computed += 1
            found.extend(findings)
            if profile is not None:
                for code, seconds in rule_times.items():
                    profile.add_rule_time(code, seconds)
        if profile is not None:
            profile.add_phase("rules", started)
        return found

    def _computed_findings(
        self, source: SourceFile, key: str, index: ProjectIndex, checked: frozenset[Path], honour_noqa: bool
    ) -> tuple[tuple[Finding, ...], dict[str, float], str | None]:
        """The rules' findings for one file, cached; with `--profile`, the time per rule; and what
        crashed, if a rule did (its message: nothing is cached for the file then)."""
        from alchemy_lint.rules.precedence import one_finding_per_construct

        facts = self.facts_of(source, checked)
        profile = Profile() if self.options.profile is not None else None
        lazy_noqa = honour_noqa and self.options.lazy_noqa
        try:
            computed = tuple(
                check_file(facts, index, self.settings, honour_noqa=honour_noqa and not lazy_noqa, profile=profile)
            )
        except RuleCrash as crash:
            return (), {}, str(crash)
        if lazy_noqa and computed:
            noqa = with_noqa(facts, source.source).noqa
            computed = tuple(one_finding_per_construct(f for f in computed if not is_suppressed(noqa, f.line, f.code)))
        if self.cache is not None:
            self.cache.store("findings", key, computed)
        return computed, profile.rules if profile is not None else {}, None

    def cached_findings(self, source: SourceFile) -> tuple[Finding, ...] | None:
        """What `check([source])` would answer from the cache alone, or None when it would compute.

        The language server shows these the moment a project is read, while its index loads.
        """
        return self._cached_findings(self._findings_key(source, True, source.path in self.sources, False))

    def store_findings(self, source: SourceFile, findings: Sequence[Finding]) -> None:
        """Cache `findings` as what `check([source])` computes (the language server found them so)."""
        if self.cache is not None:
            key = self._findings_key(source, True, source.path in self.sources, False)
            self.cache.store("findings", key, tuple(findings))

    def _cached_findings(self, key: str) -> tuple[Finding, ...] | None:
        cached = self.cache.load("findings", key, tuple) if self.cache is not None else None
        if cached is not None and all(isinstance(item, Finding) for item in cached):
            return cached
        return None

    def finish(self) -> None:
        if self.cache is not None:
            self.stats.cache_rebuilt += self.cache.stats.corrupt
            self.cache.stats.corrupt = 0

    def close(self) -> None:
        """Let go of the index and the facts, for a run that is done with this project."""
        if self._index is not None:
            self._index.close()
            self._index = None
        self._facts.clear()


def named_below_root(root: Path, sources: list[SourceFile]) -> tuple[list[SourceFile], str | None]:
    """The sources of a folder with no project marker renamed within the name its files import
    it by (`imported_root_name`), with that name; as they are, and None, for any other root."""
    root_name = imported_root_name(root, (source.source for source in sources if source.read_error is None))
    if root_name is None:
        return sources, None
    modules = ModuleNames(root, root_name)
    return [_named(source, *modules.module_for(source.path)) for source in sources], root_name


def _named(source: SourceFile, module: str, is_package: bool) -> SourceFile:
    return source if source.module == module else replace(source, module=module, is_package=is_package)


def _stamp(source: SourceFile) -> Stamp:
    """What identifies a file's facts in the outline store (the parts of its facts key that vary)."""
    return (source.display, source.module, source.is_package, source.digest)


def _cache_for(root: Path, options: RunOptions) -> Cache | None:
    """The project's cache; outside any project none, so that checking a scratch file leaves no
    folder beside it (a lone file parses in milliseconds), unless `ALCHEMY_LINT_CACHE_DIR` names one."""
    if not options.cache or cache_disabled_by_environment():
        return None
    if not is_project_root(root) and not os.environ.get(CACHE_DIR_ENV, "").strip():
        return None
    return Cache.for_project(root)


def read_project(
    root: Path,
    settings: Settings,
    options: RunOptions,
    stats: RunStats | None = None,
    *,
    files: Sequence[Path] | None = None,
    trust_status: bool = False,
) -> DiskProject:
    """Walk and read every Python file of the project (no parsing yet).

    `files`: the files of a run outside any project, read instead of walking `root`.
    `trust_status`: a file whose status is as the cache's manifest recorded is not read (its
    bytes are read if asked for, and `SourceChanged` is raised if they changed meanwhile).
    A project kept for a long time (the language server's) must not trust it.
    """
    check_selectors(settings)
    profile = options.profile or Profile()
    modules = ModuleNames(root)
    cache = _cache_for(root, options)
    manifest = Manifest(cache, str(root), trusted=trust_status) if cache is not None else None
    with profile.phase("discover"):
        # `root` is resolved and the walk does not follow folder links: no resolve() per file.
        nested_roots: list[Path] = []
        if files is None:
            paths = list(python_files(root, settings, root, nested_roots))
        else:
            paths = sorted({path.resolve() for path in files if not is_excluded(path, settings, root)})
    with profile.phase("read"):
        display = _PathNames(root)
        read = [read_source_file(path, *display.names(path), modules, manifest) for path in paths]
        marked = is_project_root(root)
        siblings = sibling_projects(root) if files is None and marked else []
        outside: list[SourceFile] = []
        if (nested_roots or siblings) and marked:
            libraries = _library_sources(
                root, settings, nested_roots, siblings, read, display, modules, manifest, cache
            )
            outside = [source for source in libraries if not source.path.is_relative_to(root)]
            read.extend(libraries)
        read, root_name = named_below_root(root, read)
        sources = unshadowed(without_aliases(read), ModuleNames(root, root_name))
        if manifest is not None:
            manifest.finish()
    project = DiskProject(root, settings, sources, options, stats, cache)
    if manifest is not None:
        project.stats.files_unchanged += manifest.unchanged
    project.nested_roots = tuple(nested_roots)
    project.root_name = root_name
    project.outside = frozenset(source.path for source in outside)
    return project


def _library_sources(
    root: Path,
    settings: Settings,
    nested_roots: list[Path],
    siblings: list[Path],
    read: list[SourceFile],
    display: _PathNames,
    modules: ModuleNames,
    manifest: Manifest | None,
    cache: Cache | None,
) -> list[SourceFile]:
    """The files of the nested projects the project imports as libraries (`imported_libraries`)
    and that run with the same settings: they are checked as part of this project, so that its
    calls into them resolve, and are no projects of their own any more (taken off `nested_roots`).

    And the files of the sibling projects it imports (`workspaces.sibling_projects`): read for
    its index alone, not checked (they are outside the folder checked; checked from the
    workspace's top, each is a project of its own).

    Only a project's (a folder with a marker): a folder checked as it is may be anything (a
    checkout whose scripts import its backend, or a folder named as the package it holds)."""
    own = {source.module.partition(".")[0] for source in read}
    libraries = imported_libraries([*nested_roots, *siblings], read, own, cache)
    found: list[SourceFile] = []
    for library in libraries:
        if library in nested_roots:
            try:
                same = load_settings(library).cache_key() == load_settings(root).cache_key()
            except ConfigError:
                same = False
            if not same:
                continue
            nested_roots.remove(library)
            walked = nested_roots
        else:
            walked = []  # a sibling's own nested projects are no part of this one
        for path in python_files(library, settings, root, walked):
            found.append(read_source_file(path, *_library_names(display, library, root, path), modules, manifest))
    return found


def _library_names(display: _PathNames, library: Path, root: Path, path: Path) -> tuple[str, str]:
    """`_PathNames.names`, with a sibling's file shown relative to the working folder
    (`../shared/src/shared/models.py`) rather than as an absolute path."""
    shown, relative = display.names(path)
    if not library.is_relative_to(root) and os.path.isabs(shown):
        with contextlib.suppress(ValueError):  # another drive on Windows
            shown = os.path.relpath(path).replace(os.sep, "/")
    return shown, relative


class _PathNames:
    """`display_path` and the root-relative path, by string slicing (pathlib per file is slow)."""

    def __init__(self, root: Path) -> None:
        self.cwd = os.path.join(os.getcwd(), "")
        self.root = os.path.join(str(root), "")

    def names(self, path: Path) -> tuple[str, str]:
        text = str(path)
        display = text[len(self.cwd) :] if text.startswith(self.cwd) else text
        relative = text[len(self.root) :] if text.startswith(self.root) else text
        if os.sep != "/":  # pragma: no cover - Windows
            display, relative = display.replace(os.sep, "/"), relative.replace(os.sep, "/")
        return display, relative


def load_project(root: Path, settings: Settings, options: RunOptions | None = None) -> DiskProject:
    """A project for callers that want all facts (`project.facts`) and the index.

    Without options the prefilter is off, so every file has its full facts, as an editor
    that swaps in the facts of unsaved buffers needs.
    """
    return read_project(root, settings, options or RunOptions(prefilter=False, lazy_noqa=False))


def check_file(
    facts: FileFacts,
    index: ProjectIndex,
    settings: Settings,
    *,
    honour_noqa: bool = True,
    profile: Profile | None = None,
) -> list[Finding]:
    """Run the enabled rules on one file's facts and drop what is suppressed.

    flake8 reads `# noqa` itself (and honours `--disable-noqa`), so its plugin passes False; then
    the caller applies `one_finding_per_construct` with the noqa comments it knows of.
    """
    from alchemy_lint.rules import FileContext, enabled_rules, ignored_for_path
    from alchemy_lint.rules.precedence import one_finding_per_construct

    context = FileContext(facts, index, settings)
    ignored = ignored_for_path(index.relative(facts.path), settings)
    found: list[Finding] = []
    for rule in enabled_rules(settings):
        if any(rule.code.startswith(code) for code in ignored):
            continue
        started = time.perf_counter() if profile is not None else 0.0
        try:
            for finding in rule.check(rule, context):
                if not (honour_noqa and is_suppressed(facts.noqa, finding.line, finding.code)):
                    found.append(finding)
        except Exception as error:
            raise RuleCrash.during(rule.code, facts.path, error) from error
        if profile is not None:
            profile.add_rule_time(rule.code, time.perf_counter() - started)
    # Without noqa read here, the caller applies the precedence once it knows what noqa silences.
    return one_finding_per_construct(found) if honour_noqa else found


class RuleCrash(Exception):
    """A rule raised on a file: a bug in alchemy-lint, reported with where it happened.

    Its one argument is the message, so that it pickles: raised in a worker, it reaches the
    main process as it is (an exception that cannot be rebuilt there reads as a dead worker).
    """

    @classmethod
    def during(cls, code: str, path: str, error: Exception) -> RuleCrash:
        return cls(f"{code} crashed on {path}: {type(error).__name__}: {error}")


def check_paths(
    paths: Iterable[str],
    overrides: Overrides | None = None,
    options: RunOptions | None = None,
    *,
    projects: dict[Path, DiskProject] | None = None,
) -> CheckResult:
    """Check files and folders; raises ConfigError for a bad configuration.

    `projects` keeps the loaded projects by root across calls (`check --fix` checks, fixes,
    refreshes the rewritten files and checks again without reading every file twice).
    """
    options = options or RunOptions()
    stats = RunStats()
    targets: dict[Path, list[Path]] = {}
    for raw in paths:
        given = Path(raw)
        if not given.exists():
            raise FileNotFoundError(raw)
        targets.setdefault(find_project_root(given), []).append(given)
    findings: list[Finding] = []
    warnings: dict[str, None] = {}
    crashes: list[RuleCrash] = []
    pending = list(targets.items())
    while pending:
        root, given_paths = pending.pop(0)
        kept = projects.get(root) if projects is not None else None
        crashed = len(crashes)
        try:
            project, found, nested_roots = _check_root(root, given_paths, kept, overrides, options, stats, crashes)
        except SourceChanged:
            # A file changed on disk while this run read the project: read every file again.
            del crashes[crashed:]
            stats.restarted += 1
            options = replace(options, trust_status=False)
            project, found, nested_roots = _check_root(root, given_paths, None, overrides, options, stats, crashes)
        findings.extend(found)
        warnings.update(dict.fromkeys(project.settings.warnings))
        if projects is not None:
            projects[root] = project
        project.finish()
        pending.extend((nested.resolve(), [nested]) for nested in nested_roots if nested.resolve() not in targets)
        if projects is None and pending:
            # Freed now by reference counting, not by the collection that would find it among
            # the next project's objects (1.3 s on polar). The last one is left as it was: the
            # command exits without freeing its memory.
            project.close()
    unique = sorted(set(findings), key=Finding.sort_key)
    return CheckResult(tuple(unique), stats.checked, stats, tuple(warnings), tuple(str(crash) for crash in crashes))


def _check_root(
    root: Path,
    given_paths: Sequence[Path],
    kept: DiskProject | None,
    overrides: Overrides | None,
    options: RunOptions,
    stats: RunStats,
    crashes: list[RuleCrash],
) -> tuple[DiskProject, list[Finding], list[Path]]:
    """One project's part of `check_paths`: its findings for the paths given below its root,
    and the folders below those paths that are projects of their own.

    Counts go into `stats` only once the check is through (a check started over counts once).
    """
    counts = RunStats()
    if kept is None:
        settings = settings_for(root, overrides)
        files = loose_files(root, given_paths)
        project = read_project(root, settings, options, counts, files=files, trust_status=options.trust_status)
    else:
        # A project kept from an earlier run (`check --fix` checks twice) counts into this run.
        project = kept
        project.stats = counts
    nested_roots: list[Path] = []
    checked = _checked_sources(project, given_paths, nested_roots)
    counts.checked += len(checked)
    found = project.check(checked, crashes=crashes)
    stats.add(counts)
    project.stats = stats
    return project, found, nested_roots


def loose_files(root: Path, given_paths: Sequence[Path]) -> list[Path] | None:
    """Files named outside any project are checked alone, as their own small project: the
    folder they are in is not walked (it may be a home folder). None: walk `root` as usual."""
    if is_project_root(root) or any(path.is_dir() for path in given_paths):
        return None
    return [path for path in given_paths if path.is_file()]


def _checked_sources(project: DiskProject, given_paths: Sequence[Path], nested_roots: list[Path]) -> list[SourceFile]:
    """The files to check, once each, in walk order; a file outside the project walk is read here.

    Folders that are projects of their own are not checked here but added to `nested_roots`.
    """
    chosen: dict[Path, SourceFile] = {}
    modules = project.module_names()
    for given in given_paths:
        if resolved(given) == project.root:
            chosen.update((path, source) for path, source in project.sources.items() if path not in project.outside)
            nested_roots.extend(project.nested_roots)
            continue
        for path in python_files(given, project.settings, project.root, nested_roots):
            real = resolved(path)
            if real in chosen:
                continue
            known = project.sources.get(real)
            chosen[real] = known or read_source_file(
                real, display_path(real), _relative_to(real, project.root), modules
            )
    return list(chosen.values())
