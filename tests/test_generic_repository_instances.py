"""ASA301 on the objects of a generic repository instance: `team_crud = CRUDBase(Team)` keeps the
class in `self.model`, and `self.model(...)`, `db.get(self.model, id)`, `select(self.model)` give
objects of the class the instance was built with (module level, on `self`, in the function, through
a subclass's `super().__init__(model)`). Linted, then served through FastAPI with SQLAlchemy (and
SQLModel) on aiosqlite."""

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
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


async def get_db():
    async with SessionLocal() as session:
        yield session
"""

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(default="t")
    members: Mapped[list["Member"]] = relationship()


class League(Base):
    __tablename__ = "leagues"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(default="l")
    members: Mapped[list["Member"]] = relationship(lazy="selectin")


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    league_id: Mapped[int | None] = mapped_column(ForeignKey("leagues.id"))
"""

CRUD = """\
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Base, League, Team

M = TypeVar("M", bound=Base)


class CRUDBase(Generic[M]):
    def __init__(self, model: type[M]) -> None:
        self.model = model

    async def get(self, db: AsyncSession, id: int) -> M | None:
        return await db.get(self.model, id)

    async def first(self, db: AsyncSession) -> M | None:
        return (await db.execute(select(self.model).order_by(self.model.id))).scalars().first()

    async def get_multi(self, db: AsyncSession) -> Sequence[M]:
        return (await db.execute(select(self.model))).scalars().all()

    async def create(self, db: AsyncSession, data: dict[str, Any]) -> M:
        db_obj = self.model(**data)
        db.add(db_obj)
        await db.commit()
        await db.refresh(db_obj)
        return db_obj

    async def update(self, db: AsyncSession, id: int, name: str) -> M | None:
        db_obj = await self.get(db, id)
        db_obj.name = name
        await db.commit()
        await db.refresh(db_obj)
        return db_obj


class Store(Generic[M]):
    def __init__(self, orm_class: type[M], label: str) -> None:
        self.orm_class = orm_class
        self.label = label

    async def one(self, db: AsyncSession, id: int) -> M | None:
        return (await db.scalars(select(self.orm_class).where(self.orm_class.id == id))).one_or_none()


class TeamStore(Store[Team]):
    def __init__(self, orm_class: type[Team], label: str) -> None:
        super().__init__(orm_class, label)


def pick_model() -> type[Base]:
    return League


team_crud = CRUDBase(Team)
league_crud = CRUDBase(League)
picked_crud = CRUDBase(pick_model())
team_store = TeamStore(Team, "teams")
keyword_store = Store(orm_class=Team, label="teams")
"""

ROUTES = """\
from fastapi import APIRouter, Depends
from pydantic import BaseModel, ConfigDict
from sqlalchemy.ext.asyncio import AsyncSession

from app.crud import CRUDBase, keyword_store, league_crud, picked_crud, team_crud, team_store
from app.db import get_db
from app.models import League, Team

router = APIRouter()


class MemberOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int


class TeamOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    members: list[MemberOut]


class Teams:
    def __init__(self) -> None:
        self.crud = CRUDBase(Team)

    async def fetch(self, db: AsyncSession) -> Team | None:
        return await self.crud.get(db, 1)


@router.post("/teams", response_model=TeamOut)
async def create_team(db: AsyncSession = Depends(get_db)):
    return await team_crud.create(db, {"name": "new"})  # ASA301


@router.get("/teams/1", response_model=TeamOut)
async def read_team(db: AsyncSession = Depends(get_db)):
    return await team_crud.get(db, 1)  # ASA301


@router.get("/teams/first", response_model=TeamOut)
async def first_team(db: AsyncSession = Depends(get_db)):
    return await team_crud.first(db)  # ASA301


@router.put("/teams/1", response_model=TeamOut)
async def rename_team(db: AsyncSession = Depends(get_db)):
    return await team_crud.update(db, 1, "renamed")  # ASA301


@router.get("/stores/1", response_model=TeamOut)
async def read_store(db: AsyncSession = Depends(get_db)):
    return await team_store.one(db, 1)  # ASA301


@router.get("/keyword/1", response_model=TeamOut)
async def read_keyword(db: AsyncSession = Depends(get_db)):
    return await keyword_store.one(db, 1)  # ASA301


@router.get("/service/1", response_model=TeamOut)
async def read_service(db: AsyncSession = Depends(get_db)):
    return await Teams().fetch(db)  # ASA301


@router.get("/local/1", response_model=TeamOut)
async def read_local(db: AsyncSession = Depends(get_db)):
    crud = CRUDBase(Team)
    return await crud.get(db, 1)  # ASA301


@router.get("/count")
async def count_members(db: AsyncSession = Depends(get_db)) -> int:
    teams = await team_crud.get_multi(db)
    return sum(len(team.members) for team in teams)  # ASA301


@router.get("/leagues/1", response_model=TeamOut)
async def read_league(db: AsyncSession = Depends(get_db)):
    return await league_crud.get(db, 1)


@router.post("/leagues", response_model=TeamOut)
async def create_league(db: AsyncSession = Depends(get_db)):
    return await CRUDBase(League).create(db, {"name": "new"})


@router.get("/picked/1", response_model=TeamOut)
async def read_picked(db: AsyncSession = Depends(get_db)):
    return await picked_crud.get(db, 1)
"""

