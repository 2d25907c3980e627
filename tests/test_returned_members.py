"""A model's method or property that hands back what its object reaches (`return self.team`, a
list built from `self.elements`, a tuple of them) gives the caller that object: a read on it is
one on the path the caller's query loaded, or did not (`member.owner().members` is
`member.team.members`). Methods that hand back anything else leave the read unjudged. Executed
against SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import expected_lines, findings_in, write_project

MODELS = """\
from typing import List, Optional, Tuple

from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(default="")
    members: Mapped[List["Member"]] = relationship(back_populates="team")


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    team: Mapped[Team] = relationship(back_populates="members")
    badges: Mapped[List["Badge"]] = relationship(back_populates="member")

    def owner(self) -> Team:
        return self.team

    @property
    def squad(self) -> Team:
        return self.team

    def other(self) -> Optional[Team]:
        return Team(name="new")

    def badges_with_teams(self) -> List[Tuple["Badge", Optional[Team]]]:
        return [(badge, badge.issuer) for badge in self.badges]

    def issuers(self) -> List[Team]:
        if not self.badges:
            return []
        return sorted(
            [issuer for badge, issuer in self.badges_with_teams() if issuer],
            key=lambda team: team.name,
        )


class Badge(Base):
    __tablename__ = "badges"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
    issuer_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    member: Mapped[Member] = relationship(back_populates="badges")
    issuer: Mapped[Team] = relationship()
"""

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

HANDLERS = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import Badge, Member, Team


def count_issuer_members(member: Member) -> int:
    return sum(len(team.members) for team in member.issuers())


async def by_method(session: AsyncSession) -> int:
    query = select(Member).options(selectinload(Member.team))
    member = (await session.execute(query)).scalar_one()
    return len(member.owner().members)  # ASA301


async def by_property(session: AsyncSession) -> int:
    query = select(Member).options(selectinload(Member.team))
    member = (await session.execute(query)).scalar_one()
    return len(member.squad.members)  # ASA301


async def loaded_through_method(session: AsyncSession) -> int:
    query = select(Member).options(selectinload(Member.team).selectinload(Team.members))
    member = (await session.execute(query)).scalar_one()
    return len(member.owner().members)


async def new_object(session: AsyncSession) -> int:
    query = select(Member).options(selectinload(Member.team))
    member = (await session.execute(query)).scalar_one()
    made = member.other()
    return len(made.members) if made else 0


async def by_helper(session: AsyncSession) -> int:
    query = select(Member).options(selectinload(Member.badges).selectinload(Badge.issuer))
    member = (await session.execute(query)).scalar_one()
    return count_issuer_members(member)  # ASA301
"""

RUN = """\
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from app.db import SessionLocal, engine
from app.handlers import by_helper, by_method, by_property, loaded_through_method, new_object
from app.models import Badge, Base, Member, Team


async def main() -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with SessionLocal() as session:
        session.add_all([Team(id=1, name="a"), Member(id=1, team_id=1), Badge(id=1, member_id=1, issuer_id=1)])
        await session.commit()
    for handler in (by_method, by_property, loaded_through_method, new_object, by_helper):
        async with SessionLocal() as session:
            try:
                print(handler.__name__, await handler(session))
            except Exception as error:
                print(handler.__name__, type(getattr(error, "orig", None) or error).__name__)


asyncio.run(main())
"""


def _project(root: Path) -> Path:
    return write_project(
        root, {"app/__init__.py": "", "app/models.py": MODELS, "app/db.py": DB, "app/handlers.py": HANDLERS}
    )


def test_reads_through_what_a_method_hands_back(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")]
    assert lines == expected_lines(HANDLERS, "ASA301")


def test_the_helper_finding_names_the_whole_path(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    (finding,) = [f for f in findings_in(root, "app/handlers.py", "ASA301") if "count_issuer_members" in f.message]
    assert "selectinload(Member.badges).selectinload(Badge.issuer).selectinload(Team.members)" in finding.message


def test_the_reads_fail_at_runtime(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(root)], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.splitlines() == [
        "by_method MissingGreenlet",
        "by_property MissingGreenlet",
        "loaded_through_method 1",
        "new_object 0",
        "by_helper MissingGreenlet",
    ], done.stderr


def test_disagreeing_returns_leave_the_read_alone(tmp_path: Path) -> None:
    models = MODELS.replace(
        "    def owner(self) -> Team:\n        return self.team\n",
        "    def owner(self) -> Team:\n        if self.id:\n            return self.team\n"
        '        return Team(name="spare")\n',
    )
    root = write_project(
        tmp_path / "p", {"app/__init__.py": "", "app/models.py": models, "app/db.py": DB, "app/handlers.py": HANDLERS}
    )
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")]
    by_method = HANDLERS.splitlines().index("    return len(member.owner().members)  # ASA301") + 1
    assert by_method not in lines
    assert len(lines) == len(expected_lines(HANDLERS, "ASA301")) - 1


def test_expired_reads_are_not_judged_through_a_method(tmp_path: Path) -> None:
    """After a commit expired `member`, `member.owner()` fails inside the method (its read of
    `self.team`), not on `Team.name`: ASA302 does not follow the method's summary."""
    handlers = (
        "from sqlalchemy import select\n"
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n"
        "from app.models import Member\n\n\n"
        "async def after_commit(session: AsyncSession) -> str:\n"
        "    member = (await session.execute(select(Member))).scalar_one()\n"
        "    await session.commit()\n"
        "    return member.owner().name\n"
    )
    db = DB.replace("expire_on_commit=False", "expire_on_commit=True")
    root = write_project(
        tmp_path / "p", {"app/__init__.py": "", "app/models.py": MODELS, "app/db.py": db, "app/handlers.py": handlers}
    )
    assert [f.message for f in findings_in(root, "app/handlers.py", "ASA302") if "Team.name" in f.message] == []
