"""A project's file outlines and whole-project analyses in the on-disk cache.

The outlines of every file load as one pack (one read, one unpickle); a file whose outline the
pack lacks (it changed since) has an entry of its own. The pack is written again only when many
of its entries are stale, so a run after one edit reads the pack and writes one small entry.
"""

from __future__ import annotations

from collections.abc import Callable

from alchemy_lint.cache import STALE_ENTRIES_TOLERATED, Cache, digest, layout_digest
from alchemy_lint.index.outline import FileOutline
from alchemy_lint.index.runonce import RunContext, RunOnceFunction, RunOnceInputs

#: The shape of what this module keeps.
LAYOUT = layout_digest(FileOutline, RunOnceFunction)


#: What identifies a file's facts within one project and settings: its display path, module,
#: whether it is a package, and its content digest (the parts of the facts key that vary).
Stamp = tuple[str, str, bool, str]


class OutlineStore:
    """The outlines of one project (one settings key): a pack by stamp, and single entries by
    facts key (only the few outlines the pack lacks are looked up that way).

    What the run-once analysis reads of each file (`RunOnceInputs`) is kept beside them, in a
    pack and single entries of its own: half the outlines' bytes, read only when the run-once
    contexts are not in the cache (an edit changed what they read), not on every one-file check.
    """

    def __init__(self, cache: Cache, pack_key: str) -> None:
        self.cache = cache
        self.pack_key = digest(pack_key, LAYOUT)
        self.inputs_key = digest(self.pack_key, "run-once inputs")
        loaded = cache.load("outlines", self.pack_key, dict)
        self._pack: dict[Stamp, FileOutline] = loaded if loaded is not None else {}
        self._had_pack = loaded is not None
        self._current: dict[Stamp, FileOutline] = {}
        #: Outlines not in the pack: read from their own entries, or made in this run (`_new`).
        self._stale: set[Stamp] = set()
        self._new: dict[str, FileOutline] = {}
        #: The run-once inputs of each current file, by display path: the pack's, read on first
        #: use; a stale file's from its own entry (by this key); a file read in this run's as made.
        self._stamps: dict[str, Stamp] = {}
        self._entry_keys: dict[Stamp, str] = {}
        self._inputs_pack: dict[Stamp, RunOnceInputs] | None = None
        self._new_inputs: dict[Stamp, RunOnceInputs] = {}

    def lookup(self, stamp: Stamp, facts_key: Callable[[], str]) -> FileOutline | None:
        """The outline of the facts a file with this stamp has: from the pack, else its own entry."""
        found = self._pack.get(stamp)
        if not isinstance(found, FileOutline):
            key = digest(facts_key(), LAYOUT)
            found = self.cache.load("outline", key, FileOutline)
            if found is not None:
                self._stale.add(stamp)
                self._entry_keys[stamp] = key
        if found is not None:
            self._current[stamp] = found
            self._stamps[stamp[0]] = stamp
        return found

    def remember(self, stamp: Stamp, facts_key: str, outline: FileOutline, inputs: RunOnceInputs) -> None:
        """An outline (and run-once inputs) made from facts in this run: kept for the next one."""
        self._current[stamp] = outline
        self._stamps[stamp[0]] = stamp
        self._stale.add(stamp)
        key = self._entry_keys[stamp] = digest(facts_key, LAYOUT)
        self._new[key] = outline
        self._new_inputs[stamp] = inputs

    def run_once_inputs(self, path: str) -> RunOnceInputs | None:
        """The run-once inputs of the file at this display path, as kept; None when none are."""
        stamp = self._stamps.get(path)
        return self._kept_inputs(stamp) if stamp is not None else None

    def _kept_inputs(self, stamp: Stamp) -> RunOnceInputs | None:
        found = self._new_inputs.get(stamp)
        if found is None:
            key = self._entry_keys.get(stamp)
            if key is not None:
                found = self.cache.load("inputs", key, tuple)
            else:
                if self._inputs_pack is None:
                    self._inputs_pack = self.cache.load("inputs-pack", self.inputs_key, dict) or {}
                found = self._inputs_pack.get(stamp)
        return found if isinstance(found, tuple) and len(found) == 2 else None

    def finish(self) -> None:
        """Write the pack again when it is missing or stale; else the new outlines' own entries."""
        # Below `STALE_ENTRIES_TOLERATED` outlines missing from the pack (or a twentieth of them,
        # for large projects), their own entries are read instead.
        if not self._had_pack or len(self._stale) > max(STALE_ENTRIES_TOLERATED, len(self._current) // 20):
            self.cache.store("outlines", self.pack_key, self._current)
            # The inputs pack follows the outlines pack: what a file of the old one kept, it keeps.
            inputs = {stamp: self._kept_inputs(stamp) for stamp in self._current}
            kept = {stamp: found for stamp, found in inputs.items() if found is not None}
            self.cache.store("inputs-pack", self.inputs_key, kept)
            self._inputs_pack = kept
            self._entry_keys.clear()
        else:
            for key, outline in self._new.items():
                self.cache.store("outline", key, outline)
            for stamp, found in self._new_inputs.items():
                self.cache.store("inputs", self._entry_keys[stamp], found)
        self._new.clear()


class RunOnceMemo:
    """The run-once contexts of a project (`AnalysisMemo`), under a digest of what they read,
    and what the analysis reads of each file, as the outline store keeps it."""

    def __init__(self, cache: Cache, key: str, store: OutlineStore) -> None:
        self.cache = cache
        self.key = digest(key, LAYOUT)
        self.store = store

    def load_run_once(self) -> dict[str, frozenset[RunContext]] | None:
        found = self.cache.load("runonce", self.key, dict)
        if found is None or not all(
            isinstance(name, str) and isinstance(contexts, frozenset) for name, contexts in found.items()
        ):
            return None
        return found

    def store_run_once(self, contexts: dict[str, frozenset[RunContext]]) -> None:
        self.cache.store("runonce", self.key, contexts)

    def run_once_inputs(self, path: str) -> RunOnceInputs | None:
        return self.store.run_once_inputs(path)


__all__ = ["LAYOUT", "OutlineStore", "RunOnceMemo", "Stamp"]
