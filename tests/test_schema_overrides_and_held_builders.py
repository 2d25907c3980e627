"""A schema's own `from_orm` (ASA301), a session-factory builder whose result a caller holds in a
local name (ASA102), and two start-ups that set the same global factory (ASA105).

The loading claims are executed: real SQLAlchemy with aiosqlite, one source with two links.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import expected_lines, findings_in, write_project

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Source(Base):
    __tablename__ = "sources"
    id: Mapped[int] = mapped_column(primary_key=True)
    links: Mapped[list["Link"]] = relationship()
    assets: Mapped[list["Link"]] = relationship(viewonly=True)


class Link(Base):
    __tablename__ = "links"
    id: Mapped[int] = mapped_column(primary_key=True)
    source_id: Mapped[int] = mapped_column(ForeignKey("sources.id"))
"""

SCHEMAS = """\
from typing import List

import pydantic


class LinkOut(pydantic.BaseModel):
    id: int


class SourceOut(pydantic.BaseModel):
    id: int
    assets: List[LinkOut] = []

    @classmethod
    def from_orm(cls, orm, include_links=True):
        links = []
        if include_links:
            links = [LinkOut(id=link.id) for link in orm.links]
        return cls(id=orm.id, assets=links)
"""

HANDLERS = """\
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db_models import Source
from app.schemas import SourceOut


async def loaded(session):
    statement = select(Source).options(selectinload(Source.links))
    rows = (await session.execute(statement)).scalars().all()
    return [SourceOut.from_orm(row, include_links=True) for row in rows]


async def bare(session):
    rows = (await session.execute(select(Source))).scalars().all()
    return [SourceOut.from_orm(row) for row in rows]  # ASA301


async def bare_without_links(session):
    rows = (await session.execute(select(Source))).scalars().all()
    return [SourceOut.from_orm(row, include_links=False) for row in rows]
"""

RUNNER = """\
import asyncio, json, sys, traceback
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
sys.path.insert(0, sys.argv[1])
from app import handlers
from app.db_models import Base, Link, Source


async def main():
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    async with factory() as session:
        session.add_all([Source(id=1), Link(id=1, source_id=1), Link(id=2, source_id=1)])
        await session.commit()
    outcome = {}
    for name in ("loaded", "bare", "bare_without_links"):
        async with factory() as session:
            try:
                await getattr(handlers, name)(session)
                outcome[name] = None
            except Exception as error:
                frame = traceback.extract_tb(error.__traceback__)
                where = next(f for f in reversed(frame) if f.filename.startswith(sys.argv[1]))
                cause = getattr(error, "orig", None) or error  # StatementError wraps it
                outcome[name] = [type(cause).__name__, where.filename.rsplit("/", 1)[-1], where.lineno]
    await engine.dispose()
    print(json.dumps(outcome))


asyncio.run(main())
"""


def _project(root: Path) -> Path:
    files = {"app/__init__.py": "", "app/db_models.py": MODELS, "app/schemas.py": SCHEMAS, "app/handlers.py": HANDLERS}
    return write_project(root, files)


def _run(root: Path) -> dict[str, list[object] | None]:
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(root)], capture_output=True, text=True, timeout=120, check=True
    )
    outcome: dict[str, list[object] | None] = json.loads(done.stdout.strip().splitlines()[-1])
    return outcome


