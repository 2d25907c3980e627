"""Which files of a project can matter to any rule or to the index, decided on bytes, before parsing.

A file that cannot matter gets empty facts without a facts walk; it is still parsed when it is
checked and ASA001 is on, because a syntax error is a finding in any file.

Why this is safe: every finding needs evidence that starts at a known SQLAlchemy/SQLModel name
(`names.KNOWN_API`) or at a configured name (session helper, extra session types, models and db
modules), and evidence crosses files only through imports. So a file matters when

- its bytes name the top package of a known API (`sqlalchemy`, `sqlmodel`; not stdlib modules
  such as `contextlib`, which only qualify evidence that starts elsewhere) or a configured
  name, or its own module is inside such a package (relative imports), or it is a configured
  models/db module; or
- it imports a module that matters: its import statements name that module's last component
  (`from app.db import X`, `from . import db`, `import db`), or they name one of the module's
  packages and the file's text names the last component anywhere (`import app` ... `app.db.X`).

The second rule runs to a fixpoint, and so does its converse: a module that a file which matters
imports matters too, because its functions read what callers hand them (`render(order)` in a
module that never names SQLAlchemy). A third rule goes by name rather than by import:
a pytest module (`test_*.py`, `*_test.py`, `conftest.py`) matters when a `conftest.py` that
matters sits in its folder or above, because its tests receive that conftest's fixtures by
parameter name. Other cross-file lookups that go by plain name (a rule that finds functions or
classes by name) must add that name to `root_tokens`.
The prefilter only ever errs towards parsing more; tests/test_prefilter.py checks that findings
are the same with and without it over a real corpus.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

from alchemy_lint.config import Settings, matches_any
from alchemy_lint.records import record
from alchemy_lint.resolve import absolute_module
from alchemy_lint.sources import SourceFile
from alchemy_lint.sqlalchemy_api import KNOWN_API

_IDENTIFIER = re.compile(rb"[A-Za-z_][A-Za-z0-9_]*")
#: Standard-library modules whose API only qualifies evidence (`@asynccontextmanager` on a
#: function that yields a session): never the start of it, and named by half the stdlib.
QUALIFYING_PACKAGES = frozenset({"contextlib", "asyncio", "typing", "typing_extensions", "functools"})
#: Top packages of every known API spelling: a file that never names one cannot reach one.
API_PACKAGES: frozenset[str] = frozenset(spelling.split(".", 1)[0] for spelling in KNOWN_API) - QUALIFYING_PACKAGES


def root_tokens(settings: Settings) -> tuple[bytes, ...]:
    """Byte strings whose presence alone makes a file matter."""
    tokens = set(API_PACKAGES)
    tokens.add(settings.session_helper)
    for dotted in settings.extra_session_types:
        tokens.add(dotted.rsplit(".", 1)[-1])
    return tuple(sorted(token.encode() for token in tokens if token))


def _literal(glob: str) -> str:
    """The longest run of plain characters in a glob: a path without it cannot match."""
    runs = re.split(r"[*?\[\]/]+", glob)
    return max(runs, key=len) if runs else ""


def _is_root(source: SourceFile, tokens: Sequence[bytes], globs: Sequence[tuple[str, str]]) -> bool:
    if source.read_error is not None:
        return False
    if any(token in source.source for token in tokens):
        return True
    if any(package in source.module for package in API_PACKAGES):
        return True
    return any(literal in source.relative and matches_any(source.relative, (glob,)) for glob, literal in globs)


@record
class FileImports:
    """What the prefilter reads off one file's bytes, for the settings it was read with.

    It depends on the file alone (its bytes, relative path and module), so it is cached per file:
    after one file changes only that file is read again, and the fixpoint runs over these.
    """

    #: The file matters whatever the others hold (see `_is_root`).
    is_root: bool
    #: The identifiers of its import statements.
    names: frozenset[bytes]
    #: The absolute names of the modules it imports (`_imported_modules`).
    modules: frozenset[str]


class ImportReader:
    """`FileImports` of files, for one set of settings."""

    def __init__(self, settings: Settings) -> None:
        self.tokens = root_tokens(settings)
        self.globs = [(glob, _literal(glob)) for glob in (*settings.models_modules, *settings.db_modules)]

    def read(self, source: SourceFile) -> FileImports:
        if source.read_error is not None:
            return FileImports(False, frozenset(), frozenset())
        is_root = _is_root(source, self.tokens, self.globs)
        names = frozenset() if is_root else frozenset(_names(import_statements(source.source)))
        return FileImports(is_root, names, frozenset(_imported_modules(source)))


def import_statements(source: bytes) -> Iterator[bytes]:
    """The text of every logical line that holds the word `import`, over-approximated.

    Backslash continuations on either side and a parenthesised name list are included, so
    every module and name an import statement binds is in the text returned.
    """
    length = len(source)
    start = source.find(b"import")
    while start != -1:
        line_start = source.rfind(b"\n", 0, start) + 1
        while line_start >= 2 and source[max(line_start - 3, 0) : line_start].endswith((b"\\\n", b"\\\r\n")):
            line_start = source.rfind(b"\n", 0, line_start - 1) + 1
        line_end = _logical_line_end(source, start, length)
        yield source[line_start:line_end]
        start = source.find(b"import", max(line_end, start + 6))


def _logical_line_end(source: bytes, start: int, length: int) -> int:
    end = source.find(b"\n", start)
    end = length if end == -1 else end
    while end < length and source[max(end - 2, 0) : end].endswith((b"\\", b"\\\r")):
        following = source.find(b"\n", end + 1)
        end = length if following == -1 else following
    line = source[start:end]
    if b"(" in line.split(b"#", 1)[0] and b")" not in line.split(b"#", 1)[0]:
        # A parenthesised list runs to the first `)` outside a comment.
        position = end
        while position < length:
            following = source.find(b"\n", position + 1)
            following = length if following == -1 else following
            if b")" in source[position:following].split(b"#", 1)[0]:
                return following
            position = following
        return length
    return end


def _names(texts: Iterable[bytes]) -> set[bytes]:
    found: set[bytes] = set()
    for text in texts:
        found.update(_IDENTIFIER.findall(text))
    return found


def relevant_files(
    sources: Sequence[SourceFile], settings: Settings, known: Mapping[Path, FileImports] | None = None
) -> frozenset[Path]:
    """The paths of the files that can matter (see the module docstring).

    `known`: the `FileImports` of files read before (by path); the others are read here.
    """
    reader = ImportReader(settings)
    imports = {
        source.path: known[source.path] if known is not None and source.path in known else reader.read(source)
        for source in sources
    }
    return relevant_from_imports(sources, imports)


def relevant_from_imports(sources: Sequence[SourceFile], imports: Mapping[Path, FileImports]) -> frozenset[Path]:
    """The fixpoint of the module docstring over what each file's bytes say."""
    return fixpoint(sources, imports).relevant


