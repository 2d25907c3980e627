"""ASA102 on a builder that makes its engine and its session factory each time it is called, and
whose caller, run per event, keeps neither (`pool = await create_pool(config)`, then `async with
pool() as session:`): no caller chose the engine, so the arguments it hands the builder do not
excuse it. A builder handed the engine its caller made stays its caller's to judge."""

from __future__ import annotations

from pathlib import Path

from conftest import findings_in, write_project

OWN_ENGINE = """\
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


async def create_pool(url: str) -> async_sessionmaker[AsyncSession]:
    engine = create_async_engine(url)
    pool = async_sessionmaker(bind=engine, expire_on_commit=False)
    return pool


def create_direct(url: str) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(create_async_engine(url), expire_on_commit=False)


def for_engine(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
"""

#: Event handlers (no project code calls them: a framework does, once per event).
HANDLERS = """\
from sqlalchemy.ext.asyncio import create_async_engine

from app.{module} import create_direct, create_pool, for_engine


async def on_message(url: str) -> None:
    pool = await create_pool(url)
    async with pool() as session:
        print(session)


async def on_command(url: str) -> None:
    pool = create_direct(url)
    async with pool() as session:
        print(session)


async def on_job(url: str) -> None:
    engine = create_async_engine(url)
    pool = for_engine(engine)
    async with pool() as session:
        print(session)
    await engine.dispose()
"""


def _reported(tmp_path: Path, module: str, files: dict[str, str]) -> list[tuple[int, str]]:
    root = write_project(tmp_path / "project", files)
    return [(f.line, f.message) for f in findings_in(root, f"app/{module.replace('.', '/')}.py", "ASA102")]


def test_a_builder_that_makes_its_engine_is_judged_by_callers_that_pass_arguments(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/db.py": OWN_ENGINE, "app/handlers.py": HANDLERS.format(module="db")}
    found = _reported(tmp_path, "db", files)
    assert [line for line, _ in found] == [6, 11]
    assert "create_pool(), which on_message() calls on every run" in found[0][1]
    assert "create_direct(), which on_command() calls on every run" in found[1][1]


#: A worker's task runs its coroutine in an event loop of its own: the engine it makes serves
#: that loop only, so each run must make one (a module-level engine would be tied to a dead loop).
OWN_LOOP_TASKS = """\
import asyncio

from app.db import create_direct


async def _refresh(url: str) -> None:
    pool = create_direct(url)
    async with pool() as session:
        print(session)


def refresh(url: str) -> None:
    asyncio.run(_refresh(url))
"""


def test_a_builder_called_by_a_coroutine_run_in_a_loop_of_its_own_is_not_reported(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/db.py": OWN_ENGINE, "app/tasks.py": OWN_LOOP_TASKS}
    assert _reported(tmp_path, "db", files) == []
    # The same coroutine awaited by a handler, per event, is.
    run_in_its_loop = "def refresh(url: str) -> None:\n    asyncio.run("
    files["app/tasks.py"] = OWN_LOOP_TASKS.replace(run_in_its_loop, "async def refresh(url: str) -> None:\n    await (")
    assert [line for line, _ in _reported(tmp_path / "again", "db", files)] == [11]