def test_a_schema_that_defines_from_orm_reads_what_its_method_reads(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    outcome = _run(root)
    # The schema's own `from_orm` reads `links`, never the field `assets` by name: loading
    # `links` is enough, and without it the method's read of `orm.links` is the lazy load.
    assert outcome == {"loaded": None, "bare": ["MissingGreenlet", "schemas.py", 18], "bare_without_links": None}
    findings = findings_in(root, "app/handlers.py", "ASA301")
    assert [f.line for f in findings] == [16]
    assert "Source.links" in findings[0].message
    assert "SourceOut.from_orm()" in findings[0].message


def test_a_schema_without_its_own_from_orm_still_reads_each_field(tmp_path: Path) -> None:
    schemas = SCHEMAS.split("    @classmethod")[0].replace(
        "pydantic.BaseModel):\n    id: int\n    assets",
        "pydantic.BaseModel):\n    model_config = pydantic.ConfigDict(from_attributes=True)\n    id: int\n    assets",
    )
    files = {"app/__init__.py": "", "app/db_models.py": MODELS, "app/schemas.py": schemas, "app/handlers.py": HANDLERS}
    root = write_project(tmp_path / "project", files)
    findings = findings_in(root, "app/handlers.py", "ASA301")
    assert findings and all("Source.assets" in f.message for f in findings)


BUILDER = """\
from contextlib import asynccontextmanager
from functools import lru_cache

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")


def session_factory():
    return async_sessionmaker(engine, expire_on_commit=False)  # ASA102


@lru_cache
def cached_factory():
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def get_session():
    factory = session_factory()
    async with factory() as session:
        yield session


@asynccontextmanager
async def get_cached_session():
    factory = cached_factory()
    async with factory() as session:
        yield session
"""

KEEPER = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")


def build_factory():
    return async_sessionmaker(engine, expire_on_commit=False)


class Database:
    def __init__(self):
        factory = build_factory()
        self.sessions = factory
        self.sessions()
"""

USERS = """\
from sqlalchemy import text

from app.db import get_cached_session, get_session


async def one():
    async with get_session() as session:
        return await session.scalar(text("select 1"))


async def two():
    async with get_cached_session() as session:
        return await session.scalar(text("select 2"))
"""


def test_a_builder_whose_result_a_caller_calls_through_a_local_builds_per_call(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/db.py": BUILDER, "app/users.py": USERS}
    root = write_project(tmp_path / "project", files)
    findings = findings_in(root, "app/db.py", "ASA102")
    assert [f.line for f in findings] == [10]
    assert "get_session() calls on every run" in findings[0].message


def test_a_builder_whose_result_the_caller_keeps_is_not_reported(tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/db.py": KEEPER,
        "app/main.py": "from app.db import Database\n\ndb = Database()\n",
    }
    root = write_project(tmp_path / "project", files)
    assert findings_in(root, "app/db.py", "ASA102") == []


STARTUPS = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
_factory = None
_other = None


async def start_server():
    global _factory
    _factory = async_sessionmaker(bind=engine, expire_on_commit=False)


async def start_worker():
    global _factory
    _factory = async_sessionmaker(bind=engine, expire_on_commit=False)


async def start_reports():
    global _other
    _other = async_sessionmaker(bind=engine, expire_on_commit=False)  # ASA105
"""


def test_start_ups_that_set_the_same_global_factory_make_one_factory(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/db.py": STARTUPS})
    findings = findings_in(root, "app/db.py", "ASA105")
    assert [f.line for f in findings] == [20]
    assert "app/db.py:10" in findings[0].message


TEAMS = """\
import logging

from sqlalchemy import String, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)


async def issue(session: AsyncSession):
    team = (await session.execute(select(Team).where(Team.id == 1))).scalars().one()
    try:
        session.add(Team(name=team.name))
        await session.commit()
    except Exception as error:
        logging.error("failed for team %s: %s", team.id, error)  # ASA302
        await session.rollback()
        return "failed"
    return "issued"


async def issue_narrow(session: AsyncSession):
    team = (await session.execute(select(Team).where(Team.id == 1))).scalars().one()
    try:
        session.add(Team(name=team.name))
        await session.commit()
    except ValueError:
        logging.error("failed for team %s", team.id)
    return "issued"


async def issue_in_savepoint(session: AsyncSession):
    team = (await session.execute(select(Team).where(Team.id == 1))).scalars().one()
    nested = await session.begin_nested()
    try:
        session.add(Team(name=team.name))
        await session.flush()
    except Exception as error:
        logging.error("failed for team %s: %s", team.id, error)
        await nested.rollback()
        return "failed"
    return "issued"


async def issue_renamed_in_savepoint(session: AsyncSession):
    team = (await session.execute(select(Team).where(Team.id == 1))).scalars().one()
    other = (await session.execute(select(Team).where(Team.id == 2))).scalars().one()
    nested = await session.begin_nested()
    try:
        other.name = "c"
        session.add(Team(name=team.name))
        await session.flush()
    except Exception as error:
        logging.error("failed for team %s: %s", other.name, error)  # ASA302
        await nested.rollback()
        return "failed"
    return "issued"


async def issue_read_first(session: AsyncSession):
    team = (await session.execute(select(Team).where(Team.id == 1))).scalars().one()
    team_id = team.id
    try:
        session.add(Team(name=team.name))
        await session.flush()
    except Exception as error:
        logging.error("failed for team %s: %s", team_id, error)
        await session.rollback()
        return "failed"
    return "issued"
"""

TEAMS_RUNNER = """\
import asyncio, json, sys
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
sys.path.insert(0, sys.argv[1])
from app.teams import Base, Team, issue, issue_in_savepoint, issue_read_first, issue_renamed_in_savepoint


async def main():
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    async with factory() as session:
        session.add_all([Team(id=1, name="a"), Team(id=2, name="b")])
        await session.commit()
    outcome = {}
    for call in (issue, issue_read_first, issue_in_savepoint, issue_renamed_in_savepoint):
        async with factory() as session:
            try:
                outcome[call.__name__] = await call(session)
            except Exception as error:
                outcome[call.__name__] = type(error).__name__
    await engine.dispose()
    print(json.dumps(outcome))


asyncio.run(main())
"""


def test_a_read_in_the_handler_of_a_failed_commit_is_reported_whatever_expire_on_commit_says(tmp_path: Path) -> None:
    database = "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n\n"
    database += 'engine = create_async_engine("sqlite+aiosqlite://")\n'
    database += "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
    files = {"app/__init__.py": "", "app/db.py": database, "app/teams.py": TEAMS}
    root = write_project(tmp_path / "project", files)
    done = subprocess.run(
        [sys.executable, "-c", TEAMS_RUNNER, str(root)], capture_output=True, text=True, timeout=120, check=True
    )
    outcome = json.loads(done.stdout.strip().splitlines()[-1])
    # The duplicate name fails the commit; its rollback expired `team`, and reading it in the
    # handler raises instead of logging (the original error is lost). Read before the `try`,
    # the handler runs to its end.
    # In a savepoint the failed flush rolls back to the savepoint: only what was changed in it
    # is expired.
    assert outcome == {
        "issue": "PendingRollbackError",
        "issue_read_first": "failed",
        "issue_in_savepoint": "failed",
        "issue_renamed_in_savepoint": "PendingRollbackError",
    }
    findings = findings_in(root, "app/teams.py", "ASA302")
    assert [f.line for f in findings] == expected_lines(TEAMS, "ASA302")
    assert findings[0].line == 24
    assert "a failed session.commit() at line 22" in findings[0].message


SESSION_PER_STEP = """\
import logging

from sqlalchemy import select

from app.db import SessionLocal
from app.teams import Team


async def rename_all() -> None:
    async with SessionLocal() as session:
        teams = (await session.execute(select(Team))).scalars().all()
    for team in teams:
        async with SessionLocal() as session:
            try:
                session.add(Team(name=team.name + "!"))
                await session.commit()
            except Exception:
                logging.error("failed for team %s", team.name)
"""


def test_a_failed_commit_of_a_new_session_of_the_same_name_leaves_older_objects_alone(tmp_path: Path) -> None:
    # `team` was loaded by the first session, closed since: the second one's failure does not
    # touch it (it keeps what was loaded).
    database = "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n\n"
    database += 'engine = create_async_engine("sqlite+aiosqlite://")\n'
    database += "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
    files = {"app/__init__.py": "", "app/db.py": database, "app/teams.py": TEAMS, "app/steps.py": SESSION_PER_STEP}
    root = write_project(tmp_path / "project", files)
    assert findings_in(root, "app/steps.py", "ASA302") == []


STATEMENT_ONLY = """\
import logging

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.teams import Team


async def rename(session: AsyncSession):
    team = (await session.execute(select(Team).where(Team.id == 1))).scalars().one()
    try:
        await session.execute(update(Team).where(Team.id == 2).values(name="a"))
        await session.commit()
    except Exception as error:
        logging.error("failed for team %s: %s", team.id, error)
        return "failed"
    return "renamed"
"""

STATEMENT_RUNNER = TEAMS_RUNNER.replace(
    "from app.teams import Base, Team, issue, issue_in_savepoint, issue_read_first, issue_renamed_in_savepoint",
    "from app.teams import Base, Team\nfrom app.statements import rename",
).replace("(issue, issue_read_first, issue_in_savepoint, issue_renamed_in_savepoint)", "(rename,)")


def test_a_commit_with_nothing_to_flush_leaves_the_handler_alone(tmp_path: Path) -> None:
    # The statement fails, not a flush: the session's objects keep their state (run here).
    database = "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n\n"
    database += 'engine = create_async_engine("sqlite+aiosqlite://")\n'
    database += "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
    files = {"app/__init__.py": "", "app/db.py": database, "app/teams.py": TEAMS, "app/statements.py": STATEMENT_ONLY}
    root = write_project(tmp_path / "project", files)
    done = subprocess.run(
        [sys.executable, "-c", STATEMENT_RUNNER, str(root)], capture_output=True, text=True, timeout=120, check=True
    )
    assert json.loads(done.stdout.strip().splitlines()[-1]) == {"rename": "failed"}
    assert findings_in(root, "app/statements.py", "ASA302") == []


PER_TASK_ENGINE = """\
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine


def make_factory(engine):
    return async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def task_session():
    engine = create_async_engine("sqlite+aiosqlite://")
    factory = make_factory(engine)
    async with factory() as session:
        yield session
    await engine.dispose()
"""


def test_a_builder_handed_the_callers_engine_is_not_judged_by_that_caller(tmp_path: Path) -> None:
    # A task that runs its own event loop builds its engine per call; the factory for that
    # engine comes with it (the engine is the caller's choice, not ASA102's).
    users = (
        USERS.replace("get_cached_session, get_session", "task_session")
        .replace("get_cached_session()", "task_session()")
        .replace("get_session()", "task_session()")
    )
    files = {"app/__init__.py": "", "app/db.py": PER_TASK_ENGINE, "app/users.py": users}
    root = write_project(tmp_path / "project", files)
    assert findings_in(root, "app/db.py", "ASA102") == []
