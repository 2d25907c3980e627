"""Rules 2xx: one session per task, never shared by concurrent coroutines or kept for reuse.

ASA201 reads the task spawns the facts record per function; ASA202 the values kept at module level.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from alchemy_lint.facts.model import FunctionFacts, Origin, OriginKind, SessionRef, SpawnedWork, TaskSpawn
from alchemy_lint.names import Api
from alchemy_lint.project import ValueKind
from alchemy_lint.rules.base import Example, FileContext, Finding, Rule

ASYNC_DOCS = "https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html"
SESSION_BASICS = "https://docs.sqlalchemy.org/en/20/orm/session_basics.html"

_RACE = (
    "Sharing one session in `asyncio.gather` is a race: it fails often, not always. Measured with "
    "SQLAlchemy 2.1 and aiosqlite over 500 runs per case (tests/test_concurrency_runtime.py re-checks "
    "each case in 20 runs and asserts at least one failure, never a timing): tasks that add an object "
    "and flush on one shared session raise `InvalidRequestError: Session is already flushing` in 500 of "
    "500 runs with 2 tasks and with 10; tasks that only read fail in 500 of 500 runs when the session "
    "has to open a new connection (`NullPool`): one raises `InvalidRequestError: This session is "
    "provisioning a new connection; concurrent operations are not permitted`, and closing the session "
    "then raises `IllegalStateChangeError` and leaks the connections the other tasks were opening. "
    "Reads did not fail in any of 500 runs when an idle pooled connection was ready, because "
    'aiosqlite runs every statement in turn on one thread; on asyncpg the same reads raise "another '
    'operation is in progress" (RULES.md). The same writes with one session per task from the '
    "factory ran clean in 500 of 500 runs."
)


def _fix_hint(context: FileContext) -> str:
    index = context.index
    if index.session_helper() is not None:
        return f"async with {index.settings.session_helper}() as session inside each task"
    published = [site.call.assigned_to for site in index.factory_sites if site.call.assigned_to]
    if published:
        return f"async with {published[0].rsplit('.', 1)[-1]}() as session inside each task"
    return "async with the session factory inside each task, or pass the factory instead of the session"


@dataclass(slots=True)
class _Sessions:
    """Which candidate references are sessions, asked once per function."""

    context: FileContext
    known: dict[SessionRef, bool] = field(default_factory=dict)

    def __call__(self, ref: SessionRef) -> bool:
        found = self.known.get(ref)
        if found is None:
            index = self.context.index
            found = index.is_session(ref)
            annotated = [origin for origin in ref.origins if origin.kind is OriginKind.ANNOTATION and not origin.steps]
            if found and len(annotated) > 1:
                # A union annotation is evidence only when every member is a session class.
                found = all(index.value_kind(origin) is ValueKind.SESSION for origin in annotated)
            self.known[ref] = found
        return found


def _session_works(work: tuple[SpawnedWork, ...], is_session: _Sessions) -> dict[str, list[tuple[SpawnedWork, str]]]:
    """Session text -> the awaitables it reaches, with how it gets there."""
    found: dict[str, list[tuple[SpawnedWork, str]]] = {}
    for item in work:
        seen: set[str] = set()
        for reach in item.reaches:
            if reach.ref.text not in seen and is_session(reach.ref):
                seen.add(reach.ref.text)
                found.setdefault(reach.ref.text, []).append((item, reach.how))
    return found


def _how(ways: list[str]) -> str:
    """How the session gets there, when it is not simply passed as an argument."""
    shown = []
    for way in sorted(set(ways)):
        if way == "method call":
            shown.append("by a method call on it")
        elif way.startswith("wrapper "):
            shown.append(f"through `{way.removeprefix('wrapper ')}`, built from it")
    return f" ({'; '.join(shown)})" if shown else ""


# -- ASA201 -------------------------------------------------------------------


def check_session_shared(rule: Rule, context: FileContext) -> Iterator[Finding]:
    fix = _fix_hint(context)
    for function in context.facts.functions:
        if not function.task_spawns:
            continue
        is_session = _Sessions(context)
        for spawn in function.task_spawns:
            details = _detached(spawn, function, is_session) if spawn.detached else _gathered(spawn, is_session)
            for session, detail in details:
                yield rule.report(context, spawn.line, spawn.col, session=session, detail=detail, fix=fix)


def _gathered(spawn: TaskSpawn, is_session: _Sessions) -> Iterator[tuple[str, str]]:
    for session, hits in _session_works(spawn.work, is_session).items():
        how = _how([way for _, way in hits])
        many = next((item for item, _ in hits if item.many), None)
        if many is not None:
            yield session, f"it reaches every awaitable of {spawn.entry}() built by `{many.text}`{how}"
        elif len(hits) >= 2:
            shown = ", ".join(f"`{item.text}`" for item, _ in hits[:3])
            yield session, f"it reaches {len(hits)} awaitables of {spawn.entry}(): {shown}{how}"


def _detached(spawn: TaskSpawn, function: FunctionFacts, is_session: _Sessions) -> Iterator[tuple[str, str]]:
    for session, hits in _session_works(spawn.work, is_session).items():
        how = _how([way for _, way in hits])
        if any(item.many for item, _ in hits):
            yield session, f"{spawn.entry}() in a loop starts one task per iteration with it{how}"
            continue
        others = [
            other.line
            for other in function.task_spawns
            if other.line in spawn.racing_spawns and session in _session_works(other.work, is_session)
        ]
        if others:
            yield session, f"the task of {spawn.entry}() runs with it beside the task started at line {others[0]}{how}"
            continue
        uses = [use.line for use in spawn.racing_uses if use.ref.text == session and is_session(use.ref)]
        if uses:
            yield (
                session,
                (
                    f"the task of {spawn.entry}() runs with it while this function goes on using it "
                    f"at line {uses[0]}{how}"
                ),
            )


SESSION_SHARED_ACROSS_TASKS = Rule(
    code="ASA201",
    name="session-shared-across-tasks",
    summary="One session reaches two or more awaitables that run concurrently.",
    message="session `{session}` is shared by concurrent work: {detail}; an AsyncSession runs one operation "
    "at a time, so give each task its own session ({fix})",
    rationale=(
        "An `AsyncSession` is a stateful, single-task object: one transaction, one connection, one "
        "identity map, one flush at a time. `asyncio.gather`, `asyncio.wait`, `asyncio.as_completed`, "
        "`asyncio.create_task`/`ensure_future`, `TaskGroup.create_task` and anyio's `start_soon`/`start` "
        "interleave the awaitables they get at every `await`, so two of them on one session interleave "
        "flushes, queries and commits on one connection. The session reaches an awaitable by a method "
        "call on it (`s.execute(...)`), by being passed positionally or by keyword, through a "
        "comprehension or starred generator (`gather(*(load(s, i) for i in ids))`), through an "
        "attribute path (`self.session`, `uow.session`) or through a wrapper built from it in the same "
        "function (`repo = Repo(s)`). A task started with `create_task` is concurrent with the code that "
        "started it until it is awaited, so the spawner's own use of the session in that window counts. "
        "Only sessions with evidence count (an annotation, a factory, the session helper, `self.x` set "
        "from one): aiohttp's `ClientSession` and httpx's `AsyncClient` stay silent, and so do tasks that "
        "each open their own session or receive the factory."
    ),
    check=check_session_shared,
    runtime=_RACE,
    valid=(
        Example(
            """\
