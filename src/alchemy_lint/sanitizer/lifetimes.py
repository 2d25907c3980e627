"""Sessions and connections a test opened and did not close: ASA107.

A pooled connection counts as held by the session or connection whose operation checked it out.
One still held when the test's fixtures are torn down, or when its session is garbage collected
(the usual end of a leaked session in a test), went back late or not at all.
"""

from __future__ import annotations

import sys
import weakref
from typing import Any

from alchemy_lint.records import record
from alchemy_lint.sanitizer.findings import Site
from alchemy_lint.sanitizer.frames import ProjectCode, current_task
from alchemy_lint.sanitizer.log import FindingLog
from alchemy_lint.sanitizer.operations import Operations


@record
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
        #: Checked-out pool records -> the opening that holds them. The opening itself, not the id()
        #: of its session: a session that leaked past its test is freed later while its connection
        #: may still be out, and a new session can then be made at the same address.
        self._checkouts: weakref.WeakKeyDictionary[Any, Opening] = weakref.WeakKeyDictionary()

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
        opening = self._openings.get(id(flight.target)) if flight is not None else None
        if opening is not None:
            self._checkouts[record] = opening

    def checked_in(self, record: Any) -> None:
        """Pool `checkin` event."""
        self._checkouts.pop(record, None)

    def check_test_end(self, test: str) -> None:
        """After the test's teardown: what it opened and still holds a connection was not closed."""
        for key, opening in list(self._openings.items()):
            if opening.test != test:
                continue
            held = self._release(opening)
            if held:
                self._report(opening, f"was not closed when the test ended: it still holds {_count(held)}")
            del self._openings[key]

    def _collected(self, key: int) -> None:
        """The session or connection was garbage collected: if it held a connection, it was never closed."""
        opening = self._openings.pop(key, None)
        if opening is not None and (held := self._release(opening)):
            self._report(opening, f"was never closed: it was garbage collected holding {_count(held)}")

    def _release(self, opening: Opening) -> int:
        """Stops following what the opening holds; how many connections that was."""
        held = [checkout for checkout, holder in list(self._checkouts.items()) if holder is opening]
        for checkout in held:
            del self._checkouts[checkout]
        return len(held)

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
