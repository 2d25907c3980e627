"""ASA301 on new objects a callee hands back in a tuple, and on untyped relationships.

- `return user, None` after `db.add(user)` and a commit, with `return None, message` on the
  failing path (a Go-style `(object, error)` pair): the caller's `user, error = await ...` gets
  the new object at position 0, persistent with none of its relationships loaded, as a plain
  `return user` gives it. A failing return that fills position 0 with anything but a literal
  leaves that position unknown.
- An untyped `relationship("Note")` (no annotation, no `uselist=`) is a collection when the
  foreign key is on the target or over `secondary=`, as SQLAlchemy's default `uselist` makes it,
  and a scalar for a foreign key of its own: reading a new object's collection after a flush is
  a lazy load; its many-to-one with the key still None emits no SQL.

Each handler is linted, then run against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import DeclarativeBase, relationship


class Base(DeclarativeBase):
    pass


member_tags = Table(
    "member_tags",
    Base.metadata,
    Column("member_id", ForeignKey("members.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


class Team(Base):
    __tablename__ = "teams"
    id = Column(Integer, primary_key=True)
    name = Column(String)


class Member(Base):
    __tablename__ = "members"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    team_id = Column(Integer, ForeignKey("teams.id"), nullable=True)
    notes = relationship("Note")
    tags = relationship("Tag", secondary=member_tags)
    team = relationship("Team")


class Note(Base):
    __tablename__ = "notes"
    id = Column(Integer, primary_key=True)
    member_id = Column(Integer, ForeignKey("members.id"))


class Tag(Base):
    __tablename__ = "tags"
    id = Column(Integer, primary_key=True)
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

from app.db_models import Member


def check(name: str) -> tuple[bool, str]:
    return bool(name), "a name is needed"


async def register(db: AsyncSession, name: str) -> tuple[Member | None, str | None]:
    ok, message = check(name)
    if not ok:
        return None, message
    member = Member(name=name)
    db.add(member)
    await db.commit()
    await db.refresh(member)
    return member, None


async def register_or_existing(db: AsyncSession, name: str) -> tuple[Member | None, str | None]:
    existing = await lookup(db, name)
    if existing is not None:
        return existing, "taken"
    member = Member(name=name)
    db.add(member)
    await db.flush()
    return member, None


async def lookup(db: AsyncSession, name: str):
    return (await db.scalars(select(Member).where(Member.name == name))).first()
"""

HEADER = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.crud import register, register_or_existing
from app.db_models import Member


"""

REPORTED = {
    "tuple_collection": (
        """\
async def handle(session: AsyncSession) -> int:
    member, error = await register(session, "new")
    if error or member is None:
        return 0
    return len(member.notes)
""",
        5,
    ),
    "tuple_secondary": (
        """\
async def handle(session: AsyncSession) -> int:
    member, error = await register(session, "new")
    if member is None:
        return 0
    return len(member.tags)
""",
        5,
    ),
    "untyped_collection_here": (
        """\
async def handle(session: AsyncSession) -> int:
    member = Member(name="new")
    session.add(member)
    await session.flush()
    return len(member.notes)
""",
        5,
    ),
}

SILENT = {
    "untyped_many_to_one_without_key": """\
async def handle(session: AsyncSession) -> object:
    member = Member(name="new")
    session.add(member)
    await session.flush()
    return member.team
""",
}


def _project(root: Path, handler: str) -> Path:
    return write_project(
        root,
        {"app/db_models.py": MODELS, "app/db.py": DATABASE, "app/crud.py": CRUD, "app/handlers.py": HEADER + handler},
    )


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_a_new_object_with_an_unloaded_collection_is_reported(name: str, tmp_path: Path) -> None:
    handler, line = REPORTED[name]
    root = _project(tmp_path / "project", handler)
    expected = len(HEADER.splitlines()) + line
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == [expected]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == expected, outcome


@pytest.mark.parametrize("name", sorted(SILENT))
def test_what_runs_no_sql_stays_silent(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", SILENT[name])
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


def test_a_failing_return_with_an_unknown_at_the_position_trusts_nothing(tmp_path: Path) -> None:
    # `return existing, "taken"` puts what an unfollowed call gave at position 0: the new object
    # of the other return is not all the caller may get there.
    handler = """\
async def handle(session: AsyncSession) -> int:
    member, error = await register_or_existing(session, "new")
    if member is None:
        return 0
    return len(member.notes)
"""
    crud = CRUD.replace(
        "    return (await db.scalars(select(Member).where(Member.name == name))).first()\n",
        "    return await registry.find(db, name)\n",
    ).replace("from app.db_models import Member\n", "from app import registry\nfrom app.db_models import Member\n")
    root = write_project(
        tmp_path / "project",
        {"app/db_models.py": MODELS, "app/db.py": DATABASE, "app/crud.py": crud, "app/handlers.py": HEADER + handler},
    )
    assert findings_in(root, "app/handlers.py", "ASA301") == []
