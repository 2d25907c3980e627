"""Rule ASA303 (3xx, loading): relationship strategies that asyncio sessions cannot run.

It reads the relationships the facts record on class bodies; ASA301/ASA302 live in rules/loading.py.
"""

from __future__ import annotations

from collections.abc import Iterator

from alchemy_lint.facts.model import RelationshipFacts
from alchemy_lint.findings import Finding
from alchemy_lint.index import ProjectAnalysis
from alchemy_lint.rules.base import Example, FileContext, Rule
from alchemy_lint.sqlalchemy_api import Api

RELATIONSHIP_LOADING = "https://docs.sqlalchemy.org/en/20/orm/large_collections.html"
ASYNC_DOCS = "https://docs.sqlalchemy.org/en/20/orm/extensions/asyncio.html"

# -- ASA303 -------------------------------------------------------------------


def check_dynamic_relationship(rule: Rule, context: FileContext) -> Iterator[Finding]:
    index = context.index
    if not index.uses_asyncio:
        return
    for cls in context.facts.classes:
        dynamic = [
            (relationship, declared) for relationship in cls.relationships if (declared := _dynamic(relationship))
        ]
        # Asked only then: which models asyncio code reaches is a question about the whole project.
        if not dynamic or not index.reached_by_async_code(cls.qualname):
            continue  # (or a sync code's model in a repository that also has asyncio code)
        for relationship, declared in dynamic:
            yield rule.report(
                context,
                relationship.line,
                relationship.col,
                relationship=f"{cls.name}.{relationship.name}",
                declared=declared,
            )


def _dynamic(relationship: RelationshipFacts) -> str:
    """How the relationship is declared dynamic; empty when it is not."""
    if relationship.container == Api.DYNAMIC_MAPPED.value:
        return "DynamicMapped[...]"
    if relationship.lazy == "dynamic":
        return 'lazy="dynamic"'
    return ""


DYNAMIC_RELATIONSHIP = Rule(
    code="ASA303",
    name="dynamic-relationship",
    summary='A `lazy="dynamic"` / `DynamicMapped` relationship in a project that uses asyncio sessions.',
    message=(
        "dynamic relationship {relationship} ({declared}) cannot load under asyncio: "
        'use lazy="write_only" / WriteOnlyMapped and `await session.scalars(obj.rel.select())`'
    ),
    rationale=(
        "A dynamic relationship returns a query object that runs its SQL synchronously when it is "
        "iterated or asked for `.all()`; under an `AsyncSession` that is implicit I/O and fails. "
        "SQLAlchemy's asyncio extension supports the write-only strategy instead: "
        '`WriteOnlyMapped` / `lazy="write_only"` gives `.select()` to run with '
        "`await session.scalars(...)` and `.add()` / `.remove()` that need no I/O. The rule judges "
        "models that asyncio code can reach: defined or imported in a module that uses asyncio "
        "sessions or has `async def` functions, or related to such a model; a sync script's models "
        "in a repository that also has asyncio code are not judged."
    ),
    check=check_dynamic_relationship,
    analyses=frozenset({ProjectAnalysis.REACHED_BY_ASYNC}),
    runtime=(
        "Iterating the relationship or calling `.all()` raises `sqlalchemy.exc.StatementError` "
        "wrapping `sqlalchemy.exc.MissingGreenlet`."
    ),
    valid=(
        Example(
            """\
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, WriteOnlyMapped, mapped_column, relationship


class Base(AsyncAttrs, DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    orders: WriteOnlyMapped["Order"] = relationship()
    groups: Mapped[list["Group"]] = relationship(lazy="selectin")
""",
            title="`WriteOnlyMapped`",
            path="app/db_models.py",
        ),
        Example(
            """\
from sqlalchemy.orm import DeclarativeBase, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    orders = relationship("Order", lazy="dynamic")
""",
            title="A dynamic relationship in a project without asyncio sessions",
            path="app/legacy_models.py",
        ),
        Example(
            """\
from sqlalchemy import create_engine
from sqlalchemy.orm import DeclarativeBase, Session, relationship


class Base(DeclarativeBase):
    pass


class Parent(Base):
    __tablename__ = "parents"
    children = relationship("Child", lazy="dynamic")


with Session(create_engine("sqlite://")) as session:
    session.commit()
""",
            title="A sync script's model in a repository that also has asyncio code",
            path="examples/dynamic_script.py",
            others=(("app/db.py", "from sqlalchemy.ext.asyncio import create_async_engine\n"),),
        ),
    ),
    invalid=(
        Example(
            """\
from sqlalchemy.orm import DynamicMapped, Mapped, mapped_column, relationship

from app.db_base import Base


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    orders: DynamicMapped["Order"] = relationship()  # ASA303
    audit_entries = relationship("AuditEntry", lazy="dynamic")  # ASA303
""",
            title='`DynamicMapped` and `lazy="dynamic"`',
            path="app/db_models.py",
            others=(
                (
                    "app/db_base.py",
                    "from sqlalchemy.ext.asyncio import AsyncAttrs\n"
                    "from sqlalchemy.orm import DeclarativeBase\n"
                    "\n\n"
                    "class Base(AsyncAttrs, DeclarativeBase):\n"
                    "    pass\n",
                ),
            ),
        ),
        Example(
            """\
from sqlmodel import Field, Relationship, SQLModel


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    heroes: list["Hero"] = Relationship(sa_relationship_kwargs={"lazy": "dynamic"})  # ASA303
""",
            title='SQLModel\'s `sa_relationship_kwargs={"lazy": "dynamic"}`',
            path="app/models.py",
            others=(
                (
                    "app/handlers.py",
                    "from sqlmodel.ext.asyncio.session import AsyncSession\n"
                    "\n"
                    "from app.models import Team\n"
                    "\n"
                    "\n"
                    "async def team(session: AsyncSession, team_id: int) -> Team | None:\n"
                    "    return await session.get(Team, team_id)\n",
                ),
            ),
        ),
    ),
    references=(
        f"{RELATIONSHIP_LOADING}#write-only-relationships",
        f"{ASYNC_DOCS}#preventing-implicit-io-when-using-asyncsession",
    ),
)

RULES = (DYNAMIC_RELATIONSHIP,)
