"""The files of a run as read from disk: bytes, content digest, module name, display path.

Reading once per run feeds the prefilter, the cache keys and the parser from the same bytes.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from alchemy_lint.cache import content_digest
from alchemy_lint.sourcefile import read_bounded, read_error_text


@dataclass(frozen=True, slots=True)
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
    source: bytes = field(repr=False, compare=False)
    read_error: str | None = None


def resolved(path: Path) -> Path:
    """`path.resolve()`, or the absolute path when links loop (`x.py -> y.py -> x.py`): such a
    path is one unreadable file (ASA001), not the end of the run."""
    try:
        return path.resolve()
    except (OSError, RuntimeError):  # RuntimeError up to Python 3.12, OSError (ELOOP) since
        return path.absolute()


class ModuleNames:
    """`resolve.module_name_for`, with each folder's package chain looked up once per run."""

    __slots__ = ("_packages",)

    def __init__(self) -> None:
        self._packages: dict[Path, tuple[str, ...]] = {}

    def _package_parts(self, folder: Path) -> tuple[str, ...]:
        known = self._packages.get(folder)
        if known is None:
            if (folder / "__init__.py").is_file() and folder.parent != folder:
                known = (*self._package_parts(folder.parent), folder.name)
            elif (folder / "__init__.py").is_file():
                known = (folder.name,)
            else:
                known = ()
            self._packages[folder] = known
        return known

    def module_for(self, path: Path) -> tuple[str, bool]:
        is_package = path.name == "__init__.py"
        parts = list(self._package_parts(path.parent))
        if not is_package:
            parts.append(path.stem)
        if not parts:
            parts.append(path.parent.name or "__init__")
        return ".".join(parts), is_package


def read_source_file(path: Path, display: str, relative: str, modules: ModuleNames) -> SourceFile:
    module, is_package = modules.module_for(path)
    try:
        source = read_bounded(path)
    except OSError as error:
        reason = read_error_text(error)
        return SourceFile(path, display, relative, module, is_package, content_digest(reason.encode()), b"", reason)
    return SourceFile(path, display, relative, module, is_package, content_digest(source), source)


def without_aliases(sources: list[SourceFile]) -> list[SourceFile]:
    """The sources with each file once: a symlink to another file of the walk is that file.

    Checked both ways, an alias repeats every finding of its target, which stays listed after
    `--fix` rewrote the target, and ASA105 finds the file's factory twice. Only files with the
    same bytes can be one file, so `samefile` runs on those alone; the real name is kept.
    """
    by_digest: dict[str, list[SourceFile]] = {}
    for source in sources:
        if source.source:
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
