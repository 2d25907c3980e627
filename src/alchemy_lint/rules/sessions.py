"""Rules 1xx: where sessions come from, and how the one global factory is configured.

ASA101-ASA105 read factory and session-class calls; ASA106-ASA107 the session helper.
"""

from __future__ import annotations

from collections.abc import Iterator

from alchemy_lint.catalogue import FixSafety
from alchemy_lint.facts.model import ApiCall, Keeper, Scope
from alchemy_lint.facts.values import Origin, OriginKind, Step, StepKind, ValueRef
from alchemy_lint.findings import Finding
from alchemy_lint.index import EngineRef, FactorySite, ProjectAnalysis, ProjectIndex, ValueKind
from alchemy_lint.rules.base import Example, FileContext, Rule
from alchemy_lint.rules.scaffolding import DB_METHODS, DB_MODULE, ENGINE_MODULE
from alchemy_lint.sqlalchemy_api import Api, known_api

ASYNC_DOCS = "https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html"
SESSION_BASICS = "https://docs.sqlalchemy.org/en/20/orm/session_basics.html"

TESTS_NOT_JUDGED = (
    " Test modules (`conftest.py`, `test_*.py`, `*_test.py`, files under `tests/` or `test/`) build "
    "throwaway sessions and factories on purpose and are not judged."
)


def _api(context: FileContext, call: ApiCall) -> Api | None:
    return call.api or context.index.api(call.callee)


def _factory_hint(context: FileContext, call: ApiCall, *, sync: bool = False) -> str:
    """The factory an ad-hoc session should come from: the session helper, else a factory built
    once on the session's own engine (or one alchemy-lint cannot tell apart from it). A factory
    of another database (a vector store's engine) is no replacement, and neither is an async
    factory for a sync `Session(sync_engine)` (nor a sync one for an `AsyncSession`)."""
    index = context.index
    helper = index.session_helper()
    if helper is not None and not sync:
        return f"{helper.name}()"
    engine = index.values.engine_of(call.bind) if call.bind else None
    for site in _global_factories(index, sync=sync):
        other = _engine(index, site)
        if site.call.assigned_to and (engine is None or other is None or other == engine):
            return site.call.assigned_to.rsplit(".", 1)[-1] + "()"
    kind = "sessionmaker" if sync else "async_sessionmaker"
    return f"none is built yet for this engine: build one {kind} beside it"


def _is_async_factory(context: FileContext, call: ApiCall) -> bool:
    return context.index.is_async_factory_call(call)


#: Where a factory made inside a function is kept for the whole application.
_APPLICATION_WIDE = frozenset({Keeper.ATTRIBUTE, Keeper.APP_STATE, Keeper.GLOBAL})


def _global_factories(index: ProjectIndex, *, sync: bool = False) -> list[FactorySite]:
    """Async session factories (sync ones with `sync`) built once and kept: at module level,
    published as a global, stored on an application-wide holder, or returned (yielded) by a
    run-once context. Those at module level come first, then those built in functions, each in
    path order: the one a module builds at import is the project's, and a command's or a
    script's builder on its engine the second (whatever their paths' order).

    A factory built per call is ASA102's finding; a sync `sessionmaker` for sync code is another kind.
    """
    found = [
        site
        for site in index.factory_sites
        if index.is_async_factory_call(site.call) is not sync
        and not index.is_test_module(site.path)
        and _is_global(index, site.call)
    ]
    return sorted(found, key=lambda site: site.call.scope is Scope.FUNCTION)


def _is_global(index: ProjectIndex, call: ApiCall) -> bool:
    if call.in_loop:
        return False
    if call.scope is not Scope.FUNCTION or call.assigned_to is not None or call.kept in _APPLICATION_WIDE:
        return True
    return (call.returned or call.kept is not None) and index.run_once.runs_once(call.function)


# -- ASA101 -------------------------------------------------------------------


def check_adhoc_session(rule: Rule, context: FileContext) -> Iterator[Finding]:
    if context.index.is_test_module(context.path):
        return
    for call in context.facts.api_calls:
        if _is_unbound_session(context, call) or _is_factory_implementation(call):
            continue
        # Also a project subclass of a session class, defined or re-exported in another module.
        api = call.api or context.index.session_class_api(call.callee)
        if api is Api.ASYNC_SESSION or (api is Api.SYNC_SESSION and _in_asyncio_code(context, call)):
            hint = _factory_hint(context, call, sync=api is Api.SYNC_SESSION)
            yield rule.report(context, call.line, call.col, callee=call.text, factory=hint)


def _in_asyncio_code(context: FileContext, call: ApiCall) -> bool:
    """A sync `Session(...)` is a drift from the async factory where the code around it is async:
    inside an `async def`, or in a module that itself uses asyncio sessions. A sync script
    elsewhere in the repository (a migration, a CLI, an example) has no async factory to use.
    Neither has a sync function bound to a sync connection (`Session(conn)` in a function that
    `AsyncConnection.run_sync` runs, `Session(op.get_bind())` in an Alembic data migration): it
    joins that connection's transaction, which no factory session can. In an `async def` a sync
    session is drift whatever its bind."""
    if not context.index.uses_asyncio:
        return False
    function = context.index.functions.get(call.function) if call.function else None
    if function is not None and function.is_async:
        return True
    return context.facts.uses_asyncio and not context.index.values.is_sync_connection(call.bind)


def _is_unbound_session(context: FileContext, call: ApiCall) -> bool:
    """`Session()` with no argument at all has no bind: it cannot reach a database, so it is an
    in-memory unit of work (computing cascades), not a second session configuration. A project
    subclass may bind itself in `__init__`, so only SQLAlchemy's own classes qualify."""
    return call.positional == 0 and not call.keywords and not call.has_star_kwargs and _api(context, call) is not None


