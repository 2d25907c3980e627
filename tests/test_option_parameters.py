"""A generic data-access method that takes its loader options as a parameter and hands them to
`session.get(self.model, key, options=options)`: a call that leaves the parameter at its None
default runs the query with no loader, so what its caller reads is judged; a call that passes
options is not (what they load is the caller's expression).

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


class Player(Base):
    __tablename__ = "players"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    captain_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    captain: Mapped[Player] = relationship()
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

DAO = """\
from collections.abc import Sequence
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.interfaces import ORMOption

from app.models import Base, Team

M = TypeVar("M", bound=Base)


class BaseDAO(Generic[M]):
    def __init__(self, model: type[M], session: AsyncSession) -> None:
        self.model = model
        self.session = session

    async def _get_by_id(self, id_: int, options: Sequence[ORMOption] | None = None) -> M:
        found = await self.session.get(self.model, id_, options=options)
        assert found is not None
        return found


class TeamDao(BaseDAO[Team]):
    def __init__(self, session: AsyncSession) -> None:
        super().__init__(Team, session)
"""


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("dao._get_by_id(1)", "MissingGreenlet"),
        ("dao._get_by_id(1, options=None)", "MissingGreenlet"),
        ("dao._get_by_id(1, options=[selectinload(Team.captain)])", None),
        ("dao._get_by_id(1, [selectinload(Team.captain)])", None),
    ],
)
def test_a_call_that_passes_no_options_gets_no_loader(call: str, error: str | None, tmp_path: Path) -> None:
    handler = f"""\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.dao import TeamDao
from app.models import Team


async def captain_name(session: AsyncSession) -> str:
    dao = TeamDao(session)
    team = await {call}
    return team.captain.name
"""
    root = write_project(
        tmp_path / "project",
        {"app/models.py": MODELS, "app/db.py": DATABASE, "app/dao.py": DAO, "app/handlers.py": handler},
    )
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome
    expected = [11] if error == "MissingGreenlet" else []
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == expected
