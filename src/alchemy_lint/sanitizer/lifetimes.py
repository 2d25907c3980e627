"""Sessions and connections a test opened and did not close: ASA107.

A pooled connection counts as held by the session or connection whose operation checked it out.
One still held when the test's fixtures are torn down, or when its session is garbage collected
(the usual end of a leaked session in a test), went back late or not at all.
"""

from __future__ import annotations

import sys
import weakref
from dataclasses import dataclass
from typing import Any

from alchemy_lint.sanitizer.findings import Site
from alchemy_lint.sanitizer.frames import ProjectCode, current_task
from alchemy_lint.sanitizer.log import FindingLog
from alchemy_lint.sanitizer.operations import Operations


@dataclass(frozen=True, slots=True)
class Opening:
    """Where a test opened a session or connection."""

    what: str
    stack: tuple[Site, ...]
    test: str
    ref: weakref.ref[Any]


class Lifetimes:
    def __init__(self, code: ProjectCode, log: FindingLog, operations: Operations) -> None:
        self.code = code
        self.log = log
        self.operations = operations
        #: Openings by id() of the living session or connection.
        self._openings: dict[int, Opening] = {}
        #: Checked-out pool records -> id() of the opening that holds them.
        self._checkouts: weakref.WeakKeyDictionary[Any, int] = weakref.WeakKeyDictionary()

    def opened(self, owner: Any, what: str) -> None:
        """A session or connection was made; only those made inside a test are followed."""
        if not self.log.test:
            return
        stack = self.code.running_stack(sys._getframe(2), current_task())
        sites = tuple(
            Site(site.path, site.line, site.function, "opened" if number == 0 else "caller")
            for number, site in enumerate(stack)
        )
        key = id(owner)
        ref = weakref.ref(owner, lambda _: self._collected(key))
        self._openings[key] = Opening(what, sites, self.log.test, ref)

    def checked_out(self, record: Any) -> None:
        """Pool `checkout` event: the connection belongs to the operation that asked for it."""
        flight = self.operations.current()
        if flight is not None and id(flight.target) in self._openings:
            self._checkouts[record] = id(flight.target)

    def checked_in(self, record: Any) -> None:
        """Pool `checkin` event."""
        self._checkouts.pop(record, None)

    def check_test_end(self, test: str) -> None:
        """After the test's teardown: what it opened and still holds a connection was not closed."""
        for key, opening in list(self._openings.items()):
            if opening.test != test:
                continue
            held = self._held(key)
            if held:
                self._report(opening, f"was not closed when the test ended: it still holds {_count(held)}")
            del self._openings[key]

    def _collected(self, key: int) -> None:
        """The session or connection was garbage collected: if it held a connection, it was never closed."""
        opening = self._openings.pop(key, None)
        held = self._held(key)
        for record in [record for record, owner in self._checkouts.items() if owner == key]:
            del self._checkouts[record]
        if opening is not None and held:
            self._report(opening, f"was never closed: it was garbage collected holding {_count(held)}")

    def _held(self, key: int) -> int:
        return sum(1 for owner in list(self._checkouts.values()) if owner == key)

    def _report(self, opening: Opening, what_happened: str) -> None:
        where = f" opened at {opening.stack[0].path}:{opening.stack[0].line}" if opening.stack else ""
        if opening.what == "session":
            fix = "open it with `async with factory() as session:`, or close it in a `finally:` of the helper"
        else:
            fix = "open it with `async with engine.connect() as connection:`, or close it in a `finally:`"
        message = f"{opening.what}{where} {what_happened}, in an open transaction; {fix}"
        self.log.add("ASA107", message, opening.stack, test=opening.test)


def _count(held: int) -> str:
    connections = "1 connection" if held == 1 else f"{held} connections"
    return f"{connections} checked out of the pool"
