"""ASA201/ASA202 beyond the rule examples: evidence of sessions, task windows, messages, flake8."""

from __future__ import annotations

import pickle
import subprocess
import sys
from pathlib import Path

from conftest import expected_lines, findings_in, write_project

from alchemy_lint.engine import facts_for_source

DB_MODULE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""


def _lines(tmp_path: Path, source: str, code: str = "ASA201", others: dict[str, str] | None = None) -> list[int]:
    files = {"app/db.py": DB_MODULE, **(others or {}), "app/service.py": source}
    root = write_project(tmp_path / "project", files)
    return [finding.line for finding in findings_in(root, "app/service.py", code)]


def test_session_from_a_database_interface_method_is_evidence(tmp_path: Path) -> None:
    interface = """\
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession


class Database:
    async def session(self) -> AsyncSession:
        return AsyncSession(expire_on_commit=False)

    @asynccontextmanager
    async def session_scope(self):
        session = await self.session()
        async with session:
            yield session
"""
    source = """\
import asyncio

from app.interface import Database


async def count(session, table: str) -> int: ...


async def overview(db: Database) -> None:
    async with db.session_scope() as session:
        await asyncio.gather(count(session=session, table="a"), count(session=session, table="b"))
"""
    assert _lines(tmp_path, source, others={"app/interface.py": interface}) == [11]


def test_newtype_and_annotated_aliases_of_the_session_class_are_sessions(tmp_path: Path) -> None:
    types = """\
from typing import Annotated, NewType, TypeAlias

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession as _AsyncSession

ReadSession = NewType("ReadSession", _AsyncSession)
WriteSession = NewType("WriteSession", ReadSession)
SessionDep = Annotated[_AsyncSession, Depends(lambda: None)]
Plain: TypeAlias = "_AsyncSession"
"""
    source = """\
import asyncio

from app.types import Plain, ReadSession, SessionDep, WriteSession


async def handler(a: WriteSession, b: SessionDep, c: Plain, d: ReadSession | WriteSession) -> None:
    await asyncio.gather(a.get(int, 1), a.get(int, 2))
    await asyncio.gather(b.get(int, 1), b.get(int, 2))
    await asyncio.gather(c.get(int, 1), c.get(int, 2))
    await asyncio.gather(d.get(int, 1), d.get(int, 2))
"""
    assert _lines(tmp_path, source, others={"app/types.py": types}) == [7, 8, 9, 10]


def test_union_with_a_non_session_type_is_not_evidence(tmp_path: Path) -> None:
    source = """\
import asyncio

import httpx
from sqlalchemy.ext.asyncio import AsyncSession


async def fetch(client: AsyncSession | httpx.AsyncClient) -> None:
    await asyncio.gather(client.get("/a"), client.get("/b"))
"""
    assert _lines(tmp_path, source) == []


def test_task_awaited_before_the_next_use_of_the_session_is_clean(tmp_path: Path) -> None:
    source = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def notify(user_id: int) -> None: ...


async def save(session: AsyncSession, user_id: int) -> None:
    loaded = asyncio.create_task(session.get(int, user_id))
    mail = asyncio.create_task(notify(user_id))
    user = await loaded
    session.add(user)
    await session.commit()
    await mail
    for other in range(3):
        step = asyncio.create_task(session.get(int, other))
        await step
"""
    assert _lines(tmp_path, source) == []


def test_task_running_while_the_spawner_commits_is_reported(tmp_path: Path) -> None:
    source = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def save(session: AsyncSession, user_id: int) -> None:
    loaded = asyncio.create_task(session.get(int, user_id))
    await session.commit()
    await loaded
"""
    assert _lines(tmp_path, source) == [7]


def test_engine_taken_from_the_session_is_not_the_session(tmp_path: Path) -> None:
    source = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def ping(engine) -> None: ...


async def health(session: AsyncSession) -> None:
    engine = session.get_bind()
    await asyncio.gather(ping(engine), ping(engine))
    pending = session.execute("select 1")
    await asyncio.gather(pending, session.execute("select 2"))
