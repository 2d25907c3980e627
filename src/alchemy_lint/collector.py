"""How often the cyclic garbage collector runs while trees are built and walked.

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