def _is_factory_implementation(call: ApiCall) -> bool:
    """`return AppSession(...)` in `__call__`: the object is a session factory (it stands in for an
    `async_sessionmaker`), and this is where its sessions are made."""
    return call.returned and call.function is not None and call.function.endswith(".__call__")


ADHOC_SESSION = Rule(
    code="ASA101",
    name="adhoc-session",
    summary="A session class is called directly instead of going through the global factory.",
    message="ad-hoc session {callee}(...): open sessions from the one configured factory ({factory})",
    rationale=(
        "Every `AsyncSession(engine)` call is a second configuration of sessions: its options "
        "(`expire_on_commit`, `autoflush`, the bind) drift from the one `async_sessionmaker` that the "
        "team configured next to the engine, and the code that opens it owns cleanup that the session "
        "helper would have guaranteed. Aliases (`S = AsyncSession`, `from ... import AsyncSession as S`) "
        "and SQLModel's `AsyncSession` count; the sync `Session(...)` counts in async code of a project "
        "that uses asyncio sessions (inside an `async def`, or in a module that uses asyncio sessions), "
        "not in a sync script elsewhere in the repository, nor in a sync function bound to a sync "
        "connection it is handed (a parameter annotated `Connection`, as in the function "
        "`AsyncConnection.run_sync` runs; an Alembic data migration on `op.get_bind()`): it joins "
        "that connection's transaction, which no factory session can. A connection the code opens "
        "itself (`sync_engine.connect()`) is no exception. "
        "Annotations, `isinstance` checks, subclasses "
        "and `class_=AsyncSession` in a factory are not calls and stay silent; so do an unbound "
        "`Session()` (no argument: an in-memory unit of work that cannot reach a database) and "
        "`return AppSession(...)` in the `__call__` of a class that implements a session factory." + TESTS_NOT_JUDGED
    ),
    check=check_adhoc_session,
    analyses=frozenset({ProjectAnalysis.RUN_ONCE}),
    valid=(
        Example(
            """\
from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite://")


def seed_reference_data() -> None:
    with Session(engine) as session:
        session.commit()
""",
            title="A sync `Session(engine)` in a sync script of an asyncio project",
            path="scripts/seed.py",
            others=(DB_MODULE,),
        ),
        Example(
            """\
from alembic import op
from sqlalchemy import Connection
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import Session


def _copy_rows(connection: Connection) -> None:
    with Session(connection) as session:
        session.flush()


async def _migrate(connection: AsyncConnection) -> None:
    await connection.run_sync(_copy_rows)


def upgrade() -> None:
    with Session(bind=op.get_bind()) as session:
        session.flush()
""",
            title=(
                "A sync `Session` on the sync connection of `run_sync`, and on Alembic's `op.get_bind()` "
                "in a data migration"
            ),
            path="migrations/versions/0002_copy_rows.py",
            others=(DB_MODULE,),
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def count_users(session: AsyncSession) -> bool:
    return isinstance(session, AsyncSession)
""",
            title="`class_=AsyncSession` in the factory, and an `isinstance` check",
            path="app/db.py",
        ),
        Example(
            """\
from app.db import AppSession, SessionLocal


async def rename_user(session: AppSession, user_id: int, name: str) -> None:
    async with SessionLocal() as other:
        await other.commit()
""",
            title="A subclass of `AsyncSession` as an annotation, sessions from the factory",
            others=(
                (
                    "app/db.py",
                    "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
                    "\n\n"
                    "class AppSession(AsyncSession):\n"
                    "    pass\n"
                    "\n\n"
                    "SessionLocal = async_sessionmaker(class_=AppSession, expire_on_commit=False)\n",
                ),
            ),
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Session


class TenantSession(AsyncSession):
    pass


class TenantSessionMaker:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self) -> TenantSession:
        return TenantSession(self.engine, expire_on_commit=False)


def pending_cascade(order: object) -> list[object]:
    scratch = Session()
    scratch.add(order)
    pending = list(scratch.new)
    scratch.expunge_all()
    return pending
""",
            title=(
                "A class that implements a session factory (`__call__`), and an unbound `Session()` "
                "that computes cascades"
            ),
            path="app/db.py",
        ),
    ),
    invalid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession as S, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")


async def load_report() -> None:
    async with S(engine, expire_on_commit=False) as session:  # ASA101
        await session.commit()
""",
            title="`AsyncSession(...)` called through an alias (`import AsyncSession as S`)",
        ),
        Example(
            """\
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import engine


async def load_report() -> None:
    session = AsyncSession(engine, expire_on_commit=False)  # ASA101
    await session.close()
""",
            title="SQLModel's `AsyncSession(...)` called in a handler",
            others=(ENGINE_MODULE,),
        ),
        Example(
            """\
from app.db import AsyncSession, engine
from app.sessions import AppSession


async def export_orders() -> None:
    async with AsyncSession(engine) as session:  # ASA101
        await session.commit()
    async with AppSession(engine) as session:  # ASA101
        await session.commit()
""",
            title="A session class re-exported by a project module, and a project subclass of it",
            path="app/services/export.py",
            others=(
                (
                    "app/db.py",
                    "from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine\n"
                    'engine = create_async_engine("sqlite+aiosqlite://")\n'
                    '__all__ = ["AsyncSession", "engine"]\n',
                ),
                (
                    "app/sessions.py",
                    "from app.db import AsyncSession\n\n\nclass AppSession(AsyncSession):\n    pass\n",
                ),
            ),
        ),
    ),
    references=(f"{ASYNC_DOCS}#using-asyncio-scoped-session", f"{SESSION_BASICS}#using-a-sessionmaker"),
)


# -- ASA102 -------------------------------------------------------------------


def check_factory_not_global(rule: Rule, context: FileContext) -> Iterator[Finding]:
    if context.index.is_test_module(context.path):
        return
    for call in context.facts.api_calls:
        api = _api(context, call)
        if api is Api.SESSIONMAKER and not context.index.uses_asyncio:
            continue
        if api not in (Api.ASYNC_SESSIONMAKER, Api.SESSIONMAKER):
            continue
        where = _built_per_call(context.index, call)
        if where is not None:
            yield rule.report(context, call.line, call.col, callee=call.text, where=where)


def _configures_nothing(call: ApiCall) -> bool:
    """`sessionmaker()` with no argument: no bind, no option. It cannot open a session to a database
    on its own (it carries session events, or is another factory's `sync_session_class`) and sets
    nothing that could drift from the global factory."""
    return call.positional == 0 and not call.keywords and not call.has_star_kwargs


def _built_per_call(index: ProjectIndex, call: ApiCall) -> str | None:
    """Where a factory is built more than once, or None: at module level, in a function that runs
    once (a script's main, a lifespan, a builder called only at start-up...), or kept by its
    function for the caller (stored on the instance or application state, returned, yielded,
    captured by a returned closure or wrapper), whose caller decides how often it runs."""
    if call.scope is not Scope.FUNCTION or call.function is None:
        return "inside a loop" if call.in_loop else None
    if index.run_once.runs_once(call.function) or _configures_nothing(call):
        return None
    kept = call.assigned_to is not None or call.returned or call.kept is not None
    name = call.function.rsplit(".", 1)[-1]
    if not kept:
        return f"inside function {name}()"
    if call.in_loop:
        return "inside a loop"
    if call.assigned_to is None and (call.kept is None if call.returned else call.kept is Keeper.RETURNED):
        # A builder that hands the factory to its caller (`return async_sessionmaker(...)`, or
        # through a local name): a caller that runs per call (a route, a service method opening
        # `self._session_factory()()`) builds one per call through it. One that makes its engine
        # too is judged so whatever its caller hands it (`pool = make_pool(config)`): no caller
        # chose the engine, each call makes a new one.
        run_once = index.run_once
        caller = next(
            (
                found
                for found in run_once.callers(call.function, argued=_binds_own_engine(call))
                if not run_once.runs_once(found) and not index.is_test_module(index.function_paths.get(found, ""))
            ),
            None,
        )
        if caller is not None:
            return f"inside function {name}(), which {caller.rsplit('.', 1)[-1]}() calls on every run"
    return None


def _binds_own_engine(call: ApiCall) -> bool:
    """The factory is bound to an engine its function makes (`async_sessionmaker(engine)` after
    `engine = create_async_engine(url)` there)."""
    return bool(call.bind) and all(
        origin.kind is OriginKind.NAME
        and origin.steps == (Step(StepKind.CALL),)
        and known_api(origin.name) in (Api.CREATE_ASYNC_ENGINE, Api.CREATE_ENGINE)
        for origin in call.bind
    )


FACTORY_NOT_GLOBAL = Rule(
    code="ASA102",
    name="factory-not-global",
    summary="A session factory is built per call instead of once (at module level or at start-up).",
    message=(
        "session factory {callee}(...) built {where}: build it once (at module level next to the engine, or "
        "in a run-once context such as a lifespan) and reuse it"
    ),
    rationale=(
        "A factory built inside a function that runs per request (a dependency, a service method, a "
        "session helper) or in a loop is a new configuration on every call: its options drift from the "
        "global one and it costs work on every request. Build one `async_sessionmaker` once and reuse it. "
        "Once means: at module level in the database module, or in code that runs once per process: a "
        'script\'s `main()` run by `asyncio.run()`/`anyio.run()` or under `if __name__ == "__main__":`, '
        "an ASGI lifespan or startup handler (FastAPI, Starlette, Litestar, aiohttp, Quart, Sanic), an "
        "application factory (a function that builds the `FastAPI(...)` app), a click or typer command, "
        "a pytest fixture, an Alembic `upgrade()`, an `@lru_cache`/`@cache` builder or a lazy singleton "
        "kept in a global, and any function that only these (or module level) call. A factory that its "
        "function keeps for its caller is the caller's to judge and is not reported either: stored on "
        "`self` or on `app.state`, published through `global`, returned, yielded, wrapped in an object "
        "that is kept (`self.Session = Wrapper(async_sessionmaker(...))`), or captured by a returned "
        "closure or context manager. A builder that returns it is judged by its callers: one whose "
        "result a function that does not run once calls at once, keeping nothing (a service method "
        "opening `self._session_factory()()`, or one that calls it with no argument, holds the result "
        "in a local name and calls that: `factory = build_factory()` and `async with factory() as "
        "session:`), builds a factory on every call and is reported; so does one handed arguments "
        "(`pool = make_pool(config)`) when the builder makes the engine it binds as well, since no "
        "caller chose that engine (a builder handed its caller's engine stays the caller's to judge). "
        "A factory called with no "
        "argument at all (no bind, no option) "
        "configures nothing and is not judged: it serves as a carrier of session events or as "
        "another factory's `sync_session_class`." + TESTS_NOT_JUDGED
    ),
    check=check_factory_not_global,
    analyses=frozenset({ProjectAnalysis.RUN_ONCE}),
    valid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
""",
            title="One factory at module level, next to the engine",
            path="app/db.py",
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

SessionLocal = None


def init_db(url: str) -> None:
    global SessionLocal
    SessionLocal = async_sessionmaker(create_async_engine(url), expire_on_commit=False)
""",
            title="`init_db()` publishing the module's global factory",
            path="app/db.py",
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


class Database:
    def __init__(self, url: str) -> None:
        self.engine = create_async_engine(url)
        self.session_maker = async_sessionmaker(self.engine, expire_on_commit=False)


database = Database("sqlite+aiosqlite://")
""",
            title="A builder that returns the factory, and an application-wide object that keeps it on `self`",
            path="app/db.py",
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker


def build_factory(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


class Registry:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.factory: async_sessionmaker | None = None

    def sessions(self) -> async_sessionmaker:
        if self.factory is None:
            self.factory = build_factory(self.engine)
        return self.factory
""",
            title="A builder whose caller keeps the factory it returns (built once, on first use)",
            path="app/registry.py",
        ),
        Example(
            """\
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool


@asynccontextmanager
async def lifespan(app: FastAPI):
    engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
    app.state.sessions = async_sessionmaker(engine, expire_on_commit=False)
    yield
    await engine.dispose()


app = FastAPI(lifespan=lifespan)


@app.get("/ready")
async def ready(request: Request) -> dict[str, int]:
    async with request.app.state.sessions() as session:
        return {"ready": (await session.execute(text("select 1"))).scalar_one()}
""",
            title="A factory built in a FastAPI lifespan and kept on `app.state`",
            path="app/main.py",
        ),
        Example(
            """\
import asyncio

from sqlalchemy import text
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine


async def main() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    factory = async_sessionmaker(engine, expire_on_commit=False)
    async with factory() as session:
        await session.execute(text("select 1"))
    await engine.dispose()


if __name__ == "__main__":
    asyncio.run(main())
""",
            title="A script's `main()` run by `asyncio.run()`",
            path="scripts/report.py",
        ),
        Example(
            """\
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from app.db import engine


def session_scope_for(engine: AsyncEngine):
    factory = async_sessionmaker(engine, expire_on_commit=False)

    @asynccontextmanager
    async def session_scope():
        async with factory() as session:
            yield session

    return session_scope


session_scope = session_scope_for(engine)
""",
            title="A builder called once at import that returns a context manager over the factory",
            path="app/sessions.py",
            others=(ENGINE_MODULE,),
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker


class SessionFactory:
    def __init__(self, maker: async_sessionmaker) -> None:
        self.maker = maker

    def __call__(self):
        return self.maker()


class DatabaseClient:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.Session = SessionFactory(async_sessionmaker(bind=engine, expire_on_commit=False))
""",
            title="An application-wide client that wraps the factory it keeps",
            path="app/client.py",
        ),
        Example(
            """\
from sqlalchemy import create_engine, text
from sqlalchemy.orm import sessionmaker

from app.settings import DATABASE_URL


def backfill_project_names() -> None:
    factory = sessionmaker(create_engine(DATABASE_URL), expire_on_commit=False)
    with factory() as session:
        session.execute(text("update projects set name = 'default' where name is null"))
        session.commit()
""",
            title="A data migration called only from an Alembic `upgrade()`",
            path="migrations/data/projects.py",
            others=(
                ("app/settings.py", 'DATABASE_URL = "sqlite://"\n'),
                (
                    "migrations/versions/0002_project_names.py",
                    "from migrations.data.projects import backfill_project_names\n"
                    "\n"
                    'revision = "0002"\n'
                    'down_revision = "0001"\n'
                    "\n"
                    "\n"
                    "def upgrade() -> None:\n"
                    "    backfill_project_names()\n",
                ),
                (
                    "app/db.py",
                    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
                    "\n"
                    'engine = create_async_engine("sqlite+aiosqlite://")\n'
                    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n",
                ),
            ),
        ),
        Example(
            """\
from sqlalchemy import event
from sqlalchemy.ext.asyncio import async_sessionmaker
from sqlalchemy.orm import sessionmaker


def configure_listeners(factory: async_sessionmaker) -> None:
    carrier = sessionmaker()
    event.listen(carrier, "after_commit", lambda session: None)
    factory.configure(sync_session_class=carrier)
""",
            title="A factory with no argument that only carries session events",
            path="app/listeners.py",
        ),
    ),
    invalid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker


async def get_session(engine: AsyncEngine):
    factory = async_sessionmaker(engine, expire_on_commit=False)  # ASA102
    async with factory() as session:
        yield session
""",
            title="A factory built in a request dependency, on every request",
            path="app/deps.py",
        ),
        Example(
            """\
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker


class UserService:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def _session_factory(self) -> async_sessionmaker:
        return async_sessionmaker(self.engine, expire_on_commit=False)  # ASA102

    async def count(self) -> int:
        async with self._session_factory()() as session:
            return (await session.execute(text("select count(*) from users"))).scalar_one()
""",
            title="A builder method that returns a new factory, called on every use",
            path="app/services.py",
        ),
        Example(
            """\
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker

from app.db import engine


class ConnectionManager:
    @asynccontextmanager
    async def session(self):
        maker = async_sessionmaker(bind=engine, expire_on_commit=False)  # ASA102
        async with maker() as session:
            yield session
""",
            title="A factory built each time a session is opened",
            path="app/connections.py",
            others=(ENGINE_MODULE,),
        ),
    ),
    references=(f"{SESSION_BASICS}#using-a-sessionmaker", f"{ASYNC_DOCS}#synopsis-orm"),
)


# -- ASA103 -------------------------------------------------------------------


def check_expire_on_commit(rule: Rule, context: FileContext) -> Iterator[Finding]:
    if context.index.is_test_module(context.path):
        return
    for call in context.facts.api_calls:
        if not (_is_async_factory(context, call) or _api(context, call) is Api.ASYNC_SESSION):
            continue
        value = call.keywords.get("expire_on_commit")
        if value == "False":
            continue
        if value is None:
            if call.has_star_kwargs:
                continue  # the options come from elsewhere: no evidence either way
            problem = "without expire_on_commit=False"
        else:
            problem = f"with expire_on_commit={value}"
        yield rule.report(context, call.line, call.col, callee=call.text, problem=problem)


EXPIRE_ON_COMMIT = Rule(
    code="ASA103",
    name="expire-on-commit",
    summary="A session factory (or session) does not set expire_on_commit=False.",
    message=(
        "{callee}(...) {problem}: commit() expires every loaded object and the next attribute read "
        "does I/O (MissingGreenlet); pass expire_on_commit=False"
    ),
    rationale=(
        "With the default `expire_on_commit=True`, `await session.commit()` expires every object in "
        "the session; in async code the next plain attribute read (`user.name`) must load from the "
        "database implicitly, which raises `sqlalchemy.exc.MissingGreenlet`. SQLAlchemy's asyncio "
        "documentation configures every `async_sessionmaker` with `expire_on_commit=False`. The rule "
        "also checks a sanctioned ad-hoc `AsyncSession(...)` and the legacy `sessionmaker(class_=AsyncSession)`."
        + TESTS_NOT_JUDGED
    ),
    check=check_expire_on_commit,
    fix=FixSafety.SAFE,
    superseded_by=("ASA101",),
    runtime="Reading an attribute of a committed object raises `sqlalchemy.exc.MissingGreenlet`.",
    valid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
""",
            title="A factory with `expire_on_commit=False`",
            path="app/db.py",
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import engine


async def export_rows() -> None:
    async with AsyncSession(engine) as session:
        await session.commit()
""",
            title="An ad-hoc session: ASA101 reports it, once",
            path="app/export.py",
            others=(ENGINE_MODULE,),
        ),
    ),
    invalid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine)  # ASA103
""",
            title="A factory without `expire_on_commit=False`",
            path="app/db.py",
            fixed="""\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
""",
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(bind=engine, expire_on_commit=True)  # ASA103
""",
            title="A factory with `expire_on_commit=True`",
            path="app/db.py",
            fixed="""\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(bind=engine, expire_on_commit=False)
""",
        ),
        Example(
            """\
from sqlalchemy.orm import sessionmaker

from app.compat import AppSession, async_sessionmaker

ReportSession = async_sessionmaker()  # ASA103
LegacySession = sessionmaker(class_=AppSession)  # ASA103
""",
            title=(
                "A factory re-exported by a project module, and the legacy `sessionmaker(class_=...)` "
                "with a project session class"
            ),
            path="app/db.py",
            others=(
                (
                    "app/compat.py",
                    "from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker\n"
                    "\n\n"
                    "class AppSession(AsyncSession):\n"
                    "    pass\n"
                    "\n\n"
                    '__all__ = ["AppSession", "async_sessionmaker"]\n',
                ),
            ),
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(  # ASA103
    engine,
    class_=AsyncSession,  # the default, spelled out
)
""",
            title="A multi-line factory call (the fix adds the keyword on a line of its own)",
            path="app/db.py",
            fixed="""\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(
    engine,
    class_=AsyncSession,  # the default, spelled out
    expire_on_commit=False,
)
""",
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import engine


async def export_rows() -> None:
    async with AsyncSession(engine) as session:  # noqa: ASA101  # ASA103
        await session.commit()
""",
            title="An ad-hoc session sanctioned by `# noqa: ASA101`",
            path="app/export.py",
            others=(ENGINE_MODULE,),
        ),
    ),
    references=(f"{ASYNC_DOCS}#preventing-implicit-io-when-using-asyncsession",),
)


# -- ASA104 -------------------------------------------------------------------


def check_legacy_async_sessionmaker(rule: Rule, context: FileContext) -> Iterator[Finding]:
    for call in context.facts.api_calls:
        if _api(context, call) is Api.SESSIONMAKER and _is_async_factory(context, call):
            yield rule.report(context, call.line, call.col, callee=call.text)


LEGACY_ASYNC_SESSIONMAKER = Rule(
    code="ASA104",
    name="legacy-async-sessionmaker",
    summary="sessionmaker(class_=AsyncSession) instead of async_sessionmaker.",
    message="{callee}(class_=AsyncSession) is the legacy spelling: use async_sessionmaker(...)",
    rationale=(
        "`sessionmaker(class_=AsyncSession)` predates SQLAlchemy 2.0's `async_sessionmaker`. It works, "
        "but it is typed as a factory of sync `Session` objects, so type checkers miss every missing "
        "`await`, and the factory does not offer `async with factory.begin()`."
    ),
    check=check_legacy_async_sessionmaker,
    fix=FixSafety.SAFE,
    valid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
""",
            title="`async_sessionmaker(...)`",
            path="app/db.py",
        ),
        Example(
            """\
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite://")
SyncSession = sessionmaker(engine)
""",
            title="A sync `sessionmaker` for sync code",
            path="app/db.py",
        ),
    ),
    invalid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine
