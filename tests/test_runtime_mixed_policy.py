"""ASA402 on real SQLAlchemy + aiosqlite: begin() on a received session that already began fails."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import text
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine


async def _transfer(session: AsyncSession) -> None:
    # The mixed form of the rule's example: the caller already used the session (autobegin).
    async with session.begin():
        await session.execute(text("select 1"))


async def _caller(mixed: bool) -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    factory = async_sessionmaker(engine, expire_on_commit=False)
    try:
        async with factory() as session:
            await session.execute(text("select 1"))
            if not mixed:
                await session.commit()
            await _transfer(session)
    finally:
        await engine.dispose()


def test_begin_on_a_session_the_caller_already_used_raises() -> None:
    with pytest.raises(InvalidRequestError, match="already begun"):
        asyncio.run(_caller(mixed=True))


def test_begin_on_a_session_with_no_transaction_open_runs() -> None:
    asyncio.run(_caller(mixed=False))