import asyncio

from app.db import SessionLocal
from app.models import User


async def load_user(user_id: int) -> User | None:
    async with SessionLocal() as session:
        return await session.get(User, user_id)


async def load_users(ids: list[int]) -> list[User | None]:
    return await asyncio.gather(*(load_user(i) for i in ids))
""",
            others=(
                (
                    "app/db.py",
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    'engine = create_async_engine("sqlite+aiosqlite://")\n'
                    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n",
                ),
            ),
        ),
        Example(
            """\
import asyncio

from sqlalchemy.ext.asyncio import async_sessionmaker


async def count(factory: async_sessionmaker, table: str) -> int:
    async with factory() as session:
        return len((await session.execute(table)).all())


async def counts(factory: async_sessionmaker) -> list[int]:
    return await asyncio.gather(count(factory, "users"), count(factory, "orders"))
"""
        ),
        Example(
            """\
import asyncio

import aiohttp


async def fetch_all(urls: list[str]) -> list[bytes]:
    async with aiohttp.ClientSession() as session:
        first, second = await asyncio.gather(session.get(urls[0]), session.get(urls[1]))
        return await asyncio.gather(*(session.get(url) for url in urls))
"""
        ),
        Example(
            """\
import asyncio

import httpx


async def ping(client: httpx.AsyncClient, session: httpx.AsyncClient) -> None:
    await asyncio.gather(client.get("/a"), client.get("/b"))
    await asyncio.gather(session.get("/a"), session.get("/b"))