from sqlalchemy.orm import sessionmaker

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)  # ASA104
""",
            title="`sessionmaker(class_=AsyncSession)`",
            path="app/db.py",
            fixed="""\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
""",
        ),
        Example(
            """\
from sqlalchemy import orm
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = orm.sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)  # ASA104
""",
            title="Through a module alias (`orm.sessionmaker`), with SQLModel's `AsyncSession`",
            path="app/db.py",
            fixed="""\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel.ext.asyncio.session import AsyncSession

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
""",
        ),
        Example(
            """\
import sqlalchemy.ext.asyncio as sa_asyncio
from sqlalchemy.orm import sessionmaker as legacy_factory

engine = sa_asyncio.create_async_engine("sqlite+aiosqlite://")
SessionLocal = legacy_factory(engine, class_=sa_asyncio.AsyncSession, expire_on_commit=False)  # ASA104
""",
            title="Through aliases of both names",
            path="app/db.py",
            fixed="""\
import sqlalchemy.ext.asyncio as sa_asyncio

engine = sa_asyncio.create_async_engine("sqlite+aiosqlite://")
SessionLocal = sa_asyncio.async_sessionmaker(engine, expire_on_commit=False)
""",
        ),
    ),
    references=(f"{ASYNC_DOCS}#sqlalchemy.ext.asyncio.async_sessionmaker",),
)


# -- ASA105 -------------------------------------------------------------------


def check_multiple_factories(rule: Rule, context: FileContext) -> Iterator[Finding]:
    if context.index.is_test_module(context.path):
        return
    reported: set[int] = set()
    for finding in _second_global_factories(rule, context):
        reported.add(finding.line)
        yield finding
    yield from (finding for finding in _second_factories_of_a_run(rule, context) if finding.line not in reported)


def _second_factories_of_a_run(rule: Rule, context: FileContext) -> Iterator[Finding]:
    """Factories that one run-once function (a script's `main()` under `asyncio.run`) builds on
    the same engine, named alike (`async_sessionmaker(engine)` twice): one database, two
    factories, whether or not the function keeps them."""
    index = context.index
    first_of: dict[tuple[str, str, tuple[Origin, ...]], ApiCall] = {}
    for call in context.facts.api_calls:
        if (
            call.scope is not Scope.FUNCTION
            or call.function is None
            or call.bind_name is None
            or call.in_loop
            or not index.is_async_factory_call(call)
            or not index.run_once.runs_once(call.function)
        ):
            continue
        key = (call.function, call.bind_name, call.bind)
        first = first_of.setdefault(key, call)
        if first is call:
            continue
        function = call.function.rsplit(".", 1)[-1]
        yield rule.report(
            context,
            call.line,
            call.col,
            callee=call.text,
            database=f"on the same engine, `{call.bind_name}` (in {function}())",
            first=f"{index.relative(context.path)}:{first.line}",
        )


def _second_global_factories(rule: Rule, context: FileContext) -> Iterator[Finding]:
    index = context.index
    factories = _global_factories(index)
    if len(factories) < 2:
        return
    engines = [_engine(index, site) for site in factories]
    for position, site in enumerate(factories):
        if site.path != context.path:
            continue
        engine = engines[position]
        # Factories on other engines are other databases (a read replica); an engine the index
        # cannot tell apart may be the same one.
        earlier = next(
            (
                number
                for number in range(position)
                if (engine is None or engines[number] is None or engines[number] == engine)
                and not _same_slot(factories[number], site)
            ),
            None,
        )
        if earlier is None:
            continue
        first = factories[earlier]
        yield rule.report(
            context,
            site.call.line,
            site.call.col,
            callee=site.call.text,
            database=_same_database(engine, engines[earlier]),
            first=f"{index.relative(first.path)}:{first.call.line}",
        )


def _same_slot(first: FactorySite, other: FactorySite) -> bool:
    """Both factories are stored under one module global (or one attribute of a class): whichever
    ran last replaces the other (a web server's start-up and a worker's each set the global), so
    the process holds one factory, not two."""
    slot = first.call.assigned_to
    return slot is not None and slot == other.call.assigned_to


def _engine(index: ProjectIndex, site: FactorySite) -> EngineRef | None:
    """The engine a factory is bound to; a fresh engine is its own, told apart by the site."""
    found = index.values.engine_of(site.call.bind) if site.call.bind else None
    if found is not None and found.fresh:
        return EngineRef(f"{index.relative(site.path)}:{site.call.line}", fresh=True)
    return found


def _same_database(engine: EngineRef | None, first: EngineRef | None) -> str:
    """Why two factories count as one database, naming both engines where they are known."""
    if engine is not None and engine == first:
        return f"on the same engine, {engine.label}"
    if engine is None and first is None:
        return "on an engine that alchemy-lint cannot tell apart from the first one's"
    if engine is None:
        return f"on an engine that alchemy-lint cannot tell apart from {_name(first)}"
    return f"on {_name(engine)}, which alchemy-lint cannot tell apart from the first one's engine"


def _name(engine: EngineRef | None) -> str:
    if engine is None:
        return "?"
    return f"the engine created at {engine.name}" if engine.fresh else engine.label


MULTIPLE_FACTORIES = Rule(
    code="ASA105",
    name="multiple-factories",
    summary="The project builds more than one session factory for one database.",
    message=(
        "another session factory {callee}(...) {database}: the project's session factory is at {first}; "
        "import that one instead of configuring a second (one factory per database)"
    ),
    rationale=(
        "One global `async_sessionmaker`, configured once next to the engine, is the single source "
        "of truth for how sessions behave (`expire_on_commit`, `autoflush`, the bind, the session "
        "class). A second factory drifts: a fix made to one (say `expire_on_commit=False`) silently "
        "misses the code that opens sessions from the other. One factory per database: the rule "
        "counts factories per engine, told apart by where the engine is kept (a module global, an "
        "attribute of a class, application state) or built (an engine created for that factory "
        "alone). A second factory on the same engine is reported, and so is one whose engine "
        "alchemy-lint cannot tell apart from the first one's (a parameter, an unknown bind); one on "
        "another engine (a read replica, a second database, or a copy made with "
        "`engine.execution_options(...)`, such as the autocommit engine SQLAlchemy documents beside the "
        "transactional one) is not. The rule looks across the whole "
        "project, in path order, and names the first factory and the engines. It counts the factories "
        "built once and kept: at module level, published as a global, stored on an application-wide "
        "object, or returned by a run-once context (see ASA102); and, within one run-once function "
        "(a script's `main()` under `asyncio.run`), every factory it builds on an engine it names "
        "alike (`async_sessionmaker(engine)` twice), kept or not; factories built per call are "
        "ASA102's finding, and a sync `sessionmaker` for sync code is a different kind of factory and "
        "does not count. Factories stored under the same module global (or the same attribute of a "
        "class) are one: the process holds whichever was stored last (a web server's start-up and a "
        "worker's each set the global)." + TESTS_NOT_JUDGED
    ),
    check=check_multiple_factories,
    analyses=frozenset({ProjectAnalysis.RUN_ONCE}),
    valid=(
        Example(
            """\
from app.db_methods import SessionLocal


async def count_orders() -> int:
    async with SessionLocal() as session:
        return len((await session.scalars(orders_query())).all())
""",
            title="Code that imports the one factory",
            path="app/services/orders.py",
            others=(DB_METHODS,),
        ),
        Example(
            """\
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

SyncSessionLocal = sessionmaker(create_engine("sqlite://"))
""",
            title="A sync `sessionmaker` for sync workers",
            path="app/workers/db.py",
            others=(DB_METHODS,),
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite:///primary.db")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


class DatabaseManager:
    def __init__(self, replica_url: str) -> None:
        self.replica_engine = create_async_engine(replica_url)
        self.replica_sessions = async_sessionmaker(bind=self.replica_engine, expire_on_commit=False)
""",
            title="A second factory on a read replica's engine: another database",
            path="app/db.py",
        ),
    ),
    invalid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.db_methods import engine

