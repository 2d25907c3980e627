"""The files of a run as read from disk: bytes, content digest, module name, display path.

Reading once per run feeds the prefilter, the cache keys and the parser from the same bytes.
A file the manifest knows unchanged is not read at all: its bytes are read if something asks
for them, and must then be the bytes its digest was made of.
"""

from __future__ import annotations

import os
from dataclasses import field, replace
from pathlib import Path

from alchemy_lint.cache import content_digest
from alchemy_lint.manifest import Manifest, status_of
from alchemy_lint.records import record
from alchemy_lint.resolve import ModuleNames
from alchemy_lint.sourcefile import read_bounded, read_error_text

#: The digest of an empty file (many `__init__.py`): such files are never one file's aliases.
EMPTY_DIGEST = content_digest(b"")


class SourceChanged(Exception):
    """A file the manifest gave as unchanged had other bytes when they were read later in the
    run: the run starts over, reading every file."""


@record
class SourceFile:
    #: The resolved path, the identity of the file within a run.
    path: Path
    #: The path as findings show it (relative to the working directory when below it).
    display: str
    #: The path relative to the project root, posix style, for the configured globs.
    relative: str
    module: str
    is_package: bool
    digest: str
    #: The bytes; None until asked for, for a file the manifest knows unchanged.
    data: bytes | None = field(repr=False, compare=False)
    read_error: str | None = None

    @property
    def source(self) -> bytes:
        data = self.data
        if data is None:
            try:
                data = read_bounded(self.path)
            except OSError as error:
                raise SourceChanged(self.display) from error
            if content_digest(data) != self.digest:
                raise SourceChanged(self.display)
            object.__setattr__(self, "data", data)
        return data

    @property
    def size(self) -> int:
        """The size in bytes, without reading a file that was not read."""
        if self.data is not None:
            return len(self.data)
        try:
            return os.stat(self.path).st_size
        except OSError:
            return 0


def resolved(path: Path) -> Path:
    """`path.resolve()`, or the absolute path when links loop (`x.py -> y.py -> x.py`): such a
    path is one unreadable file (ASA001), not the end of the run."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError up to Python 3.12, OSError (ELOOP) since
        return path.absolute()


def read_source_file(
    path: Path, display: str, relative: str, modules: ModuleNames, manifest: Manifest | None = None
) -> SourceFile:
    """The file as it is on disk; with a manifest, a file it knows unchanged is not read."""
    module, is_package = modules.module_for(path)
    status = None
    if manifest is not None:
        try:
            status = status_of(os.stat(path))
        except OSError:
            pass  # reported by the read below
        else:
            known = manifest.digest_of(relative, status)
            if known is not None:
                return SourceFile(path, display, relative, module, is_package, known, None)
    try:
        source = read_bounded(path)
    except OSError as error:
        reason = read_error_text(error)
        return SourceFile(path, display, relative, module, is_package, content_digest(reason.encode()), b"", reason)
    digest = content_digest(source)
    if manifest is not None and status is not None:
        manifest.remember(relative, status, digest)
    return SourceFile(path, display, relative, module, is_package, digest, source)


def unshadowed(sources: list[SourceFile], modules: ModuleNames) -> list[SourceFile]:
    """The sources, none named in a namespace package by the name of a file in a regular one.

    `lib/app/__init__.py` makes `app` a regular package, which Python imports before any folder
    `app/` without `__init__.py`: `app/models.py` is then not `app.models` (`lib/app/models.py`
    is), and is named by its stem, as before namespace packages were named. A name several
    namespace files share stays theirs: no other name is more right.
    """
    names = [source.module for source in sources]
    if len(set(names)) == len(names):  # the usual case, asked on every run: 0.03 ms on polar
        return sources
    sharing: dict[str, list[SourceFile]] = {}
    for source in sources:
        sharing.setdefault(source.module, []).append(source)
    stems: dict[Path, str] = {}
    for module, group in sharing.items():
        if len(group) < 2:
            continue
        plain = {source.path: modules.module_for(source.path, namespaces=False)[0] for source in group}
        if any(name == module for name in plain.values()):
            stems.update((path, name) for path, name in plain.items() if name != module)
    if not stems:
        return sources
    return [replace(source, module=stems[source.path]) if source.path in stems else source for source in sources]


def without_aliases(sources: list[SourceFile]) -> list[SourceFile]:
    """The sources with each file once: a symlink to another file of the walk is that file.

    Checked both ways, an alias repeats every finding of its target, which stays listed after
    `--fix` rewrote the target, and ASA105 finds the file's factory twice. Only files with the
    same bytes can be one file, so `samefile` runs on those alone; the real name is kept.
    """
    by_digest: dict[str, list[SourceFile]] = {}
    for source in sources:
        if source.read_error is None and source.digest != EMPTY_DIGEST:
            by_digest.setdefault(source.digest, []).append(source)
    aliases: set[Path] = set()
    for same_bytes in by_digest.values():
        if len(same_bytes) < 2:
            continue
        # Real files first: of one file's names, the first that is not a link is kept.
        ordered = sorted(same_bytes, key=lambda source: source.path.is_symlink())
        for index, source in enumerate(ordered):
            if source.path not in aliases and any(
                kept.path not in aliases and _same_file(kept.path, source.path) for kept in ordered[:index]
            ):
                aliases.add(source.path)
    return [source for source in sources if source.path not in aliases] if aliases else sources


def _same_file(first: Path, second: Path) -> bool:
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False
