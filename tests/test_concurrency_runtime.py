"""ASA201 against real SQLAlchemy + aiosqlite: the flagged form races, the fixed form runs clean.

The same source is linted and then executed, so the test pins what the rule claims.
"""

from __future__ import annotations

import asyncio
import sys
import warnings
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType

import pytest
from conftest import findings_in, write_project
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

SERVICE = """\
import asyncio

from sqlalchemy import Integer, String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String)


async def place(session: AsyncSession, number: int) -> None:
    session.add(Order(status=f"new {number}"))
    await session.flush()


async def place_all_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        await asyncio.gather(*(place(session, n) for n in range(count)))
        await session.commit()


async def place_one(factory: async_sessionmaker[AsyncSession], number: int) -> None:
    async with factory() as session:
        await place(session, number)
        await session.commit()


async def place_all_per_task(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await asyncio.gather(*(place_one(factory, n) for n in range(count)))
"""

SHARED_LINE = SERVICE.splitlines().index("        await asyncio.gather(*(place(session, n) for n in range(count)))")
#: What SQLAlchemy raises when tasks interleave on one session (RULES.md lists them).
RACE_ERRORS = (sa_exc.InvalidRequestError, sa_exc.IllegalStateChangeError)
ATTEMPTS = 20
TASKS = 10


def _load(source: str, name: str) -> ModuleType:
    """Import the source as a real module: SQLAlchemy resolves `Mapped[...]` in its namespace."""
    module = ModuleType(name)
    sys.modules[name] = module
    exec(compile(source, f"{name}.py", "exec"), module.__dict__)
    return module


Scenario = Callable[[async_sessionmaker, int], Awaitable[None]]  # type: ignore[type-arg]


async def _run(
    database: Path, module: ModuleType, scenario: Scenario, tasks: int = TASKS
) -> list[BaseException | None]:
    """Each attempt on a fresh schema; returns what each attempt raised (None when clean)."""
    outcomes: list[BaseException | None] = []
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
    factory = async_sessionmaker(engine, expire_on_commit=False)
    try:
        for _ in range(ATTEMPTS):
            async with engine.begin() as connection:
                await connection.run_sync(module.Base.metadata.drop_all)
                await connection.run_sync(module.Base.metadata.create_all)
            try:
                await scenario(factory, tasks)
            except Exception as error:
                outcomes.append(error)
            else:
                outcomes.append(None)
    finally:
        await engine.dispose()
    return outcomes


def test_linter_flags_the_shared_session_gather_and_not_the_per_task_form(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/orders.py": SERVICE})
    reported = [finding.line for finding in findings_in(root, "app/orders.py", "ASA201")]
    assert reported == [SHARED_LINE + 1]


@pytest.mark.parametrize("tasks", [2, TASKS])
def test_session_shared_by_gathered_tasks_raises_a_concurrency_error(tasks: int, tmp_path: Path) -> None:
    module = _load(SERVICE, f"orders_shared_{tasks}")
    with warnings.catch_warnings():
        # SQLAlchemy also warns that add() ran during another task's flush.
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        outcomes = asyncio.run(_run(tmp_path / "shared.sqlite", module, module.place_all_shared, tasks))
    failures = [outcome for outcome in outcomes if outcome is not None]
    # A race, so the claim is "fails", not "fails every time"; measured: 200 of 200 runs fail.
    assert failures, f"no attempt of {ATTEMPTS} failed with one session shared by {tasks} tasks"
    for failure in failures:
        assert isinstance(failure, RACE_ERRORS), repr(failure)
        assert "flushing" in str(failure) or "concurrent" in str(failure) or "can't be called here" in str(failure)


def test_one_session_per_task_runs_clean_and_stores_every_row(tmp_path: Path) -> None:
    module = _load(SERVICE, "orders_per_task")
    database = tmp_path / "per_task.sqlite"
    outcomes = asyncio.run(_run(database, module, module.place_all_per_task))
    assert outcomes == [None] * ATTEMPTS

    async def count_rows() -> int:
        engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
        async with engine.connect() as connection:
            rows = (await connection.exec_driver_sql("select count(*) from orders")).scalar_one()
        await engine.dispose()
        return int(rows)

    assert asyncio.run(count_rows()) == TASKS
