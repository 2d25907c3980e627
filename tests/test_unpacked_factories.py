"""A session factory a project function returns in a tuple, bound by unpacking its call.

`engine, SessionLocal = make_database(url)` at module level, or `_engine, _factory = _build()`
under `global` in a lazy getter (`get_session_local()`), where the function ends with `return
engine, factory`: each name is what the function returns at its position. A session the factory
makes expires its objects on commit when the factory does not say `expire_on_commit=False`, and a
read after the commit is ASA302; a factory that keeps them stays silent. Each handler is linted,
then run against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str]
"""

MODULE_LEVEL = """\
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool


def make_database(url: str) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(url, poolclass=StaticPool)
    factory = async_sessionmaker(engine{options})
    return engine, factory


engine, SessionLocal = make_database("sqlite+aiosqlite://")


def get_session_local() -> async_sessionmaker[AsyncSession]:
    return SessionLocal
"""

LAZY = """\
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

_engine: AsyncEngine | None = None
_factory: async_sessionmaker[AsyncSession] | None = None


def _build() -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    factory = async_sessionmaker(bind=engine{options})
    return engine, factory


def get_session_local() -> async_sessionmaker[AsyncSession]:
    global _engine, _factory
    if _factory is None:
        _engine, _factory = _build()
    return _factory
"""

HANDLER = """\
from app.db import engine_ready, get_session_local
from app.models import Job


async def run() -> str:
    await engine_ready()
    async with get_session_local()() as db:
        job = await db.get(Job, 1)
        assert job is not None
        job.status = "done"
        await db.commit()
        return job.status
"""

#: Builds the table and its row on the engine the factory is bound to, if the harness has not.
READY = """\


async def engine_ready() -> None:
    from app.models import Base

    factory = get_session_local()
    async with factory() as db:
        connection = await db.connection()
        await connection.run_sync(Base.metadata.create_all)
        await connection.exec_driver_sql("INSERT OR IGNORE INTO jobs (id, status) VALUES (1, 'new')")
        await db.commit()
"""

#: The line of `return job.status` in HANDLER.
READ_LINE = 12

DATABASES = {"module_level": MODULE_LEVEL, "lazy_global": LAZY}


def _project(root: Path, database: str, options: str) -> Path:
    files = {
        "app/models.py": MODELS,
        "app/db.py": DATABASES[database].format(options=options) + READY,
        "app/handlers.py": HANDLER,
    }
    return write_project(root, files)


@pytest.mark.parametrize("database", sorted(DATABASES))
def test_a_commit_of_an_unpacked_factory_s_session_expires_its_objects(database: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", database, "")
    found = findings_in(root, "app", "ASA302")
    assert [(finding.path, finding.line) for finding in found] == [("app/handlers.py", READ_LINE)], found
    assert "Job.status read on job after db.commit()" in found[0].message
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == READ_LINE, outcome


@pytest.mark.parametrize("database", sorted(DATABASES))
def test_an_unpacked_factory_that_keeps_its_objects_is_not_reported(database: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", database, ", expire_on_commit=False")
    assert findings_in(root, "app", "ASA302") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome
