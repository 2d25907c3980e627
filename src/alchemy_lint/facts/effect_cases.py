"""What a function does to its sessions, told apart by the tests on its parameters on the way.

A CRUD method that commits under `if not uow:` commits for a caller that leaves `uow` at its
default None and not for one that passes a unit of work. Each case is a set of paths: the
conditions on parameters that held on all of them (necessary, as `branch_conditions` gives them)
and what was done to sessions on all of them. A call whose arguments rule some cases out (see
`conditions.happens`) gets what every remaining case does.
"""

from __future__ import annotations

from collections.abc import Iterable

from alchemy_lint.facts.conditions import Guard, happens
from alchemy_lint.facts.model import Condition, KnownArgument

#: What paths did to sessions: (session text, commit or rollback, or ENDED).
Done = frozenset[tuple[str, str]]
#: The conditions that held on a set of paths, and what all of them did.
Case = tuple[frozenset[Condition], Done]
Cases = frozenset[Case]
#: More cases than this tell too little apart to be worth their cost: what all do is kept alone.
_MAX_CASES = 8


def entered(cases: Cases, done: Done, conditions: Iterable[Condition]) -> Cases:
    """The cases of the paths into a branch whose test says `conditions` on parameters."""
    held = frozenset(conditions)
    return frozenset((known | held, did) for known, did in cases or ((frozenset(), done),))


def ended(cases: Cases, more: Done) -> Cases:
    """Every path of every case did `more` as well."""
    return frozenset((known, did | more) for known, did in cases)


def joined(left: Cases, left_done: Done, right: Cases, right_done: Done) -> Cases:
    """The cases of the paths of two sides that meet (no cases: one case of what the side did)."""
    return merged((*(left or ((frozenset(), left_done),)), *(right or ((frozenset(), right_done),))))


def merged(cases: Iterable[Case]) -> Cases:
    """The cases, each effect once per set of conditions that is not implied by another of the
    same effect (`if not a and not b: commit` does nothing where `a` held and where `a` failed and
    `b` held: two cases, neither of which a call with both false takes); with too many, one case
    per distinct effect (what held on all of its paths). None when every path did the same or
    there are too many effects to keep."""
    by_done: dict[Done, list[frozenset[Condition]]] = {}
    for known, did in cases:
        sets = by_done.setdefault(did, [])
        if not any(other <= known for other in sets):
            sets[:] = [other for other in sets if not known <= other]
            sets.append(known)
    if len(by_done) < 2 or len(by_done) > _MAX_CASES:
        return frozenset()
    if sum(len(sets) for sets in by_done.values()) <= _MAX_CASES:
        return frozenset((known, did) for did, sets in by_done.items() for known in sets)
    return frozenset((frozenset.intersection(*sets), did) for did, sets in by_done.items())


def stored(cases: Cases) -> tuple[tuple[Guard, tuple[tuple[str, str], ...]], ...]:
    """The cases as `FunctionLoading.effect_cases` keeps them (sorted, for stable facts)."""
    return tuple(
        sorted(((tuple(sorted(known, key=repr)), tuple(sorted(did))) for known, did in merged(cases)), key=repr)
    )


def effects_for(
    cases: tuple[tuple[Guard, tuple[tuple[str, str], ...]], ...], settled: dict[str, KnownArgument]
) -> frozenset[tuple[str, str]] | None:
    """What every path a call with these arguments can take does; None when no case tells
    (the function's `effects` stand)."""
    found: frozenset[tuple[str, str]] | None = None
    for guard, did in cases:
        if happens(guard, settled):
            found = frozenset(did) if found is None else found & frozenset(did)
    return found
