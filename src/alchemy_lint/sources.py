"""The files of a run as read from disk: bytes, content digest, module name, display path.

Reading once per run feeds the prefilter, the cache keys and the parser from the same bytes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from alchemy_lint.cache import content_digest


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


def read_source(path: Path, display: str, relative: str, modules: ModuleNames) -> SourceFile:
    module, is_package = modules.module_for(path)
    try:
        with open(path, "rb") as stream:
            source = stream.read()
    except OSError as error:
        reason = f"cannot read: {error.strerror or error}"
        return SourceFile(path, display, relative, module, is_package, content_digest(reason.encode()), b"", reason)
    return SourceFile(path, display, relative, module, is_package, content_digest(source), source)
