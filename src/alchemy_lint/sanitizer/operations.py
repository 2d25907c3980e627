"""Operations in flight on async sessions and connections: ASA201 and ASA401, and who commits.

An operation runs from the call of an `AsyncSession`/`AsyncConnection` coroutine method until it
returns. Two in flight on one session from two tasks is a race whether or not the driver noticed.
"""

from __future__ import annotations

import asyncio
import sys
import weakref
from dataclasses import dataclass
from enum import Enum
from typing import Any

from alchemy_lint.records import record
from alchemy_lint.sanitizer.findings import Site
from alchemy_lint.sanitizer.frames import ProjectCode, current_task
from alchemy_lint.sanitizer.log import FindingLog


class Kind(Enum):
    """The asyncio-layer classes the sanitizer wraps, and what their operations run on."""

    SESSION = "AsyncSession"
    SESSION_TRANSACTION = "AsyncSessionTransaction"
    CONNECTION = "AsyncConnection"
    TRANSACTION = "AsyncTransaction"

    def target(self, owner: Any) -> Any:
        """The session or connection an operation of `owner` runs on."""
        if self is Kind.SESSION_TRANSACTION:
            return owner.session
        if self is Kind.TRANSACTION:
            return owner.connection
        return owner


#: Operations whose caller line is taken when they start (not only on a race): they end or open
#: a transaction, and a later finding (ASA302, ASA401) names that line.
_SITED = {
    Kind.SESSION: frozenset({"commit", "rollback"}),
    Kind.SESSION_TRANSACTION: frozenset({"commit", "rollback", "start", "__aexit__"}),
}


@dataclass(slots=True, eq=False)
class Flight:
    """One operation, from its call until it returns."""

    kind: Kind
    method: str
    owner: Any
    target: Any
    task: asyncio.Task[Any] | None
    site: Site | None

    @property
    def hands_over(self) -> bool:
        """`async with` exit of a session or connection: SQLAlchemy runs `close()` in a task of its
        own (shielded from cancellation) and waits for it, so the exit itself does no I/O and
        `close()` is the operation that counts."""
        return self.method == "__aexit__" and self.kind in (Kind.SESSION, Kind.CONNECTION)

    @property
    def label(self) -> str:
        return f"{type(self.owner).__name__}.{self.method}()"


@record
class Block:
    """An open `async with session.begin():` (or begin_nested()) block."""

    transaction: Any
    opened: str
    site: Site | None


@record
class Expiry:
    """What last expired a session's objects: `commit()` or `rollback()`, and from which line."""

    event: str
    site: Site | None


