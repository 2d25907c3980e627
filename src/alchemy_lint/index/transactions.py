"""Units of work in a function: `begin()` blocks and the commits and rollbacks that end them early.

ASA401 reports those calls; the transaction policy (ASA402) does not count them as explicit commits.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from alchemy_lint.facts.model import ContextBlock, FunctionFacts, MethodCall
from alchemy_lint.index.values import ValueKind

if TYPE_CHECKING:
    from alchemy_lint.index.project import ProjectIndex

BEGIN_METHODS = frozenset({"begin", "begin_nested"})
TRANSACTION_ENDS = frozenset({"commit", "rollback"})
_OWNERS = frozenset({ValueKind.SESSION, ValueKind.FACTORY})


@dataclass(frozen=True, slots=True)
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
    #: For a session handed out inside a unit of work: where it comes from, for the message.
    source: str = ""


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
        found.append(unit)
    for block in function.blocks:
        if block.bound is None or block.method in BEGIN_METHODS:
            continue
        value = index.values.of(block.value.origins)
        if value.is_session and value.in_unit_of_work:
            unit = _block_unit(block, block.value.text.removesuffix("()"), "begin")
            found.append(
                UnitOfWork(
                    f"async with {block.value.text}",
                    block.line,
                    frozenset({block.bound}),
                    block.line,
                    block.end_line,
                    "begin",
                    str(value.evidence) if value.evidence else unit.opened,
                )
            )
    return found


def _block_unit(block: ContextBlock, receiver: str, method: str) -> UnitOfWork:
    names = {receiver} | ({block.bound} if block.bound else set())
    return UnitOfWork(
        f"async with {receiver}.{method}()", block.line, frozenset(names), block.line, block.end_line, method
    )


def early_ends(index: ProjectIndex, function: FunctionFacts) -> Iterator[tuple[MethodCall, UnitOfWork]]:
    """`commit()`/`rollback()` inside a unit of work on the session it covers, with the
    innermost such unit; also on a parameter whose provider hands it out inside one."""
    units = units_of_work(index, function)
    for call in function.calls:
        if call.method not in TRANSACTION_ENDS:
            continue
        inside = [unit for unit in units if unit.first < call.line <= unit.last and call.receiver.text in unit.names]
        if inside:
            yield call, max(inside, key=lambda unit: (unit.first, unit.line))
            continue
        if call.receiver.received:
            value = index.values.of(call.receiver.origins)
            if value.is_session and value.in_unit_of_work:
                source = str(value.evidence) if value.evidence else "its provider"
                yield (
                    call,
                    UnitOfWork(
                        f"the unit of work {call.receiver.text} is handed out in",
                        function.line,
                        frozenset({call.receiver.text}),
                        function.line,
                        function.end_line,
                        "begin",
                        source,
                    ),
                )
