"""ASA401 and a `flush()` right after the early end: `commit()` flushes everything and `rollback()`
(the session's, or a savepoint's) discards what was pending, so a `flush()` that is the very next
statement has nothing to write and returns before it touches the closed transaction. It does not
raise, so it is no evidence that the block breaks. A flush after anything else may have work to do
(an `add()`, an attribute set on a loaded object) and still counts. Each case is linted, then run
with real SQLAlchemy and aiosqlite."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from conftest import findings_in, write_project
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


#: The session's own commit or rollback inside `begin()`, then a flush as the next statement.
ENDED_THEN_FLUSHED = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def save(session: AsyncSession, tag: object) -> None:
    async with session.begin():
        session.add(tag)
        await session.{method}()
        await session.flush()
"""

#: The same, with a new object added between the end and the flush: the flush writes it and raises.
ENDED_ADDED_FLUSHED = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def save(session: AsyncSession, tag: object, other: object) -> None:
    async with session.begin():
        session.add(tag)
        await session.commit()
        session.add(other)
        await session.flush()
"""

#: Another session's rollback right before the flush: this session's new object is still
#: pending, and the flush writes it and raises.
OTHER_ENDED_THEN_FLUSHED = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def save(session: AsyncSession, other: AsyncSession, tag: object, late: object) -> None:
    async with session.begin():
        session.add(tag)
        await session.commit()
        session.add(late)
        await other.rollback()
        await session.flush()
"""

#: The savepoint idiom after an IntegrityError, then a flush as the next statement.
SAVEPOINT_THEN_FLUSHED = """\
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession


async def save(session: AsyncSession, tag: object) -> None:
    async with session.begin_nested() as savepoint:
        try:
            session.add(tag)
            await session.flush()
        except IntegrityError:
            await savepoint.rollback()
            await session.flush()
"""


@pytest.mark.parametrize("method", ["commit", "rollback"])
def test_a_flush_right_after_the_end_is_not_said_to_raise(method: str, tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app/store.py": ENDED_THEN_FLUSHED.format(method=method)})
    [finding] = findings_in(root, "app/store.py", "ASA401")
    assert finding.line == 7
    assert "raises InvalidRequestError" not in finding.message
    assert "flush()" not in finding.message


def test_a_flush_after_an_add_is_still_said_to_raise(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app/store.py": ENDED_ADDED_FLUSHED})
    [finding] = findings_in(root, "app/store.py", "ASA401")
    assert "`session.flush()` at line 9 then runs inside the closed block and raises" in finding.message


def test_a_flush_right_after_another_sessions_rollback_is_still_said_to_raise(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app/store.py": OTHER_ENDED_THEN_FLUSHED})
    [finding] = findings_in(root, "app/store.py", "ASA401")
    assert "`session.flush()` at line 10 then runs inside the closed block and raises" in finding.message


def test_a_flush_right_after_a_savepoint_rollback_is_no_finding(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app/store.py": SAVEPOINT_THEN_FLUSHED})
    assert findings_in(root, "app/store.py", "ASA401") == []


def _names_after(body: str) -> list[str]:
    """Run `body` (the cases above, as code) on a fresh database and list the names saved."""

    async def main() -> list[str]:
        engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
        try:
            async with engine.begin() as connection:
                await connection.run_sync(Base.metadata.create_all)
            factory = async_sessionmaker(engine, expire_on_commit=False)
            async with factory() as session:
                await _BODIES[body](session)
            async with factory() as session:
                return sorted((await session.scalars(select(Tag.name))).all())
        finally:
            await engine.dispose()

    return asyncio.run(main())


async def _commit_then_flush(session: AsyncSession) -> None:
    async with session.begin():
        session.add(Tag(name="first"))
        await session.commit()
        await session.flush()


async def _rollback_then_flush(session: AsyncSession) -> None:
    async with session.begin():
        session.add(Tag(name="first"))
        await session.rollback()
        await session.flush()


async def _commit_add_flush(session: AsyncSession) -> None:
    async with session.begin():
        session.add(Tag(name="first"))
        await session.commit()
        session.add(Tag(name="second"))
        await session.flush()


async def _other_rollback_then_flush(session: AsyncSession) -> None:
    other = AsyncSession(session.bind)
    async with session.begin():
        session.add(Tag(name="first"))
        await session.commit()
        session.add(Tag(name="late"))
        await other.rollback()
        await session.flush()


async def _savepoint_then_flush(session: AsyncSession) -> None:
    session.add(Tag(name="outer"))
    await session.flush()
    async with session.begin_nested() as savepoint:
        try:
            session.add(Tag(name="outer"))
            await session.flush()
        except IntegrityError:
            await savepoint.rollback()
            await session.flush()
    await session.commit()


_BODIES = {
    "commit": _commit_then_flush,
    "rollback": _rollback_then_flush,
    "added": _commit_add_flush,
    "other": _other_rollback_then_flush,
    "savepoint": _savepoint_then_flush,
}


def test_runtime_a_clean_flush_after_commit_or_rollback_inside_begin_does_not_raise() -> None:
    assert _names_after("commit") == ["first"]
    assert _names_after("rollback") == []


def test_runtime_a_flush_with_work_after_commit_inside_begin_raises() -> None:
    with pytest.raises(InvalidRequestError, match="closed transaction inside context manager"):
        _names_after("added")
    with pytest.raises(InvalidRequestError, match="closed transaction inside context manager"):
        _names_after("other")


def test_runtime_a_clean_flush_after_a_savepoint_rollback_does_not_raise() -> None:
    assert _names_after("savepoint") == ["outer"]
