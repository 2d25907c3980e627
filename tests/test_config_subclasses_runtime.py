"""The sessions of a derived session config, on real SQLAlchemy + aiosqlite (tests/test_config_subclasses.py).

advanced-alchemy is no dependency of the project: `_LibraryConfig` stands in for its
`SQLAlchemyAsyncConfig`, which passes `async_sessionmaker` only the session options that are set
(`session_config_dict` drops the unset ones), so SQLAlchemy's default `expire_on_commit=True`
holds unless the config sets it. A project subclass that overrides a hook only opens the same
sessions: an object read after `commit()` raises `MissingGreenlet` (wrapped in `StatementError`).
The same run against advanced-alchemy 1.12.0 itself gave the same results (bench/labels/new-apps-12.md).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select
from sqlalchemy.exc import MissingGreenlet, StatementError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Item(Base):
    __tablename__ = "item"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class _LibraryConfig:
    def __init__(self, connection_string: str, expire_on_commit: bool | None = None) -> None:
        self.engine: AsyncEngine = create_async_engine(connection_string)
        options = {} if expire_on_commit is None else {"expire_on_commit": expire_on_commit}
        self.session_maker = async_sessionmaker(self.engine, **options)

    @asynccontextmanager
    async def get_session(self) -> AsyncIterator[AsyncSession]:
        async with self.session_maker() as session:
            yield session


class GuardedConfig(_LibraryConfig):
    async def create_all_metadata(self) -> None:
        async with self.engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)


async def _read_after_commit(config: GuardedConfig) -> str:
    await config.create_all_metadata()
    try:
        async with config.get_session() as session:
            session.add(Item(id=1, name="a"))
            await session.commit()
        async with config.get_session() as session:
            item = (await session.scalars(select(Item))).one()
            await session.commit()
            return item.name
    finally:
        await config.engine.dispose()


def test_a_derived_config_with_no_session_options_expires_on_commit() -> None:
    with pytest.raises((MissingGreenlet, StatementError)) as raised:
        asyncio.run(_read_after_commit(GuardedConfig("sqlite+aiosqlite://")))
    error = raised.value
    assert isinstance(getattr(error, "orig", error), MissingGreenlet)


def test_a_derived_config_that_keeps_objects_reads_after_commit() -> None:
    assert asyncio.run(_read_after_commit(GuardedConfig("sqlite+aiosqlite://", expire_on_commit=False))) == "a"
