"""A property is read, not called: `self.db.begin()` through `@property def db(self)` that returns
the factory kept on the object is `factory.begin()`, for every rule that follows sessions."""

from __future__ import annotations

from pathlib import Path

from conftest import findings_in, write_project

BOT = """\
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker


class Bot:
    def __init__(self, engine: AsyncEngine) -> None:
        self.db_session = async_sessionmaker(engine, expire_on_commit=False, class_=AsyncSession)

    @property
    def db(self) -> async_sessionmaker[AsyncSession]:
        return self.db_session

    async def ensure(self) -> None:
        async with self.db.begin() as session:
            await session.commit()  # ASA401
"""

COG = """\
from app.bot import Bot


class Cog:
    def __init__(self, bot: Bot) -> None:
        self.bot = bot

    async def rename(self) -> None:
        async with self.bot.db.begin() as session:
            await session.commit()  # ASA401

    async def kept(self) -> None:
        factory = self.bot.db
        async with factory.begin() as session:
            await session.commit()  # ASA401

    async def clean(self) -> None:
        async with self.bot.db.begin() as session:
            await session.flush()
"""


def _lines(source: str) -> list[int]:
    return [number for number, line in enumerate(source.splitlines(), 1) if line.endswith("# ASA401")]


def test_a_property_that_returns_the_kept_factory_gives_its_begin_blocks(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/bot.py": BOT, "app/cog.py": COG})
    assert [f.line for f in findings_in(root, "app/bot.py", "ASA401")] == _lines(BOT)
    assert [f.line for f in findings_in(root, "app/cog.py", "ASA401")] == _lines(COG)


def test_a_method_is_still_a_callable_not_what_it_returns(tmp_path: Path) -> None:
    # Without `@property`, `self.db` is the bound method: `self.db.begin()` is no factory's.
    source = BOT.replace("    @property\n", "")
    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/bot.py": source})
    assert findings_in(root, "app/bot.py", "ASA401") == []


UNIT_OF_WORK = """\
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

SessionLocal = async_sessionmaker(expire_on_commit=False)


class UnitOfWork:
    def __init__(self) -> None:
        self._session: AsyncSession | None = None

    @property
    def session(self) -> AsyncSession:
        assert self._session is not None
        return self._session

    async def __aenter__(self) -> "UnitOfWork":
        self._session = SessionLocal()
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._session is not None
        await self._session.close()


@asynccontextmanager
async def kept():
    async with UnitOfWork() as uow:
        yield uow.session


@asynccontextmanager
async def opened():
    uow = UnitOfWork()
    yield uow.session  # ASA107
"""


def test_a_session_the_entered_unit_of_work_keeps_is_its_to_close(tmp_path: Path) -> None:
    # The property makes `uow.session` a session; the `async with` that entered the unit of work
    # ends it, so only the helper that never enters it is unguarded.
    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/db.py": UNIT_OF_WORK})
    expected = [n for n, line in enumerate(UNIT_OF_WORK.splitlines(), 1) if line.endswith("# ASA107")]
    assert [f.line for f in findings_in(root, "app/db.py", "ASA107")] == expected