"""
    assert _lines(tmp_path, source) == [13]


def test_message_names_the_session_the_concurrent_call_and_the_helper(tmp_path: Path) -> None:
    helper = DB_MODULE + (
        "\n\nfrom contextlib import asynccontextmanager\n\n\n@asynccontextmanager\n"
        "async def get_a_session():\n    async with SessionLocal() as session:\n        yield session\n"
    )
    source = """\
import asyncio

from app.db import get_a_session


async def report() -> None:
    async with get_a_session() as db:
        await asyncio.gather(db.scalars("select 1"), db.scalars("select 2"))
"""
    root = write_project(tmp_path / "project", {"app/db.py": helper, "app/service.py": source})
    [finding] = findings_in(root, "app/service.py", "ASA201")
    assert finding.message.startswith(
        "ASA201 session `db` from get_a_session() (app/db.py:11) is shared by concurrent work"
    )
    assert "2 awaitables of asyncio.gather()" in finding.message
    assert "async with get_a_session() as session inside each task" in finding.message


def test_the_fix_never_names_a_factory_of_the_test_suite(tmp_path: Path) -> None:
    # The application keeps its factory in a mapping at start-up; the only named factory is the
    # test suite's, which is no advice for application code.
    state = """\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

STATE: dict[str, object] = {}


def init_state() -> None:
    STATE["factory"] = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"), expire_on_commit=False)


async def get_db():
    async with STATE["factory"]() as db:  # type: ignore[operator]
        yield db
"""
    testing = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

TestingSessionLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"), expire_on_commit=False)
"""
    source = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def report(db: AsyncSession) -> None:
    await asyncio.gather(db.scalars("select 1"), db.scalars("select 2"))
"""
    root = write_project(
        tmp_path / "project", {"app/state.py": state, "tests/commons.py": testing, "app/service.py": source}
    )
    [finding] = findings_in(root, "app/service.py", "ASA201")
    assert "TestingSessionLocal" not in finding.message
    assert "async with the session factory inside each task" in finding.message


def test_module_level_session_in_a_sync_only_project_is_silent(tmp_path: Path) -> None:
    source = """\
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")
session = Session(engine)
"""
    root = write_project(tmp_path / "project", {"app/service.py": source})
    assert findings_in(root, "app/service.py", "ASA202") == []


def test_module_level_session_from_the_project_factory_is_reported(tmp_path: Path) -> None:
    source = """\
from app.db import SessionLocal

session = SessionLocal()
factory = SessionLocal
"""
    root = write_project(tmp_path / "project", {"app/db.py": DB_MODULE, "app/service.py": source})
    [finding] = findings_in(root, "app/service.py", "ASA202")
    assert finding.line == 3
    assert "session `session` is created at module level" in finding.message
    assert "async with SessionLocal() as session per request or task" in finding.message


def test_task_spawn_facts_pickle() -> None:
    source = b"""\
import asyncio
from sqlalchemy.ext.asyncio import AsyncSession

async def f(s: AsyncSession) -> None:
    await asyncio.gather(*(s.get(int, i) for i in range(3)))