class Operations:
    def __init__(self, code: ProjectCode, log: FindingLog) -> None:
        self.code = code
        self.log = log
        self._flights: dict[int, list[Flight]] = {}
        self._by_task: dict[asyncio.Task[Any], list[Flight]] = {}
        #: Open `async with session.begin()` blocks by session (weakly: a session dropped inside
        #: its block must not leave the block to a later session).
        self._blocks: weakref.WeakKeyDictionary[Any, list[Block]] = weakref.WeakKeyDictionary()
        self._expiries: weakref.WeakKeyDictionary[Any, Expiry] = weakref.WeakKeyDictionary()

    # -- the wrapper's two calls ------------------------------------------------------------

    def start(self, kind: Kind, method: str, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Flight:
        task = current_task()
        site = None
        if method in _SITED.get(kind, ()):
            site = self.code.innermost(sys._getframe(2))
        flight = Flight(kind, method, owner, kind.target(owner), task, site)
        if method in ("commit", "rollback"):
            self._check_unit_of_work(flight)
        running = self._flights.setdefault(id(flight.target), [])
        if task is not None:
            # A nested operation (scalars() calls execute()) was checked with the outer one.
            if not flight.hands_over and all(other.task is not task for other in running):
                for other in running:
                    if other.task is not None and not other.hands_over:
                        self._report_shared(flight, other)
                        break
            self._by_task.setdefault(task, []).append(flight)
        running.append(flight)
        return flight

    def finish(self, flight: Flight, args: tuple[Any, ...], kwargs: dict[str, Any], *, ok: bool) -> None:
        running = self._flights.get(id(flight.target), [])
        if flight in running:
            running.remove(flight)
        if not running:
            self._flights.pop(id(flight.target), None)
        if flight.task is not None:
            stack = self._by_task.get(flight.task, [])
            if flight in stack:
                stack.remove(flight)
            if not stack:
                self._by_task.pop(flight.task, None)
        if flight.kind is Kind.SESSION_TRANSACTION:
            self._track_block(flight, args, kwargs, ok=ok)

    def current(self) -> Flight | None:
        """The innermost operation the running task is in (hooks inside SQLAlchemy ask this)."""
        task = current_task()
        stack = self._by_task.get(task) if task is not None else None
        return stack[-1] if stack else None

    # -- ASA201 -----------------------------------------------------------------------------

    def _report_shared(self, flight: Flight, other: Flight) -> None:
        assert flight.task is not None and other.task is not None
        mine = self.code.running_stack(sys._getframe(), flight.task)
        theirs = [
            Site(site.path, site.line, site.function, f"other-{site.role}")
            for site in self.code.suspended_stack(other.task)
        ]
        mine_created = self.code.creation(flight.task)
        theirs_created = self.code.creation(other.task)
        sites = [*mine, *([mine_created] if mine_created else [])]
        if theirs_created is not None:
            theirs.append(Site(theirs_created.path, theirs_created.line, theirs_created.function, "other-task"))
        sites.extend(theirs)
        if flight.kind in (Kind.SESSION, Kind.SESSION_TRANSACTION):
            what, fix = "session", "open one session per task from the factory"
            rule = "an AsyncSession runs one operation at a time, so give each task its own session"
        else:
            what, fix = "connection", "open one connection per task from the engine"
            rule = "an AsyncConnection runs one statement at a time, so give each task its own connection"
        message = (
            f"{what} shared by concurrent tasks: {flight.label} {_where(mine, mine_created)} started while "
            f"{other.label} {_where(theirs, theirs_created)} was still running in another task; {rule} ({fix})"
        )
        self.log.add("ASA201", message, sites)

    # -- ASA401 -----------------------------------------------------------------------------

    def _track_block(self, flight: Flight, args: tuple[Any, ...], kwargs: dict[str, Any], *, ok: bool) -> None:
        blocks = self._blocks.setdefault(flight.target, [])
        if flight.method == "start" and ok and kwargs.get("is_ctxmanager", args[0] if args else False):
            opened = "session.begin_nested()" if flight.owner.nested else "session.begin()"
            blocks.append(Block(flight.owner, opened, flight.site))
        elif flight.method == "__aexit__":
            blocks[:] = [block for block in blocks if block.transaction is not flight.owner]
        if not blocks:
            self._blocks.pop(flight.target, None)

    def _check_unit_of_work(self, flight: Flight) -> None:
        blocks = self._blocks.get(flight.target)
        if not blocks:
            return
        if flight.kind is Kind.SESSION_TRANSACTION:
            own = [block for block in blocks if block.transaction is flight.owner]
            if not own:
                return  # a transaction object used outside its own `async with`
            block, call = own[-1], f"transaction.{flight.method}()"
        else:
            block, call = blocks[-1], f"session.{flight.method}()"
        where = f"{block.site.path}:{block.site.line}" if block.site else "an unknown line"
        message = (
            f"{call} inside `async with {block.opened}` ({where}): the block commits or rolls back by itself; "
            "remove the call, or use begin_nested() for a savepoint"
        )
        sites = [flight.site] if flight.site else []
        if block.site is not None:
            sites.append(Site(block.site.path, block.site.line, block.site.function, "begin"))
        self.log.add("ASA401", message, sites)

    # -- what expired a session's objects (for ASA302) --------------------------------------

    def expired(self, sync_session: Any, method: str) -> None:
        """Called from the session's after_commit / after_soft_rollback event."""
        flight = self.current()
        site = flight.site if flight is not None else None
        if flight is not None and flight.method == "__aexit__":
            event = f"the end of `async with session.begin()` ({method})"
        else:
            event = f"session.{method}()"
        self._expiries[sync_session] = Expiry(event, site)

    def expiry(self, sync_session: Any) -> Expiry | None:
        return self._expiries.get(sync_session)


def _where(stack: list[Site], created: Site | None) -> str:
    if stack:
        at = f"at {stack[0].path}:{stack[0].line}"
        if created is not None and (created.path, created.line) != (stack[0].path, stack[0].line):
            at += f" (task created at {created.path}:{created.line})"
        return at
    if created is not None:
        return f"at {created.path}:{created.line}"
    return "at an unknown line"
