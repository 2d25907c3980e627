"""Which nested projects a project imports as libraries, kept in the cache file by file.

Deciding it reads the imports of every file of the project. Kept by content digest, a run after
an edit reads only the files that changed: on a project with nested projects (dstack's gateway and
plugin examples), reading and scanning every file was 70 ms of a 250 ms one-file check.
"""

from __future__ import annotations

from collections.abc import Container, Iterable, Sequence
from pathlib import Path

from alchemy_lint.cache import STALE_ENTRIES_TOLERATED, Cache, digest
from alchemy_lint.roots import PackageImports, offered_packages
from alchemy_lint.sources import SourceFile

#: Per file, by its path relative to the root: its content digest, and the offered packages it
#: imports in the order it first imports them.
_Entry = tuple[str, tuple[str, ...]]


def imported_libraries(
    nested_roots: Iterable[Path], sources: Sequence[SourceFile], own: Container[str], cache: Cache | None
) -> list[Path]:
    """The nested project folders whose top package the project's files import (see
    `offered_packages`), in the order the files first import them."""
    offered = offered_packages(nested_roots, own)
    if not offered:
        return []
    reader = PackageImports(offered)
    # (The folders name the project: a cache folder shared by projects keeps each one's.)
    key = digest("libraries", *reader.names, *sorted({str(folder) for folder in offered.values()}))
    kept = _kept(cache, key)
    entries: dict[str, _Entry] = {}
    read = 0
    wanted: dict[Path, None] = {}
    for source in sources:
        if source.read_error is not None:
            continue
        entry = kept.get(source.relative)
        if entry is None or entry[0] != source.digest:
            entry = (source.digest, reader.found_in(source.source))
            read += 1
        entries[source.relative] = entry
        for name in entry[1]:
            wanted.setdefault(offered[name], None)
    # A few changed files are read again on the next run rather than every entry written again.
    if cache is not None and read and (not kept or read > STALE_ENTRIES_TOLERATED):
        cache.store("libraries", key, entries)
    return list(wanted)


def _kept(cache: Cache | None, key: str) -> dict[str, _Entry]:
    stored = cache.load("libraries", key, dict) if cache is not None else None
    if stored is None:
        return {}
    return {
        relative: entry
        for relative, entry in stored.items()
        if isinstance(entry, tuple) and len(entry) == 2 and isinstance(entry[0], str) and isinstance(entry[1], tuple)
    }