"""
    facts = facts_for_source("app/f.py", source, Path("app/f.py"))
    [spawn] = facts.functions[0].task_spawns
    assert spawn.entry == "asyncio.gather" and spawn.work[0].many
    assert pickle.loads(pickle.dumps(facts)) == facts


def test_flake8_reports_the_shared_session_through_the_plugin(tmp_path: Path) -> None:
    source = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def dashboard(session: AsyncSession) -> None:
    await asyncio.gather(session.execute("select 1"), session.execute("select 2"))
"""
    root = write_project(tmp_path / "project", {"app/dashboard.py": source})
    result = subprocess.run(
        [sys.executable, "-m", "flake8", "--select", "ASA", "app/dashboard.py"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 1, result.stderr
    assert result.stdout.startswith("app/dashboard.py:7:11: ASA201 session `session` annotated AsyncSession is shared")


def test_sync_script_session_in_an_async_project_is_silent_but_beside_coroutines_is_reported(tmp_path: Path) -> None:
    script = """\
from sqlalchemy import create_engine
from sqlalchemy.orm import Session, sessionmaker

engine = create_engine("sqlite://")
Factory = sessionmaker(engine)
session = Factory()
"""
    shared = script + "\n\nasync def handler() -> None:\n    session.commit()\n"
    main_guard = """\
from app.db import SessionLocal


async def main() -> None: ...

if __name__ == "__main__":
    session = SessionLocal()
"""
    root = write_project(
        tmp_path / "project",
        {"app/db.py": DB_MODULE, "app/script.py": script, "app/shared.py": shared, "app/main.py": main_guard},
    )
    assert findings_in(root, "app/script.py", "ASA202") == []
    assert findings_in(root, "app/main.py", "ASA202") == []
    assert [finding.line for finding in findings_in(root, "app/shared.py", "ASA202")] == [6]


def test_uses_on_a_path_that_cannot_follow_the_task_are_not_concurrent(tmp_path: Path) -> None:
    source = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def audit(session: AsyncSession) -> None: ...


async def close(session: AsyncSession, background: bool) -> None:
    if background:
        asyncio.create_task(audit(session))
        return
    else:
        await session.commit()
    await session.flush()


async def branch(session: AsyncSession, fast: bool) -> None:
    if fast:
        asyncio.create_task(audit(session))
    else:
        asyncio.create_task(audit(session))
        await session.flush()


async def fails(session: AsyncSession, fast: bool) -> None:
    task = asyncio.create_task(audit(session))
    if fast:
        raise ValueError(fast)
    await session.commit()
    await task
"""
    assert _lines(tmp_path, source) == [22, 27]


def test_methods_that_only_add_or_that_a_subclass_batches_itself_share_nothing(tmp_path: Path) -> None:
    # `record()` never awaits on the session (add() does no I/O); the subclass that overrides
    # `load_many` never runs the base class's gather; `Cached.load` is an object without a session.
    source = """\
import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


class Loader:
    async def load(self, key: int) -> object:
        raise NotImplementedError

    async def load_many(self, keys: list[int]) -> list[object]:
        return await asyncio.gather(*(self.load(key) for key in keys))


class SqlLoader(Loader):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, key: int) -> object:
        return await self.session.scalar(select(key))

    async def load_many(self, keys: list[int]) -> list[object]:
        return list(await self.session.scalars(select(keys[0])))

    async def record(self, key: int) -> None:
        await asyncio.sleep(0)
        self.session.add(object())

    async def record_all(self, keys: list[int]) -> None:
        await asyncio.gather(*(self.record(key) for key in keys))

    async def load_each(self, keys: list[int]) -> list[object]:
        return await asyncio.gather(*(self.load(key) for key in keys))  # ASA201


class Cached(Loader):
    async def load(self, key: int) -> object:
        return key
"""
    assert _lines(tmp_path, source) == expected_lines(source, "ASA201")


def test_an_object_received_whole_reaches_the_session_its_class_keeps(tmp_path: Path) -> None:
    # `ctx: Context` handed to each task holds `ctx.session` (a dataclass field, an attribute
    # `__init__` sets from a session); a holder of a factory or of nothing ORM reaches no session.
    source = """\
import asyncio
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker


@dataclass
class Context:
    session: AsyncSession
    name: str


class Service:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


@dataclass
class Factories:
    sessions: async_sessionmaker[AsyncSession]


async def compile_one(ctx, name: str) -> None: ...


async def compile_all(ctx: Context, names: list[str]) -> None:
    await asyncio.gather(*[compile_one(ctx, name) for name in names])  # ASA201


async def both(service: Service) -> None:
    await asyncio.gather(compile_one(service, "a"), compile_one(service, "b"))  # ASA201


async def each_opens_its_own(factories: Factories, names: list[str]) -> None:
    await asyncio.gather(*[compile_one(factories, name) for name in names])
"""
    assert _lines(tmp_path, source) == expected_lines(source, "ASA201")


def test_shapes_over_own_sessions_or_awaited_in_turn_or_other_clients_are_clean(tmp_path: Path) -> None:
    source = """\
import asyncio
from functools import partial

import aiohttp
import httpx
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from app.db import SessionLocal


async def own(key: int) -> object:
    async with SessionLocal() as session:
        return await session.get(object, key)


async def with_factory(factory: async_sessionmaker[AsyncSession], key: int) -> object:
    async with factory() as session:
        return await session.get(object, key)


async def load(session: AsyncSession, key: int) -> object:
    return await session.get(object, key)


async def each_own(keys: list[int]) -> None:
    by_key = {key: own(key) for key in keys}
    await asyncio.gather(*by_key.values())
    await asyncio.gather(*map(own, keys))
    await asyncio.gather(*map(partial(with_factory, SessionLocal), keys))
    pending = []
    pending.extend(own(key) for key in keys)
    await asyncio.gather(*pending)


async def in_turn(session: AsyncSession, keys: list[int]) -> None:
    by_key = {key: load(session, key) for key in keys}
    for step in by_key.values():
        await step
    for step in map(partial(load, session), keys):
        await step


async def clients(keys: list[int]) -> None:
    async with httpx.AsyncClient() as session:
        by_key = {key: session.get(f"/{key}") for key in keys}
        await asyncio.gather(*by_key.values())
    async with aiohttp.ClientSession() as session:
        await asyncio.gather(*map(lambda key: session.get(f"/{key}"), keys))
        fetch = partial(session.get, "/")
        await asyncio.gather(*[fetch(params={"k": key}) for key in keys])
"""
    assert _lines(tmp_path, source) == []


def test_one_session_in_coroutines_kept_in_a_collection_is_reported(tmp_path: Path) -> None:
    # (The runtime test executes these shapes; here the message names what holds the coroutines.)
    source = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def load(session: AsyncSession, key: int) -> object:
    return await session.get(object, key)


async def load_all(session: AsyncSession, keys: list[int]) -> None:
    by_key = dict(zip(keys, [load(session, key) for key in keys]))
    await asyncio.gather(*by_key.values())
    await asyncio.gather(*sorted(by_key.values(), key=id))
    pair = {"a": load(session, 1), "b": load(session, 2)}
    await asyncio.gather(*pair.values())
    await asyncio.gather(*map(session.get, [object] * len(keys), keys))
"""
    files = {"app/db.py": DB_MODULE, "app/service.py": source}
    root = write_project(tmp_path / "project", files)
    found = findings_in(root, "app/service.py", "ASA201")
    assert [finding.line for finding in found] == [12, 13, 15, 16]
    assert "built by `by_key.values()`" in found[0].message
    assert "by a method call on it" in found[3].message


def test_the_fix_names_the_asyncio_factory_not_a_sync_one_before_it(tmp_path: Path) -> None:
    sync_factory = """\
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

SyncSessionLocal = sessionmaker(bind=create_engine("sqlite://"))
"""
    source = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def report(db: AsyncSession) -> None:
    await asyncio.gather(db.scalars("select 1"), db.scalars("select 2"))
"""
    root = write_project(
        tmp_path / "project", {"app/a_sync_db.py": sync_factory, "app/db.py": DB_MODULE, "app/service.py": source}
    )
    [finding] = findings_in(root, "app/service.py", "ASA201")
    assert "async with SessionLocal() as session inside each task" in finding.message


ADDING_HELPERS = """\
from sqlalchemy.ext.asyncio import AsyncSession


class Audit:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


async def record(session: AsyncSession, entry: object) -> None:
    session.add(entry)


async def record_twice(session: AsyncSession, entry: object) -> None:
    await record(session, entry)
    await record(session=session, entry=entry)


async def record_and_flush(session: AsyncSession, entry: object) -> None:
    await record(session, entry)
    await session.flush()


async def kept(session: AsyncSession, entry: object) -> None:
    Audit(session).session.add(entry)


async def closure(session: AsyncSession, entry: object) -> None:
    def later() -> None:
        session.add(entry)

    later()


async def handed_unknown(session: AsyncSession, entry: object) -> None:
    session.add(entry)
    print(session)


async def rebound(session: AsyncSession, entry: object) -> None:
    session.add(entry)
    session = None


async def recursive(session: AsyncSession, entries: list[object]) -> None:
    if entries:
        session.add(entries[0])
        await recursive(session, entries[1:])
"""


def test_coroutines_that_only_add_to_the_session_share_nothing_and_those_that_may_wait_do(tmp_path: Path) -> None:
    # Silent: the session reaches each coroutine only through `add()`, itself or in the calls it
    # hands it to (by position, by keyword, recursively). Reported: one flush below; the session
    # kept on an object, in a closure, handed to a call the index cannot follow, rebound; and the
    # same helper gathered with its arguments past a `*args` (where the session lands is unknown).
    source = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from app.helpers import closure, handed_unknown, kept, rebound, record, record_and_flush, record_twice, recursive


async def quiet(session: AsyncSession, entries: list[object]) -> None:
    await asyncio.gather(*(record(session, entry) for entry in entries))
    await asyncio.gather(record_twice(session, entries[0]), record(entry=entries[1], session=session))
    await asyncio.gather(recursive(session, entries), recursive(session, entries))


async def waiting(session: AsyncSession, entries: list[object]) -> None:
    await asyncio.gather(*(record_and_flush(session, entry) for entry in entries))  # ASA201
    await asyncio.gather(*(kept(session, entry) for entry in entries))  # ASA201
    await asyncio.gather(*(closure(session, entry) for entry in entries))  # ASA201
    await asyncio.gather(*(handed_unknown(session, entry) for entry in entries))  # ASA201
    await asyncio.gather(*(rebound(session, entry) for entry in entries))  # ASA201
    await asyncio.gather(*(record(*entries[:0], session, entry) for entry in entries))  # ASA201
"""
    assert _lines(tmp_path, source, others={"app/helpers.py": ADDING_HELPERS}) == expected_lines(source, "ASA201")


def test_a_task_that_only_adds_runs_beside_the_spawner_s_statements(tmp_path: Path) -> None:
    source = """\
import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.helpers import record, record_and_flush


async def beside(session: AsyncSession, entry: object) -> None:
    task = asyncio.create_task(record(session, entry))
    await session.execute(select(1))
    await task


async def racing(session: AsyncSession, entry: object) -> None:
    task = asyncio.create_task(record_and_flush(session, entry))  # ASA201
    await session.execute(select(1))
    await task
"""
    assert _lines(tmp_path, source, others={"app/helpers.py": ADDING_HELPERS}) == expected_lines(source, "ASA201")


def test_a_parameter_dishka_fills_is_what_from_dishka_names(tmp_path: Path) -> None:
    # `FromDishka[X]` (dishka, or any of its integrations) is the container's `X`, as
    # `Annotated[X, FromComponent()]` is: a repository over a session, or the session itself.
    repository = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


class DonorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self) -> int:
        return (await self.session.execute(select(1))).scalar_one()

    async def names(self) -> list[str]:
        return list(await self.session.scalars(select("name")))
