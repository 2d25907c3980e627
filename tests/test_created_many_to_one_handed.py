"""ASA301 on a new object's many-to-one read by a callee it is handed to, or by a caller it is
returned to.

A direct read of a new object's many-to-one is not judged: while its foreign key is None the
read gives None without SQL. The same holds where a helper reads it (`describe(member)`) or the
object comes back from the project function that built it: the read is judged only when the code
gave the key (a keyword, a later assignment, a `**` spread that may hold it). Each handler is
linted, then run against real SQLAlchemy with aiosqlite.
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


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String)


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"), nullable=True)
    team: Mapped[Team | None] = relationship()
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

CRUD = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Member


def describe(member: Member) -> str:
    team = member.team
    return team.name if team is not None else member.name


async def create(db: AsyncSession, name: str) -> Member:
    member = Member(name=name)
    db.add(member)
    await db.commit()
    await db.refresh(member)
    return member


async def create_in(db: AsyncSession, name: str, team_id: int) -> Member:
    member = Member(name=name, team_id=team_id)
    db.add(member)
    await db.commit()
    await db.refresh(member)
    return member
"""

HEADER = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.crud import create, create_in, describe
from app.db_models import Member


"""

SILENT = {
    "handed_here": """\
async def handle(session: AsyncSession) -> str:
    member = Member(name="new")
    session.add(member)
    await session.commit()
    await session.refresh(member)
    return describe(member)
""",
    "handed_after_a_flush": """\
async def handle(session: AsyncSession) -> str:
    member = Member(name="new")
    session.add(member)
    await session.flush()
    return describe(member)
""",
    "returned_then_handed": """\
async def handle(session: AsyncSession) -> str:
    member = await create(session, "new")
    return describe(member)
""",
    "returned_then_read": """\
async def handle(session: AsyncSession) -> object:
    member = await create(session, "new")
    return member.team
""",
}

REPORTED = {
    "key_given": (
        """\
async def handle(session: AsyncSession) -> str:
    member = Member(name="new", team_id=1)
    session.add(member)
    await session.commit()
    await session.refresh(member)
    return describe(member)
""",
        6,
    ),
    "key_set_later": (
        """\
async def handle(session: AsyncSession) -> str:
    member = Member(name="new")
    member.team_id = 1
    session.add(member)
    await session.flush()
    return describe(member)
""",
        6,
    ),
    "key_in_a_spread": (
        """\
async def handle(session: AsyncSession) -> str:
    data = {"name": "new", "team_id": 1}
    member = Member(**data)
    session.add(member)
    await session.flush()
    return describe(member)
""",
        6,
    ),
    "key_set_by_setattr": (
        """\
async def handle(session: AsyncSession) -> str:
    member = Member(name="new")
    column = "team_id"
    setattr(member, column, 1)
    session.add(member)
    await session.flush()
    return describe(member)
""",
        7,
    ),
    "returned_with_its_key": (
        """\
async def handle(session: AsyncSession) -> str:
    member = await create_in(session, "new", 1)
    return describe(member)
""",
        3,
    ),
}


def _project(root: Path, handler: str) -> Path:
    return write_project(
        root,
        {"app/db_models.py": MODELS, "app/db.py": DATABASE, "app/crud.py": CRUD, "app/handlers.py": HEADER + handler},
    )


@pytest.mark.parametrize("name", sorted(SILENT))
def test_a_many_to_one_left_without_its_key_is_not_judged(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", SILENT[name])
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_a_many_to_one_given_its_key_is_a_lazy_load(name: str, tmp_path: Path) -> None:
    handler, line = REPORTED[name]
    root = _project(tmp_path / "project", handler)
    expected = len(HEADER.splitlines()) + line
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == [expected]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
