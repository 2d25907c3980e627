"""Rules 5xx: what lives in the models module and what in the database module.

ASA501 matches the models-modules globs against the project-relative path; ASA502 the db-modules globs.
"""

from __future__ import annotations

from collections.abc import Iterator

from alchemy_lint.facts.model import SchemaCreation, Scope
from alchemy_lint.findings import Finding
from alchemy_lint.index import ProjectAnalysis, ValueKind
from alchemy_lint.index.runonce import RunContext
from alchemy_lint.rules.base import Example, FileContext, Rule
from alchemy_lint.rules.scaffolding import DECLARATIVE_BASE
from alchemy_lint.sqlalchemy_api import ENGINES, EVENT_REGISTRARS, FACTORIES, SESSION_CLASSES, Api

_INFRASTRUCTURE = ENGINES | FACTORIES | SESSION_CLASSES | {Api.ASYNC_SCOPED_SESSION, Api.SCOPED_SESSION}

# -- ASA501 -------------------------------------------------------------------


def check_engine_in_models_module(rule: Rule, context: FileContext) -> Iterator[Finding]:
    index = context.index
    if not index.is_models_module(context.path) or index.is_test_module(context.path):
        return  # (a `tests/` package below `models/`: its fixtures make engines on purpose)
    for call in context.facts.api_calls:
        api = call.api or index.api(call.callee)
        if api in _INFRASTRUCTURE:
            what = f"{call.text}(...)"
        elif api in EVENT_REGISTRARS and any(
            index.values.origin(origin).kind is ValueKind.ENGINE for origin in call.first_arg_origins
        ):
            what = f"engine event listener {call.text}(...)"
        else:
            continue
        yield rule.report(context, call.line, call.col, what=what, module=index.relative(context.path))


ENGINE_IN_MODELS_MODULE = Rule(
    code="ASA501",
    name="engine-in-models-module",
    summary="An engine, session factory or session is created in the models module.",
    message=(
        "{what} in models module {module}: the models module holds only models; "
        "move engines, session factories and sessions to db_methods.py (or db.py)"
    ),
    rationale=(
        "Importing the models must not connect to a database: migrations, tests and scripts import "
        "`db_models.py` for the metadata alone. An engine or factory created there (at module level, "
        "or inside an `init_db()` that publishes a global) makes every import configure connections, "
        "and splits the one place where sessions are configured. Only calls that resolve to "
        "SQLAlchemy/SQLModel count; a project's own function named `create_async_engine` does not. "
        "Test modules that a models glob takes in (`models/tests/conftest.py`, `models/test_user.py`) "
        "are not judged: their fixtures make engines on purpose."
    ),
    check=check_engine_in_models_module,
    options=("models-modules",),
    valid=(
        Example(
            """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
""",
            title="Models only",
            path="app/db_models.py",
        ),
        Example(
            """\
from app.testing import create_async_engine

engine = create_async_engine("fake://")
""",
            title="A project function named `create_async_engine`",
            path="app/db_models.py",
            others=(("app/testing.py", "def create_async_engine(url):\n    return url\n"),),
        ),
        Example(
            """\
import pytest
from sqlalchemy.ext.asyncio import create_async_engine


@pytest.fixture
async def engine():
    engine = create_async_engine("sqlite+aiosqlite://")
    yield engine
    await engine.dispose()
""",
            title="A test package below the models package",
            path="app/models/tests/conftest.py",
        ),
    ),
    invalid=(
        Example(
            """\
from sqlalchemy import event
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase

engine = create_async_engine("sqlite+aiosqlite://")  # ASA501
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)  # ASA501


@event.listens_for(engine.sync_engine, "connect")  # ASA501
def set_pragma(connection, record):
    connection.execute("pragma foreign_keys=on")


class Base(DeclarativeBase):
    pass
""",
            title="An engine, a factory and an engine listener in the models module",
            path="app/db_models.py",
        ),
    ),
    references=("https://docs.sqlalchemy.org/en/20/core/engines.html",),
)

# -- ASA502 -------------------------------------------------------------------


def check_create_all_at_runtime(rule: Rule, context: FileContext) -> Iterator[Finding]:
    index = context.index
    # Tests build a throwaway schema per run on purpose: that is not the application's schema policy.
    if index.is_test_module(context.path):
        return
    in_db_module = index.is_db_module(context.path)
    for creation in context.facts.schema_creations:
        if in_db_module and creation.scope is Scope.FUNCTION:
            continue  # the database module's bootstrap (`init_db()`): the one sanctioned place
        if RunContext.FIXTURE in index.run_once.contexts(creation.function):
            continue  # a pytest fixture's throwaway schema, wherever the fixture lives
        if not index.is_metadata(creation.origins):
            continue
        yield rule.report(
            context,
            creation.line,
            creation.col,
            metadata=creation.receiver,
            where=_where(creation, context.facts.module, index.relative(context.path)),
        )


