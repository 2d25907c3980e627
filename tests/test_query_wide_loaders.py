"""A loading wildcard on the queried entity (`selectinload("*")`) loads the relationships of the
query at every depth, as far as a relationship back to a mapper already on the path; below a
path (`selectinload(A.b).selectinload("*")`) it reaches its own depth only.

Each case is run against real SQLAlchemy with aiosqlite (the runtime harness) and checked by the
linter: a MissingGreenlet where ASA301 reports, a clean run where it stays silent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Owner(Base):
    __tablename__ = "owners"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"))
    owner: Mapped[Owner] = relationship()


class Participant(Base):
    __tablename__ = "participants"
    id: Mapped[int] = mapped_column(primary_key=True)
    card_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    card: Mapped[Document] = relationship()
    teams: Mapped[list["Team"]] = relationship(back_populates="captain")


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    captain_id: Mapped[int] = mapped_column(ForeignKey("participants.id"))
    captain: Mapped[Participant] = relationship(back_populates="teams")
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""


def _project(root: Path, handler: str) -> Path:
    return write_project(root, {"app/models.py": MODELS, "app/db.py": DATABASE, "app/handlers.py": handler})


@pytest.mark.parametrize(
    ("options", "read", "error"),
    [
        # A loading wildcard on the queried entity reaches every depth: the captain, the card
        # under it and the owner under that.
        ('selectinload("*")', "team.captain.card.owner.name", None),
        ('joinedload("*")', "team.captain.card.owner.name", None),
        # It stops at a relationship back to a mapper already on the path, as eager loaders do.
        ('selectinload("*")', "len(team.captain.teams)", "MissingGreenlet"),
        # Below a path, a wildcard reaches its own depth only.
        ('selectinload(Team.captain).selectinload("*")', "team.captain.card.id", None),
        ('selectinload(Team.captain).selectinload("*")', "team.captain.card.owner.name", "MissingGreenlet"),
    ],
)
def test_a_loading_wildcard_on_the_queried_entity_reaches_every_depth(
    options: str, read: str, error: str | None, tmp_path: Path
) -> None:
    handler = f"""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app.models import Team


async def describe(session: AsyncSession) -> object:
    query = select(Team).where(Team.id == 1).options({options})
    team = (await session.scalars(query)).unique().one()
    return {read}
"""
    root = _project(tmp_path / "project", handler)
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome
    expected = [11] if error == "MissingGreenlet" else []
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == expected