ReportingSession = async_sessionmaker(engine, expire_on_commit=False)  # ASA105
""",
            title="A second factory on the engine of the first",
            path="app/services/reporting.py",
            others=(DB_METHODS,),
        ),
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker


class ReportingClient:
    def __init__(self, engine: AsyncEngine) -> None:
        self.sessions = async_sessionmaker(engine, expire_on_commit=False)  # ASA105
""",
            title="A second factory on an engine that alchemy-lint cannot tell apart from the first one's",
            path="app/services/reporting.py",
            others=(DB_METHODS,),
        ),
    ),
    references=(f"{SESSION_BASICS}#using-a-sessionmaker",),
)


# -- ASA106 -------------------------------------------------------------------


def check_factory_outside_helper(rule: Rule, context: FileContext) -> Iterator[Finding]:
    if context.index.is_test_module(context.path):
        return
    index = context.index
    helper = index.session_helper()
    if helper is None or index.is_db_module(context.path):
        return
    for function in context.facts.functions:
        if function.qualname == helper.qualname:
            continue
        for block in function.blocks:
            if block.is_async and index.values.opened_from_factory(block.value.origins):
                yield rule.report(context, block.line, block.col, opened=block.value.text, helper=helper.name)


FACTORY_OUTSIDE_HELPER = Rule(
    code="ASA106",
    name="factory-outside-helper",
    summary="A session is opened straight from the factory where the project has a session helper.",
    message=(
        "session opened with `async with {opened}` outside the database module: "
        "use `async with {helper}() as session:`, the project's session helper"
    ),
    rationale=(
        "The session helper (`get_a_session()` by default, `session-helper` in the configuration) is "
        "the one place that guarantees rollback on error and close, and that the team changes when "
        "the session life cycle changes (logging, tenancy, retries). Code outside the database "
        "module that opens sessions straight from the factory bypasses it. The rule is on only when "
        "the project defines the helper: an `@asynccontextmanager` of that name that yields a session."
        + TESTS_NOT_JUDGED
    ),
    check=check_factory_outside_helper,
    options=("session-helper", "db-modules"),
    valid=(
        Example(
            """\
from app.db_methods import get_a_session


async def rename_user(user_id: int, name: str) -> None:
    async with get_a_session() as session:
        await session.commit()
""",
            title="`async with get_a_session()` outside the database module",
            path="app/handlers/users.py",
            others=(DB_METHODS,),
        ),
        Example(
            """\
from app.db import SessionLocal


async def rename_user(user_id: int, name: str) -> None:
    async with SessionLocal() as session:
        await session.commit()
""",
            title="A project without the session helper",
            path="app/handlers/users.py",
            others=(DB_MODULE,),
        ),
    ),
    invalid=(
        Example(
            """\
from app.db_methods import SessionLocal


async def rename_user(user_id: int, name: str) -> None:
    async with SessionLocal() as session:  # ASA106
        await session.commit()


async def archive_user(user_id: int) -> None:
    async with SessionLocal.begin() as session:  # ASA106
        await session.flush()
""",
            title="`async with SessionLocal()` and `SessionLocal.begin()` outside the database module",
            path="app/handlers/users.py",
            others=(DB_METHODS,),
        ),
        Example(
            """\
from app.database.sessions import SessionLocal


async def rename_user(user_id: int, name: str) -> None:
    async with SessionLocal() as session:  # ASA106
        await session.commit()
""",
            title="A configured helper name and database package",
            path="app/handlers/users.py",
            config='session-helper = "session_scope"\ndb-modules = ["**/database/**"]\n',
            others=(
                ("app/database/__init__.py", ""),
                (
                    "app/database/sessions.py",
                    "from contextlib import asynccontextmanager\n"
                    "\n"
                    "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
                    "\n"
                    "SessionLocal = async_sessionmaker(expire_on_commit=False)\n"
                    "\n"
                    "\n"
                    "@asynccontextmanager\n"
                    "async def session_scope():\n"
                    "    async with SessionLocal() as session:\n"
                    "        yield session\n",
                ),
            ),
        ),
    ),
)


