"""Rules 2xx: one session per task, never shared by concurrent coroutines or kept for reuse.

ASA201 reads the task spawns the facts record per function; ASA202 the values kept at module level.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field, replace

from alchemy_lint.facts.model import FunctionFacts, SpawnedWork, StoredValue, TaskSpawn
from alchemy_lint.facts.values import Reach, ReachKind, ValueRef
from alchemy_lint.findings import Finding
from alchemy_lint.index import Evidence, ProjectAnalysis, ProjectIndex, Value, ValueKind
from alchemy_lint.index.runonce import SERVING
from alchemy_lint.records import record
from alchemy_lint.rules.base import Example, FileContext, Rule
from alchemy_lint.rules.scaffolding import DB_MODULE

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
    "factory ran clean in 500 of 500 runs. `session.delete()` of objects whose model loads nothing on "
    "the delete cascade runs no statement under `asyncio.gather` and raises nothing; along "
    '`cascade="all, delete-orphan"` each delete loads the collection first, and on a session that '
    "has to open its connection one of them raises the same `concurrent operations are not "
    "permitted` (both re-checked by tests/test_concurrency_runtime.py)."
)


#: Two models for the examples of `session.delete()` under `asyncio.gather`: a tag whose notes
#: stay behind, and a folder whose files go with it.
DELETE_MODELS = """\
import asyncio

from sqlalchemy import ForeignKey
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)
    notes: Mapped[list["Note"]] = relationship(back_populates="tag")


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    tag_id: Mapped[int | None] = mapped_column(ForeignKey("tags.id"))
    tag: Mapped[Tag | None] = relationship(back_populates="notes")


class Folder(Base):
    __tablename__ = "folders"
    id: Mapped[int] = mapped_column(primary_key=True)
    files: Mapped[list["File"]] = relationship(cascade="all, delete-orphan")


class File(Base):
    __tablename__ = "files"
    id: Mapped[int] = mapped_column(primary_key=True)
    folder_id: Mapped[int] = mapped_column(ForeignKey("folders.id"))
"""


RETURNED_MODELS = """\
import asyncio

