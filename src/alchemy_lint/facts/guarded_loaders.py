"""Loaders added under a test on a parameter, told apart by the callers that never get them.

A getter that adds `selectinload(Record.vectors)` only under `if with_vectors:` returns a record
without them to a caller that passes `with_vectors=False` or leaves the False default. Of each
loader some paths add and others do not (`maybe`), the facts keep the conditions on parameters
that held on every path that added it (its `needs`); the index rules the loader out for a call
whose arguments fail one (`conditions.happens`, as for a commit under a guard, `effect_cases`).
A condition is kept only while it is necessary, so a loader is never ruled out on a path that
adds it: what is not known to be needed is dropped.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Protocol

from alchemy_lint.facts.model import Condition, LoaderPath

Needs = frozenset[tuple[LoaderPath, Condition]]
NO_NEEDS: Needs = frozenset()


class Loading(Protocol):
    """A statement or loader options: what every path added, what some did, and what they needed."""

    @property
    def loaders(self) -> frozenset[LoaderPath]: ...

    @property
    def maybe(self) -> frozenset[LoaderPath]: ...

    @property
    def needs(self) -> Needs: ...


def _needed(side: Loading, loader: LoaderPath, held: Iterable[Condition]) -> frozenset[Condition] | None:
    """What held on every path of `side` that added `loader`; None when none of them did."""
    if loader in side.loaders:
        return frozenset(held)
    if loader in side.maybe:
        return frozenset(held).union(c for path, c in side.needs if path == loader)
    return None


def joined_needs(
    left: Loading, left_held: Iterable[Condition], right: Loading, right_held: Iterable[Condition]
) -> Needs:
    """The needs of a value that is `left` on some paths and `right` on the others (after an
    `if`, with what its test says on each side): a condition stays with a loader when every side
    that may add the loader needed it."""
    definite = left.loaders & right.loaders
    maybe = (left.maybe | right.maybe | (left.loaders ^ right.loaders)) - definite
    if not maybe:
        return NO_NEEDS
    left_conditions, right_conditions = tuple(left_held), tuple(right_held)
    found: set[tuple[LoaderPath, Condition]] = set()
    for loader in maybe:
        sides = [_needed(left, loader, left_conditions), _needed(right, loader, right_conditions)]
        known = [needed for needed in sides if needed is not None]
        found.update((loader, condition) for condition in frozenset.intersection(*known))
    return frozenset(found)


def combined_needs(parts: Iterable[Loading]) -> Needs:
    """The needs of loaders applied together on one path (`.options(a, b)`, `options.append(x)`):
    a loader some part always adds needs nothing; one that several parts may add needs what
    each of them needs."""
    pieces = list(parts)
    definite = frozenset().union(*(part.loaders for part in pieces))
    by_loader: dict[LoaderPath, frozenset[Condition]] = {}
    for part in pieces:
        for loader in part.maybe - definite:
            needed = frozenset(c for path, c in part.needs if path == loader)
            before = by_loader.get(loader)
            by_loader[loader] = needed if before is None else before & needed
    return frozenset((loader, condition) for loader, needed in by_loader.items() for condition in needed)