# -- ASA107 -------------------------------------------------------------------

_GUARDING_KINDS = frozenset({ValueKind.SESSION, ValueKind.TRANSACTION})


def check_unsafe_session_helper(rule: Rule, context: FileContext) -> Iterator[Finding]:
    index = context.index
    for function in context.facts.functions:
        if not index.yields_session(function):
            continue
        for guard in function.yields:
            if not _opens(guard.value) or not index.values.is_session(guard.value):
                continue
            if (
                guard.rolls_back_on_error
                or guard.closes_finally
                or guard.kept_by_context
                or any(index.values.origin(origin).kind in _GUARDING_KINDS for origin in guard.context_origins)
            ):
                continue
            yield rule.report(context, guard.line, guard.col, helper=function.name, session=guard.value.text)


def _opens(value: ValueRef) -> bool:
    """The helper opened what it yields: not a session it received (a parameter, a value of the
    enclosing function) or one its object keeps (`self.session`), whose owner closes it."""
    return not value.received and not all(
        origin.kind is OriginKind.ATTRIBUTE and not origin.steps for origin in value.origins
    )


UNSAFE_SESSION_HELPER = Rule(
    code="ASA107",
    name="unsafe-session-helper",
    summary="The session helper does not guarantee rollback on error and close.",
    message=(
        "session helper {helper}() yields {session} unguarded: wrap the yield in "
        "`async with factory() as {session}:` (or try/except: rollback; raise / finally: close)"
    ),
    rationale=(
        "Every caller of the session helper relies on it to end the session: when the body of "
        "`async with get_a_session() as session:` raises, the helper must roll back and close, or the "
        "connection goes back to the pool late (at garbage collection), still in a transaction, and "
        "the pool runs dry under errors. `async with factory() as session: yield session` does both "
        "(closing rolls back an open transaction); so does `try: yield session` with "
        "`except: await session.rollback(); raise` or `finally: await session.close()`. The rule "
        "checks every async context manager (`@asynccontextmanager`, or a generator made one by calling "
        "`asynccontextmanager(f)`) that opens the session it yields; one that hands out a session it "
        "received (a parameter, a session of the enclosing function, `self.session`) or one that the "
        "object an enclosing `async with` entered keeps (`async with store.unit_of_work() as uow: yield "
        "uow.session`) does not own it, and its owner closes it."
    ),
    check=check_unsafe_session_helper,
    runtime=(
        "Nothing raises at once: after the caller's block raises, the connection stays checked out of "
        "the pool in an open transaction (until the session is garbage collected); under load the pool "
        "runs dry and checkouts time out."
    ),
    valid=(
        Example(
            """\
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker

SessionLocal = async_sessionmaker(expire_on_commit=False)


@asynccontextmanager
async def get_a_session():
    async with SessionLocal() as session:
        yield session
""",
            title="`async with factory() as session: yield session`",
            path="app/db_methods.py",
        ),
        Example(
            """\
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker

SessionLocal = async_sessionmaker(expire_on_commit=False)


@asynccontextmanager
async def get_a_session():
    session = SessionLocal()
    try:
        yield session
    except Exception:
        await session.rollback()
        raise
    finally:
        await session.close()
""",
            title="`try` / `except: rollback; raise` / `finally: close`",
            path="app/db_methods.py",
        ),
        Example(
            """\
from contextlib import asynccontextmanager

import httpx


@asynccontextmanager
async def http_session():
    session = httpx.AsyncClient()
    yield session
""",
            title="A context manager that yields an HTTP client",
            path="app/clients.py",
        ),
    ),
    invalid=(
        Example(
            """\
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker

SessionLocal = async_sessionmaker(expire_on_commit=False)


@asynccontextmanager
async def get_a_session():
    session = SessionLocal()
    yield session  # ASA107
    await session.close()
""",
            title="A helper that yields a session with no guard",
            path="app/db_methods.py",
        ),
        Example(
            """\
from contextlib import asynccontextmanager

from app.db import SessionLocal


@asynccontextmanager
async def get_a_session():
    session = SessionLocal()
    try:
        yield session  # ASA107
    except Exception:
        await session.rollback()
""",
            title="A helper that rolls back on error but neither re-raises nor closes",
            path="app/db_methods.py",
            others=(DB_MODULE,),
        ),
    ),
    references=(f"{SESSION_BASICS}#when-do-i-construct-a-session-when-do-i-commit-it-and-when-do-i-close-it",),
)

RULES = (
    ADHOC_SESSION,
    FACTORY_NOT_GLOBAL,
    EXPIRE_ON_COMMIT,
    LEGACY_ASYNC_SESSIONMAKER,
    MULTIPLE_FACTORIES,
    FACTORY_OUTSIDE_HELPER,
    UNSAFE_SESSION_HELPER,
)