@record
class Fixpoint:
    """The prefilter's answer, with what it read of the files' whole text.

    `last_components` are those of the modules that matter by import (the callees added after
    them excepted); `texts` the identifiers of every file whose whole text was read. A file's
    text says no more to the fixpoint than which of these components it names: an edit that
    keeps that, and the file's imports, cannot change the answer (relevance.py).
    """

    relevant: frozenset[Path]
    last_components: frozenset[bytes]
    texts: Mapping[Path, frozenset[bytes]]


def text_identifiers(source: SourceFile) -> frozenset[bytes]:
    return frozenset(_IDENTIFIER.findall(source.source))


def fixpoint(sources: Sequence[SourceFile], imports: Mapping[Path, FileImports]) -> Fixpoint:
    """`relevant_from_imports`, with what it read (`Fixpoint`)."""
    relevant: set[Path] = set()
    pending: list[SourceFile] = []
    for source in sources:
        if imports[source.path].is_root:
            relevant.add(source.path)
        elif source.read_error is None:
            pending.append(source)
    if not pending:
        return Fixpoint(frozenset(relevant), frozenset(), {})
    by_path = {source.path: source for source in sources}
    last_components: set[bytes] = set()
    packages: set[bytes] = set()
    fixture_folders: set[str] = set()
    new = list(relevant)
    whole_text: dict[Path, frozenset[bytes]] = {}
    while new:
        for path in new:
            parts = by_path[path].module.encode().split(b".")
            last_components.add(parts[-1])
            packages.update(parts[:-1])
            relative = by_path[path].relative
            if relative.rsplit("/", 1)[-1] == "conftest.py":
                fixture_folders.add(relative.rsplit("/", 1)[0] + "/" if "/" in relative else "")
        new = []
        still_pending: list[SourceFile] = []
        for source in pending:
            names = imports[source.path].names
            matters = not names.isdisjoint(last_components)
            if not matters and not names.isdisjoint(packages):
                text = whole_text.get(source.path)
                if text is None:
                    text = whole_text[source.path] = text_identifiers(source)
                matters = not text.isdisjoint(last_components)
            if not matters and fixture_folders and _is_pytest_module(source.relative):
                matters = any(source.relative.startswith(folder) for folder in fixture_folders)
            if matters:
                relevant.add(source.path)
                new.append(source.path)
            else:
                still_pending.append(source)
        pending = still_pending
    _add_callees(relevant, pending, by_path, imports)
    return Fixpoint(frozenset(relevant), frozenset(last_components), whole_text)