def _where(creation: SchemaCreation, module: str, path: str) -> str:
    if creation.function is None:
        return f"at module level of {path}"
    name = creation.function.removeprefix(f"{module}.")
    return f"{name}() in {path}"


CREATE_ALL_AT_RUNTIME = Rule(
    code="ASA502",
    name="create-all-at-runtime",
    summary="`metadata.create_all` runs outside the database module's bootstrap function.",
    message=(
        "{metadata}.create_all {where} changes the schema at run time: apply schema changes with "
        "Alembic migrations (keep create_all, if at all, in init_db() of the database module)"
    ),
    rationale=(
        "`create_all` creates missing tables and changes nothing else: a new column, an index or a "
        "constraint on an existing table is silently skipped, so databases drift apart from the models "
        "and from each other. Called from a request handler, a service or an application's startup "
        "code, it also runs DDL with the application's privileges on every start. Schema changes "
        "belong in Alembic migrations; a `create_all` for local development or a first bootstrap "
        "lives in one function of the database module (`init_db()` in `db_methods.py`/`db.py`, the "
        "`db-modules` globs), never at import time. The receiver must be a SQLAlchemy `MetaData` on "
        "evidence (`Base.metadata` of a declarative base or model the index knows, `SQLModel.metadata`, "
        "a `MetaData()` value, a registry's `.metadata`); any other `.create_all` is not judged. Test "
        "modules (`conftest.py`, `test_*.py`, `tests/`) and pytest fixtures wherever they live (a "
        "throwaway schema per test run) are not judged. Opinionated, so off by "
        'default: select it with `select = [..., "ASA502"]` or `extend-select = ["ASA502"]`.'
    ),
    check=check_create_all_at_runtime,
    analyses=frozenset({ProjectAnalysis.RUN_ONCE}),
    default_on=False,
    options=("db-modules",),
    valid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import create_async_engine

from app.db_models import Base

engine = create_async_engine("sqlite+aiosqlite://")


async def init_db():
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
""",
            title="The database module's `init_db()` bootstrap",
            path="app/db_methods.py",
            others=(DECLARATIVE_BASE,),
            config='extend-select = ["ASA502"]',
        ),
        Example(
            """\
from app.planner import TaskGraph

graph = TaskGraph()


async def plan():
    graph.metadata.create_all()
""",
            title="`create_all` on something that is not a `MetaData`",
            others=(("app/planner.py", "class TaskGraph:\n    metadata = None\n"),),
            config='extend-select = ["ASA502"]',
        ),
        Example(
            """\
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from app.db_models import Base


@pytest.fixture
async def engine():
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    yield engine
    await engine.dispose()
""",
            title="A pytest fixture that builds a throwaway schema, outside the test folders",
            path="app/testing/fixtures.py",
            others=(DECLARATIVE_BASE,),
        ),
    ),
    invalid=(
        Example(
            """\
from contextlib import asynccontextmanager

from app.db_methods import engine
from app.db_models import Base


@asynccontextmanager
async def lifespan(app):
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)  # ASA502
    yield
""",
            title="`create_all` in a lifespan outside the database module",
            path="app/main.py",
            others=(
                DECLARATIVE_BASE,
                (
                    "app/db_methods.py",
                    'from sqlalchemy.ext.asyncio import create_async_engine\n\nengine = create_async_engine("sqlite+aiosqlite://")\n',
                ),
            ),
            config='extend-select = ["ASA502"]',
        ),
        Example(
            """\
from sqlalchemy import MetaData
from sqlmodel import SQLModel

metadata = MetaData()


async def reset_schema(connection):
    await connection.run_sync(metadata.create_all)  # ASA502


def create_tables(engine):
    SQLModel.metadata.create_all(engine)  # ASA502
""",
            title="`create_all` in request-handling code, on a `MetaData` and on `SQLModel.metadata`",
            path="app/handlers/admin.py",
            config='extend-select = ["ASA502"]',
        ),
        Example(
            """\
from sqlalchemy import create_engine
from sqlalchemy.orm import declarative_base

Base = declarative_base()
engine = create_engine("sqlite://")
Base.metadata.create_all(engine)  # ASA502
""",
            title="`create_all` at module level",
            path="app/db.py",
            config='extend-select = ["ASA502"]',
        ),
    ),
    references=(
        "https://alembic.sqlalchemy.org/en/latest/tutorial.html",
        "https://docs.sqlalchemy.org/en/20/core/metadata.html#creating-and-dropping-database-tables",
    ),
)

RULES = (ENGINE_IN_MODELS_MODULE, CREATE_ALL_AT_RUNTIME)
