"""ASA302 on what a FastAPI route returns to its `response_model=` after a commit expired it: the
response model reads the object once the route returned, in the same request, outside any `await`.
Linted, then served through a real FastAPI application with SQLAlchemy and aiosqlite."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import expected_lines, findings_in, write_project

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)


async def get_db():
    async with SessionLocal() as session:
        yield session
"""

MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
"""

ROUTES = """\
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_db
from app.models import Team

router = APIRouter()


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str


@router.post("/teams/renamed", response_model=list[TeamOut])
async def rename_all(db: AsyncSession = Depends(get_db)):
    teams = (await db.scalars(select(Team))).all()
    await db.commit()
    return teams  # ASA302


@router.post("/teams", response_model=TeamOut)
async def create_team(db: AsyncSession = Depends(get_db)) -> Team:
    team = Team(name="new")
    db.add(team)
    await db.commit()
    return team  # ASA302


@router.patch("/teams/1", response_model=TeamOut)
async def rename_team(db: AsyncSession = Depends(get_db)) -> Team:
    team = await db.get(Team, 1)
    team.name = "renamed"
    await db.commit()
    return team  # ASA302


@router.get("/teams/1", response_model=TeamOut)
async def rename_and_reload(db: AsyncSession = Depends(get_db)) -> Team:
    team = await db.get(Team, 1)
    team.name = "reloaded"
    await db.commit()
    await db.refresh(team)
    return team


@router.put("/teams/1")
async def rename_without_schema(db: AsyncSession = Depends(get_db)) -> dict[str, str]:
    team = await db.get(Team, 1)
    await db.commit()
    return {"status": "ok"}
"""

#: Serves one request to each route through FastAPI and prints what each raised (or its status).
DRIVER = """\
import asyncio, json, sys
import httpx
from fastapi import FastAPI
from app.db import engine
from app.models import Base, Team
from app.routes import router

REQUESTS = [
    ("POST", "/teams"),
    ("PATCH", "/teams/1"),
    ("GET", "/teams/1"),
    ("PUT", "/teams/1"),
    ("POST", "/teams/renamed"),
]

async def main():
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        await connection.execute(Team.__table__.insert(), [{"id": 1, "name": "first"}])
    app = FastAPI()
    app.include_router(router)
    outcomes = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        for method, path in REQUESTS:
            try:
                response = await client.request(method, path)
            except Exception as error:
                outcomes[f"{method} {path}"] = [type(error).__name__, str(error)[:300]]
            else:
                outcomes[f"{method} {path}"] = [response.status_code, response.text]
    print(json.dumps(outcomes))

asyncio.run(main())
"""


def _project(root: Path) -> Path:
    return write_project(root, {"app/db.py": DB, "app/models.py": MODELS, "app/routes.py": ROUTES, "serve.py": DRIVER})


def test_a_returned_object_expired_by_the_commit_is_reported_where_the_route_returns_it(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    findings = findings_in(root, "app/routes.py", "ASA302")
    assert [finding.line for finding in findings] == expected_lines(ROUTES, "ASA302")
    assert all("by the response model TeamOut" in finding.message for finding in findings), findings


def test_the_response_model_raises_on_the_expired_object_and_not_after_a_refresh(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    completed = subprocess.run(
        [sys.executable, "serve.py"], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    outcomes = json.loads(completed.stdout.strip().splitlines()[-1])
    for route in ("POST /teams", "PATCH /teams/1", "POST /teams/renamed"):
        error, message = outcomes[route]
        # pydantic reads the attribute for the response model and reports SQLAlchemy's error.
        assert "MissingGreenlet" in error or "greenlet_spawn has not been called" in message, outcomes[route]
    assert outcomes["GET /teams/1"] == [200, '{"id":1,"name":"reloaded"}']
    assert outcomes["PUT /teams/1"] == [200, '{"status":"ok"}']


LISTED_MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    members: Mapped[list["Member"]] = relationship()


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
"""

#: The routes module's start: imports, the router, and a team schema that reads `members`.
TEAM_ROUTES_HEADER = """\
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db import get_db
from app.models import Team

router = APIRouter()


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    members: list[MemberOut]
"""

