"""A project's file outlines and whole-project analyses in the on-disk cache.

The outlines of every file load as one pack (one read, one unpickle); a file whose outline the
pack lacks (it changed since) has an entry of its own. The pack is written again only when many
of its entries are stale, so a run after one edit reads the pack and writes one small entry.
"""

from __future__ import annotations

import os
import pickle
import zlib
from collections.abc import Callable, Iterable

from alchemy_lint.cache import STALE_ENTRIES_TOLERATED, Cache, digest, layout_digest
from alchemy_lint.collector import making_kept_objects
from alchemy_lint.facts.model import PassingCall
from alchemy_lint.index.outline import FileOutline
from alchemy_lint.index.runonce import RunContext, RunOnceFunction, RunOnceInputs

#: The shape of what this module keeps (2: the outlines pack with its generation, and the
#: passing calls kept beside it).
LAYOUT = layout_digest(FileOutline, RunOnceFunction) + "-2"


#: A file's passing calls (`FileFacts.passing_calls`) by the name of the function they call, each
#: group pickled on its own: a question about one name unpickles only that name's calls.
PassingGroups = dict[str, bytes]


def passing_groups(calls: Iterable[PassingCall]) -> PassingGroups:
    grouped: dict[str, list[PassingCall]] = {}
    for call in calls:
        grouped.setdefault(call.name, []).append(call)
    return {name: pickle.dumps(tuple(group), protocol=pickle.HIGHEST_PROTOCOL) for name, group in grouped.items()}


#: The files' passing calls are kept in this many buckets by the name they call: a question about
#: one name reads one bucket (a 1,762-file project kept 7.7 MB of them, 27 ms to read whole).
PASSING_BUCKETS = 32


def passing_bucket(name: str) -> int:
    return zlib.crc32(name.encode("utf-8", "surrogatepass")) % PASSING_BUCKETS


#: What identifies a file's facts within one project and settings: its display path, module,
#: whether it is a package, and its content digest (the parts of the facts key that vary).
Stamp = tuple[str, str, bool, str]