"""
        ),
        Example(
            """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def report(session: AsyncSession) -> None:
    users = await session.execute("select 1")
    orders = await session.execute("select 2")
    task = asyncio.create_task(session.execute("select 3"))
    await task
    await session.commit()
    await asyncio.gather(session.execute("select 4"))
"""
        ),
        Example(
            """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal


async def refresh(session: AsyncSession, ids: list[int]) -> None:
    async with asyncio.TaskGroup() as tg:
        for user_id in ids:
            async with SessionLocal() as own:
                tg.create_task(own.execute("select 1"))
    sessions = [SessionLocal() for _ in ids]
    await asyncio.gather(*(s.execute("select 1") for s in sessions))
    await session.commit()
""",
            others=(
                (
                    "app/db.py",
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    'engine = create_async_engine("sqlite+aiosqlite://")\n'
                    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n",
                ),
            ),
        ),
    ),
    invalid=(
        Example(
            """\
import asyncio

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


async def dashboard(session: AsyncSession) -> tuple[object, object]:
    return await asyncio.gather(  # ASA201
        session.execute(select(1)),
        session.scalars(select(2)),
    )
"""
        ),
        Example(
            """\
import asyncio

from app.db import get_a_session


async def load(session, user_id: int) -> None: ...


async def load_many(ids: list[int]) -> None:
    async with get_a_session() as session:
        await asyncio.gather(load(session, 1), load(db=session, user_id=2))  # ASA201
        await asyncio.gather(*(load(session, i) for i in ids))  # ASA201
        await asyncio.gather(*[load(session, i) for i in ids])  # ASA201
""",
            others=(
                (
                    "app/db.py",
                    "from contextlib import asynccontextmanager\n"
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    'engine = create_async_engine("sqlite+aiosqlite://")\n'
                    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n\n"
                    "@asynccontextmanager\n"
                    "async def get_a_session():\n"
                    "    async with SessionLocal() as session:\n"
                    "        yield session\n",
                ),
            ),
        ),
        Example(
            """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


class Repo:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def users(self) -> list[object]: ...

    async def orders(self) -> list[object]: ...

    async def both(self) -> None:
        await asyncio.gather(self.session.get(object, 1), self.session.get(object, 2))  # ASA201


async def overview(session: AsyncSession) -> None:
    repo = Repo(session)
    await asyncio.gather(repo.users(), repo.orders())  # ASA201
"""
        ),
        Example(
            """\
import asyncio
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession


class UnitOfWork:
    session: "AsyncSession"


async def audit(uow: UnitOfWork, ids: list[int]) -> None:
    done, pending = await asyncio.wait([uow.session.get(object, 1), uow.session.get(object, 2)])  # ASA201
    for finished in asyncio.as_completed([uow.session.refresh(i) for i in ids]):  # ASA201
        await finished
"""
        ),
        Example(
            """\
import asyncio
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession


async def get_db(): ...


async def handler(session: Annotated[AsyncSession, Depends(get_db)]) -> None:
    task = asyncio.create_task(session.execute("select 1"))  # ASA201
    session.add(object())
    await session.flush()
    await task
    future = asyncio.ensure_future(session.execute("select 2"))  # ASA201
    other = asyncio.ensure_future(session.execute("select 3"))
    await asyncio.gather(future, other)
"""
        ),
        Example(
            """\
import asyncio

import anyio
from sqlalchemy.ext.asyncio import AsyncSession


async def touch(session: AsyncSession, user_id: int) -> None: ...


async def sync_users(session: AsyncSession, ids: list[int]) -> None:
    async with asyncio.TaskGroup() as tg:
        for user_id in ids:
            tg.create_task(touch(session, user_id))  # ASA201
    tasks = []
    for user_id in ids:
        tasks.append(asyncio.create_task(touch(session, user_id)))  # ASA201
    await asyncio.gather(*tasks)
    async with anyio.create_task_group() as group:
        group.start_soon(touch, session, 1)  # ASA201
        group.start_soon(touch, session, 2)
    async with anyio.create_task_group() as group:
        await group.start(touch, session, 3)  # ASA201
        await session.commit()
"""
        ),
        Example(
            """\
import asyncio

from app.db import Session, SessionLocal


async def refresh_all(ids: list[int]) -> None:
    async with SessionLocal.begin() as session:
        loop = asyncio.get_running_loop()
        first = loop.create_task(session.get(object, ids[0]))  # ASA201
        second = loop.create_task(session.get(object, ids[1]))
        await asyncio.wait([first, second])