#: Serves one request to each route through FastAPI and prints what each raised (or its status).
DRIVER = """\
import asyncio, json
import httpx
from fastapi import FastAPI
from app.db import engine
from app.models import Base, League, Member, Team
from app.routes import router

REQUESTS = [
    ("POST", "/teams"),
    ("GET", "/teams/1"),
    ("GET", "/teams/first"),
    ("PUT", "/teams/1"),
    ("GET", "/stores/1"),
    ("GET", "/keyword/1"),
    ("GET", "/service/1"),
    ("GET", "/local/1"),
    ("GET", "/count"),
    ("GET", "/leagues/1"),
    ("POST", "/leagues"),
    ("GET", "/picked/1"),
]

async def main():
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        await connection.execute(Team.__table__.insert(), [{"id": 1, "name": "first"}])
        await connection.execute(League.__table__.insert(), [{"id": 1, "name": "first"}])
        await connection.execute(Member.__table__.insert(), [{"id": 1, "team_id": 1, "league_id": 1}])
    app = FastAPI()
    app.include_router(router)
    outcomes = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        for method, path in REQUESTS:
            try:
                response = await client.request(method, path)
            except Exception as error:
                details = getattr(error, "errors", lambda: error)()
                outcomes[f"{method} {path}"] = [type(error).__name__, repr(details)[:600]]
            else:
                outcomes[f"{method} {path}"] = [response.status_code, response.text]
    print(json.dumps(outcomes))

asyncio.run(main())
"""

REPORTED = (
    "POST /teams",
    "GET /teams/1",
    "GET /teams/first",
    "PUT /teams/1",
    "GET /stores/1",
    "GET /keyword/1",
    "GET /service/1",
    "GET /local/1",
    "GET /count",
)


def _project(root: Path) -> Path:
    files = {"app/db.py": DB, "app/models.py": MODELS, "app/crud.py": CRUD, "app/routes.py": ROUTES}
    return write_project(root, {**files, "serve.py": DRIVER})