class OutlineStore:
    """The outlines of one project (one settings key): a pack by stamp, and single entries by
    facts key (only the few outlines the pack lacks are looked up that way).

    What the run-once analysis reads of each file (`RunOnceInputs`) is kept beside them, in a
    pack and single entries of its own: half the outlines' bytes, read only when the run-once
    contexts are not in the cache (an edit changed what they read), not on every one-file check.

    So are the files' passing calls (`PassingGroups`), in buckets by name: a question about what
    the project's calls pass a function (`Repository.from_session(session)`, called from 260
    files of one project) reads one bucket instead of 260 files' full facts. Each bucket holds
    the generation of the outlines pack it was written with (a token made at each write), so
    that a bucket is never read beside a pack it does not describe (another process may have
    written the pack again since); a file whose calls are not known so is answered from its
    full facts.
    """

    def __init__(self, cache: Cache, pack_key: str) -> None:
        self.cache = cache
        self.pack_key = digest(pack_key, LAYOUT)
        self.inputs_key = digest(self.pack_key, "run-once inputs")
        self.passing_key = digest(self.pack_key, "passing calls")
        loaded = cache.load("outlines", self.pack_key, tuple)
        if loaded is None or len(loaded) != 3 or not isinstance(loaded[0], str) or not isinstance(loaded[2], dict):
            loaded = None
        #: The pack's generation ("" when its files' passing calls are not kept) and the buckets
        #: written with it (the others hold nothing).
        self._generation: str = loaded[0] if loaded is not None else ""
        self._written: frozenset[int] = frozenset(loaded[1]) if loaded is not None else frozenset()
        self._pack: dict[Stamp, FileOutline] = loaded[2] if loaded is not None else {}
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
        #: Bucket -> each pack file's passing calls of that bucket's names (None: not kept).
        self._buckets: dict[int, dict[Stamp, PassingGroups] | None] = {}
        self._new_passing: dict[Stamp, PassingGroups] = {}
        self._entry_passing: dict[str, PassingGroups | None] = {}

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

    def remember(
        self, stamp: Stamp, facts_key: str, outline: FileOutline, inputs: RunOnceInputs, passing: PassingGroups
    ) -> None:
        """An outline (run-once inputs, passing calls) made from facts in this run: kept for the next one."""
        self._current[stamp] = outline
        self._stamps[stamp[0]] = stamp
        self._stale.add(stamp)
        key = self._entry_keys[stamp] = digest(facts_key, LAYOUT)
        self._new[key] = outline
        self._new_inputs[stamp] = inputs
        self._new_passing[stamp] = passing

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

    def passing_calls(self, path: str, name: str) -> tuple[PassingCall, ...] | None:
        """The calls of the file at this display path that pass a function named `name`
        something with evidence, as kept; None when they are not kept."""
        stamp = self._stamps.get(path)
        if stamp is None:
            return None
        groups = self._own_passing(stamp)
        if groups is None and stamp not in self._entry_keys and stamp not in self._new_passing:
            bucket = self._bucket(passing_bucket(name))
            groups = bucket.get(stamp, {}) if bucket is not None else None
        if groups is None:
            return None
        data = groups.get(name)
        if data is None:
            return ()
        try:
            with making_kept_objects():
                calls = pickle.loads(data)
        except Exception:  # checked with its entry, yet not loadable: the full facts answer
            return None
        return calls if isinstance(calls, tuple) else None

    def _own_passing(self, stamp: Stamp) -> PassingGroups | None:
        """The passing calls of a file made in this run, or of one with an entry of its own."""
        found = self._new_passing.get(stamp)
        if found is not None:
            return found
        key = self._entry_keys.get(stamp)
        if key is None:
            return None
        if key not in self._entry_passing:
            loaded = self.cache.load("passing", key, dict)
            self._entry_passing[key] = loaded
        return self._entry_passing[key]

    def _bucket(self, number: int) -> dict[Stamp, PassingGroups] | None:
        if number not in self._buckets:
            found: dict[Stamp, PassingGroups] | None = None
            if self._generation and number not in self._written:
                found = {}
            elif self._generation:
                loaded = self.cache.load("passing-bucket", self._bucket_key(number), tuple)
                if loaded is not None and len(loaded) == 2 and loaded[0] == self._generation:
                    found = loaded[1] if isinstance(loaded[1], dict) else None
            self._buckets[number] = found
        return self._buckets[number]

    def _bucket_key(self, number: int) -> str:
        # One entry per bucket, written over at each new pack: what it holds says its generation.
        return digest(self.passing_key, str(number))

    def _all_passing(self) -> dict[Stamp, PassingGroups] | None:
        """Every current file's passing calls, for a new pack; None when some are not known."""
        found: dict[Stamp, PassingGroups] = {}
        for stamp in self._current:
            own = self._own_passing(stamp)
            if own is not None:
                found[stamp] = own
            elif stamp in self._entry_keys or stamp in self._new_passing:
                return None
            else:
                found[stamp] = {}
        missing = {stamp for stamp in found if stamp not in self._entry_keys and stamp not in self._new_passing}
        if missing:
            for number in range(PASSING_BUCKETS):
                bucket = self._bucket(number)
                if bucket is None:
                    return None
                for stamp, groups in bucket.items():
                    if stamp in missing:
                        found[stamp].update(groups)
        return found

    def _store_passing_buckets(self) -> tuple[str, frozenset[int]]:
        """Write the buckets of a new pack: its generation ("" when some file's passing calls are
        not known, and then full facts answer) and the buckets that hold something."""
        everything = self._all_passing()
        if everything is None:
            self._buckets = {}
            return "", frozenset()
        generation = os.urandom(8).hex()
        buckets: list[dict[Stamp, PassingGroups]] = [{} for _ in range(PASSING_BUCKETS)]
        for stamp, groups in everything.items():
            for name, data in groups.items():
                buckets[passing_bucket(name)].setdefault(stamp, {})[name] = data
        for number, bucket in enumerate(buckets):
            if bucket:
                self.cache.store("passing-bucket", self._bucket_key(number), (generation, bucket))
        self._buckets = dict(enumerate(buckets))
        return generation, frozenset(number for number, bucket in enumerate(buckets) if bucket)

    def finish(self) -> None:
        """Write the pack again when it is missing or stale; else the new outlines' own entries."""
        # Below `STALE_ENTRIES_TOLERATED` outlines missing from the pack (or a twentieth of them,
        # for large projects), their own entries are read instead.
        if not self._had_pack or len(self._stale) > max(STALE_ENTRIES_TOLERATED, len(self._current) // 20):
            # The buckets first: a pack whose buckets are missing has its files' full facts read.
            generation, written = self._store_passing_buckets()
            self.cache.store("outlines", self.pack_key, (generation, tuple(sorted(written)), self._current))
            self._generation, self._written = generation, written
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
            for stamp, groups in self._new_passing.items():
                self.cache.store("passing", self._entry_keys[stamp], groups)
        self._new.clear()


class RunOnceMemo:
    """The run-once contexts of a project (`AnalysisMemo`) and its path-entry packages, under a
    digest of what they read, and what the analysis reads of each file, as the outline store
    keeps it."""

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

    def load_path_entries(self) -> list[str] | None:
        found = self.cache.load("pathentries", self.key, list)
        if found is None or not all(isinstance(package, str) for package in found):
            return None
        return found

    def store_path_entries(self, packages: list[str]) -> None:
        self.cache.store("pathentries", self.key, packages)

    def run_once_inputs(self, path: str) -> RunOnceInputs | None:
        return self.store.run_once_inputs(path)


__all__ = [
    "LAYOUT",
    "PASSING_BUCKETS",
    "OutlineStore",
    "PassingGroups",
    "RunOnceMemo",
    "Stamp",
    "passing_bucket",
    "passing_groups",
]