LISTED_ROUTES = (
    TEAM_ROUTES_HEADER
    + """

@router.get("/teams", response_model=list[TeamOut])
async def teams(db: AsyncSession = Depends(get_db)):
    result = await db.scalars(select(Team))
    return result.all()  # ASA301


@router.get("/loaded", response_model=list[TeamOut])
async def loaded_teams(db: AsyncSession = Depends(get_db)):
    result = await db.scalars(select(Team).options(selectinload(Team.members)))
    return result.all()
"""
)

LISTED_DRIVER = DRIVER.replace(
    DRIVER[DRIVER.index("REQUESTS = [") : DRIVER.index("]\n", DRIVER.index("REQUESTS = [")) + 1],
    'REQUESTS = [("GET", "/teams"), ("GET", "/loaded")]',
).replace('[{"id": 1, "name": "first"}]', '[{"id": 1}]')


def test_each_element_of_a_list_response_model_reads_what_the_query_did_not_load(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "p",
        {"app/db.py": DB, "app/models.py": LISTED_MODELS, "app/routes.py": LISTED_ROUTES, "serve.py": LISTED_DRIVER},
    )
    findings = findings_in(root, "app/routes.py", "ASA301")
    assert [finding.line for finding in findings] == expected_lines(LISTED_ROUTES, "ASA301")
    completed = subprocess.run(
        [sys.executable, "serve.py"], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    outcomes = json.loads(completed.stdout.strip().splitlines()[-1])
    error, message = outcomes["GET /teams"]
    assert "MissingGreenlet" in error or "greenlet_spawn has not been called" in message, outcomes
    assert outcomes["GET /loaded"] == [200, '[{"id":1,"members":[]}]']


HEROES = """\
from typing import Optional

from fastapi import APIRouter, Depends
from sqlmodel import Field, SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession

from app.db import get_db

router = APIRouter()


class Hero(SQLModel, table=True):
    id: Optional[int] = Field(default=None, primary_key=True)
    name: str


class HeroRead(SQLModel):
    id: int
    name: str


@router.post("/heroes", response_model=HeroRead)
async def create_hero(hero: Hero, db: AsyncSession = Depends(get_db)):
    db.add(hero)
    await db.commit()
    return hero  # ASA302


@router.post("/heroes/refreshed", response_model=HeroRead)
async def create_hero_refreshed(hero: Hero, db: AsyncSession = Depends(get_db)):
    db.add(hero)
    await db.commit()
    await db.refresh(hero)
    return hero
"""

HEROES_DB = DB.replace(
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine",
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    "from sqlmodel.ext.asyncio.session import AsyncSession",
).replace("async_sessionmaker(engine)", "async_sessionmaker(engine, class_=AsyncSession)")

HEROES_DRIVER = """\
import asyncio, json
import httpx
from fastapi import FastAPI
from sqlmodel import SQLModel
from app.db import engine
from app.heroes import router

async def main():
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
    app = FastAPI()
    app.include_router(router)
    outcomes = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        for path in ("/heroes", "/heroes/refreshed"):
            try:
                response = await client.post(path, json={"name": "Deadpond"})
            except Exception as error:
                outcomes[path] = [type(error).__name__, str(error)[:300]]
            else:
                outcomes[path] = [response.status_code, response.json()]
    print(json.dumps(outcomes))

asyncio.run(main())
"""


def test_a_request_body_model_added_and_committed_is_expired_for_the_response_model(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/db.py": HEROES_DB, "app/heroes.py": HEROES, "serve.py": HEROES_DRIVER})
    findings = findings_in(root, "app/heroes.py", "ASA302")
    assert [finding.line for finding in findings] == expected_lines(HEROES, "ASA302")
    completed = subprocess.run(
        [sys.executable, "serve.py"], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    outcomes = json.loads(completed.stdout.strip().splitlines()[-1])
    error, message = outcomes["/heroes"]
    assert "MissingGreenlet" in error or "greenlet_spawn has not been called" in message, outcomes
    assert outcomes["/heroes/refreshed"] == [200, {"id": 2, "name": "Deadpond"}]
