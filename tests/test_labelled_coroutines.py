"""ASA201 on coroutines kept as an item of tuples: `(label, coroutine)` pairs appended to a list,
or written in a list literal, then gathered through a comprehension that takes that item out
(`gather(*(coro for _, coro in pending))`, `gather(*[pair[1] for pair in pending])`). When the
coroutines use one session, the gather runs them on it at once. The item taken out is the one
judged: a session kept beside a coroutine that does not use it is no shared session.

Each program is linted, then run against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

import asyncio
import warnings
from pathlib import Path

import pytest
from conftest import findings_in, write_project
from sqlalchemy import exc as sa_exc
from test_concurrency_runtime import ORDER_MODEL, RACE_ERRORS, _load, _run

HEADER = (
    """\
import asyncio
from typing import Any

from sqlalchemy import Integer, String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


"""
    + ORDER_MODEL
    + """

async def place(session: AsyncSession, number: int) -> int:
    session.add(Order(status=f"new {number}"))
    await session.flush()
    return number


async def place_one(factory: async_sessionmaker[AsyncSession], number: int) -> int:
    async with factory() as session:
        await place(session, number)
        await session.commit()
    return number


async def compute(number: int) -> int:
    await asyncio.sleep(0)
    return number


"""
)

SHARED = {
    "appended_in_a_loop": """\
async def scenario(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        pending: list[tuple[str, Any]] = []
        for number in range(count):
            pending.append((f"order {number}", place(session, number)))
        await asyncio.gather(*(coro for _, coro in pending))  # reported
        await session.commit()
""",
    "appended_under_conditions": """\
async def scenario(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        pending: list[tuple[str, Any]] = []
        if count > 0:
            pending.append(("first", place(session, 1)))
        if count > 1:
            pending.append(("second", place(session, 2)))
        pending.append(("last", place(session, 3)))
        results = dict(zip([label for label, _ in pending], await asyncio.gather(*(c for _, c in pending))))  # reported
        assert results
        await session.commit()
""",
    "listed_and_subscripted": """\
async def scenario(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        pending = [("first", place(session, 1)), ("second", place(session, 2))]
        await asyncio.gather(*[pair[1] for pair in pending])  # reported
        await session.commit()
""",
}

CLEAN = {
    "a_session_per_coroutine": """\
async def scenario(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    pending: list[tuple[str, Any]] = []
    for number in range(count):
        pending.append((f"order {number}", place_one(factory, number)))
    await asyncio.gather(*(coro for _, coro in pending))
""",
    "the_session_beside_the_coroutine": """\
async def scenario(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        pending: list[tuple[AsyncSession, Any]] = []
        for number in range(count):
            pending.append((session, compute(number)))
        await asyncio.gather(*(coro for _, coro in pending))
        await place(pending[0][0], 1)
        await session.commit()
""",
}


def _reported_lines(source: str) -> list[int]:
    return [number for number, line in enumerate(source.splitlines(), 1) if line.endswith("# reported")]


@pytest.mark.parametrize("name", sorted(SHARED))
def test_coroutines_kept_in_tuples_on_one_session_are_reported(name: str, tmp_path: Path) -> None:
    source = HEADER + SHARED[name]
    root = write_project(tmp_path / "project", {"app/orders.py": source})
    assert [finding.line for finding in findings_in(root, "app/orders.py", "ASA201")] == _reported_lines(source)
    module = _load(source, f"labelled_{name}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        outcomes = asyncio.run(_run(tmp_path / f"{name}.sqlite", module, module.scenario, tasks=4, attempts=5))
    failures = [outcome for outcome in outcomes if outcome is not None]
    assert failures, "no attempt failed with one session shared by the gathered coroutines"
    for failure in failures:
        assert isinstance(failure, RACE_ERRORS), repr(failure)


def test_the_message_names_the_coroutines_put_in_the_tuples(tmp_path: Path) -> None:
    source = HEADER + SHARED["listed_and_subscripted"]
    root = write_project(tmp_path / "project", {"app/orders.py": source})
    (finding,) = findings_in(root, "app/orders.py", "ASA201")
    assert "`place(session, 1)`, `place(session, 2)`" in finding.message


@pytest.mark.parametrize("name", sorted(CLEAN))
def test_a_coroutine_that_does_not_share_the_session_is_not_reported(name: str, tmp_path: Path) -> None:
    source = HEADER + CLEAN[name]
    root = write_project(tmp_path / "project", {"app/orders.py": source})
    assert findings_in(root, "app/orders.py", "ASA201") == []
    module = _load(source, f"labelled_clean_{name}")
    outcomes = asyncio.run(_run(tmp_path / f"{name}.sqlite", module, module.scenario, tasks=4, attempts=5))
    assert outcomes == [None] * 5
