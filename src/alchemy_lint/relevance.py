"""The prefilter's answer for a project, kept in the cache and brought up to date file by file.

The last answer is stored with what each file looked like (its stamp) and what it gave the
prefilter; after an edit, only the changed files are read again, and when what they give is
what they gave, the answer stands without the fixpoint (and without reading the other files).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from alchemy_lint.cache import STALE_ENTRIES_TOLERATED, Cache, digest, layout_digest
from alchemy_lint.config import Settings
from alchemy_lint.prefilter import FileImports, ImportReader, relevant_from_imports
from alchemy_lint.sources import SourceFile

#: The shape of what the prefilter's cache keeps, part of its keys.
LAYOUT = layout_digest(FileImports)
#: What a file was read from: its module, whether it is a package, its content digest, readable.
Stamp = tuple[str, bool, str, bool]
#: Per file: its stamp, whether it matters on its own (a root), a digest of the modules it imports.
_Entry = tuple[Stamp, bool, str]


def _stamp(source: SourceFile) -> Stamp:
    return (source.module, source.is_package, source.digest, source.read_error is None)


def _modules_digest(imports: FileImports) -> str:
    return digest(*sorted(imports.modules))


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
            entries, answer = last
            changed = [relative for relative, stamp in stamps.items() if entries[relative][0] != stamp]
            if (not changed or self._unchanged_roots(changed, by_relative, entries)) and all(
                relative in by_relative for relative in answer
            ):
                if len(changed) > STALE_ENTRIES_TOLERATED:
                    # A few changed files are read again on the next run rather than the whole
                    # answer (300 KB on a 1,762-file project) written after every edit.
                    self.cache.store("relevant", self.scope, (entries, answer))
                return frozenset(by_relative[relative].path for relative in answer)
        imports = self._imports(sources)
        found = relevant_from_imports(sources, imports)
        known = last[0] if last is not None else {}
        # Entries of unchanged files are kept as they were (a digest per file costs a tenth of this).
        updated: dict[str, _Entry] = {}
        for relative, stamp in stamps.items():
            entry = known.get(relative)
            if entry is None or entry[0] != stamp:
                read = imports[by_relative[relative].path]
                entry = (stamp, read.is_root, _modules_digest(read))
            updated[relative] = entry
        kept = tuple(source.relative for source in sources if source.path in found)
        self.cache.store("relevant", self.scope, (updated, kept))
        return found

    def _last(self) -> tuple[dict[str, _Entry], tuple[str, ...]] | None:
        stored = self.cache.load("relevant", self.scope, tuple)
        if stored is None or len(stored) != 2 or not isinstance(stored[0], dict) or not isinstance(stored[1], tuple):
            return None
        return stored[0], stored[1]

    def _unchanged_roots(
        self, changed: list[str], by_relative: dict[str, SourceFile], entries: dict[str, _Entry]
    ) -> bool:
        """Whether every changed file was and still is a root importing the same modules (then
        `entries` is brought up to date and the last answer stands).

        A root matters on its own, and what it gives the other files is its module, its path
        (a conftest.py's folder) and the modules it imports: the same, so the same answer.
        """
        for relative in changed:
            source = by_relative[relative]
            stamp, was_root, modules = entries[relative]
            if not was_root or stamp[:2] != (source.module, source.is_package) or not stamp[3]:
                return False
            now = self.reader.read(source)
            if not now.is_root or _modules_digest(now) != modules:
                return False
            entries[relative] = (_stamp(source), True, modules)
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