"""
    source = """\
import asyncio

from dishka import FromDishka
from dishka.integrations.aiogram import FromDishka as AiogramFromDishka, inject
from sqlalchemy.ext.asyncio import AsyncSession

from app.repository import DonorRepository


@inject
async def stats(message: object, repo: FromDishka[DonorRepository]) -> None:
    await asyncio.gather(repo.count(), repo.names())  # ASA201


@inject
async def totals(message: object, session: AiogramFromDishka[AsyncSession]) -> None:
    await asyncio.gather(session.scalar("select 1"), session.scalar("select 2"))  # ASA201


@inject
async def apart(message: object, repo: FromDishka[DonorRepository]) -> None:
    await repo.count()
    await repo.names()
"""
    assert _lines(tmp_path, source, others={"app/repository.py": repository}) == expected_lines(source, "ASA201")


#: A request provider, as FastAPI's `Depends(get_db)` takes it, and its sync twin.
PROVIDERS = """\
from collections.abc import AsyncIterator, Iterator

from sqlalchemy import create_engine
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker

SessionLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))
SyncSessionLocal = sessionmaker(create_engine("sqlite://"))


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


def get_sync_db() -> Iterator[Session]:
    with SyncSessionLocal() as session:
        yield session
"""


def test_next_item_of_an_async_generator_is_no_session(tmp_path: Path) -> None:
    """`db = next(get_db())` at module level over an async generator raises TypeError (run here),
    so no session is kept; `await anext(get_db())` and a sync generator's `next()` in a module
    beside coroutines are kept sessions."""
    script = "from app.providers import get_db\n\ndb = next(get_db())\n"
    awaited = (
        "from app.providers import get_db\n\n\n"
        "async def handler() -> None:\n    global db\n    db = await anext(get_db())\n"
    )
    sync_twin = (
        "from app.providers import get_sync_db\n\ndb = next(get_sync_db())\n\n\nasync def handler() -> None: ...\n"
    )
    root = write_project(
        tmp_path / "project",
        {"app/providers.py": PROVIDERS, "app/script.py": script, "app/awaited.py": awaited, "app/twin.py": sync_twin},
    )
    ran = subprocess.run(
        [sys.executable, "-c", "import app.script"], cwd=root, capture_output=True, text=True, check=False
    )
    assert "TypeError: 'async_generator' object is not an iterator" in ran.stderr, ran.stderr
    assert findings_in(root, "app/script.py", "ASA202") == []
    assert [finding.line for finding in findings_in(root, "app/awaited.py", "ASA202")] == [6]
    assert [finding.line for finding in findings_in(root, "app/twin.py", "ASA202")] == [3]


#: Models whose methods use the session their object belongs to, or not.
LOADED_MODELS = """\
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncAttrs, async_object_session
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(AsyncAttrs, DeclarativeBase):
    pass