from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession, async_object_session
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Crate(Base):
    __tablename__ = "crates"
    id: Mapped[int] = mapped_column(primary_key=True)

    @classmethod
    async def list_all(cls, *, db: AsyncSession) -> list["Crate"]:
        return list((await db.scalars(select(cls).order_by(cls.id))).all())

    async def item_count(self) -> int:
        session = async_object_session(self)
        return len((await session.scalars(select(Item).where(Item.crate_id == self.id))).all())


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    crate_id: Mapped[int] = mapped_column(ForeignKey("crates.id"))
"""


def _fix_hint(context: FileContext) -> str:
    index = context.index
    if index.session_helper() is not None:
        return f"async with {index.settings.session_helper}() as session inside each task"
    # (A test suite's factory is no advice for application code, nor is a factory of sync sessions
    # for the asyncio sessions the rule is about.)
    published = [site.call.assigned_to for site in index.application_factories(asyncio=True) if site.call.assigned_to]
    if published:
        return f"async with {published[0].rsplit('.', 1)[-1]}() as session inside each task"
    return "async with the session factory inside each task, or pass the factory instead of the session"


@record
class _Shared:
    """One session or connection and the pieces of work it reaches, with how it gets there."""

    text: str
    value: Value | None
    hits: list[tuple[SpawnedWork, ReachKind, str]] = field(default_factory=list)


@dataclass(slots=True, eq=False, repr=False)
class _Sessions:
    """The sessions and connections that reach each piece of work, asked once per function."""

    context: FileContext
    function: FunctionFacts

    def shared(self, work: tuple[SpawnedWork, ...]) -> dict[str, _Shared]:
        """Identity -> the session and the awaitables it reaches."""
        found: dict[str, _Shared] = {}
        for item in work:
            seen: set[str] = set()
            for reach in item.reaches:
                for identity, ref, value in self._reached(reach):
                    if identity in seen or (ref is reach.ref and self._never_waits(reach)):
                        continue
                    seen.add(identity)
                    shared = found.setdefault(identity, _Shared(_display(reach, ref), value))
                    # A method call names its method only when the method brings the session
                    # (`self.load(i)` using `self.session`), not for `session.execute(...)`.
                    via = reach.via if reach.how is not ReachKind.METHOD_CALL or ref is not reach.ref else ""
                    shared.hits.append((item, reach.how, via))
        return found

    def _never_waits(self, reach: Reach) -> bool:
        """The work never waits on the session, so it cannot interleave with other work on it:
        `session.delete(obj)` when nothing on obj's delete cascade loads (the coroutine ends
        without yielding), or a project coroutine that only adds objects to the session it is
        handed (itself and in the calls it hands it to)."""
        index = self.context.index
        if reach.how is ReachKind.LOADED:
            return not index.values.loaded_objects_wait(reach.via, reach.keywords, reach.arguments)
        if reach.how is ReachKind.ARGUMENT and reach.callee:
            return not index.summaries.waits.call(index.summaries, reach.callee, reach.argument)
        if reach.how is not ReachKind.METHOD_CALL or reach.via != "delete" or reach.operand is None:
            return False
        deleted = index.values.of(reach.operand.origins)
        if deleted.kind is not ValueKind.MODEL_OBJECT or deleted.cls is None:
            return False
        return index.delete_cascade_load(deleted.cls) is None

    def _reached(self, reach: Reach) -> list[tuple[str, ValueRef, Value | None]]:
        values = self.context.index.values
        found: list[tuple[str, ValueRef, Value | None]] = list(values.sessions_reached(reach, self.function.qualname))
        if found:
            return found
        identity = f"{self.function.qualname}:{reach.ref.text}"
        if values.runs_statements_here(self.function, reach.ref.text):
            # No origin says what it is, but the function runs statements on it: a session or a
            # connection either way.
            found.append((identity, reach.ref, None))
        else:
            callee = self._runs_in_callee(reach)
            if callee is not None:
                evidence = Evidence(f"(which {callee}() runs SQLAlchemy statements on)")
                found.append((identity, reach.ref, Value(ValueKind.UNKNOWN, evidence=evidence)))
        return found

    def _runs_in_callee(self, reach: Reach) -> str | None:
        """The name of the project coroutine the value is handed to whole, when it runs
        statements on it (itself or in a call it hands it on to) and no origin says the value is
        anything else (an HTTP client, a project object, an instance of a library's class)."""
        if reach.how is not ReachKind.ARGUMENT or not reach.callee or reach.ref.holds:
            return None
        index = self.context.index
        summaries = index.summaries
        origins = reach.ref.origins
        if index.values.of(origins).kind is not ValueKind.UNKNOWN or index.values.made_by_a_class(origins):
            return None
        if not summaries.executes.call(summaries, reach.callee, reach.argument):
            return None
        return summaries.callees(reach.callee)[0].qualname.rsplit(".", 1)[-1]

    def uses(self, ref: ValueRef, identity: str) -> bool:
        """Whether a use of `ref` by the spawner touches the session known by `identity`."""
        reach = Reach(ref, ReachKind.ARGUMENT)
        return any(found == identity for found, _, _ in self._reached(reach))


def _display(reach: Reach, ref: ValueRef) -> str:
    if reach.how is ReachKind.LOADED:
        return f"that loaded {ref.text}"
    if ref is reach.ref or (reach.how is ReachKind.METHOD_CALL and reach.via):
        return ref.text
    return f"{reach.ref.text} (holding {ref.text})"


def _how(ways: list[tuple[ReachKind, str]]) -> str:
    """How the session gets there, when it is not simply passed as an argument."""
    shown = []
    for how, via in sorted(set(ways)):
        if how is ReachKind.METHOD_CALL and via:
            shown.append(f"through `{via}()`, a method that uses it")
        elif how is ReachKind.METHOD_CALL:
            shown.append("by a method call on it")
        elif how is ReachKind.WRAPPER:
            shown.append(f"through `{via}`, built from it")
        elif how is ReachKind.CLOSURE:
            shown.append(f"through `{via}`, which uses it")
        elif how is ReachKind.LOADED:
            shown.append(f"through `{via}()` of the objects it loaded, which runs statements on their session")
    return f" ({'; '.join(shown)})" if shown else ""


def _source(shared: _Shared) -> str:
    """Where the session comes from: ` from Depends(get_session) (app/db.py:14)`."""
    if shared.value is None:
        return ", which runs SQLAlchemy statements here,"
    evidence = shared.value.evidence
    return f" {evidence}" if evidence is not None else ""


# -- ASA201 -------------------------------------------------------------------


def check_session_shared(rule: Rule, context: FileContext) -> Iterator[Finding]:
    if context.index.is_test_module(context.path):
        return  # tests share a session on purpose (a single-flight cache, a lock under contention)
    fix = _fix_hint(context)
    for function in context.facts.functions:
        if not function.task_spawns:
            continue
        sessions = _Sessions(context, function)
        tasks = _started_tasks(context, function)
        for spawn in function.task_spawns:
            if spawn.callee and not _runs_at_once(context, spawn):
                continue  # (handed to a function that does not run it beside the caller)
            if spawn.detached:
                details = _detached(spawn, function, sessions, context)
            else:
                details = _gathered(replace(spawn, work=tuple(w for w in spawn.work if w.text not in tasks)), sessions)
            for shared, detail in details:
                yield rule.report(
                    context,
                    spawn.line,
                    spawn.col,
                    session=shared.text,
                    source=_source(shared),
                    detail=detail,
                    fix=fix,
                )


def _gathered(spawn: TaskSpawn, sessions: _Sessions) -> Iterator[tuple[_Shared, str]]:
    for shared in sessions.shared(spawn.work).values():
        hits = shared.hits
        how = _how([(way, via) for _, way, via in hits])
        many = next((item for item, _, _ in hits if item.many), None)
        if many is not None:
            yield shared, f"it reaches every awaitable of {spawn.entry}() built by `{many.text}`{how}"
        elif len(hits) >= 2:
            shown = ", ".join(f"`{item.text}`" for item, _, _ in hits[:3])
            yield shared, f"it reaches {len(hits)} awaitables of {spawn.entry}(): {shown}{how}"


def _started_tasks(context: FileContext, function: FunctionFacts) -> frozenset[str]:
    """The names that keep a task a project helper started (`first = spawn(load(s))`): awaiting
    or gathering them joins that task, which is judged where it starts, and runs nothing more."""
    return frozenset(
        spawn.holder
        for spawn in function.task_spawns
        if spawn.detached and spawn.callee and spawn.holder is not None and _runs_at_once(context, spawn)
    )


def _runs_at_once(context: FileContext, spawn: TaskSpawn) -> bool:
    """A spawn through a project function: a collection it gathers, or what it makes a task of."""
    summaries = context.index.summaries
    if spawn.detached:
        return summaries.starts(spawn.callee, spawn.argument)
    return summaries.gathers(spawn.callee, spawn.argument)


def _detached(
    spawn: TaskSpawn, function: FunctionFacts, sessions: _Sessions, context: FileContext
) -> Iterator[tuple[_Shared, str]]:
    for identity, shared in sessions.shared(spawn.work).items():
        hits = shared.hits
        how = _how([(way, via) for _, way, via in hits])
        if any(item.many for item, _, _ in hits):
            yield shared, f"{spawn.entry}() in a loop starts one task per iteration with it{how}"
            continue
        others = [
            other.line
            for other in function.task_spawns
            if other.line in spawn.racing_spawns
            and (not other.callee or _runs_at_once(context, other))
            and identity in sessions.shared(other.work)
        ]
        if others:
            yield shared, f"the task of {spawn.entry}() runs with it beside the task started at line {others[0]}{how}"
            continue
        uses = [use.line for use in spawn.racing_uses if sessions.uses(use.ref, identity)]
        if uses:
            yield (
                shared,
                (
                    f"the task of {spawn.entry}() runs with it while this function goes on using it "
                    f"at line {uses[0]}{how}"
                ),
            )


SESSION_SHARED_ACROSS_TASKS = Rule(
    code="ASA201",
    name="session-shared-across-tasks",
    summary="One session reaches two or more awaitables that run concurrently.",
    message="session `{session}`{source} is shared by concurrent work: {detail}; an AsyncSession runs one operation "
    "at a time, so give each task its own session ({fix})",
    rationale=(
        "An `AsyncSession` is a stateful, single-task object: one transaction, one connection, one "
        "identity map, one flush at a time. `asyncio.gather`, `asyncio.wait`, `asyncio.as_completed`, "
        "`asyncio.create_task`/`ensure_future`, `TaskGroup.create_task` and anyio's `start_soon`/`start` "
        "interleave the awaitables they get at every `await`, so two of them on one session interleave "
        "flushes, queries and commits on one connection. The session reaches an awaitable by a method "
        "call on it (`s.execute(...)`), by being passed positionally or by keyword, through a "
        "comprehension or starred generator (`gather(*(load(s, i) for i in ids))`), through an "
        "attribute path (`self.session`, `uow.session`), through a wrapper built from it in the same "
        "function (`repo = Repo(s)`), through what holds such coroutines (a dict's `.values()`, "
        "`dict(zip(...))`, `list(...)`, a list grown by `append`, `extend` or `+=`), through "
        "`map(fn, items)` where `fn` brings it (a lambda or nested function that uses it, "
        "`partial(load, s)`, `s.get`), through a callable built from it (`fetch = partial(load, s)`), "
        "or through a method of an object that holds it "
        "(`gather(*(self.load(i) for i in ids))` where `load`, or a subclass's override of it, uses "
        "`self.session`, or awaits a method of a project object the object keeps that waits on its "
        "own session: `await self.categories.fetch(i)` and `await self.suppliers.fetch(i)` in two "
        "methods of a service whose `__init__` built both repositories from one `session` share it; "
        "`client.adapter.cancel()` on an object whose `__init__` built `self.adapter = Adapter(session)` "
        "counts only when the method of the project's `Adapter`, or a method it calls, waits on a session "
        "the adapter keeps, and a method of a class the index does not know counts), "
        "or as an object received whole whose declared class keeps one "
        "(`ctx: Context` passed to each task, with `session: AsyncSession` a field of `Context`), "
        "or through the ORM objects one query of it loaded (`shelf.count()` for each `shelf` of "
        "`(await session.execute(select(Shelf))).scalars().all()`, `session.scalars(...)` or SQLModel's "
        "`session.exec(...)`, or an awaited project call handed it by position or keyword, `shelves = "
        "await Shelf.list_all(db=session)`, or a method of an object built over it, `await "
        "repo.list_all()` on `repo = Repo(session)`, when every `return` of the callee gives objects of a query "
        "of the parameter it lands in) when every mapped class whose method of that name takes the call's "
        "keywords runs statements on the object's own session: it awaits a call on "
        "`async_object_session(self)`/`object_session(self)`, or loads a relationship of itself "
        "declared with a lazy loader through `self.awaitable_attrs` (an eager, `raise` or `noload` "
        "relationship runs nothing), in the method or a method of the same object it calls. "
        "In both kinds of method (of an object that holds the session, of the objects a query "
        "loaded), what the method called does only under a test of its parameters that the call's "
        "arguments (or the defaults it leaves) settle the other way does not count: "
        '`shelf.describe(include=[])` when the method calls `self._count()` only under `"count" in '
        "include` (or in a copy of it, `set(include)`), under `if include:`, in `a() if include "
        "else b()`, or in a loop over `include`; an argument whose value the call does not show "
        "keeps the finding. "
        "Besides asyncio's own calls, a project function runs the coroutines of a collection at once "
        "when it hands them (or a nested coroutine's call that awaits each of them, as a semaphore-"
        "bounded `gather` helper does) to `asyncio.gather`/`wait`/`as_completed`: "
        "`await bounded_gather([load(s, i) for i in ids])` counts, a helper that awaits them in "
        "turn does not. "
        "So does a project function that makes a task of what it is handed: `spawn(load(s))` over a "
        "helper that passes its coroutine to `create_task`/`ensure_future` (or to a task group), and "
        "`timer.start(0.5, load, s)` over one whose task runs a nested coroutine calling "
        "`callback(*args)`, start a task beside the caller, awaited or not; a helper that awaits the "
        "coroutine itself, or makes a task of another of its arguments, does not. "
        "A task started with `create_task` is concurrent with the code that "
        "started it until it is awaited, so the spawner's own use of the session in that window counts "
        "(a method of a list, set or dict built in the function is no use of it, whatever its items hold). "
        "`session.delete(obj)` counts only when it may run a statement: SQLAlchemy loads an unloaded "
        "relationship on delete only along a `cascade` that includes `delete` (`all` does) without "
        "`passive_deletes=True`. When `obj`'s model is known (an annotation `Order`, or an item of a "
        "`list[Order]`/`Sequence[Order]`/`set[Order]`/`tuple[Order, ...]`) and no relationship of it, "
        "of its bases or subclasses, nor a `backref()` towards it, loads on that cascade, the delete "
        "finishes without yielding and cannot interleave; otherwise it counts. "
        "A project coroutine handed the session counts only when it may wait on it: one that uses the "
        "session only through methods that run no statement (`add()`, `add_all()`, "
        "`expunge()`) and by handing it to project calls that do the same, up to 8 calls deep, never "
        "holds an operation of the session across an `await`. Keeping the session (`self.session = "
        "session`), a closure over it, a call the index cannot follow, or any other use counts (so does "
        "the name in the function's comments or strings: uses are counted in its text). "
        "Only sessions with evidence count (an annotation, a factory, the session helper, `self.x` set "
        "from one; or usage: the function calls `execute`/`scalars`/`scalar`/`stream`/`get` on the value "
        "with a SQLAlchemy statement or a model, or, for a value nothing else says anything of (a "
        "library's helper gave it, an untyped parameter), every project coroutine it is handed to whole "
        "does, itself or in a call it hands it on to, up to 8 calls deep): aiohttp's `ClientSession` "
        "and httpx's `AsyncClient` stay silent, and so do tasks that "
        "each open their own session or receive the factory. Test modules (`conftest.py`, `test_*.py`, "
        "`*_test.py`, files under `tests/` or `test/`) share a session across tasks on purpose (to "
        "exercise a single-flight cache or a lock) and are not judged."
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
            title="Each coroutine opens its own session",
            others=(DB_MODULE,),
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
""",
            title="Coroutines that receive the factory and open their own sessions",
        ),
        Example(
            """\
import asyncio

import aiohttp


async def fetch_all(urls: list[str]) -> list[bytes]:
    async with aiohttp.ClientSession() as session:
        first, second = await asyncio.gather(session.get(urls[0]), session.get(urls[1]))
        return await asyncio.gather(*(session.get(url) for url in urls))
""",
            title="An aiohttp `ClientSession`",
        ),
        Example(
            """\
import asyncio

import httpx


async def ping(client: httpx.AsyncClient, session: httpx.AsyncClient) -> None:
    await asyncio.gather(client.get("/a"), client.get("/b"))
    await asyncio.gather(session.get("/a"), session.get("/b"))
""",
            title="httpx clients named `session`",
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
""",
            title="A task awaited before the session is used again",
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
            title="Each task of a TaskGroup with its own session",
            others=(DB_MODULE,),
        ),
        Example(
            """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


async def test_concurrent_reads_share_one_query(session: AsyncSession) -> None:
    rows = await asyncio.gather(*(session.get(object, 1) for _ in range(5)))
    assert len(rows) == 5
""",
            title="A test that shares a session across tasks on purpose",
            path="tests/test_cache.py",
        ),
        Example(
            DELETE_MODELS
            + """

async def remove_tags(session: AsyncSession, tags: list[Tag]) -> None:
    await asyncio.gather(*[session.delete(tag) for tag in tags])
""",
            title="`session.delete()` under `asyncio.gather` where nothing on the delete cascade loads",
        ),
        Example(
            """\
import asyncio

from sqlalchemy import Integer, String
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Invitation(Base):
    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    email: Mapped[str] = mapped_column(String)


async def record_invitation(session: AsyncSession, email: str) -> None:
    session.add(Invitation(email=email))


async def invite(session: AsyncSession, email: str) -> None:
    await asyncio.sleep(0)  # sending the e-mail
    await record_invitation(session, email)


async def invite_all(session: AsyncSession, emails: list[str]) -> None:
    await asyncio.gather(*(invite(session, email) for email in emails))
    await session.commit()
""",
            title="Coroutines that only add objects to the session they are handed, under `asyncio.gather`",
        ),
        Example(
            RETURNED_MODELS
            + """

async def count_items(session: AsyncSession) -> list[int]:
    crates = await Crate.list_all(db=session)
    await session.commit()
    return [await crate.item_count() for crate in crates]
""",
            title="Objects a project call returned from the session it was handed, their methods awaited in turn",
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
""",
            title="Two statements of one session under `asyncio.gather`",
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
            title="One session passed to two coroutines, by position and by keyword",
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
from functools import partial

from sqlalchemy.ext.asyncio import AsyncSession


async def load(session: AsyncSession, key: int) -> object:
    return await session.get(object, key)


async def load_all(session: AsyncSession, keys: list[int]) -> None:
    by_key = {key: load(session, key) for key in keys}
    await asyncio.gather(*by_key.values())  # ASA201
    await asyncio.gather(*map(partial(load, session), keys))  # ASA201
    await asyncio.gather(*map(lambda key: load(session, key), keys))  # ASA201
    pending = []
    pending.extend(load(session, key) for key in keys)
    await asyncio.gather(*pending)  # ASA201
""",
            title="One session in every coroutine of a dict, a `map()` or a list extended in turn",
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
""",
            title="One session reaching two coroutines through a repository built from it",
        ),
        Example(
            """\
import asyncio

from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def find(self, user_id: int) -> User | None:
        return await self.session.get(User, user_id)


class Dashboard:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.users = UserRepository(session)

    async def owner(self, user_id: int) -> User | None:
        return await self.users.find(user_id)

    async def orders(self, user_id: int) -> list[Order]:
        return list(await self.session.scalars(select(Order).where(Order.user_id == user_id)))

    async def load(self, user_id: int) -> None:
        await asyncio.gather(self.owner(user_id), self.orders(user_id))  # ASA201


async def dashboard(factory: async_sessionmaker[AsyncSession], user_id: int) -> None:
    async with factory() as session:
        await Dashboard(session).load(user_id)
""",
            title="`self.session` and a repository the object built from it, used in one `gather`",
        ),
        Example(
            """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession


class Importer:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def run(self, batch: int) -> None:
        await self.session.execute("select 1")


async def import_all(session: AsyncSession, batches: int) -> None:
    importers = [Importer(session) for _ in range(batches)]
    await asyncio.gather(*[importer.run(n) for n, importer in enumerate(importers)])  # ASA201
    first, second = Importer(session), Importer(session)
    await asyncio.gather(first.run(0), second.run(1))  # ASA201
""",
            title="Wrappers of one session kept in a list or unpacked, their methods gathered",
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
""",
            title="A unit of work's session under `asyncio.wait`",
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
""",
            title="A task on the session while the handler goes on using it",
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
""",
            title="`TaskGroup.create_task` in a loop, over one session",
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
            title="Two `loop.create_task` tasks on one session",
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
        Example(
            DELETE_MODELS
            + """

async def remove_folders(session: AsyncSession, folders: list[Folder]) -> None:
    await asyncio.gather(*[session.delete(folder) for folder in folders])  # ASA201
""",
            title="`session.delete()` under `asyncio.gather` of objects whose delete cascade loads a relationship",
        ),
        Example(
            RETURNED_MODELS
            + """

async def count_items(session: AsyncSession) -> list[int]:
    crates = await Crate.list_all(db=session)
    await session.commit()
    return await asyncio.gather(*[crate.item_count() for crate in crates])  # ASA201
""",
            title="Objects a project call returned from the session it was handed, their methods gathered",
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
        if not _kept_for_every_request(index, stored):
            continue
        value = index.values.of(stored.origins)
        if not value.is_session:
            continue
        if async_module or value.is_async:
            yield rule.report(context, stored.line, stored.col, name=stored.name, where=stored.where, fix=fix)


def _kept_for_every_request(index: ProjectIndex, stored: StoredValue) -> bool:
    """A stored value outlives one run: state of a lifespan or application factory (not a
    middleware's request state), or a global that a script's own run did not set."""
    contexts = index.run_once.contexts(stored.function)
    if stored.on_state:
        return bool(contexts & SERVING)
    return stored.function is None or not contexts or bool(contexts & SERVING)


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
        "`async_scoped_session` kept globally is fine. A session kept on application state by a "
        "lifespan, a startup handler or an application factory is shared the same way; one kept on a "
        "request's state by a middleware is not. Applies in projects that use asyncio sessions to "
        "async sessions, and to sync ones in modules with async code; a session made under "
        '`if __name__ == "__main__":`, or kept by code that only a script\'s run reaches (its `main()` '
        "under `asyncio.run`, a command), belongs to that one run and stays silent."
    ),
    check=check_module_level_session,
    analyses=frozenset({ProjectAnalysis.RUN_ONCE}),
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
            title="A factory and an `async_scoped_session` at module level; a session per instance",
            path="app/db.py",
        ),
        Example(
            """\
import aiohttp

http_session = aiohttp.ClientSession()
""",
            title="An aiohttp session at module level",
            path="app/clients.py",
        ),
        Example(
            """\
from starlette.middleware.base import BaseHTTPMiddleware

from app.db import SessionLocal


class SessionMiddleware(BaseHTTPMiddleware):
    async def dispatch(self, request, call_next):
        request.state.session = SessionLocal()
        try:
            return await call_next(request)
        finally:
            await request.state.session.close()
""",
            title="A session per request on `request.state`, in a middleware",
            path="app/middleware.py",
            others=(DB_MODULE,),
        ),
        Example(
            """\
import asyncio

from app.db import SessionLocal

session = None


async def main() -> None:
    global session
    session = SessionLocal()
    await session.close()


if __name__ == "__main__":
    asyncio.run(main())
""",
            title="A session kept in a global by a script's own run",
            path="scripts/cleanup.py",
            others=(DB_MODULE,),
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
            title="A session kept at module level, on a class, and in a global",
            path="app/repo.py",
            others=(DB_MODULE,),
        ),
        Example(
            """\
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.db import SessionLocal


@asynccontextmanager
async def lifespan(app: FastAPI):
    app.state.session = SessionLocal()  # ASA202
    yield
    await app.state.session.close()


app = FastAPI(lifespan=lifespan)
""",
            title="A session made in a lifespan and kept on `app.state`",
            path="app/main.py",
            others=(DB_MODULE,),
        ),
    ),
    references=(f"{SESSION_BASICS}#when-do-i-construct-a-session-when-do-i-commit-it-and-when-do-i-close-it",),
)

RULES = (SESSION_SHARED_ACROSS_TASKS, MODULE_LEVEL_SESSION)
