"""What commit() and rollback() do inside begin() and begin_nested(), executed: real SQLAlchemy 2
with aiosqlite, no mocks. ASA401's rule page and messages rest on these facts."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest
from sqlalchemy import String, select
from sqlalchemy.exc import IntegrityError, InvalidRequestError
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.pool import StaticPool


class Base(DeclarativeBase):
    pass


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String, unique=True)


Body = Callable[[AsyncSession], Awaitable[None]]


def run(body: Body) -> list[str]:
    """Add a tag `outer` before `body` in one transaction, commit, and list the names saved."""

    async def main() -> list[str]:
        engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            factory = async_sessionmaker(engine, expire_on_commit=False)
            async with factory() as session:
                session.add(Tag(name="outer"))
                await session.flush()
                await body(session)
                await session.commit()
            async with factory() as session:
                return sorted((await session.scalars(select(Tag.name))).all())
        finally:
            await engine.dispose()

    return asyncio.run(main())


async def _duplicate(session: AsyncSession) -> None:
    session.add(Tag(name="outer"))
    await session.flush()


def test_savepoint_rollback_after_integrity_error_keeps_the_outer_work() -> None:
    async def body(session: AsyncSession) -> None:
        async with session.begin_nested() as savepoint:
            try:
                await _duplicate(session)
            except IntegrityError:
                await savepoint.rollback()
        session.add(Tag(name="after"))

    assert run(body) == ["after", "outer"]


def test_session_used_inside_the_block_after_savepoint_rollback_raises() -> None:
    async def body(session: AsyncSession) -> None:
        async with session.begin_nested() as savepoint:
            try:
                await _duplicate(session)
            except IntegrityError:
                await savepoint.rollback()
                await session.execute(select(Tag))

    with pytest.raises(InvalidRequestError, match="closed transaction inside context manager"):
        run(body)


def test_session_rollback_inside_begin_nested_loses_the_outer_work() -> None:
    async def body(session: AsyncSession) -> None:
        async with session.begin_nested():
            try:
                await _duplicate(session)
            except IntegrityError:
                await session.rollback()
        session.add(Tag(name="after"))

    assert run(body) == ["after"]  # "outer" is gone: the whole transaction was rolled back


def test_session_commit_inside_begin_nested_commits_the_outer_work() -> None:
    async def body(session: AsyncSession) -> None:
        async with session.begin_nested():
            session.add(Tag(name="inside"))
            await session.commit()
        await session.rollback()  # too late: "outer" was committed with the savepoint

    assert run(body) == ["inside", "outer"]


@pytest.mark.parametrize("method", ["commit", "rollback"])
def test_session_call_after_commit_or_rollback_inside_begin_raises(method: str) -> None:
    async def main() -> None:
        engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            async with async_sessionmaker(engine)() as session, session.begin():
                session.add(Tag(name="first"))
                await getattr(session, method)()
                await session.execute(select(Tag))
        finally:
            await engine.dispose()

    with pytest.raises(InvalidRequestError, match="closed transaction inside context manager"):
        asyncio.run(main())


def test_callee_commit_inside_begin_survives_a_later_error_in_the_block() -> None:
    async def save(session: AsyncSession) -> None:
        session.add(Tag(name="inside"))
        await session.commit()

    async def body(session: AsyncSession) -> None:
        await session.rollback()  # `run` began a transaction; this block opens its own
        with pytest.raises(ValueError, match="later"):
            async with session.begin():
                await save(session)
                raise ValueError("a later step fails")

    # The block's rollback on the error undoes nothing: the callee committed "inside" already.
    assert run(body) == ["inside"]
