"""Loader options a project call returns: `options=repository.eager_options()` (a method of a
repository object, a module function, the class's own method) passes what the callee's every
`return` gives (`return (selectinload(Team.coach),)`), so the query's loaders are known and a
relationship they leave out is judged.

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


class Coach(Base):
    __tablename__ = "coaches"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    captain_id: Mapped[int] = mapped_column(ForeignKey("players.id"))
    coach_id: Mapped[int] = mapped_column(ForeignKey("coaches.id"))
    captain: Mapped[Player] = relationship()
    coach: Mapped[Coach] = relationship()
"""

REPOSITORY = """\
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlalchemy.orm.interfaces import ORMOption

from app.models import Team


def coach_options() -> tuple[ORMOption, ...]:
    return (selectinload(Team.coach),)


def staff_options(with_captain: bool) -> list[ORMOption]:
    if with_captain:
        return [selectinload(Team.coach), selectinload(Team.captain)]
    return [selectinload(Team.coach)]


class TeamRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def eager_options(self) -> tuple[ORMOption, ...]:
        return (selectinload(Team.coach),)

    def all_options(self) -> tuple[ORMOption, ...]:
        return (selectinload(Team.coach), selectinload(Team.captain))

    async def get_by_id(self, id: int, *, options: Sequence[ORMOption] = ()) -> Team | None:
        statement = select(Team).where(Team.id == id).options(*options)
        result = await self.session.execute(statement)
        return result.scalar_one_or_none()

    async def captain_of(self, id: int) -> str:
        team = await self.get_by_id(id, options=self.eager_options())
        assert team is not None
        return team.captain.name
"""


def _handler(options: str) -> str:
    return f"""\
from sqlalchemy.ext.asyncio import AsyncSession

from app.repository import TeamRepository, coach_options, staff_options


async def captain_name(session: AsyncSession) -> str:
    repository = TeamRepository(session)
    team = await repository.get_by_id(1, options={options})
    assert team is not None
    return team.captain.name
"""


@pytest.mark.parametrize(
    ("options", "error"),
    [
        ("repository.eager_options()", "MissingGreenlet"),
        ("coach_options()", "MissingGreenlet"),
        ("repository.all_options()", None),
        # A loader on one `return` only is maybe there: not judged (and here it runs clean).
        ("staff_options(True)", None),
    ],
)
def test_options_a_call_returns_are_the_querys_loaders(options: str, error: str | None, tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {"app/models.py": MODELS, "app/repository.py": REPOSITORY, "app/handlers.py": _handler(options)},
    )
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome
    expected = [10] if error == "MissingGreenlet" else []
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == expected


def test_options_of_the_classs_own_method(tmp_path: Path) -> None:
    """`self.eager_options()` inside the repository: dispatched on its own class."""
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.repository import TeamRepository


async def captain_name(session: AsyncSession) -> str:
    return await TeamRepository(session).captain_of(1)
"""
    root = write_project(
        tmp_path / "project",
        {"app/models.py": MODELS, "app/repository.py": REPOSITORY, "app/handlers.py": handler},
    )
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    assert [f.line for f in findings_in(root, "app/repository.py", "ASA301")] == [40]