class Shelf(Base):
    __tablename__ = "shelves"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[list["Book"]] = relationship()
    eager_books: Mapped[list["Book"]] = relationship(lazy="selectin", viewonly=True)

    async def summary(self, with_books: bool = False) -> dict:
        return {"id": self.id, "books": await self._count() if with_books else 0}

    async def _count(self) -> int:
        session = async_object_session(self)
        return len((await session.scalars(select(Book).where(Book.shelf_id == self.id))).all())

    async def titles(self) -> list[str]:
        return [book.title for book in await self.awaitable_attrs.books]

    async def eager_titles(self) -> list[str]:
        return [book.title for book in await self.awaitable_attrs.eager_books]


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]
    shelf_id: Mapped[int] = mapped_column(ForeignKey("shelves.id"))

    async def summary(self, short: bool = True) -> dict:
        return {"id": self.id, "title": self.title}
"""

HELPERS = """\
import asyncio
from collections.abc import Coroutine


async def gather_limited(coros: list[Coroutine], limit: int = 5) -> list:
    semaphore = asyncio.Semaphore(limit)

    async def limited(position: int, coro: Coroutine) -> tuple:
        async with semaphore:
            return position, await coro

    pending = []
    for position, coro in enumerate(coros):
        pending.append(limited(position, coro))
    return [result for _, result in sorted(await asyncio.gather(*pending))]


