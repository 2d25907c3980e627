"""Formatting an ORM object (`f"{obj}"`, `str(obj)`, `repr(obj)`, `print(obj)`) runs its model's
`__str__` or `__repr__`: their reads of the object are judged as a method's (ASA301, ASA302).
Linted, then run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlmodel import Field, SQLModel


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Player(Base):
    __tablename__ = "players"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    team: Mapped[Team] = relationship()

    def __str__(self) -> str:
        return f"{self.name} of {self.team.name}"

    def __repr__(self) -> str:
        return f"<Player {self.name}>"


class Coach(Base):
    __tablename__ = "coaches"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]

    def __repr__(self) -> str:
        return f"<Coach {self.id} {self.name}>"


class Referee(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str

    def __repr__(self) -> str:
        return f"<Referee {self.name}>"
"""

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
"""

HEADER = """\
from sqlalchemy.orm import selectinload

from app.db import SessionLocal
from app.models import Coach, Player, Referee


"""

#: Each scenario's first function is what the harness runs; the marked line is where it raises.
FAILING = {
    "repr_conversion": """\
async def main() -> str:
    async with SessionLocal() as session:
        coach = Coach(name="new")
        session.add(coach)
        await session.commit()
        return f"made {coach!r}"  # ASA302
""",
    "str_falls_back_to_repr": """\
async def main() -> str:
    async with SessionLocal() as session:
        coach = Coach(name="new")
        session.add(coach)
        await session.commit()
        return f"made {coach}"  # ASA302
""",
    "repr_call": """\
async def main() -> str:
    async with SessionLocal() as session:
        coach = await session.get(Coach, 1)
        coach.name = "renamed"
        await session.commit()
        return repr(coach)  # ASA302
""",
    "str_reads_a_relationship": """\
async def main() -> str:
    async with SessionLocal() as session:
        player = await session.get(Player, 1)
        return str(player)  # ASA301
""",
    "printed": """\
async def main() -> None:
    async with SessionLocal() as session:
        player = await session.get(Player, 2)
        print(player)  # ASA301
""",
}

CLEAN = """\
async def main() -> str:
    async with SessionLocal() as session:
        coach = Coach(name="new")
        referee = Referee(name="new")
        session.add_all([coach, referee])
        await session.commit()
        await session.refresh(coach)
        player = await session.get(Player, 1, options=[selectinload(Player.team)])
        return f"{player} {player!r} {coach} {referee}"
"""


def _project(root: Path, handler: str) -> Path:
    return write_project(root, {"app/db.py": DB, "app/models.py": MODELS, "app/handlers.py": HEADER + handler})


@pytest.mark.parametrize("name", sorted(FAILING))
def test_formatting_an_object_runs_its_model_s_str_or_repr_and_their_reads(name: str, tmp_path: Path) -> None:
    source = HEADER + FAILING[name]
    root = _project(tmp_path / name, FAILING[name])
    code = "ASA301" if "# ASA301" in source else "ASA302"
    findings = findings_in(root, "app/handlers.py", code)
    assert [finding.line for finding in findings] == expected_lines(source, code)
    assert "reads it" in findings[0].message or "read on" in findings[0].message
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", expected_lines(source, code)[0])


def test_formatting_loaded_refreshed_and_sqlmodel_objects_reads_nothing_unloaded(tmp_path: Path) -> None:
    # `player.team` is loaded; `coach` is refreshed; a SQLModel's `__str__` is pydantic's, which
    # reads the instance's dict (no expired attribute loads) and never calls the model's `__repr__`.
    root = _project(tmp_path / "clean", CLEAN)
    assert findings_in(root, "app/handlers.py") == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}
