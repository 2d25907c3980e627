"""Rules 5xx: what lives in the models module and what in the database module.

ASA501 matches the models-modules globs against the project-relative path.
"""

from __future__ import annotations

from collections.abc import Iterator

from alchemy_lint.names import ENGINES, EVENT_REGISTRARS, FACTORIES, SESSION_CLASSES, Api
from alchemy_lint.project import ValueKind
from alchemy_lint.rules.base import Example, FileContext, Finding, Rule

_INFRASTRUCTURE = ENGINES | FACTORIES | SESSION_CLASSES | {Api.ASYNC_SCOPED_SESSION, Api.SCOPED_SESSION}

# -- ASA501 -------------------------------------------------------------------


def check_engine_in_models_module(rule: Rule, context: FileContext) -> Iterator[Finding]:
    index = context.index
    if not index.is_models_module(context.path):
        return
    for call in context.facts.api_calls:
        api = call.api or index.api(call.callee)
        if api in _INFRASTRUCTURE:
            what = f"{call.text}(...)"
        elif api in EVENT_REGISTRARS and ValueKind.ENGINE in index.kinds(call.first_arg_origins):
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
        "SQLAlchemy/SQLModel count; a project's own function named `create_async_engine` does not."
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
            path="app/db_models.py",
        ),
        Example(
            """\
from app.testing import create_async_engine

engine = create_async_engine("fake://")
""",
            path="app/db_models.py",
            others=(("app/testing.py", "def create_async_engine(url):\n    return url\n"),),
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
            path="app/db_models.py",
        ),
    ),
    references=("https://docs.sqlalchemy.org/en/20/core/engines.html",),
)

RULES = (ENGINE_IN_MODELS_MODULE,)