async def gather_all(coros: list[Coroutine]) -> list:
    return await asyncio.gather(*coros)


async def one_by_one(coros: list[Coroutine]) -> list:
    return [await coro for coro in coros]
"""


def test_methods_of_objects_one_query_loaded_share_its_session(tmp_path: Path) -> None:
    source = """\
import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Book, Shelf


async def summaries(session: AsyncSession) -> list[dict]:
    shelves = (await session.execute(select(Shelf))).scalars().all()
    return await asyncio.gather(*[shelf.summary(with_books=True) for shelf in shelves])  # ASA201


async def titles(session: AsyncSession) -> list:
    result = await session.execute(select(Shelf))
    shelves = result.scalars().unique().all()
    await asyncio.gather(*(shelf.titles() for shelf in shelves))  # ASA201
    return await asyncio.gather(*(shelf.eager_titles() for shelf in shelves))


async def books(session: AsyncSession) -> list[dict]:
    found = await session.scalars(select(Book))
    return await asyncio.gather(*(book.summary(short=False) for book in found))


async def rows(session: AsyncSession) -> list[dict]:
    result = await session.execute(select(Shelf.id))
    return await asyncio.gather(*(row.summary() for row in result))
"""
    assert _lines(tmp_path, source, others={"app/models.py": LOADED_MODELS}) == expected_lines(source, "ASA201")


#: A model whose method runs statements on its session only under tests of its parameters: a
#: copy of a list (`selected`), a loop over one, a flag, and a copy the method grows itself.
GUARDED_MODELS = """\
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncAttrs, async_object_session
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(AsyncAttrs, DeclarativeBase):
    pass


