"""The prefilter's answer for a project, kept in the cache and brought up to date file by file.

The last answer is stored with what each file looked like (its stamp) and what it gave the
prefilter; after an edit, only the changed files are read again, and when what they give is
what they gave, the answer stands without the fixpoint (and without reading the other files).
What a file gives is its imports (`FileImports`) and, when the fixpoint read its whole text, which
of the components it looked for that text names (`prefilter.Fixpoint`): a comment, a new local
name or a changed body leaves both as they were.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alchemy_lint.cache import STALE_ENTRIES_TOLERATED, Cache, digest, layout_digest
from alchemy_lint.config import Settings
from alchemy_lint.prefilter import FileImports, ImportReader, fixpoint, text_identifiers
from alchemy_lint.sources import SourceFile

#: The shape of what the prefilter's cache keeps, part of its keys (2: what the text gave).
LAYOUT = layout_digest(FileImports) + "-2"
#: What a file was read from: its module, whether it is a package, its content digest, readable.
Stamp = tuple[str, bool, str, bool]
#: Per file: its stamp, whether it matters on its own (a root), a digest of what its imports give
#: the fixpoint, and a digest of the components its whole text names ("" when it was not read).
_Entry = tuple[Stamp, bool, str, str]
#: The stored answer: the entries by relative path, the relative paths that matter, and the
#: components the fixpoint looked for in whole texts.
_Answer = tuple[dict[str, _Entry], tuple[str, ...], frozenset[bytes]]


def _stamp(source: SourceFile) -> Stamp:
    return (source.module, source.is_package, source.digest, source.read_error is None)


def _imports_digest(imports: FileImports) -> str:
    """What a file's imports give the fixpoint: a root only its modules (it matters whatever its
    names), any other file its names too."""
    if imports.is_root:
        return digest("root", *sorted(imports.modules))
    return digest("names", *sorted(imports.modules), "", *sorted(name.decode("latin-1") for name in imports.names))


def _text_digest(identifiers: frozenset[bytes], components: frozenset[bytes]) -> str:
    return digest("text", *sorted(name.decode("latin-1") for name in identifiers & components))


class CachedRelevance:
    """The prefilter over one project's files, for one settings key (`scope`)."""

    def __init__(self, cache: Cache, settings: Settings, scope: str) -> None:
        self.cache = cache
        self.settings = settings
        self.scope = digest(scope, LAYOUT)
        self._reader: ImportReader | None = None

    @property
    def reader(self) -> ImportReader:
        if self._reader is None:
            self._reader = ImportReader(self.settings)
        return self._reader

    def relevant(self, sources: Sequence[SourceFile]) -> frozenset[Path]:
        by_relative = {source.relative: source for source in sources}
        stamps = {relative: _stamp(source) for relative, source in by_relative.items()}
        last = self._last()
        if last is not None and last[0].keys() == stamps.keys():
            entries, answer, components = last
            changed = [relative for relative, stamp in stamps.items() if entries[relative][0] != stamp]
            if (not changed or self._same_inputs(changed, by_relative, entries, components)) and all(
                relative in by_relative for relative in answer
            ):
                if len(changed) > STALE_ENTRIES_TOLERATED:
                    # A few changed files are read again on the next run rather than the whole
                    # answer (300 KB on a 1,762-file project) written after every edit.
                    self.cache.store("relevant", self.scope, (entries, answer, components))
                return frozenset(by_relative[relative].path for relative in answer)
        imports = self._imports(sources)
        found = fixpoint(sources, imports)
        known = last[0] if last is not None else {}
        # Entries of unchanged files are kept as they were (a digest per file costs a tenth of this).
        updated: dict[str, _Entry] = {}
        same_components = last is not None and last[2] == found.last_components
        for relative, stamp in stamps.items():
            entry = known.get(relative)
            path = by_relative[relative].path
            if entry is None or entry[0] != stamp or not same_components or bool(entry[3]) != (path in found.texts):
                read = imports[path]
                text = found.texts.get(path)
                hits = _text_digest(text, found.last_components) if text is not None else ""
                entry = (stamp, read.is_root, _imports_digest(read), hits)
            updated[relative] = entry
        kept = tuple(source.relative for source in sources if source.path in found.relevant)
        self.cache.store("relevant", self.scope, (updated, kept, found.last_components))
        return found.relevant

    def _last(self) -> _Answer | None:
        stored = self.cache.load("relevant", self.scope, tuple)
        if (
            stored is None
            or len(stored) != 3
            or not isinstance(stored[0], dict)
            or not isinstance(stored[1], tuple)
            or not isinstance(stored[2], frozenset)
        ):
            return None
        return stored[0], stored[1], stored[2]

    def _same_inputs(
        self,
        changed: list[str],
        by_relative: dict[str, SourceFile],
        entries: dict[str, _Entry],
        components: frozenset[bytes],
    ) -> bool:
        """Whether every changed file gives the fixpoint what it gave (then `entries` is brought
        up to date and the last answer stands).

        The fixpoint reads of a file its module, its path (a conftest.py's folder), whether it is
        a root, what its imports name and, when it reads the whole text, which of `components`
        that names: each test it makes of the file then answers as before, and so does the run.
        """
        for relative in changed:
            source = by_relative[relative]
            stamp, was_root, imported, hits = entries[relative]
            if stamp[:2] != (source.module, source.is_package) or not stamp[3] or source.read_error is not None:
                return False
            now = self.reader.read(source)
            if now.is_root != was_root or _imports_digest(now) != imported:
                return False
            if hits and _text_digest(text_identifiers(source), components) != hits:
                return False
            entries[relative] = (_stamp(source), was_root, imported, hits)
        return True

    def _imports(self, sources: Sequence[SourceFile]) -> dict[Path, FileImports]:
        """What the prefilter reads off each file: a pack by relative path, each entry stamped
        with what it was read from; only the files whose stamp changed are read."""
        key = digest("imports", self.scope)
        pack = self.cache.load("imports", key, dict) or {}
        imports: dict[Path, FileImports] = {}
        fresh: dict[str, tuple[Stamp, FileImports]] = {}
        read = 0
        for source in sources:
            stamp = _stamp(source)
            entry = pack.get(source.relative)
            if isinstance(entry, tuple) and len(entry) == 2 and entry[0] == stamp and isinstance(entry[1], FileImports):
                found = entry[1]
            else:
                found = self.reader.read(source)
                read += 1
            imports[source.path] = found
            fresh[source.relative] = (stamp, found)
        # A few files read again on every run cost less than writing the pack after each edit.
        if not pack or read > STALE_ENTRIES_TOLERATED or any(relative not in fresh for relative in pack):
            self.cache.store("imports", key, fresh)
        return imports


__all__ = ["CachedRelevance"]
