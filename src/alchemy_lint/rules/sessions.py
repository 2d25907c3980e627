"""Rules 1xx: where sessions come from, and how the one global factory is configured.

ASA101-ASA104 read the factory and session-class calls that the facts record.
"""

from __future__ import annotations

from collections.abc import Iterator

from alchemy_lint.facts.model import ApiCall, Scope
from alchemy_lint.names import Api
from alchemy_lint.rules.base import Example, FileContext, Finding, FixSafety, Rule

ASYNC_DOCS = "https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html"
SESSION_BASICS = "https://docs.sqlalchemy.org/en/20/orm/session_basics.html"


def _api(context: FileContext, call: ApiCall) -> Api | None:
    return call.api or context.index.api(call.callee)


def _factory_hint(context: FileContext) -> str:
    sites = context.index.factory_sites
    published = [site.call.assigned_to for site in sites if site.call.assigned_to]
    return published[0].rsplit(".", 1)[-1] + "()" if published else "the global async_sessionmaker"


def _is_async_factory(context: FileContext, call: ApiCall) -> bool:
    api = _api(context, call)
    if api is Api.ASYNC_SESSIONMAKER:
        return True
    if api is not Api.SESSIONMAKER:
        return False
    session_class = call.keyword_targets.get("class_")
    return session_class is not None and context.index.api(session_class) is Api.ASYNC_SESSION


# -- ASA101 -------------------------------------------------------------------


def check_adhoc_session(rule: Rule, context: FileContext) -> Iterator[Finding]:
    for call in context.facts.api_calls:
        api = _api(context, call)
        if api is Api.ASYNC_SESSION or (api is Api.SYNC_SESSION and context.index.uses_asyncio):
            yield rule.report(context, call.line, call.col, callee=call.text, factory=_factory_hint(context))


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
        "and SQLModel's `AsyncSession` count; the sync `Session(...)` counts in a project that uses "
        "asyncio sessions. Annotations, `isinstance` checks, subclasses and `class_=AsyncSession` "
        "in a factory are not calls and stay silent."
    ),
    check=check_adhoc_session,
    valid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


async def count_users(session: AsyncSession) -> bool:
    return isinstance(session, AsyncSession)
""",
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
"""
        ),
        Example(
            """\
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import engine


async def load_report() -> None:
    session = AsyncSession(engine, expire_on_commit=False)  # ASA101
    await session.close()
""",
            others=(
                (
                    "app/db.py",
                    'from sqlalchemy.ext.asyncio import create_async_engine\nengine = create_async_engine("sqlite+aiosqlite://")\n',
                ),
            ),
        ),
    ),
    references=(f"{ASYNC_DOCS}#using-asyncio-scoped-session", f"{SESSION_BASICS}#using-a-sessionmaker"),
)


# -- ASA102 -------------------------------------------------------------------


def check_factory_not_global(rule: Rule, context: FileContext) -> Iterator[Finding]:
    for call in context.facts.api_calls:
        api = _api(context, call)
        if api is Api.SESSIONMAKER and not context.index.uses_asyncio:
            continue
        if api not in (Api.ASYNC_SESSIONMAKER, Api.SESSIONMAKER):
            continue
        if call.scope is Scope.FUNCTION and call.assigned_to is None and call.function:
            where = f"inside function {call.function.rsplit('.', 1)[-1]}()"
        elif call.in_loop:
            where = "inside a loop"
        else:
            continue
        yield rule.report(context, call.line, call.col, callee=call.text, where=where)


FACTORY_NOT_GLOBAL = Rule(
    code="ASA102",
    name="factory-not-global",
    summary="A session factory is built per call instead of once at module level.",
    message=(
        "session factory {callee}(...) built {where}: build it once at module level next to the engine and import it"
    ),
    rationale=(
        "A factory built inside a function (a request dependency, a service method, a loop) is a new "
        "configuration on every call: its options drift from the global one and it costs work on every "
        "request. Build one `async_sessionmaker` at module level in the database module. A function that "
        "publishes the module's global (`global SessionLocal`) in an `init_db()` bootstrap is still the "
        "one global factory and stays silent."
    ),
    check=check_factory_not_global,
    valid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
""",
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
            path="app/db.py",
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
            path="app/deps.py",
        ),
    ),
    references=(f"{SESSION_BASICS}#using-a-sessionmaker", f"{ASYNC_DOCS}#synopsis-orm"),
)


# -- ASA103 -------------------------------------------------------------------


def check_expire_on_commit(rule: Rule, context: FileContext) -> Iterator[Finding]:
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
    ),
    check=check_expire_on_commit,
    fix=FixSafety.SAFE,
    runtime="Reading an attribute of a committed object raises `sqlalchemy.exc.MissingGreenlet`.",
    valid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
""",
            path="app/db.py",
        ),
    ),
    invalid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine)  # ASA103
""",
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
            path="app/db.py",
            fixed="""\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(bind=engine, expire_on_commit=False)
""",
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
            path="app/db.py",
        ),
        Example(
            """\
from sqlalchemy import create_engine
from sqlalchemy.orm import sessionmaker

engine = create_engine("sqlite://")
SyncSession = sessionmaker(engine)
""",
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

RULES = (ADHOC_SESSION, FACTORY_NOT_GLOBAL, EXPIRE_ON_COMMIT, LEGACY_ASYNC_SESSIONMAKER)
