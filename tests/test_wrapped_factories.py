"""ASA302 through a project class that wraps a session factory, and through schemas that read columns.

A repository keeps, from its base class's constructor, an object of a callable class (annotated
under `TYPE_CHECKING`) whose `__call__` opens a session of the sessionmaker its own constructor
got; whether commit() expires objects is that sessionmaker's `expire_on_commit`, and where no
construction site says what it got, nothing is known and nothing is reported.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project

from alchemy_lint.rules.loading_examples import MODELS

SESSIONS = """\
from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


class _SessionSource:
    def __init__(self, sessionmaker: async_sessionmaker[AsyncSession]) -> None:
        self._sessionmaker = sessionmaker

    def __call__(self) -> AbstractAsyncContextManager[AsyncSession]:
        return self._open()

    @asynccontextmanager
    async def _open(self) -> AsyncIterator[AsyncSession]:
        session = self._sessionmaker()
        try:
            yield session
        finally:
            await session.close()
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

from app.sessions import _SessionSource


class Database:
    def __init__(self, url: str) -> None:
        self.Session = _SessionSource(async_sessionmaker({options}))
"""

BASE_REPOSITORY = """\
from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from app.sessions import _SessionSource


class BaseRepository:
    def __init__(self, session_factory: _SessionSource) -> None:
        self.Session = session_factory
"""

CONVERT = """\
from app.db_models import Order


def order_label(order: Order) -> str:
    return f"{order.id}: {order.status}"
"""

SCHEMAS = """\
from pydantic import BaseModel, ConfigDict


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    status: str
"""

REPOSITORY = """\
from __future__ import annotations

from sqlalchemy import update

from app.convert import order_label
from app.db_models import Order
from app.repositories.base import BaseRepository
from app.schemas import OrderOut


class OrderRepository(BaseRepository):
    async def reopen(self, order_id: int) -> str | None:
        async with self.Session() as session:
            statement = update(Order).where(Order.id == order_id).values(status="open").returning(Order)
            order = await session.scalar(statement)
            await session.commit()
            return order_label(order) if order else None  # ASA302

    async def close(self, order_id: int) -> OrderOut | None:
        async with self.Session() as session:
            statement = update(Order).where(Order.id == order_id).values(status="closed").returning(Order)
            row = (await session.scalars(statement)).one_or_none()
            await session.commit()
            return OrderOut.model_validate(row) if row else None  # ASA302

    async def rename(self, order_id: int) -> str:
        async with self.Session() as session:
            order = await session.get(Order, order_id)
            order.status = "renamed"
            await session.commit()
            return order.status  # ASA302
"""

PATH = "app/repositories/orders.py"


def _project(tmp_path: Path, options: str | None) -> Path:
    files = {
        "app/db_models.py": MODELS,
        "app/sessions.py": SESSIONS,
        "app/repositories/__init__.py": "",
        "app/repositories/base.py": BASE_REPOSITORY,
        "app/convert.py": CONVERT,
        "app/schemas.py": SCHEMAS,
        PATH: REPOSITORY,
    }
    if options is not None:
        files["app/database.py"] = DATABASE.format(options=options)
    return write_project(tmp_path / "project", files)


def _reported(root: Path) -> list[int]:
    return [finding.line for finding in findings_in(root, PATH, "ASA302")]


def test_session_of_a_wrapped_default_sessionmaker_expires_on_commit(tmp_path: Path) -> None:
    root = _project(tmp_path, 'bind=create_async_engine("sqlite+aiosqlite://")')
    assert _reported(root) == expected_lines(REPOSITORY, "ASA302")


def test_the_messages_name_the_helper_and_the_schema_that_read_the_columns(tmp_path: Path) -> None:
    root = _project(tmp_path, 'bind=create_async_engine("sqlite+aiosqlite://")')
    messages = [finding.message for finding in findings_in(root, PATH, "ASA302")]
    assert "Order.id read on order by order_label() at app/convert.py:5" in messages[0]
    assert "Order.id read on row by the schema OrderOut at app/schemas.py:4" in messages[1]


@pytest.mark.parametrize(
    "options",
    [
        pytest.param('bind=create_async_engine("sqlite+aiosqlite://"), expire_on_commit=False', id="kept"),
        pytest.param(None, id="never-constructed"),
    ],
)
def test_nothing_is_reported_unless_the_wrapped_sessionmaker_is_known_to_expire(
    options: str | None, tmp_path: Path
) -> None:
    assert _reported(_project(tmp_path, options)) == []


SQLMODEL_SCHEMA_HANDLER = """\
from pydantic import BaseModel, ConfigDict
from sqlmodel import Field, SQLModel

from app.db import SessionLocal


class Hero(SQLModel, table=True):
    model_config = ConfigDict(validate_assignment=True)
    id: int | None = Field(default=None, primary_key=True)
    name: str


class HeroCard(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    title: str = ""


class HeroOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    name: str


async def rename(hero_id: int) -> tuple[HeroCard, HeroOut]:
    async with SessionLocal() as session:
        hero = await session.get(Hero, hero_id)
        hero.name = "renamed"
        await session.commit()
        card = HeroCard.model_validate(hero)
        return card, HeroOut.model_validate(hero)  # ASA302
"""


def test_a_schema_reads_columns_not_the_model_configuration(tmp_path: Path) -> None:
    database = (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        'engine = create_async_engine("sqlite+aiosqlite://")\n'
        "SessionLocal = async_sessionmaker(engine)\n"
    )
    root = write_project(tmp_path / "project", {"app/db.py": database, "app/handlers.py": SQLMODEL_SCHEMA_HANDLER})
    reported = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    assert reported == expected_lines(SQLMODEL_SCHEMA_HANDLER, "ASA302")
