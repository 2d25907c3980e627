"""Objects a classmethod of an active-record base gets by key (`await session.get(cls, ident)`,
called as `Worker.get_by_id(session, 1)`), and methods run on a parameter annotated with a union
of classes (`request: Approve | Deny`, or an alias of one, `Request = Union[Approve, Deny]`):
each member's method may run, so what any of them reads off the object it is handed counts.
Linted, then run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

#: A base whose classmethod gets the row of the class it is called on by key.
MODELS = """\
from typing_extensions import Self

from sqlalchemy import ForeignKey
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    @classmethod
    async def get_by_id(cls, session: AsyncSession, ident: int) -> Self:
        found = await session.get(cls, ident)
        if found is None:
            raise LookupError(ident)
        return found


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Worker(Base):
    __tablename__ = "workers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id"))
    team: Mapped[Team] = relationship()
"""

#: Two requests the API accepts for a worker: only `Describe` reads its team.
REQUESTS = """\
from typing import Annotated, Literal, Union

from pydantic import BaseModel, Field

from app.db_models import Worker


class Describe(BaseModel):
    method: Literal["describe"] = "describe"

    async def apply(self, worker: Worker) -> str:
        return worker.team.name


class Rename(BaseModel):
    method: Literal["rename"] = "rename"

    async def apply(self, worker: Worker) -> str:
        worker.name = "renamed"
        return worker.name


WorkerRequest = Union[Describe, Rename]
TaggedRequest = Annotated[Describe | Rename, Field(discriminator="method")]
RenameOnly = Union[Rename, None]
"""


def _project(tmp_path: Path, handler: str) -> Path:
    files = {
        "app/db.py": DB,
        "app/db_models.py": MODELS,
        "app/requests.py": REQUESTS,
        "app/handlers.py": handler,
    }
    return write_project(tmp_path, files)


def test_an_object_a_base_classmethod_gets_by_key_is_of_the_class_the_call_names(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import Worker


async def team_name() -> str:
    async with SessionLocal() as session:
        worker = await Worker.get_by_id(session, 1)
        return worker.team.name  # ASA301
"""
    root = _project(tmp_path / "project", handler)
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")]
    assert lines == expected_lines(handler, "ASA301")
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0]), outcome


@pytest.mark.parametrize(
    "annotation",
    ["Describe | Rename", "WorkerRequest", "TaggedRequest", "requests.WorkerRequest"],
    ids=["inline-union", "union-alias", "annotated-union-alias", "alias-through-module"],
)
def test_a_method_run_on_a_union_receiver_reads_what_any_member_reads(tmp_path: Path, annotation: str) -> None:
    handler = f"""\
from sqlalchemy.ext.asyncio import AsyncSession

from app import requests
from app.db import SessionLocal
from app.db_models import Worker
from app.requests import Describe, Rename, TaggedRequest, WorkerRequest


async def describe_first() -> str:
    async with SessionLocal() as session:
        return await _apply(session, Describe())


async def _apply(session: AsyncSession, request: {annotation}) -> str:
    worker = await session.get(Worker, 1)
    assert worker is not None
    return await request.apply(worker)  # ASA301
"""
    root = _project(tmp_path / "project", handler)
    findings = findings_in(root, "app/handlers.py", "ASA301")
    assert [finding.line for finding in findings] == expected_lines(handler, "ASA301")
    assert "Describe.apply()" in findings[0].message
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome


def test_a_union_whose_members_read_nothing_unloaded_is_silent(tmp_path: Path) -> None:
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import Worker
from app.requests import Rename, RenameOnly


async def rename_first() -> str:
    async with SessionLocal() as session:
        return await _apply(session, Rename())


async def _apply(session: AsyncSession, request: RenameOnly) -> str:
    worker = await session.get(Worker, 1)
    assert worker is not None and request is not None
    return await request.apply(worker)
"""
    root = _project(tmp_path / "project", handler)
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome
