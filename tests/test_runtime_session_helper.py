"""ASA107 on real SQLAlchemy + aiosqlite: an unguarded helper leaves the connection out after an error."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

HelperFactory = Callable[[async_sessionmaker[AsyncSession]], Callable[[], AbstractAsyncContextManager[AsyncSession]]]


def unguarded(factory: async_sessionmaker[AsyncSession]) -> Callable[[], AbstractAsyncContextManager[AsyncSession]]:
    @asynccontextmanager
    async def get_a_session() -> AsyncIterator[AsyncSession]:
        session = factory()
        yield session  # the rule's INVALID form: close() is skipped when the body raises
        await session.close()

    return get_a_session


def guarded(factory: async_sessionmaker[AsyncSession]) -> Callable[[], AbstractAsyncContextManager[AsyncSession]]:
    @asynccontextmanager
    async def get_a_session() -> AsyncIterator[AsyncSession]:
        async with factory() as session:
            yield session

    return get_a_session


async def _after_a_failing_request(database: Path, make_helper: HelperFactory) -> tuple[int, bool]:
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
    helper = make_helper(async_sessionmaker(engine, expire_on_commit=False))
    try:
        try:
            async with helper() as session:
                await session.execute(text("create table events (id integer)"))
                await session.execute(text("insert into events values (1)"))
                raise RuntimeError("the handler failed")
        except RuntimeError:
            pass
        return engine.pool.checkedout(), session.in_transaction()
    finally:
        await engine.dispose()


def test_unguarded_helper_keeps_the_connection_checked_out_in_a_transaction(tmp_path: Path) -> None:
    assert asyncio.run(_after_a_failing_request(tmp_path / "db.sqlite", unguarded)) == (1, True)


def test_guarded_helper_rolls_back_and_returns_the_connection(tmp_path: Path) -> None:
    assert asyncio.run(_after_a_failing_request(tmp_path / "db.sqlite", guarded)) == (0, False)
