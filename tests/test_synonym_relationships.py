"""ASA301 and relationships reached through `synonym()`.

`roles = synonym("positions")` on a model makes `roles` another name of the `positions`
relationship: reading `user.roles`, replacing it (`user.roles = [...]`) or loading it with
`selectinload(User.roles)` is the same as doing it through `positions`. An unloaded read or a
replacement through the synonym is a lazy load (MissingGreenlet under asyncio); a loader named
through either name loads both. A synonym of a column, or one with its own `descriptor=`, is no
relationship. Each handler is linted, then run against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import Column, ForeignKey, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, synonym


class Base(DeclarativeBase):
    pass


memberships = Table(
    "memberships",
    Base.metadata,
    Column("member_id", ForeignKey("members.id"), primary_key=True),
    Column("team_id", ForeignKey("teams.id"), primary_key=True),
)


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str]


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    nickname: Mapped[str]
    teams = relationship("Team", secondary=memberships)
    groups = synonym("teams")
    handle = synonym("nickname")
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

HEADER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Member, Team


"""

UNLOADED = {
    "read_through_the_synonym": """\
async def handle(session: AsyncSession) -> int:
    member = (await session.scalars(select(Member).where(Member.id == 1))).one()
    return len(member.groups)
""",
    "replaced_on_a_flushed_new_object": """\
async def handle(session: AsyncSession) -> int:
    member = Member(id=10, nickname="new")
    session.add(member)
    await session.flush()
    teams = list((await session.scalars(select(Team))).all())
    member.groups = teams
    return member.id
""",
    "read_in_a_helper": """\
def count(member: Member) -> int:
    return len(member.groups)


async def handle(session: AsyncSession) -> int:
    member = (await session.scalars(select(Member).where(Member.id == 1))).one()
    return count(member)
""",
}

#: The lines of each UNLOADED handler that ASA301 reports and that lazy-loads.
UNLOADED_LINES = {
    "read_through_the_synonym": (3, 3),
    "replaced_on_a_flushed_new_object": (6, 6),
    "read_in_a_helper": (7, 2),
}

LOADED = {
    "loader_through_the_synonym": """\
async def handle(session: AsyncSession) -> int:
    query = select(Member).options(selectinload(Member.groups)).where(Member.id == 1)
    member = (await session.scalars(query)).one()
    return len(member.groups) + len(member.teams)
""",
    "loader_through_the_relationship": """\
async def handle(session: AsyncSession) -> int:
    query = select(Member).options(selectinload(Member.teams)).where(Member.id == 1)
    member = (await session.scalars(query)).one()
    return len(member.groups)
""",
    "refreshed_under_the_relationship_name": """\
async def handle(session: AsyncSession) -> int:
    member = (await session.scalars(select(Member).where(Member.id == 1))).one()
    await session.refresh(member, ["teams"])
    return len(member.groups)
""",
    "synonym_of_a_column": """\
async def handle(session: AsyncSession) -> str:
    member = (await session.scalars(select(Member).where(Member.id == 1))).one()
    return member.handle
""",
}


def _project(root: Path, handler: str, models: str = MODELS) -> Path:
    return write_project(root, {"app/db_models.py": models, "app/db.py": DATABASE, "app/handlers.py": HEADER + handler})


@pytest.mark.parametrize("name", sorted(UNLOADED))
def test_an_unloaded_relationship_through_a_synonym_is_a_lazy_load(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", UNLOADED[name])
    reported, raised = (len(HEADER.splitlines()) + line for line in UNLOADED_LINES[name])
    assert [finding.line for finding in findings_in(root, "app", "ASA301")] == [reported]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == raised, outcome


@pytest.mark.parametrize("name", sorted(LOADED))
def test_a_loaded_relationship_under_either_name_is_not_reported(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", LOADED[name])
    assert findings_in(root, "app", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


def test_the_refresh_a_finding_suggests_names_the_relationship_not_the_synonym(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", UNLOADED["replaced_on_a_flushed_new_object"])
    (finding,) = findings_in(root, "app", "ASA301")
    assert "Member.groups" in finding.message
    assert 'session.refresh(member, ["teams"])' in finding.message


def test_a_synonym_with_its_own_descriptor_is_no_relationship(tmp_path: Path) -> None:
    described = 'groups = synonym("teams", descriptor=property(lambda self: []))'
    models = MODELS.replace('groups = synonym("teams")', described)
    handler = """\
async def handle(session: AsyncSession) -> int:
    member = (await session.scalars(select(Member).where(Member.id == 1))).one()
    return len(member.groups)
"""
    root = _project(tmp_path / "project", handler, models)
    assert findings_in(root, "app", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome
