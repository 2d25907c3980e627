"""The language server's projects: each root's files as on disk, with the editor's buffers over them.

The files on disk go through the engine as `alchemy-lint check` reads them (its on-disk cache, its
prefilter, worker processes), so the editor and the command line share cache entries. An open
buffer's facts come from its unsaved text and overlay those of its file, so cross-file rules see
what the editor shows. Everything here runs on the server's one linter thread.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from pathlib import Path

from alchemy_lint.config import Settings, load_settings, matches_any
from alchemy_lint.engine import (
    DiskProject,
    RunOptions,
    check_file,
    display_path,
    facts_for_source,
    is_skipped_dir,
    named_below_root,
    read_project,
)
from alchemy_lint.facts import FileFacts
from alchemy_lint.findings import Finding
from alchemy_lint.index import ProjectIndex
from alchemy_lint.records import record
from alchemy_lint.resolve import ModuleNames
from alchemy_lint.roots import find_project_root, is_project_root
from alchemy_lint.rules import check_selectors
from alchemy_lint.sources import read_source_file

PYTHON_SUFFIXES = (".py", ".pyi")
#: As `alchemy-lint check` reads a project (prefilter and lazy noqa included): same cache entries.
PROJECT_OPTIONS = RunOptions(cache=True, jobs=0)
#: A folder outside any project: its own files only, and no cache folder left beside them.
LOOSE_FOLDER_OPTIONS = RunOptions(cache=False, jobs=1)

#: What identifies a version of pyproject.toml without reading it: (mtime in ns, size).
ConfigStamp = tuple[int, int] | None
#: Called while a project's facts load: (files done, files in all).
Progress = Callable[[int, int], None]
#: Called with the findings a project's cache holds for a buffer, before its index is loaded.
Preview = Callable[[tuple[Finding, ...]], None]


class IndexingCancelled(Exception):
    """The server is stopping: loading a project's facts was abandoned."""


def _config_stamp(root: Path) -> ConfigStamp:
    try:
        status = (root / "pyproject.toml").stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


@record
class CheckedWith:
    """The facts of a checked buffer and the project index it was checked against: a quick fix's input."""

    facts: FileFacts
    index: ProjectIndex


class EditorProject:
    """One project root: its files on disk (an engine `DiskProject`) and the open buffers over them."""

    def __init__(self, root: Path, settings: Settings, config_stamp: ConfigStamp, disk: DiskProject) -> None:
        self.root = root
        self.settings = settings
        self.config_stamp = config_stamp
        self.disk = disk
        self.buffer_facts: dict[Path, FileFacts] = {}
        #: Shared by every index of this root: resolving each file's path again dominated a rebuild.
        self.relative_paths: dict[str, str] = {}
        self.loaded = False
        self._index: ProjectIndex | None = None

    def load(self, progress: Progress | None = None) -> None:
        """Facts for every file: from the cache, else parsed in worker processes."""
        if self.loaded:
            return
        total = len(self.disk.sources)
        report = None if progress is None else (lambda done: progress(done, total))
        self.disk.load_facts(self.disk.sources.values(), progress=report)
        for source in self.disk.sources.values():
            # The walk follows no folder link, so a file that is no link itself is where its
            # path says: its relative path is known without resolving it (80% of a first index).
            if source.display not in self.relative_paths and not os.path.islink(source.path):
                self.relative_paths[source.display] = source.relative
        self.loaded = True

    def index(self) -> ProjectIndex:
        if self._index is None:
            merged = {**self.disk.facts, **self.buffer_facts}
            self._index = ProjectIndex(self.root, self.settings, merged.values(), relative_paths=self.relative_paths)
        return self._index

    def set_buffer(self, path: Path, facts: FileFacts) -> None:
        # Edits inside a function body that move nothing (a comment, a string) keep the index.
        if self.buffer_facts.get(path) == facts:
            return
        self.buffer_facts[path] = facts
        self._index = None

    def drop_buffer(self, path: Path) -> None:
        if self.buffer_facts.pop(path, None) is not None:
            self._index = None

    def update_disk(self, paths: Iterable[Path]) -> None:
        """Files changed, appeared or went on disk: read them again (and the prefilter's verdicts)."""
        self.disk.update(paths)
        self._index = None

    def is_excluded(self, path: Path) -> bool:
        if not self.settings.exclude:
            return False
        try:
            relative = path.relative_to(self.root).as_posix()
        except ValueError:
            return False
        return matches_any(relative, self.settings.exclude)

    def walks_to(self, path: Path) -> bool:
        """Whether the engine's walk of this project would read `path`."""
        return (
            is_python_path(path)
            and self.root in path.parents
            and not _in_skipped_folder(path, self.root)
            and not self.is_excluded(path)
            and find_project_root(path) == self.root
        )

    def remember(self, path: Path, text: str, findings: tuple[Finding, ...]) -> None:
        """Cache the findings of a buffer that is its file on disk, when no other buffer is laid
        over the project: they are what `check` finds, and an editor reopening the file shows them at once."""
        source = self.disk.sources.get(path)
        if source is not None and set(self.buffer_facts) == {path} and source.source == _buffer_bytes(text):
            self.disk.store_findings(source, findings)

    def cached_findings(self, path: Path, text: str) -> tuple[Finding, ...] | None:
        """The findings the cache holds for `path`, when the buffer is the file as read from disk."""
        source = self.disk.sources.get(path)
        if source is None or source.read_error is not None or source.source != _buffer_bytes(text):
            return None
        return self.disk.cached_findings(source)


