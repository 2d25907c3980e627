"""ASA301 on a collection a callee replaces on an object it is handed.

`member.tags = tags` on a persistent object loads the old collection first (SQLAlchemy keeps it
for the change's history): unloaded, that is a lazy load, `MissingGreenlet` in async code. The
caller's own assignment was reported; now a callee's is too, at the call that hands the object
over, naming the callee's line: an async or sync helper, a helper that hands it on, a model's
method; `member.tags += tags` reads the collection first. A new object added and flushed counts
as persistent, as for a read. The caller that refreshed or loaded the collection, a scalar
relationship or a column set, and a new object not yet flushed stay silent. Each handler is
linted, then run against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import Column, ForeignKey, Table
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


member_tags = Table(
    "member_tags",
    Base.metadata,
    Column("member_id", ForeignKey("members.id"), primary_key=True),
    Column("tag_id", ForeignKey("tags.id"), primary_key=True),
)


class Team(Base):
    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(primary_key=True)


class Tag(Base):
    __tablename__ = "tags"
    id: Mapped[int] = mapped_column(primary_key=True)


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    team_id: Mapped[int | None] = mapped_column(ForeignKey("teams.id"))
    team: Mapped[Team | None] = relationship()
    tags: Mapped[list[Tag]] = relationship(secondary=member_tags)

    def replace_tags(self, tags: list[Tag]) -> None:
        self.tags = tags
"""

HEADER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Member, Tag, Team


"""

HELPERS = """\


async def set_tags(session: AsyncSession, member: Member) -> None:
    tags = (await session.scalars(select(Tag))).all()
    member.tags = list(tags)


def put_tags(member: Member, tags: list[Tag]) -> None:
    member.tags = tags


async def assign(member: Member, tags: list[Tag]) -> None:
    put_tags(member, tags)


def put_team(member: Member, team: Team | None) -> None:
    member.team = team


def rename(member: Member, name: str) -> None:
    member.name = name


def add_tags(member: Member, tags: list[Tag]) -> None:
    member.tags += tags
"""

REPLACED = {
    "a_new_flushed_object_to_an_async_helper": """\
async def handle(session: AsyncSession) -> None:
    member = Member(name="new")
    session.add(member)
    await session.flush()
    await set_tags(session, member)
""",
    "a_loaded_object_to_a_sync_helper": """\
async def handle(session: AsyncSession) -> None:
    member = await session.get(Member, 1)
    assert member is not None
    tags = (await session.scalars(select(Tag))).all()
    put_tags(member, list(tags))
""",
    "a_loaded_object_through_a_helper_that_hands_it_on": """\
async def handle(session: AsyncSession) -> None:
    member = await session.get(Member, 1)
    assert member is not None
    tags = (await session.scalars(select(Tag))).all()
    await assign(member, list(tags))
""",
    "a_collection_grown_with_plus": """\
async def handle(session: AsyncSession) -> None:
    member = await session.get(Member, 1)
    assert member is not None
    tags = (await session.scalars(select(Tag))).all()
    add_tags(member, list(tags))
""",
    "a_model_method": """\
async def handle(session: AsyncSession) -> None:
    member = await session.get(Member, 1)
    assert member is not None
    tags = (await session.scalars(select(Tag))).all()
    member.replace_tags(list(tags))
""",
}

#: The line ASA301 reports in the handler, and where the replacement raises: a line of HELPERS
#: after the handler, or of the model's method in MODELS.
REPLACED_LINES = {
    "a_new_flushed_object_to_an_async_helper": (5, "helpers", 5),
    "a_loaded_object_to_a_sync_helper": (5, "helpers", 9),
    "a_loaded_object_through_a_helper_that_hands_it_on": (5, "helpers", 9),
    "a_collection_grown_with_plus": (5, "helpers", 25),
    "a_model_method": (5, "models", 37),
}

SILENT = {
    "the_caller_refreshed_it": """\
async def handle(session: AsyncSession) -> None:
    member = Member(name="new")
    session.add(member)
    await session.flush()
    await session.refresh(member, ["tags"])
    await set_tags(session, member)
""",
    "the_query_loaded_it": """\
async def handle(session: AsyncSession) -> None:
    member = (await session.scalars(select(Member).options(selectinload(Member.tags)))).first()
    assert member is not None
    tags = (await session.scalars(select(Tag))).all()
    put_tags(member, list(tags))
""",
    "a_scalar_relationship": """\
async def handle(session: AsyncSession) -> None:
    member = await session.get(Member, 1)
    assert member is not None
    team = await session.get(Team, 2)
    put_team(member, team)
""",
    "a_column": """\
async def handle(session: AsyncSession) -> None:
    member = await session.get(Member, 1)
    assert member is not None
    rename(member, "renamed")
""",
    "a_new_object_not_yet_flushed": """\
async def handle(session: AsyncSession) -> None:
    member = Member(name="new")
    session.add(member)
    put_tags(member, [])
    await session.flush()
""",
}


def _project(root: Path, handler: str) -> Path:
    files = {
        "app/__init__.py": "",
        "app/db_models.py": MODELS,
        "app/db.py": async_database(expire_on_commit=False),
        "app/handlers.py": HEADER + handler + HELPERS,
    }
    return write_project(root, files)


@pytest.mark.parametrize("name", sorted(REPLACED))
def test_a_callee_replacing_an_unloaded_collection_is_a_lazy_load(name: str, tmp_path: Path) -> None:
    handler = REPLACED[name]
    root = _project(tmp_path / "project", handler)
    reported, raised_in, raised = REPLACED_LINES[name]
    before = len(HEADER.splitlines())
    findings = findings_in(root, "app", "ASA301")
    assert [finding.line for finding in findings] == [before + reported]
    assert "Member.tags" in findings[0].message
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    if raised_in == "helpers":
        assert outcome["line"] == before + len(handler.splitlines()) + raised, outcome


def test_the_finding_names_the_callees_replacement(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", REPLACED["a_new_flushed_object_to_an_async_helper"])
    [finding] = findings_in(root, "app", "ASA301")
    assert "set_tags() replaces it at app/handlers.py:" in finding.message


@pytest.mark.parametrize("name", sorted(SILENT))
def test_a_loaded_collection_a_scalar_or_a_column_set_in_a_callee_is_not_reported(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", SILENT[name])
    assert findings_in(root, "app", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome
