"""Units of work in a function: `begin()` blocks and the commits and rollbacks that end them early.

ASA401 reports those calls; the transaction policy (ASA402) does not count them as explicit commits.
What each call does was measured on SQLAlchemy 2.0 and 2.1 with aiosqlite (tests/test_transactions_runtime.py):

- `session.commit()`/`rollback()` inside `begin()` ends the block's transaction: the next session
  call in the block raises `InvalidRequestError` ("Can't operate on closed transaction inside
  context manager"); the same holds for `transaction.commit()` on the object the block binds.
- inside `begin_nested()`, `session.commit()` commits and `session.rollback()` rolls back the whole
  transaction, not only the savepoint: the caller's work is committed or lost with it.
- `savepoint.rollback()` on the object `begin_nested()` binds (or `transaction.rollback()` on the
  one `begin()` binds) undoes that block and nothing else, and the block then closes cleanly: the
  idiom after an `IntegrityError`. Only a session call after it inside the block raises.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from enum import Enum
from typing import TYPE_CHECKING

from alchemy_lint.facts.extract import TRACKED_METHODS
from alchemy_lint.facts.model import WRAPPED, ContextBlock, Forward, FunctionFacts, MethodCall
from alchemy_lint.facts.values import Origin, OriginKind
from alchemy_lint.index.values import Evidence, Value, ValueKind
from alchemy_lint.records import record

if TYPE_CHECKING:
    from alchemy_lint.index.project import ProjectIndex
    from alchemy_lint.index.summaries import SessionEnd

BEGIN_METHODS = frozenset({"begin", "begin_nested"})
TRANSACTION_ENDS = frozenset({"commit", "rollback"})
#: Session calls that need the transaction: after it ended inside the block, they raise.
#: (`rollback()` of the closed transaction does nothing: run against SQLAlchemy 2.0 and 2.1, it neither
#: raises nor spoils the block's end.)
_NEEDS_TRANSACTION = TRACKED_METHODS - {"close", "add", "add_all", "expunge", "rollback"}
_OWNERS = frozenset({ValueKind.SESSION, ValueKind.FACTORY})


@record
class UnitOfWork:
    """Where a session is inside a unit of work: a `begin()` block, or a session handed out
    inside one (a helper, provider or fixture that yields it from `factory.begin()`)."""

    #: `async with session.begin()`, or `async with get_session()` for a helper that begins.
    opened: str
    line: int
    #: The names the unit of work is reached by (the receiver and the bound name).
    names: frozenset[str]
    #: The lines of the function it covers.
    first: int
    last: int
    method: str
    #: For a session handed out inside a unit of work, for the message: the helper or provider
    #: that hands it out and where it opens `begin()` (`get_db()` at app/db.py:21), when known,
    #: and how the session is known.
    begun: Evidence | None = None
    source: Evidence | None = None
    #: The session is a parameter its provider fills: the whole function runs in the unit of work.
    handed_out: bool = False
    #: The transaction object the block binds (`savepoint` of `begin_nested() as savepoint`).
    transaction: str | None = None


class EndEffect(str, Enum):
    """What a commit or rollback inside a unit of work does."""

    #: Ends the block's transaction: the block no longer is one unit, a later call raises.
    ENDS_BLOCK = "ends the block"
    #: `session.commit()`/`rollback()` inside `begin_nested()`: acts on the whole transaction.
    WHOLE_TRANSACTION = "whole transaction"
    #: The block's own transaction rolled back, then the session used inside the closed block.
    USED_AFTER = "used after"


@record
class EarlyEnd:
    call: MethodCall
    unit: UnitOfWork
    effect: EndEffect
    #: The first session call that runs inside the block after it (and raises there).
    then: MethodCall | None = None


@record
class EndThroughCall:
    """A call inside a unit of work that hands its session to a project function that ends
    the transaction (commits it, or always rolls it back), there or in a callee of its own."""

    call: Forward
    #: The function the call runs.
    callee: str
    unit: UnitOfWork
    end: SessionEnd


def begin_blocks(index: ProjectIndex, function: FunctionFacts) -> list[ContextBlock]:
    """`async with X.begin()` / `X.begin_nested()` where X is a session or a session factory."""
    return [
        block
        for block in function.blocks
        if block.method in BEGIN_METHODS
        and block.receiver is not None
        and block.is_async
        and index.values.of(block.receiver.origins).kind in _OWNERS
    ]


def units_of_work(index: ProjectIndex, function: FunctionFacts) -> list[UnitOfWork]:
    """The begin() blocks on a session or factory, and the sessions handed out inside one."""
    found: list[UnitOfWork] = []
    for block in begin_blocks(index, function):
        assert block.receiver is not None and block.method is not None
        unit = _block_unit(block, block.receiver.text, block.method)
        if index.values.of(block.receiver.origins).kind is ValueKind.FACTORY:
            # `factory.begin()` ends with the session it binds; the factory has no commit().
            unit = replace(unit, names=frozenset({block.bound} if block.bound else ()))
        elif block.bound is not None:
            unit = replace(unit, transaction=block.bound)
        found.append(unit)
    for block in function.blocks:
        if block.bound is None or block.method in BEGIN_METHODS:
            continue
        value = index.values.of(block.value.origins)
        if value.is_session and value.in_unit_of_work:
            found.append(
                UnitOfWork(
                    f"async with {block.value.text}",
                    block.line,
                    frozenset({block.bound}),
                    block.line,
                    block.end_line,
                    "begin",
                    begun=value.begun,
                    source=value.evidence,
                )
            )
    return found


def _block_unit(block: ContextBlock, receiver: str, method: str) -> UnitOfWork:
    names = {receiver} | ({block.bound} if block.bound else set())
    return UnitOfWork(
        f"async with {receiver}.{method}()", block.line, frozenset(names), block.line, block.end_line, method
    )


def own_units(index: ProjectIndex, function: FunctionFacts, session: str) -> list[tuple[int, int]]:
    """The lines of the units of work `function` opens on `session` (or binds it in)."""
    return [(unit.first, unit.last) for unit in units_of_work(index, function) if session in unit.names]


def ends_through_calls(index: ProjectIndex, function: FunctionFacts) -> Iterator[EndThroughCall]:
    """The calls inside a unit of work that hand its session to a project function that ends its
    transaction: `await save(session)` inside `async with session.begin():` (or
    `async with factory.begin() as session:`), or anywhere in a function whose session parameter
    a provider hands out inside `begin()`. One per call, with the first end found."""
    for forward, callee, unit, ends in _calls_in_units(index, function):
        yield EndThroughCall(forward, callee, unit, ends[0])


def ends_reached_in_units(index: ProjectIndex, function: FunctionFacts) -> Iterator[SessionEnd]:
    """Every commit or rollback that the calls of `function` inside a unit of work reach."""
    for _, _, _, ends in _calls_in_units(index, function):
        yield from ends


def _calls_in_units(
    index: ProjectIndex, function: FunctionFacts
) -> Iterator[tuple[Forward, str, UnitOfWork, tuple[SessionEnd, ...]]]:
    """(call, callee, unit, the callee's ends) for each call inside a unit of work whose callee
    ends the session's transaction: the first callee that does, for a call that may run several."""
    units: list[UnitOfWork] | None = None
    provided = dict(function.provided)
    summaries = index.summaries
    seen: set[tuple[int, int]] = set()
    handed = [(forward, provided) for forward in (*function.forwards, *_kept_wrapper_calls(index, function))]
    # A local name is no parameter a provider fills.
    handed.extend((forward, {}) for forward in function.block_forwards)
    for forward, providers in handed:
        if forward.path or forward.through is not None or (forward.line, forward.col) in seen:
            continue
        if units is None:
            units = units_of_work(index, function)
        unit = _unit_around(index, function, forward, units, providers)
        if unit is None:
            continue
        for callee in summaries.callees(forward.callee):
            ends = tuple(
                end
                for inner in summaries.received(callee, forward.argument, forward.callee)
                for end in summaries.ends(callee, inner, summaries.as_bound(callee, forward.callee, forward.flags))
            )
            if ends:
                seen.add((forward.line, forward.col))
                yield forward, callee.qualname, unit, ends
                break


def _kept_wrapper_calls(index: ProjectIndex, function: FunctionFacts) -> Iterator[Forward]:
    """`await self.repo.save(x)` in a method of a class whose `__init__` keeps a session as
    `self.session` and builds `self.repo = Repo(session)` from it: the call hands `self.session`
    to the repository, as `repo = Repo(session)` then `repo.save(x)` does in one function."""
    owner = function.qualname.rpartition(".")[0]
    # (A session the object keeps is in a unit of work only inside a `begin()` block of this function.)
    if owner not in index.classes or not any(block.method in BEGIN_METHODS for block in function.blocks):
        return
    calls = [f for f in function.forwards if f.parameter == "self" and len(f.path) == 1 and f.argument == "self"]
    attributes = index.class_attributes(owner) if calls else {}
    for forward in calls:
        wrapper = attributes.get(forward.path[0])
        builder = index.functions.get(wrapper.function) if wrapper is not None and wrapper.holds else None
        if wrapper is None or builder is None:
            continue
        for name, kept in attributes.items():
            parameters = [
                origin.name.rpartition(":")[2]
                for origin in kept.origins
                if origin.kind is OriginKind.PARAMETER and origin.name.startswith(f"{builder.qualname}:")
            ]
            if not parameters or not index.values.of(kept.origins).is_session:
                continue
            for handed in builder.forwards:
                if handed.parameter in parameters and not handed.path and handed.callee == wrapper.origins:
                    yield replace(forward, parameter=f"self.{name}", path=(), argument=WRAPPED + handed.argument)


def _unit_around(
    index: ProjectIndex,
    function: FunctionFacts,
    forward: Forward,
    units: list[UnitOfWork],
    provided: dict[str, tuple[Origin, ...]],
) -> UnitOfWork | None:
    """The innermost unit of work the call runs in on the session it hands over, if any."""
    session = forward.parameter
    inside = [
        unit
        for unit in units
        if unit.first < forward.line <= unit.last and session in unit.names and session != unit.transaction
    ]
    if inside:
        return max(inside, key=lambda unit: (unit.first, unit.line))
    origins = provided.get(session)
    value = index.values.of(origins) if origins else None
    if value is None or not (value.is_session and value.in_unit_of_work):
        return None
    return _handed_out_unit(function, session, value)


def early_ends(index: ProjectIndex, function: FunctionFacts) -> Iterator[tuple[MethodCall, UnitOfWork]]:
    """`commit()`/`rollback()` inside a unit of work on the session it covers, with the
    innermost such unit; also on a parameter whose provider hands it out inside one."""
    for end in harmful_ends(index, function):
        yield end.call, end.unit


def harmful_ends(index: ProjectIndex, function: FunctionFacts) -> Iterator[EarlyEnd]:
    """The commits and rollbacks inside a unit of work that break it, with what they do."""
    units = units_of_work(index, function)
    by_position = {(call.line, call.col): call for call in function.calls}
    for call in function.calls:
        if call.method not in TRANSACTION_ENDS:
            continue
        inside = [unit for unit in units if unit.first < call.line <= unit.last and call.receiver.text in unit.names]
        if inside:
            unit = max(inside, key=lambda unit: (unit.first, unit.line))
            end = _effect(call, unit, by_position)
            if end is not None:
                yield end
            continue
        if call.receiver.received:
            value = index.values.of(call.receiver.origins)
            if value.is_session and value.in_unit_of_work:
                unit = _handed_out_unit(function, call.receiver.text, value)
                yield EarlyEnd(call, unit, EndEffect.ENDS_BLOCK)


def _handed_out_unit(function: FunctionFacts, session: str, value: Value) -> UnitOfWork:
    """The unit of work a provider hands `session` out in: the whole function runs inside it."""
    return UnitOfWork(
        f"the unit of work {session} is handed out in",
        function.line,
        frozenset({session}),
        function.line,
        function.end_line,
        "begin",
        begun=value.begun,
        source=value.evidence,
        handed_out=True,
    )


def _effect(call: MethodCall, unit: UnitOfWork, by_position: dict[tuple[int, int], MethodCall]) -> EarlyEnd | None:
    sessions = unit.names - {unit.transaction} if unit.transaction is not None else unit.names
    # The first session call that runs inside the block after this one: it raises.
    then = next(
        (
            later
            for position in call.followed_by
            if (later := by_position.get(position)) is not None
            and later.line <= unit.last
            and later.receiver.text in sessions
            and later.method in _NEEDS_TRANSACTION
        ),
        None,
    )
    on_transaction = unit.transaction is not None and call.receiver.text == unit.transaction
    if on_transaction and call.method == "rollback":
        # The savepoint idiom: harmless unless the session is used again inside the closed block.
        return EarlyEnd(call, unit, EndEffect.USED_AFTER, then) if then is not None else None
    if not on_transaction and unit.method == "begin_nested":
        return EarlyEnd(call, unit, EndEffect.WHOLE_TRANSACTION, then)
    return EarlyEnd(call, unit, EndEffect.ENDS_BLOCK, then)
