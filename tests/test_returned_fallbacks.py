"""ASA301 on `a or b` of two objects: `return refreshed or member`, `member = found or member`.

An ORM object is never falsy: the value is the first operand when it is an object, the next one
only when it is None. A project call that looks up the row of the very object that follows
(`refreshed = await reload(db, member.id)`, or by `key = member.id`) finds it: the value is what
the call gave. Other objects on both sides are joined as the branches of an `if` are: a row the
code selects again (with its loaders) else the new object it just wrote is judged by that query,
as a get-or-create is. Before, the last operand alone stood for the value, and what the query
loaded was lost. Each handler is linted, then run against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String)
    notes: Mapped[list["Note"]] = relationship()


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

CRUD = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Member


async def reload(db: AsyncSession, member_id: int) -> Member | None:
    statement = select(Member).options(selectinload(Member.notes)).where(Member.id == member_id)
    return (await db.scalars(statement)).first()


async def create(db: AsyncSession, name: str) -> Member:
    member = Member(name=name)
    db.add(member)
    await db.commit()
    refreshed = await reload(db, member.id)
    return refreshed or member


async def rename(db: AsyncSession, member_id: int) -> Member:
    member = (await db.scalars(select(Member).where(Member.id == member_id))).one()
    member.name = "renamed"
    await db.commit()
    key = member.id
    refreshed = await reload(db, key)
    return refreshed or member
"""

HEADER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.crud import create, reload, rename
from app.db_models import Member


"""

SILENT = {
    "returned_fallback_to_a_queried_row": """\
async def handle(session: AsyncSession) -> int:
    member = await rename(session, 1)
    return len(member.notes)
""",
    "returned_fallback": """\
async def handle(session: AsyncSession) -> int:
    member = await create(session, "new")
    return len(member.notes)
""",
    "bound_fallback": """\
async def handle(session: AsyncSession) -> int:
    member = Member(name="new")
    session.add(member)
    await session.commit()
    found = await reload(session, member.id)
    member = found or member
    return len(member.notes)
""",
}

REPORTED = {
    "fallback_to_a_query_without_the_loader": (
        """\
async def handle(session: AsyncSession) -> int:
    member = Member(name="new")
    session.add(member)
    await session.commit()
    found = (await session.scalars(select(Member).where(Member.id == member.id))).first()
    member = found or member
    return len(member.notes)
""",
        7,
    ),
}


def _project(root: Path, handler: str) -> Path:
    return write_project(
        root,
        {"app/db_models.py": MODELS, "app/db.py": DATABASE, "app/crud.py": CRUD, "app/handlers.py": HEADER + handler},
    )


@pytest.mark.parametrize("name", sorted(SILENT))
def test_a_fallback_keeps_what_the_first_operand_loaded(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", SILENT[name])
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_a_fallback_to_an_unloaded_object_is_a_lazy_load(name: str, tmp_path: Path) -> None:
    handler, line = REPORTED[name]
    root = _project(tmp_path / "project", handler)
    expected = len(HEADER.splitlines()) + line
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == [expected]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