def _add_callees(
    relevant: set[Path],
    pending: list[SourceFile],
    by_path: dict[Path, SourceFile],
    imports: Mapping[Path, FileImports],
) -> None:
    """Modules that files which matter import: their functions read what callers hand them
    (`render_invoice(order)` in a module that never names SQLAlchemy). Two hops, as far as a
    call summary is worth following; imports resolved to modules, not guessed from names."""
    new = list(relevant)
    for _ in range(_CALLEE_HOPS):
        if not new or not pending:
            return
        wanted: set[str] = set()
        for path in new:
            wanted |= imports[path].modules
        # A module is wanted when a wanted name is it, ends with it or is its dotted tail: with
        # every dotted tail of the wanted names at hand, each module is a few set lookups.
        wanted_tails = {tail for name in wanted for tail in _dotted_tails(name)}
        new = []
        still_pending: list[SourceFile] = []
        for source in pending:
            module = source.module
            if module in wanted or module in wanted_tails or not wanted.isdisjoint(_dotted_tails(module)):
                relevant.add(source.path)
                new.append(source.path)
            else:
                still_pending.append(source)
        pending[:] = still_pending


_CALLEE_HOPS = 2


def _dotted_tails(name: str) -> list[str]:
    """`a.b.c` -> `["b.c", "c"]`: what `name` ends with after one of its dots."""
    tails: list[str] = []
    dot = name.find(".")
    while dot != -1:
        tails.append(name[dot + 1 :])
        dot = name.find(".", dot + 1)
    return tails


_FROM_IMPORT = re.compile(rb"\bfrom\s+(\.*)([\w.]*)\s+import\s+\(?([\w\s,.*]*)")
_IMPORT = re.compile(rb"(?:^|[;:]|\n)\s*import\s+([\w\s,.]+)")
_AS = re.compile(rb"\s+as\s+\w+")


def _imported_modules(source: SourceFile) -> set[str]:
    """The absolute names of the modules a file's import statements import (and, for `from X
    import y`, of `X.y` too: `y` may be a submodule); read from the statements' text, without
    parsing them."""
    found: set[str] = set()
    for statement in import_statements(source.source):
        text = b"\n".join(line.split(b"#", 1)[0] for line in statement.replace(b"\\\n", b" ").splitlines())
        for dots, module, names in _FROM_IMPORT.findall(text):
            base = absolute_module(source.module, source.is_package, len(dots), module.decode() or None)
            if base:
                found.add(base)
            for name in _AS.sub(b"", names).replace(b"(", b" ").replace(b")", b" ").split(b","):
                name = name.strip()
                if name and name != b"*":
                    found.add(f"{base}.{name.decode()}" if base else name.decode())
        if b"from" not in text:
            for listed in _IMPORT.findall(text):
                found.update(name.strip().decode() for name in _AS.sub(b"", listed).split(b",") if name.strip())
    return found


def _is_pytest_module(relative: str) -> bool:
    name = relative.rsplit("/", 1)[-1]
    return name == "conftest.py" or name.startswith("test_") or name.endswith("_test.py")
