"""ASA301 on a get-or-create whose loaded side comes from a project call: `team = await
self._get_by_id(...)` on one path, `team = Team(...)` added and flushed on the other. The read
after the join is judged by the loaded side's source, whatever the other path binds; each case
runs against real SQLAlchemy with aiosqlite (the runtime harness)."""

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
    name: Mapped[str]
    captain_id: Mapped[int | None] = mapped_column(ForeignKey("players.id"))
    captain: Mapped[Player | None] = relationship()
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

#: A DAO whose get-or-create binds a row its own query loaded, or a new row it adds.
DAO = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import Team


async def team_label(session: AsyncSession) -> str:
    return await TeamDao(session).get_or_create(1)


class TeamDao:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def _get_by_id(self, team_id: int) -> Team:
        return (await self.session.execute(select(Team).where(Team.id == team_id){options})).scalar_one()

    async def get_or_create(self, team_id: int | None) -> str:
        if team_id is not None:
            team = await self._get_by_id(team_id)
        else:
            team = Team(name="new")
            self.session.add(team)
            await self.session.flush()
        return team.captain.name if team.captain else team.name
"""


@pytest.mark.parametrize("loaded", [False, True])
def test_the_loaded_side_of_a_get_or_create_is_judged(loaded: bool, tmp_path: Path) -> None:
    options = ".options(selectinload(Team.captain))" if loaded else ""
    dao = DAO.replace("{options}", options)
    root = write_project(tmp_path / "project", {"app/models.py": MODELS, "app/db.py": DATABASE, "app/dao.py": dao})
    line = dao.splitlines().index("        return team.captain.name if team.captain else team.name") + 1
    outcome = run_example(root, "app/dao.py")
    assert outcome["error"] == (None if loaded else "MissingGreenlet"), outcome
    assert outcome["line"] == (None if loaded else line), outcome
    assert [f.line for f in findings_in(root, "app/dao.py", "ASA301")] == ([] if loaded else [line])


def test_a_new_row_on_both_paths_is_not_a_loaded_one(tmp_path: Path) -> None:
    # Both paths build the row: nothing was loaded, and a new object's unset relationship loads
    # nothing before a flush gives it a key.
    dao = DAO.replace("{options}", "").replace(
        "            team = await self._get_by_id(team_id)\n", "            team = Team(name=str(team_id))\n"
    )
    dao = dao.replace("            self.session.add(team)\n            await self.session.flush()\n", "")
    root = write_project(tmp_path / "project", {"app/models.py": MODELS, "app/db.py": DATABASE, "app/dao.py": dao})
    assert run_example(root, "app/dao.py")["error"] is None
    assert findings_in(root, "app/dao.py", "ASA301") == []
