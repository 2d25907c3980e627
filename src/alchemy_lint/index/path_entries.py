"""Package folders that the application itself runs with on `sys.path`.

A checkout with `src/__init__.py` whose modules import each other by top-level names
(`from database import Session`, where `src/database/__init__.py` defines `Session`) starts
with `src/` on `sys.path` (a script's `sys.path.insert(0, ".../src")`, `PYTHONPATH`, `cd src`):
that is the only way its imports resolve. The folder's `__init__.py` names its files
`src.database...`, so without this the import names nothing of the project, and the session
such a module hands out has no evidence.

A package is taken for such an entry when one of its own files imports, by a top-level name
that no module of the project has, a name that a module below the package defines itself (a
class, a function, an assigned value; or an import of one, followed up to three times): `from database import
Session` needs `src/database/...` to make `Session`. A module of that name alone is no evidence,
nor is a name the module itself imports from the library: `app/redis.py` beside `import redis`,
or `backends/oci/exceptions.py` re-exporting `from oci.exceptions import ServiceError`, wrap the
library of their name. The standard library and the known SQLAlchemy packages are never taken
for the project's: `import logging` beside an `app/logging.py` stays the standard library's.
"""

from __future__ import annotations

import sys
from collections.abc import Collection, Iterable, Mapping

from alchemy_lint.facts.model import FileFacts
from alchemy_lint.index.outline import FileOutline
from alchemy_lint.prefilter import API_PACKAGES
from alchemy_lint.records import record

#: Top-level names that always mean a library, never a folder of the project on `sys.path`.
_LIBRARIES = frozenset(sys.stdlib_module_names) | API_PACKAGES
#: How many re-exports (`from .config import Session` in a package's `__init__`) are followed.
_MAX_REEXPORTS = 3


@record
class _ModuleNames:
    """What a module binds at its top: the names it makes, and those it imports (-> from where)."""

    made: frozenset[str]
    imported: Mapping[str, str]


def path_entry_packages(outlines: Iterable[FileOutline], resolved_roots: Collection[str]) -> list[str]:
    """The packages (dotted names) whose folder the project imports from as a `sys.path` entry.

    `resolved_roots`: the first parts of the names the index already knows a module by; an
    import that starts with one of them resolves without this, and is no evidence.
    """
    outlines = list(outlines)
    modules = _ModulesOnDemand({outline.merged.module: outline for outline in outlines})
    # A name an import starts with can only be a module below a package when some module of the
    # project has it as a later part: most imports (`fastapi`, `pydantic`) stop at this test.
    inner_parts = {part for module in modules.outlines for part in module.split(".")[1:]}
    entries: list[str] = []
    for outline in outlines:
        facts = outline.merged
        for imported in facts.exports.values():
            top = imported.partition(".")[0]
            if top not in inner_parts or top in resolved_roots or top in _LIBRARIES or "." not in imported:
                continue
            entry = _entry_for(facts, imported, modules)
            if entry is not None and entry not in entries:
                entries.append(entry)
    return entries


class _ModulesOnDemand:
    """`_ModuleNames` of the project's modules, each read when first asked for: most runs ask
    for none (a one-file check builds the index again, and this is part of it)."""

    def __init__(self, outlines: Mapping[str, FileOutline]) -> None:
        self.outlines = outlines
        self._names: dict[str, _ModuleNames] = {}

    def get(self, module: str) -> _ModuleNames | None:
        names = self._names.get(module)
        if names is None:
            outline = self.outlines.get(module)
            if outline is None:
                return None
            names = self._names[module] = _module_names(outline)
        return names


def _module_names(outline: FileOutline) -> _ModuleNames:
    facts = outline.merged
    prefix = f"{facts.module}."
    made = set(facts.module_values)
    made.update(cls.name for cls in facts.classes if cls.qualname == prefix + cls.name)
    made.update(
        qualname[len(prefix) :]
        for qualname in outline.functions
        if qualname.startswith(prefix) and "." not in qualname[len(prefix) :]
    )
    return _ModuleNames(frozenset(made), facts.exports)


def _entry_for(facts: FileFacts, imported: str, modules: _ModulesOnDemand) -> str | None:
    """The nearest package holding `facts`' module under which `imported` is made, elsewhere
    than in that module itself."""
    parts = facts.module.split(".")
    # A package's `__init__` is inside the package it names; a plain module is not.
    stop = len(parts) if facts.is_package else len(parts) - 1
    for size in range(stop, 0, -1):
        package = ".".join(parts[:size])
        maker = _maker(f"{package}.{imported}", package, modules, _MAX_REEXPORTS)
        if maker is not None and maker != facts.module:
            return package
    return None


def _maker(qualname: str, package: str, modules: _ModulesOnDemand, reexports: int) -> str | None:
    """The module below `package` that makes the name `qualname` stands for, if one does."""
    parts = qualname.split(".")
    least = package.count(".") + 2
    for cut in range(len(parts) - 1, least - 1, -1):
        module = ".".join(parts[:cut])
        names = modules.get(module)
        if names is None:
            continue
        if cut != len(parts) - 1:
            return None
        name = parts[cut]
        if name in names.made:
            return module
        source = names.imported.get(name)
        if source is None or reexports == 0:
            return None
        # `from .config import Session` (already absolute) or `from database.config import ...`.
        for candidate in (source, f"{package}.{source}"):
            if candidate.startswith(f"{package}."):
                maker = _maker(candidate, package, modules, reexports - 1)
                if maker is not None:
                    return maker
        return None
    return None
