"""ASA301 on a many-to-one whose target a route holds inside a collection parameter: a
dependency gives the route `tuple[Team, Member]` (a team and the caller's membership of it), and
another dependency loads the project of that team on the same request session. Reading
`project.team` gets the held team from the identity map, without SQL, exactly as when the route
takes `team: Team`. A route that holds no team (its tuple holds only memberships) lazy-loads it
(MissingGreenlet). Linted, then sent one request through FastAPI against real SQLAlchemy with
aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example
from test_reselected_rows import DB

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))


class Project(Base):
    __tablename__ = "projects"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    team: Mapped[Team] = relationship()
"""

DEPENDENCIES = """\
from collections.abc import AsyncIterator

from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.models import Member, Project, Team


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session


async def get_membership(db: AsyncSession = Depends(get_db)) -> tuple[Team, Member]:
    row = (await db.execute(select(Team, Member).join(Member, Member.team_id == Team.id).where(Team.id == 1))).first()
    assert row is not None
    team, member = row
    return team, member


async def get_team(db: AsyncSession = Depends(get_db)) -> Team:
    team = await db.get(Team, 1)
    assert team is not None
    return team


async def get_members(db: AsyncSession = Depends(get_db)) -> tuple[Member, Member]:
    first, second = (await db.scalars(select(Member).order_by(Member.id))).all()
    return first, second


async def get_project(db: AsyncSession = Depends(get_db)) -> Project:
    project = await db.scalar(select(Project).where(Project.team_id == 1))
    assert project is not None
    return project
"""

ROUTE = """\
from fastapi import Depends

from app.deps import {provider}, get_project
from app.models import Member, Project, Team


def describe(project: Project) -> str:
    return project.team.name


async def show(
    project: Project = Depends(get_project),
    held: {annotation} = Depends({provider}),
) -> dict:
    return {{"team": describe(project)}}
"""

#: The same route doing session work of its own before the read (a count on the request session).
WORKING_ROUTE = """\
from fastapi import Depends
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.deps import {provider}, get_db, get_project
from app.models import Member, Project, Team


def describe(project: Project) -> str:
    return project.team.name


async def show(
    project: Project = Depends(get_project),
    held: {annotation} = Depends({provider}),
    db: AsyncSession = Depends(get_db),
) -> dict:
    members = await db.scalar(select(func.count(Member.id)))
    return {{"team": describe(project), "members": members}}
"""

#: Annotations of the route's second parameter that hold the team, and their provider.
HOLDS_THE_TEAM = {
    "tuple": "tuple[Team, Member]",
    "quoted": '"tuple[Team, Member]"',
    "optional": "tuple[Team, Member] | None",
}


#: Each route: its source, the line of `describe()`'s read, the line of the call that hands it over.
ROUTES = {"plain": (ROUTE, 8, 15), "working": (WORKING_ROUTE, 10, 19)}


def _project(root: Path, annotation: str, provider: str, route: str = "plain") -> Path:
    return write_project(
        root,
        {
            "app/db.py": DB,
            "app/models.py": MODELS,
            "app/deps.py": DEPENDENCIES,
            "app/routes.py": ROUTES[route][0].format(annotation=annotation, provider=provider),
        },
    )


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("annotation", sorted(HOLDS_THE_TEAM))
def test_a_team_held_in_a_tuple_parameter_serves_the_many_to_one(annotation: str, route: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", HOLDS_THE_TEAM[annotation], "get_membership", route)
    assert run_example(root, "app/routes.py") == {"error": None, "line": None, "message": None}
    assert findings_in(root, "app/routes.py", "ASA301") == []


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_team_held_as_a_provided_parameter_serves_the_many_to_one(route: str, tmp_path: Path) -> None:
    """`team: Team` from a provider, in a route with or without session work of its own."""
    root = _project(tmp_path / "project", "Team", "get_team", route)
    assert findings_in(root, "app/routes.py", "ASA301") == []


@pytest.mark.parametrize("route", sorted(ROUTES))
def test_a_tuple_without_the_target_model_leaves_a_lazy_load(route: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", "tuple[Member, Member]", "get_members", route)
    outcome = run_example(root, "app/routes.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == ROUTES[route][1], outcome
    assert [f.line for f in findings_in(root, "app/routes.py", "ASA301")] == [ROUTES[route][2]]


def test_a_list_parameter_holds_its_element_model(tmp_path: Path) -> None:
    """`list[Team]` holds teams as much as `Team` does (lint only: the shape is the tuple's)."""
    root = _project(tmp_path / "project", "list[Team]", "get_membership")
    assert findings_in(root, "app/routes.py", "ASA301") == []