class Shelf(Base):
    __tablename__ = "shelves"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: Mapped[list["Book"]] = relationship()

    async def describe(self, include: list[str] | None = None, relations: tuple[str, ...] = ()) -> dict:
        selected = set(include) if include else set()
        count = self._count() if "count" in selected else self._zero()
        found = {}
        for name in relations:
            if name == "books":
                found[name] = len(await self.awaitable_attrs.books)
        return {"id": self.id, "count": await count, **found}

    async def grown(self, include: list[str] | None = None) -> int:
        selected = set(include) if include else set()
        selected.add("count")
        return await self._count() if "count" in selected else 0

    async def summary(self, with_books: bool = False) -> dict:
        return {"books": await self._count() if with_books else 0}

    async def _count(self) -> int:
        session = async_object_session(self)
        return len((await session.scalars(select(Book).where(Book.shelf_id == self.id))).all())

    async def _zero(self) -> int:
        return 0


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("shelves.id"))
"""


def test_a_method_that_uses_the_session_only_under_a_test_the_call_settles_otherwise(tmp_path: Path) -> None:
    """`shelf.describe(include=[])` never reaches the statement the method runs under
    `"count" in selected`, nor the load in its loop over `relations` (empty by default)."""
    source = """\
import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Shelf


async def plain(session: AsyncSession) -> list[dict]:
    shelves = (await session.scalars(select(Shelf))).all()
    await asyncio.gather(*[shelf.describe() for shelf in shelves])
    await asyncio.gather(*[shelf.describe(include=[], relations=()) for shelf in shelves])
    await asyncio.gather(*[shelf.describe(include=None) for shelf in shelves])
    return await asyncio.gather(*[shelf.summary(with_books=False) for shelf in shelves])


async def counted(session: AsyncSession, include: list[str]) -> list[dict]:
    shelves = (await session.scalars(select(Shelf))).all()
    await asyncio.gather(*[shelf.describe(include=["count"]) for shelf in shelves])  # ASA201
    await asyncio.gather(*[shelf.describe(relations=("books",)) for shelf in shelves])  # ASA201
    await asyncio.gather(*[shelf.describe(include=include) for shelf in shelves])  # ASA201
    await asyncio.gather(*[shelf.grown() for shelf in shelves])  # ASA201
    return await asyncio.gather(*[shelf.summary(with_books=True) for shelf in shelves])  # ASA201
"""
    assert _lines(tmp_path, source, others={"app/models.py": GUARDED_MODELS}) == expected_lines(source, "ASA201")


def test_a_method_of_an_object_holding_the_session_used_only_under_a_settled_test(tmp_path: Path) -> None:
    """`self.load(key)` reaches `self.session` only under `if fresh:` (or `if "rows" in with_`):
    calls that leave `fresh` False, or pass `with_=()`, run no statement on it."""
    source = """\
