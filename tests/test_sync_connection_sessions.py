"""ASA101 and a sync `Session` bound to a sync connection in sync code: the function that
`AsyncConnection.run_sync(fn)` runs gets a sync `Connection`, and an Alembic data migration
runs on `op.get_bind()`, a sync connection also under an async `env.py`. A session there joins
that connection's transaction; a session from the project's async factory cannot (it is async,
and it would check out a connection of its own). Such modules often use asyncio themselves (the
`async def` that calls `run_sync`, an `AsyncConnection` annotation), which is what made ASA101
judge them. A sync session in an `async def`, or bound to an engine, is still reported.

The run_sync pattern is also run against real SQLAlchemy with aiosqlite: the sync session's
rows are part of the async connection's transaction (gone on its rollback, kept on its commit)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from conftest import findings_in, write_project
from sqlalchemy import Connection, ForeignKey, select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column
from sqlalchemy.pool import StaticPool

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

RUN_SYNC_TARGET = """\
from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import Connection
from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection


def _copy_rows(connection: Connection) -> None:
    session = Session(connection)
    session.flush()


async def migrate(conn: AsyncConnection) -> None:
    await conn.run_sync(_copy_rows)
"""

ALEMBIC_MIGRATION = """\
from alembic import op
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session


async def _async_part(conn: AsyncConnection) -> None:
    await conn.run_sync(lambda sync_conn: None)


def upgrade() -> None:
    session = Session(bind=op.get_bind())
    session.flush()
    op.run_async(_async_part)
"""

ALEMBIC_ALIASED = """\
import alembic.op as migration
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session as OrmSession


async def _async_part(conn: AsyncConnection) -> None:
    await conn.run_sync(lambda sync_conn: None)


def upgrade() -> None:
    with OrmSession(migration.get_bind()) as session:
        session.flush()
"""

ALEMBIC_IMPORTED = """\
from alembic.op import get_bind
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session


async def _async_part(conn: AsyncConnection) -> None:
    await conn.run_sync(lambda sync_conn: None)


def upgrade() -> None:
    session = Session(get_bind())
    session.flush()
"""

ENGINE_BOUND = """\
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

from app.db import engine


async def migrate(conn: AsyncConnection) -> None:
    await conn.run_sync(lambda sync_conn: None)


def _copy_rows() -> None:
    session = Session(engine.sync_engine)
    session.flush()
"""

IN_ASYNC_DEF = """\
from sqlalchemy import Connection
from sqlalchemy.orm import Session


async def copy_rows(connection: Connection) -> None:
    session = Session(connection)
    session.flush()
"""


OPENED_CONNECTION = """\
from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session

sync_engine = create_engine("sqlite://")


async def migrate(conn: AsyncConnection) -> None:
    await conn.run_sync(lambda sync_conn: None)


def _copy_rows() -> None:
    with sync_engine.connect() as connection:
        with Session(connection) as session:
            session.flush()


def _copy_more() -> None:
    session = Session(bind=sync_engine.connect())
    session.flush()
"""


def _project(root: Path, source: str, relative: str = "app/migrations/copy.py") -> Path:
    return write_project(root, {"app/__init__.py": "", "app/db.py": DATABASE, relative: source})


def test_sync_session_on_the_run_sync_connection_is_clean(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", RUN_SYNC_TARGET)
    assert findings_in(root, "app/migrations/copy.py", "ASA101") == []


def test_sync_session_on_alembic_get_bind_is_clean(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", ALEMBIC_MIGRATION, "migrations/versions/0002_data.py")
    assert findings_in(root, "migrations/versions/0002_data.py", "ASA101") == []


def test_sync_session_on_aliased_alembic_get_bind_is_clean(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", ALEMBIC_ALIASED, "migrations/versions/0003_data.py")
    assert findings_in(root, "migrations/versions/0003_data.py", "ASA101") == []


def test_sync_session_on_imported_alembic_get_bind_is_clean(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", ALEMBIC_IMPORTED, "migrations/versions/0004_data.py")
    assert findings_in(root, "migrations/versions/0004_data.py", "ASA101") == []


def test_sync_session_on_an_engine_in_an_asyncio_module_is_still_reported(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", ENGINE_BOUND)
    found = findings_in(root, "app/migrations/copy.py", "ASA101")
    assert [f.line for f in found] == [12]


def test_sync_session_on_a_connection_the_code_opens_itself_is_still_reported(tmp_path: Path) -> None:
    """Only a connection handed in (annotated, or Alembic's) joins a transaction no factory
    session can: one the code opens from its own sync engine is that engine's drift."""
    root = _project(tmp_path / "p", OPENED_CONNECTION)
    found = findings_in(root, "app/migrations/copy.py", "ASA101")
    assert [f.line for f in found] == [14, 19]


def test_sync_session_on_a_connection_in_an_async_def_is_still_reported(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", IN_ASYNC_DEF, "app/services/copy.py")
    found = findings_in(root, "app/services/copy.py", "ASA101")
    assert [f.line for f in found] == [6]


class _Base(DeclarativeBase):
    pass


class _Owner(_Base):
    __tablename__ = "owners"
    id: Mapped[int] = mapped_column(primary_key=True)


class _Pet(_Base):
    __tablename__ = "pets"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"))


async def _run_sync_session_rows(*, commit: bool) -> int:
    def copy_rows(connection: Connection) -> None:
        session = Session(connection)
        session.add(_Owner(id=1))
        session.add(_Pet(id=1, owner_id=1))
        session.flush()

    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    async with engine.begin() as conn:
        await conn.run_sync(_Base.metadata.create_all)
    async with engine.connect() as conn:
        await conn.run_sync(copy_rows)
        if commit:
            await conn.commit()
        else:
            await conn.rollback()
    async with engine.connect() as conn:
        count = len((await conn.execute(select(_Pet.id))).all())
    await engine.dispose()
    return count


def test_run_sync_session_joins_the_connection_transaction_at_run_time() -> None:
    assert asyncio.run(_run_sync_session_rows(commit=False)) == 0
    assert asyncio.run(_run_sync_session_rows(commit=True)) == 1