def _serve(root: Path) -> dict[str, list[object]]:
    completed = subprocess.run(
        [sys.executable, "serve.py"], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    outcomes: dict[str, list[object]] = json.loads(completed.stdout.strip().splitlines()[-1])
    return outcomes


def _lazy_load_failed(outcome: list[object]) -> bool:
    """The request raised SQLAlchemy's MissingGreenlet, itself or inside FastAPI's validation."""
    error, message = str(outcome[0]), str(outcome[1])
    return "MissingGreenlet" in error or "greenlet_spawn has not been called" in message


def test_the_objects_of_a_repository_instance_are_of_the_class_it_was_built_with(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    findings = findings_in(root, "app/routes.py", "ASA301")
    assert [finding.line for finding in findings] == expected_lines(ROUTES, "ASA301"), findings
    messages = {finding.line: finding.message for finding in findings}
    assert "Team.members" in messages[expected_lines(ROUTES, "ASA301")[0]]
    assert "created by create()" in messages[expected_lines(ROUTES, "ASA301")[0]]


def test_the_reported_routes_raise_and_the_silent_ones_serve(tmp_path: Path) -> None:
    outcomes = _serve(_project(tmp_path / "p"))
    for route in REPORTED:
        assert _lazy_load_failed(outcomes[route]), (route, outcomes[route])
    for route in ("GET /leagues/1", "POST /leagues", "GET /picked/1"):
        assert outcomes[route][0] == 200, (route, outcomes[route])


SQLMODEL_MODELS = """\
from sqlmodel import Field, Relationship, SQLModel


class Quest(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str
    rewards: list["Reward"] = Relationship(back_populates="quest")


class Reward(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    quest_id: int | None = Field(default=None, foreign_key="quest.id")
    quest: Quest | None = Relationship(back_populates="rewards")


class QuestCreate(SQLModel):
    name: str


class RewardRead(SQLModel):
    id: int


class QuestRead(SQLModel):
    id: int
    name: str
    rewards: list[RewardRead] | None = None
"""

SQLMODEL_CRUD = """\
from typing import Generic, TypeVar

from sqlmodel import SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

from app.models import Quest

ModelType = TypeVar("ModelType", bound=SQLModel)


class CRUDBase(Generic[ModelType]):
    def __init__(self, model: type[ModelType]):
        self.model = model

    async def get(self, db_session: AsyncSession, id: int) -> ModelType:
        response = await db_session.execute(select(self.model).where(self.model.id == id))
        return response.scalar_one()

    async def create(self, db_session: AsyncSession, obj_in: SQLModel) -> ModelType:
        db_obj = self.model.model_validate(obj_in)
        db_session.add(db_obj)
        await db_session.commit()
        await db_session.refresh(db_obj)
        return db_obj


class CRUDQuest(CRUDBase[Quest]):
    def __init__(self, model: type[Quest], label: str):
        super().__init__(model)
        self.label = label


quest_crud = CRUDQuest(Quest, "quests")
"""

SQLMODEL_ROUTES = """\
from fastapi import APIRouter, Depends
from sqlmodel.ext.asyncio.session import AsyncSession

from app import crud
from app.db import get_db
from app.models import QuestCreate, QuestRead

router = APIRouter()


@router.post("/quests", response_model=QuestRead)
async def create_quest(quest: QuestCreate, db: AsyncSession = Depends(get_db)):
    return await crud.quest_crud.create(db, quest)  # ASA301


@router.get("/quests/1", response_model=QuestRead)
async def read_quest(db: AsyncSession = Depends(get_db)):
    return await crud.quest_crud.get(db, 1)  # ASA301
"""

SQLMODEL_DB = DB.replace(
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine",
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    "from sqlmodel.ext.asyncio.session import AsyncSession",
).replace("async_sessionmaker(engine, ", "async_sessionmaker(engine, class_=AsyncSession, ")

SQLMODEL_DRIVER = """\
import asyncio, json
import httpx
from fastapi import FastAPI
from sqlmodel import SQLModel
from app.db import engine
from app.models import Quest
from app.routes import router

async def main():
    async with engine.begin() as connection:
        await connection.run_sync(SQLModel.metadata.create_all)
        await connection.execute(Quest.__table__.insert(), [{"id": 1, "name": "first"}])
    app = FastAPI()
    app.include_router(router)
    outcomes = {}
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://test") as client:
        for method, path, body in [("POST", "/quests", {"name": "new"}), ("GET", "/quests/1", None)]:
            try:
                response = await client.request(method, path, json=body)
            except Exception as error:
                details = getattr(error, "errors", lambda: error)()
                outcomes[f"{method} {path}"] = [type(error).__name__, repr(details)[:600]]
            else:
                outcomes[f"{method} {path}"] = [response.status_code, response.text]
    print(json.dumps(outcomes))

asyncio.run(main())
"""


def _sqlmodel_project(root: Path) -> Path:
    files = {
        "app/__init__.py": "",
        "app/crud/__init__.py": "from .quest import quest_crud\n",
        "app/crud/quest.py": SQLMODEL_CRUD,
        "app/db.py": SQLMODEL_DB,
        "app/models.py": SQLMODEL_MODELS,
        "app/routes.py": SQLMODEL_ROUTES,
    }
    return write_project(root, {**files, "serve.py": SQLMODEL_DRIVER})


def test_a_sqlmodel_repository_subclass_validates_and_selects_objects_of_its_model(tmp_path: Path) -> None:
    root = _sqlmodel_project(tmp_path / "p")
    findings = findings_in(root, "app/routes.py", "ASA301")
    assert [finding.line for finding in findings] == expected_lines(SQLMODEL_ROUTES, "ASA301"), findings
    assert all("Quest.rewards" in finding.message for finding in findings), findings
    outcomes = _serve(root)
    for route in ("POST /quests", "GET /quests/1"):
        assert _lazy_load_failed(outcomes[route]), (route, outcomes[route])