import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession


class Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def load(self, key: int, fresh: bool = False, with_: tuple[str, ...] = ()) -> int:
        if fresh:
            await self.session.execute(text("select 1"))
        rows = self._rows() if "rows" in with_ else self._none()
        return key, await rows

    async def _rows(self) -> list:
        return list(await self.session.execute(text("select 2")))

    async def _none(self) -> None:
        return None

    async def cached(self, keys: list[int], fresh: bool) -> None:
        await asyncio.gather(*(self.load(key) for key in keys))
        await asyncio.gather(*(self.load(key, fresh=False, with_=()) for key in keys))
        await asyncio.gather(*(self.load(key, False) for key in keys))
        await asyncio.gather(*(self.load(key, fresh=True) for key in keys))  # ASA201
        await asyncio.gather(*(self.load(key, True) for key in keys))  # ASA201
        await asyncio.gather(*(self.load(key, fresh=fresh) for key in keys))  # ASA201
        await asyncio.gather(*(self.load(key, with_=("rows",)) for key in keys))  # ASA201
"""
    assert _lines(tmp_path, source) == expected_lines(source, "ASA201")


def test_a_project_helper_that_gathers_its_coroutines_runs_them_at_once(tmp_path: Path) -> None:
    source = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.helpers import gather_all, gather_limited, one_by_one
from app.models import Shelf


async def limited(session: AsyncSession) -> list[dict]:
    shelves = (await session.scalars(select(Shelf))).all()
    return await gather_limited([shelf.summary(with_books=True) for shelf in shelves])  # ASA201


async def loads(session: AsyncSession, ids: list[int]) -> list:
    return await gather_all(coros=[session.get(Shelf, i) for i in ids])  # ASA201


async def in_turn(session: AsyncSession, ids: list[int]) -> list:
    return await one_by_one([session.get(Shelf, i) for i in ids])
"""
    others = {"app/models.py": LOADED_MODELS, "app/helpers.py": HELPERS}
    lines = _lines(tmp_path, source, others=others)
    assert lines == expected_lines(source, "ASA201")
    root = tmp_path / "project"
    (finding, _) = findings_in(root, "app/service.py", "ASA201")
    assert "every awaitable of gather_limited()" in finding.message
    assert "through `summary()` of the objects it loaded" in finding.message


def test_a_method_of_a_held_wrapper_counts_only_when_it_uses_the_session(tmp_path: Path) -> None:
    """`client.adapter.cancel()` where `Client.__init__` built `self.adapter = Adapter(session)`:
    the session reaches the task only when the method (or a method it calls) waits on what the
    wrapper keeps. An adapter that drops the session, or a method that never touches it, shares
    nothing; a method of a class the index does not know still counts."""
    source = """\
import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from somewhere import Unknown


class Dropping:
    def __init__(self, session: AsyncSession) -> None:
        self.ready = True

    async def cancel(self) -> bool:
        return False


class Keeping:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def cancel(self) -> bool:
        return False

    async def load(self) -> int:
        return await self._count()

    async def _count(self) -> int:
        return (await self.session.execute(text("select 1"))).scalar_one()


class Client:
    def __init__(self, session: AsyncSession) -> None:
        self.dropping = Dropping(session)
        self.keeping = Keeping(session)
        self.unknown = Unknown(session)


async def consume(client: Client, events: list[str]) -> None:
    await asyncio.gather(*(client.dropping.cancel() for _ in events))
    await asyncio.gather(*(client.keeping.cancel() for _ in events))
    await asyncio.gather(*(client.keeping.load() for _ in events))  # ASA201
    await asyncio.gather(*(client.unknown.load() for _ in events))  # ASA201
"""
    assert _lines(tmp_path, source) == expected_lines(source, "ASA201")
