"""How often the cyclic garbage collector runs while trees are built and walked, and what it
looks at while worker processes are forked.

Parsing and the facts walk allocate millions of short-lived nodes that reference counting frees
alone; at CPython's default (a young collection every 700 allocations) the collector spends a
quarter of a cold run traversing them. Collections stay on, just rarer, so a real cycle is
still freed and memory stays bounded.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: Allocations between young collections while parsing (CPython's default is 700). Measured on
#: a 190k-line corpus: 10,000 saves most of it, 100,000 a little more, and turning the
#: collector off saves nothing more (bench/RESULTS.md).
PARSING_THRESHOLD = 100_000


@contextmanager
def rare_collections() -> Iterator[None]:
    """Young collections every `PARSING_THRESHOLD` allocations within; the thresholds the
    process had are restored on the way out (nested uses keep the outermost's)."""
    before = gc.get_threshold()
    if before[0] >= PARSING_THRESHOLD or before[0] == 0:
        # Already rare, or the host turned the threshold off: leave its choice alone.
        yield
        return
    gc.set_threshold(PARSING_THRESHOLD, *before[1:])
    try:
        yield
    finally:
        gc.set_threshold(*before)


def for_one_run() -> None:
    """This process runs one command and ends without freeing its heap (`cli.console`).

    Collections stay rare from here to the end: putting CPython's default back when a check is
    done made the next allocation start a young collection of everything the run had made (15 ms
    of a one-file check on a 1,762-file project). And what is made to be kept (a file's facts, a
    pack unpickled from the cache) is frozen out of the collector's sight (`making_kept_objects`).
    A long-lived host (the language server, flake8) keeps both as they were.
    """
    _one_run[0] = True
    gc.set_threshold(PARSING_THRESHOLD, *gc.get_threshold()[1:])


@contextmanager
def making_kept_objects() -> Iterator[None]:
    """Objects made within are kept by the caller to the end of the run: a file's facts (what else
    the walk makes, reference counting frees), an unpickled pack of outlines (300k objects on a
    1,762-file project). In a one-run process, no collection runs while they are made, and they
    are frozen after. Young collections that traversed them found nothing: 13-15 ms of a one-file
    check, 0.29 of the 8.5 CPU s a cold check of that project took."""
    if not _one_run[0]:
        yield
        return
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()


@contextmanager
def frozen_for_fork() -> Iterator[None]:
    """The objects this process holds, out of the collector's sight while forked workers run.

    A forked worker inherits them all (a project's facts and index: a million objects and
    more). A full collection there would traverse every one, and write to its header, so that
    the worker copies every page it shares with this process: measured on a 400k-line project,
    1.3 CPU s per collection. Frozen, they are skipped by the workers' collections and by this
    process's own until the pool is done; then they are collected as before.
    """
    if _one_run[0]:
        # The process ends after this run: frozen is how its objects stay.
        gc.freeze()
        yield
        return
    if gc.get_freeze_count() > _frozen_at_start[0]:
        # The host froze objects itself: unfreezing would undo its choice.
        yield
        return
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        # Python 3.12 starts with some objects of its own frozen; unfrozen now, they are gone
        # from the count, and a count above zero from here on is the host's.
        _frozen_at_start[0] = 0


#: The objects the interpreter had frozen before anything ran (none, except on Python 3.12).
_frozen_at_start = [gc.get_freeze_count()]
#: Whether this process runs one command and ends (`for_one_run`).
_one_run = [False]
