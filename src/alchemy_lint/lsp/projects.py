"""The language server's projects: settings, on-disk facts and open buffers, kept warm.

An open buffer's facts come from its unsaved text and overlay the on-disk facts of its file,
so cross-file rules see what the editor shows; the merged index is rebuilt only on change.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from alchemy_lint.config import Settings, load_settings, matches_any
from alchemy_lint.engine import check_file, display_path, facts_for_source, is_skipped_dir, load_project, read_facts
from alchemy_lint.facts import FileFacts
from alchemy_lint.findings import Finding
from alchemy_lint.index import ProjectIndex
from alchemy_lint.roots import ROOT_MARKERS, find_project_root

PYTHON_SUFFIXES = (".py", ".pyi")

#: What identifies a version of pyproject.toml without reading it: (mtime in ns, size).
ConfigStamp = tuple[int, int] | None


def _config_stamp(root: Path) -> ConfigStamp:
    try:
        status = (root / "pyproject.toml").stat()
    except OSError:
        return None
    return status.st_mtime_ns, status.st_size


@dataclass(slots=True)
class OpenProject:
    """One project root: its settings, the facts of its files on disk, and of open buffers."""

    root: Path
    settings: Settings
    config_stamp: ConfigStamp
    disk_facts: dict[Path, FileFacts]
    buffer_facts: dict[Path, FileFacts] = field(default_factory=dict)
    _index: ProjectIndex | None = None

    def index(self) -> ProjectIndex:
        if self._index is None:
            merged = {**self.disk_facts, **self.buffer_facts}
            self._index = ProjectIndex(self.root, self.settings, merged.values())
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

    def set_disk(self, path: Path, facts: FileFacts | None) -> None:
        if facts is None:
            self.disk_facts.pop(path, None)
        else:
            self.disk_facts[path] = facts
        self._index = None

    def is_excluded(self, path: Path) -> bool:
        if not self.settings.exclude:
            return False
        try:
            relative = path.relative_to(self.root).as_posix()
        except ValueError:
            return False
        return matches_any(relative, self.settings.exclude)


class ProjectCache:
    """Open projects by root. Raises `ConfigError` when a project's configuration is bad."""

    def __init__(self) -> None:
        self._projects: dict[Path, OpenProject] = {}

    def project_for(self, path: Path) -> OpenProject:
        """The project `path` belongs to, loaded on first use and reloaded when pyproject.toml changed."""
        root = find_project_root(path)
        stamp = _config_stamp(root)
        project = self._projects.get(root)
        if project is not None and project.config_stamp == stamp:
            return project
        # A new or edited configuration can change what is excluded and which modules are
        # models, so the whole project is read again; open buffers keep their facts, also
        # across a configuration error (raised here) until the configuration is fixed.
        settings = load_settings(root)
        fresh = OpenProject(root, settings, stamp, _disk_facts(root, settings))
        if project is not None:
            # Facts do not depend on the settings, so open buffers keep theirs.
            fresh.buffer_facts = dict(project.buffer_facts)
        self._projects[root] = fresh
        return fresh

    def check_buffer(self, path: Path, text: str) -> tuple[Finding, ...]:
        """Lint the unsaved `text` of `path` against the rest of its project."""
        resolved = path.resolve()
        project = self.project_for(resolved)
        if project.is_excluded(resolved):
            project.drop_buffer(resolved)
            return ()
        facts = facts_for_source(display_path(resolved), text.encode("utf-8", errors="surrogatepass"), resolved)
        project.set_buffer(resolved, facts)
        index = project.index()
        findings = check_file(facts, index, project.settings)
        return tuple(sorted(set(findings), key=Finding.sort_key))

    def checked_with(self, path: Path) -> tuple[FileFacts, ProjectIndex] | None:
        """The facts of the buffer last checked for `path` and its project's current index."""
        resolved = path.resolve()
        project = self._projects.get(find_project_root(resolved))
        if project is None or resolved not in project.buffer_facts:
            return None
        return project.buffer_facts[resolved], project.index()

    def buffer_saved(self, path: Path) -> None:
        """The buffer is on disk now: its on-disk facts are what the buffer's were."""
        resolved = path.resolve()
        project = self._projects.get(find_project_root(resolved))
        if project is not None and resolved in project.buffer_facts:
            project.set_disk(resolved, project.buffer_facts[resolved])

    def buffer_closed(self, path: Path) -> None:
        """Forget the unsaved text; the file counts as it is on disk again."""
        resolved = path.resolve()
        project = self._projects.get(find_project_root(resolved))
        if project is None:
            return
        project.drop_buffer(resolved)
        project.set_disk(resolved, read_facts(resolved) if resolved.is_file() else None)

    def file_changed_on_disk(self, path: Path) -> Path | None:
        """Take in a file the editor says changed on disk; the root of the project it is in, if loaded.

        A git checkout or a formatter changes files the editor has not open: their facts are
        read again, a deleted file leaves the index. pyproject.toml is re-read at the next check.
        """
        resolved = path.resolve()
        root = find_project_root(resolved)
        project = self._projects.get(root)
        if project is None:
            return None
        if is_python_path(resolved) and not _in_skipped_folder(resolved, root) and not project.is_excluded(resolved):
            project.set_disk(resolved, read_facts(resolved) if resolved.is_file() else None)
        return root

    def projects(self) -> dict[Path, OpenProject]:
        return dict(self._projects)


def _disk_facts(root: Path, settings: Settings) -> dict[Path, FileFacts]:
    """The facts of a project's files; without a project marker, of the folder's own files only.

    A file opened outside any project (a scratch file in the home folder) must not make the
    server walk everything below its folder, which the CLI would do for `check ~/scratch.py`.
    """
    if any((root / marker).exists() for marker in ROOT_MARKERS):
        return load_project(root, settings).facts
    try:
        siblings = sorted(child for child in root.iterdir() if is_python_path(child) and child.is_file())
    except OSError:
        return {}
    return {child.resolve(): read_facts(child) for child in siblings}


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
