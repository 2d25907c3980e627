"""What a call on a fresh object finds of its state (see `facts.fresh_state`).

`async with UnitOfWork(session) as uow: await uow.commit()` runs `commit()` on the state `__init__`
left (`self._committed = False`), so `if not self._committed and not self._rolledback:` holds and
the method commits. The facts mark such a call (`FRESH`, `ENTERED`); this replaces the mark with
the attributes the constructed class's `__init__` sets, as known arguments keyed `self.<attr>`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from alchemy_lint.facts.fresh_state import ENTERED, FRESH
from alchemy_lint.facts.model import KnownArgument

if TYPE_CHECKING:
    from alchemy_lint.index.project import ProjectIndex

_MARKS = frozenset({FRESH, ENTERED})


def with_fresh_state(
    index: ProjectIndex, cls: str | None, flags: tuple[KnownArgument, ...]
) -> tuple[KnownArgument, ...]:
    """`flags` with the mark of a fresh object replaced by the state its class's `__init__` leaves
    (none when the class is unknown, or `async with` bound what an `__aenter__` other than
    `return self` gave)."""
    marks = [flag for flag in flags if flag.key in _MARKS]
    if not marks:
        return flags
    rest = tuple(flag for flag in flags if flag.key not in _MARKS)
    if cls is None:
        return rest
    chain = index.class_chain(cls)
    init = next((c.fresh_state for c in chain if c.fresh_state is not None), None)
    if init is None:
        return rest
    if any(flag.key == ENTERED for flag in marks):
        entered = next((c.enters_itself for c in chain if c.enters_itself is not None), None)
        if not entered:
            return rest
    return (*rest, *init)