async def audit(session: Session) -> None:
    await asyncio.gather(session.flush(), session.commit())  # ASA201
""",
            others=(
                (
                    "app/db.py",
                    "from sqlalchemy.ext.asyncio import AsyncSession as Session\n"
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    'engine = create_async_engine("sqlite+aiosqlite://")\n'
                    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n",
                ),
            ),
        ),
    ),
    references=(
        f"{ASYNC_DOCS}#using-asyncio-scoped-session",
        f"{SESSION_BASICS}#is-the-session-thread-safe-is-asyncsession-safe-to-share-in-concurrent-tasks",
    ),
)


# -- ASA202 -------------------------------------------------------------------


def check_module_level_session(rule: Rule, context: FileContext) -> Iterator[Finding]:
    index = context.index
    facts = context.facts
    if not index.uses_asyncio:
        return
    # A sync script's module-level session serves one run; coroutines in the module would share it.
    async_module = facts.uses_asyncio or any(function.is_async for function in facts.functions)
    fix = _fix_hint(context).replace(" inside each task", " per request or task")
    for stored in facts.stored_values:
        if ValueKind.SESSION not in index.kinds(stored.origins):
            continue
        if async_module or _is_async_session(context, stored.origins):
            yield rule.report(context, stored.line, stored.col, name=stored.name, where=stored.where, fix=fix)


def _is_async_session(context: FileContext, origins: tuple[Origin, ...]) -> bool:
    """`AsyncSession(...)`, or a call of a factory the index knows to make async sessions."""
    index = context.index
    for origin in origins:
        if origin.kind is not OriginKind.NAME or origin.steps not in (("()",), ("begin",)):
            continue
        name = index.canonical(origin.name)
        if index.api(name) is Api.ASYNC_SESSION:
            return True
        if any(
            site.call.assigned_to == name and index.is_async_factory_call(site.call) for site in index.factory_sites
        ):
            return True
    return False


MODULE_LEVEL_SESSION = Rule(
    code="ASA202",
    name="module-level-session",
    summary="A session object is created once and kept at module level or on a class for reuse.",
    message="session `{name}` is created {where} and reused by every request and task: keep only the factory "
    "global and open a session per unit of work ({fix})",
    rationale=(
        "A session kept at module level, on a class, or in a module global through `global` is shared "
        "by every request and task that touches it: concurrent requests interleave on its one "
        "transaction and connection, its identity map grows for the life of the process and serves "
        "stale objects, and one request's failed flush leaves it unusable for all the others. Keep the "
        "factory (`async_sessionmaker`) global, and open one session per request or task. A factory or "
        "`async_scoped_session` kept globally is fine. Applies in projects that use asyncio sessions to "
        "async sessions, and to sync ones in modules with async code; a session made under "
        '`if __name__ == "__main__":` belongs to that one run of a script and stays silent.'
    ),
    check=check_module_level_session,
    runtime=(
        "A kept session used by concurrent requests is one session shared by concurrent tasks, which "
        "fails as ASA201's runtime notes show on aiosqlite (`InvalidRequestError: Session is already "
        'flushing`, "concurrent operations are not permitted"). This rule\'s own pattern is not executed '
        "separately by the test suite."
    ),
    valid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import async_scoped_session, async_sessionmaker, create_async_engine
from asyncio import current_task

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
ScopedSession = async_scoped_session(SessionLocal, scopefunc=current_task)


class UserRepo:
    def __init__(self) -> None:
        self.session = SessionLocal()
""",
            path="app/db.py",
        ),
        Example(
            """\
import aiohttp

http_session = aiohttp.ClientSession()
""",
            path="app/clients.py",
        ),
    ),
    invalid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal, engine

session = SessionLocal()  # ASA202
raw: AsyncSession = AsyncSession(engine)  # ASA202


class UserRepo:
    shared = SessionLocal()  # ASA202

    @classmethod
    def connect(cls) -> None:
        cls.session = SessionLocal()  # ASA202


_cached = None


def cached_session() -> AsyncSession:
    global _cached
    _cached = SessionLocal()  # ASA202
    return _cached
""",
            path="app/repo.py",
            others=(
                (
                    "app/db.py",
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    'engine = create_async_engine("sqlite+aiosqlite://")\n'
                    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n",
                ),
            ),
        ),
    ),
    references=(f"{SESSION_BASICS}#when-do-i-construct-a-session-when-do-i-commit-it-and-when-do-i-close-it",),
)

RULES = (SESSION_SHARED_ACROSS_TASKS, MODULE_LEVEL_SESSION)
