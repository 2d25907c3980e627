"""ASA401 through a conditional expression of two transaction contexts: `async with
session.begin_nested() if session.in_transaction() else session.begin() as trans:` is a unit of
work on `session` whichever side runs, so `await trans.commit()` inside it ends the block early.
Executed: on either side, a session call after the commit inside the block raises."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import findings_in, write_project
from sqlalchemy import select
from sqlalchemy.exc import InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import StaticPool

HANDLER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


async def ensure(session: AsyncSession) -> None:
    async with {context} as trans:
        await session.execute(select(1))
        await trans.commit()
"""

EITHER = "session.begin_nested() if session.in_transaction() else session.begin()"


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (EITHER, [8]),
        ("session.begin() if session.in_transaction() else session.begin_nested()", [8]),
        # Two different sessions: not one unit of work.
        ("session.begin_nested() if session.in_transaction() else other.begin()", []),
    ],
)
def test_a_commit_inside_either_transaction_context_ends_it_early(
    context: str, expected: list[int], tmp_path: Path
) -> None:
    source = HANDLER.format(context=context)
    if "other" in context:
        source = source.replace("(session: AsyncSession)", "(session: AsyncSession, other: AsyncSession)")
    root = write_project(tmp_path, {"app/handlers.py": source})
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA401")] == expected


class Base(DeclarativeBase):
    pass


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)


@pytest.mark.parametrize("in_transaction", [False, True])
def test_either_side_raises_on_a_session_call_after_the_commit(in_transaction: bool) -> None:
    async def main() -> None:
        engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            async with async_sessionmaker(engine)() as session:
                if in_transaction:
                    await session.execute(select(Tag))
                assert session.in_transaction() is in_transaction
                await _body(session)
        finally:
            await engine.dispose()

    async def _body(session: AsyncSession) -> None:
        async with session.begin_nested() if session.in_transaction() else session.begin() as trans:
            await session.execute(select(Tag))
            await trans.commit()
            await session.execute(select(Tag))

    with pytest.raises(InvalidRequestError):
        asyncio.run(main())