class ProjectCache:
    """Open projects by root. Raises `ConfigError` when a project's configuration is bad."""

    def __init__(self) -> None:
        self._projects: dict[Path, EditorProject] = {}
        #: Set when the server stops: a project whose facts are loading stops loading.
        self.cancelled = threading.Event()

    def project_for(self, path: Path, progress: Progress | None = None) -> EditorProject:
        """The project `path` belongs to, read and loaded on first use, again when its settings changed."""
        project = self._current(path)
        project.load(self._cancellable(progress))
        return project

    def _current(self, path: Path) -> EditorProject:
        """The project of `path` with its current settings, read but perhaps not loaded yet."""
        root = find_project_root(path)
        stamp = _config_stamp(root)
        project = self._projects.get(root)
        if project is not None and project.config_stamp == stamp:
            return project
        settings = load_settings(root)
        check_selectors(settings)
        if project is not None and settings == project.settings:
            project.config_stamp = stamp  # pyproject.toml changed, its alchemy-lint table did not
            return project
        return self._reread(root, stamp, settings, project)

    def _reread(
        self, root: Path, stamp: ConfigStamp, settings: Settings, previous: EditorProject | None
    ) -> EditorProject:
        # New settings can change what is excluded and which modules are models: the project is
        # read again. Facts do not depend on the settings, so open buffers keep theirs, also
        # across a configuration error (raised before this) until the configuration is fixed.
        loose = not is_project_root(root)
        disk = _loose_folder(root, settings) if loose else read_project(root, settings, PROJECT_OPTIONS)
        project = EditorProject(root, settings, stamp, disk)
        if previous is not None:
            project.buffer_facts = dict(previous.buffer_facts)
            project.relative_paths = previous.relative_paths
        self._projects[root] = project
        return project

    def _cancellable(self, progress: Progress | None) -> Progress:
        def report(done: int, total: int) -> None:
            if self.cancelled.is_set():
                raise IndexingCancelled
            if progress is not None:
                progress(done, total)

        return report

    def check_buffer(
        self, path: Path, text: str, progress: Progress | None = None, preview: Preview | None = None
    ) -> tuple[Finding, ...]:
        """Lint the unsaved `text` of `path` against the rest of its project.

        On a project's first use, `preview` gets the findings the cache holds for this file (when
        the buffer is the file on disk) as soon as the project is read; `progress` follows the
        loading of its facts.
        """
        resolved = path.resolve()
        project = self._current(resolved)
        if not project.loaded and preview is not None and not project.is_excluded(resolved):
            early = project.cached_findings(resolved, text)
            if early is not None:
                preview(early)
        project.load(self._cancellable(progress))
        if project.is_excluded(resolved):
            project.drop_buffer(resolved)
            return ()
        facts = facts_for_source(display_path(resolved), _buffer_bytes(text), project.disk.module_of(resolved))
        project.set_buffer(resolved, facts)
        findings = tuple(sorted(set(check_file(facts, project.index(), project.settings)), key=Finding.sort_key))
        project.remember(resolved, text, findings)
        return findings

    def checked_with(self, path: Path) -> CheckedWith | None:
        """The facts of the buffer last checked for `path` and its project's current index."""
        resolved = path.resolve()
        project = self._projects.get(find_project_root(resolved))
        if project is None or resolved not in project.buffer_facts or not project.loaded:
            return None
        return CheckedWith(project.buffer_facts[resolved], project.index())

    def buffer_saved(self, path: Path) -> Path | None:
        """The buffer is on disk now; the root of its project, if loaded."""
        return self.file_changed_on_disk(path)

    def buffer_closed(self, path: Path) -> Path | None:
        """Forget the unsaved text: the file counts as it is on disk again. The root, if loaded."""
        resolved = path.resolve()
        project = self._projects.get(find_project_root(resolved))
        if project is None:
            return None
        project.drop_buffer(resolved)
        return project.root

    def file_changed_on_disk(self, path: Path) -> Path | None:
        """Take in a file the editor says changed on disk; the root of the project it is in, if loaded."""
        roots = self.files_changed_on_disk([path])
        return next(iter(roots), None)

    def files_changed_on_disk(self, paths: Iterable[Path]) -> set[Path]:
        """Take in files changed, created or deleted on disk; the roots of the loaded projects they touch.

        A git checkout or a formatter changes files the editor has not open: they are read again
        (a deleted file leaves the index). pyproject.toml is read again at the next check.
        """
        by_root: dict[Path, list[Path]] = {}
        for path in paths:
            resolved = path.resolve()
            by_root.setdefault(find_project_root(resolved), []).append(resolved)
        touched: set[Path] = set()
        for root, changed in by_root.items():
            project = self._projects.get(root)
            if project is None:
                continue
            touched.add(root)
            walked = [path for path in changed if project.walks_to(path) or path in project.disk.sources]
            if walked:
                project.update_disk(walked)
        return touched

    def projects(self) -> dict[Path, EditorProject]:
        return dict(self._projects)


def _buffer_bytes(text: str) -> bytes:
    return text.encode("utf-8", errors="surrogatepass")


def _loose_folder(root: Path, settings: Settings) -> DiskProject:
    """A folder outside any project: its own Python files, not everything below it.

    A file opened outside any project (a scratch file in the home folder) must not make the
    server walk everything below its folder, nor leave a cache folder there.
    """
    try:
        children = sorted(child for child in root.iterdir() if is_python_path(child) and child.is_file())
    except OSError:
        children = []
    modules = ModuleNames(root)
    read = [read_source_file(child.resolve(), display_path(child), child.name, modules) for child in children]
    sources, root_name = named_below_root(root, read)
    project = DiskProject(root, settings, sources, LOOSE_FOLDER_OPTIONS)
    project.root_name = root_name
    return project


def _in_skipped_folder(path: Path, root: Path) -> bool:
    """Whether the engine's walk would skip the file (a virtualenv, a cache, build output)."""
    folder = path.parent
    while folder != root and root in folder.parents:
        if is_skipped_dir(folder):
            return True
        folder = folder.parent
    return False


def is_python_path(path: Path) -> bool:
    return path.suffix in PYTHON_SUFFIXES
