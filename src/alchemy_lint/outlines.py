"""A project's file outlines and whole-project analyses in the on-disk cache.

The outlines of every file load as one pack (one read, one unpickle); a file whose outline the
pack lacks (it changed since) has an entry of its own. The pack is written again only when many
of its entries are stale, so a run after one edit reads the pack and writes one small entry.
"""

from __future__ import annotations

from collections.abc import Callable

from alchemy_lint.cache import Cache, digest, layout_digest
from alchemy_lint.index.outline import FileOutline
from alchemy_lint.index.runonce import RunContext, RunOnceFunction

#: The shape of what this module keeps.
LAYOUT = layout_digest(FileOutline, RunOnceFunction)

#: A pack is rewritten when this many of the outlines a run needs are not in it (or a
#: twentieth of them, for large projects): below that, their own entries are read instead.
STALE_ENTRIES_TOLERATED = 16


#: What identifies a file's facts within one project and settings: its display path, module,
#: whether it is a package, and its content digest (the parts of the facts key that vary).
Stamp = tuple[str, str, bool, str]


class OutlineStore:
    """The outlines of one project (one settings key): a pack by stamp, and single entries by
    facts key (only the few outlines the pack lacks are looked up that way)."""

    def __init__(self, cache: Cache, pack_key: str) -> None:
        self.cache = cache
        self.pack_key = digest(pack_key, LAYOUT)
        loaded = cache.load("outlines", self.pack_key, dict)
        self._pack: dict[Stamp, FileOutline] = loaded if loaded is not None else {}
        self._had_pack = loaded is not None
        self._current: dict[Stamp, FileOutline] = {}
        #: Outlines not in the pack: read from their own entries, or made in this run (`_new`).
        self._stale: set[Stamp] = set()
        self._new: dict[str, FileOutline] = {}

    def lookup(self, stamp: Stamp, facts_key: Callable[[], str]) -> FileOutline | None:
        """The outline of the facts a file with this stamp has: from the pack, else its own entry."""
        found = self._pack.get(stamp)
        if not isinstance(found, FileOutline):
            found = self.cache.load("outline", digest(facts_key(), LAYOUT), FileOutline)
            if found is not None:
                self._stale.add(stamp)
        if found is not None:
            self._current[stamp] = found
        return found

    def remember(self, stamp: Stamp, facts_key: str, outline: FileOutline) -> None:
        """An outline made from facts in this run: kept for the next one."""
        self._current[stamp] = outline
        self._stale.add(stamp)
        self._new[digest(facts_key, LAYOUT)] = outline

    def finish(self) -> None:
        """Write the pack again when it is missing or stale; else the new outlines' own entries."""
        if not self._had_pack or len(self._stale) > max(STALE_ENTRIES_TOLERATED, len(self._current) // 20):
            self.cache.store("outlines", self.pack_key, self._current)
        else:
            for facts_key, outline in self._new.items():
                self.cache.store("outline", facts_key, outline)
        self._new.clear()


class RunOnceMemo:
    """The run-once contexts of a project (`AnalysisMemo`), under a digest of what they read."""

    def __init__(self, cache: Cache, key: str) -> None:
        self.cache = cache
        self.key = digest(key, LAYOUT)

    def load_run_once(self) -> dict[str, frozenset[RunContext]] | None:
        found = self.cache.load("runonce", self.key, dict)
        if found is None or not all(
            isinstance(name, str) and isinstance(contexts, frozenset) for name, contexts in found.items()
        ):
            return None
        return found

    def store_run_once(self, contexts: dict[str, frozenset[RunContext]]) -> None:
        self.cache.store("runonce", self.key, contexts)


__all__ = ["LAYOUT", "OutlineStore", "RunOnceMemo", "Stamp"]
