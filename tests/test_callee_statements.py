"""ASA201 with usage evidence found in the callees: a value nothing else says is a session (it
comes from a library's helper, an untyped factory or parameter) is one when the coroutines it is
handed to run SQLAlchemy statements on it (`await session.scalar(select(...))`), themselves or in
a call they hand it on to. `gather(nearest(session, 1), latest(session, 2))` then shares one
session between two awaitables. A value the callees only add objects to, an HTTP client whose
`get()` takes a URL, and one session per task stay silent.

The flagged program is also run against real SQLAlchemy with aiosqlite: the two awaitables race
to open the session's connection ("concurrent operations are not permitted"); one session per
task runs clean."""

from __future__ import annotations

import asyncio
import gc
import warnings
from pathlib import Path

from conftest import findings_in, write_project
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import NullPool
from test_concurrency_runtime import ATTEMPTS, _assert_raced_to_connect, _describe, _load, _run

SERVICE = """\
import asyncio

from sqlalchemy import Integer, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String)


async def nearest(session, number: int) -> int | None:
    return await session.scalar(select(Order.id).where(Order.id >= number).limit(1))


async def latest_status(session, number: int) -> str | None:
    return await session.scalar(select(Order.status).where(Order.id <= number).limit(1))


async def through(session, number: int) -> int | None:
    return await nearest(session, number)


async def remember(session, number: int) -> None:
    session.add(Order(status=f"seen {number}"))


async def trends(factory, count: int) -> None:
    async with factory() as session:
        await asyncio.gather(nearest(session, 1), latest_status(session, count))


async def trends_forwarded(factory, count: int) -> None:
    async with factory() as session:
        await asyncio.gather(*(through(session, n) for n in range(count)))


async def remember_all(factory, count: int) -> None:
    async with factory() as session:
        await asyncio.gather(*(remember(session, n) for n in range(count)))
        await session.commit()


async def nearest_own(factory, number: int) -> int | None:
    async with factory() as session:
        return await nearest(session, number)


async def trends_per_task(factory, count: int) -> None:
    await asyncio.gather(*(nearest_own(factory, n) for n in range(count)))
"""

HTTP = """\
import asyncio

import httpx


async def fetch(client, url: str) -> str:
    response = await client.get(url)
    return response.text


async def fetch_all(client, urls: list[str]) -> list[str]:
    return await asyncio.gather(*(fetch(client, url) for url in urls))
"""


POOL = """\
import asyncio

import databases
from sqlalchemy import insert, select

from app.trends import Order
from plugin_orm import get_session

database = databases.Database("sqlite+aiosqlite:///orders.db")


async def add(db, number: int) -> None:
    await db.execute(insert(Order).values(status=f"seen {number}"))


async def count(db, number: int) -> int:
    return len((await db.execute(select(Order).where(Order.id > number))).all())


async def add_both() -> None:
    await asyncio.gather(add(database, 1), add(database, 2))


async def count_both() -> None:
    session = get_session()
    await asyncio.gather(count(session, 1), count(session, 2))
"""


def _lines(source: str, marker: str) -> list[int]:
    return [number for number, line in enumerate(source.splitlines(), 1) if marker in line]


def test_session_handed_to_callees_that_run_statements_is_reported(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/trends.py": SERVICE})
    found = findings_in(root, "app/trends.py", "ASA201")
    expected = _lines(SERVICE, "gather(nearest(session") + _lines(SERVICE, "gather(*(through(session")
    assert [finding.line for finding in found] == expected
    assert "which nearest() runs SQLAlchemy statements on" in found[0].message
    assert "which through() runs SQLAlchemy statements on" in found[1].message


def test_callees_that_only_add_and_a_session_per_task_are_clean(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/trends.py": SERVICE})
    lines = {finding.line for finding in findings_in(root, "app/trends.py", "ASA201")}
    assert not lines & set(_lines(SERVICE, "remember(session, n)") + _lines(SERVICE, "nearest_own(factory, n)"))


def test_http_client_handed_to_callees_is_clean(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/fetch.py": HTTP, "app/db.py": _DB})
    assert findings_in(root, "app/fetch.py", "ASA201") == []


def test_an_instance_of_a_library_class_handed_to_statement_callees_is_clean(tmp_path: Path) -> None:
    """`databases.Database(url)` is a pool its tasks may share: its origin says what it is (an
    instance of a class no evidence makes a session), where a library function's result
    (`get_session()`) says nothing, and the callees' statements decide."""
    files = {"app/__init__.py": "", "app/trends.py": SERVICE, "app/pool.py": POOL}
    root = write_project(tmp_path / "p", files)
    found = findings_in(root, "app/pool.py", "ASA201")
    assert [finding.line for finding in found] == _lines(POOL, "gather(count(session")


_DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""


def test_session_handed_to_statement_callees_races_at_run_time(tmp_path: Path) -> None:
    module = _load(SERVICE, "trends_shared")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        outcomes = asyncio.run(_run(tmp_path / "shared.sqlite", module, module.trends, poolclass=NullPool))
        failures = [_describe(outcome) for outcome in outcomes if outcome is not None]
        del outcomes
        gc.collect()
    assert failures, f"no attempt of {ATTEMPTS} failed with one session handed to two reading callees"
    _assert_raced_to_connect(failures)


def test_one_session_per_task_runs_clean_at_run_time(tmp_path: Path) -> None:
    module = _load(SERVICE, "trends_per_task")
    outcomes = asyncio.run(_run(tmp_path / "per_task.sqlite", module, module.trends_per_task, poolclass=NullPool))
    assert outcomes == [None] * ATTEMPTS
