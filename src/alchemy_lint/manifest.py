"""What each file of a project looked like when it was last read, so that an unchanged file is
neither read nor hashed again (a one-file check of a 1,800-file project read and hashed them all).

A file is taken as unchanged when its size, modification and change times and inode are what
they were; its content digest, which every cache key is made of, is then the one recorded. A
file whose status differs is read and hashed as before. The content still decides: a file read
later in the run (its facts were not in the cache) must have the recorded digest, or the run
starts over reading every file (`SourceChanged`).

Timestamps have a coarse tick: a file written twice within one tick, with the same size, keeps
its status. So a file modified less than `RACY_NS` before it was looked at is not trusted on
the next run (git calls such entries racy).
"""

from __future__ import annotations

import os
import time

from alchemy_lint import __version__
from alchemy_lint.cache import STALE_ENTRIES_TOLERATED, Cache, digest

#: Size, modification time, status change time (ns), inode.
Status = tuple[int, int, int, int]
#: A status no file has: the entry of a file too recently modified to be trusted.
UNTRUSTED: Status = (-1, -1, -1, -1)
#: How recently modified a file may be and still be trusted on the next run.
RACY_NS = 2_000_000_000


def status_of(stat: os.stat_result) -> Status:
    return (stat.st_size, stat.st_mtime_ns, stat.st_ctime_ns, stat.st_ino)


class Manifest:
    """Relative path -> (status, content digest) of one project's files, kept in the cache."""

    def __init__(self, cache: Cache, scope: str, *, trusted: bool = True) -> None:
        """`trusted=False`: every file is read, and what was read is recorded for the next run."""
        self._cache = cache
        self._trusted = trusted
        self._key = digest("manifest", __version__, scope)
        stored = cache.load("manifest", self._key, dict)
        self._known: dict[str, tuple[Status, str]] = stored if stored is not None else {}
        self._seen: dict[str, tuple[Status, str]] = {}
        self._changed = 0
        #: Files taken from the manifest (not read), for `--profile`.
        self.unchanged = 0
        self._started = time.time_ns()

    def digest_of(self, relative: str, status: Status) -> str | None:
        """The recorded digest of a file whose status is as recorded; None otherwise."""
        entry = self._known.get(relative) if self._trusted else None
        # (An entry of another shape, which this code never writes, is as good as none.)
        if not isinstance(entry, tuple) or len(entry) != 2 or entry[0] != status or not isinstance(entry[1], str):
            return None
        self._seen[relative] = entry
        self.unchanged += 1
        return entry[1]

    def remember(self, relative: str, status: Status, content: str) -> None:
        """A file read and hashed: `status` was taken before it was read."""
        if relative in self._known:
            self._changed += 1
        trusted = max(status[1], status[2]) < self._started - RACY_NS
        self._seen[relative] = (status if trusted else UNTRUSTED, content)

    def finish(self) -> None:
        """Write the manifest when files came or went, or too many changed since it was written."""
        if self._seen.keys() != self._known.keys() or self._changed > STALE_ENTRIES_TOLERATED:
            self._cache.store("manifest", self._key, self._seen)
            self._known = dict(self._seen)
            self._changed = 0


__all__ = ["Manifest", "Status", "status_of"]
