"""ASA301 after a call that loads a relationship on the object it is handed, behind a test of
whether it is loaded.

`await ensure_notes(db, member)` whose body refreshes `notes` wherever `inspect(member).unloaded`
names it (`if "notes" in state.unloaded: await db.refresh(member, ["notes"])`, or an early
`return` where it is loaded) leaves `notes` loaded on every path: the caller's read after it (and
its caller's, when it returns the object) loads nothing. A refresh under any other test, in a
loop, or after another early `return` loads it on some paths only, and the read stays judged.
Each handler is linted, then run against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Member(Base):
    __tablename__ = "members"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String)
    notes: Mapped[list["Note"]] = relationship()


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("members.id"))
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

CRUD = """\
from sqlalchemy import inspect
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Member


async def ensure_notes(db: AsyncSession, member: Member) -> None:
    state = inspect(member, raiseerr=False)
    if state is None or "notes" not in state.unloaded:
        return
    await db.refresh(member, ["notes"])


async def load_notes(db: AsyncSession, member: Member) -> None:
    if "notes" in inspect(member).unloaded:
        await db.refresh(member, ["notes"])


async def notes_if(db: AsyncSession, member: Member, wanted: bool) -> None:
    if wanted:
        await db.refresh(member, ["notes"])


async def notes_unless_named(db: AsyncSession, member: Member) -> None:
    if member.name == "new":
        return
    await db.refresh(member, ["notes"])


async def probe_other_name(db: AsyncSession, member: Member) -> None:
    if "tags" in inspect(member).unloaded:
        await db.refresh(member, ["notes"])


async def notes_in_a_conditional(db: AsyncSession, member: Member, wanted: bool) -> None:
    if "notes" in inspect(member).unloaded:
        await db.refresh(member, ["notes"]) if wanted else None


async def create(db: AsyncSession, name: str) -> Member:
    member = Member(name=name)
    db.add(member)
    await db.commit()
    await ensure_notes(db, member)
    return member
"""

HEADER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import asyncio

from app.crud import (
    create,
    ensure_notes,
    load_notes,
    notes_if,
    notes_in_a_conditional,
    notes_unless_named,
    probe_other_name,
)
from app.db_models import Member


"""

SILENT = {
    "returned_after_the_probe": """\
async def handle(session: AsyncSession) -> int:
    member = await create(session, "new")
    return len(member.notes)
""",
    "created_then_probed": """\
async def handle(session: AsyncSession) -> int:
    member = Member(name="new")
    session.add(member)
    await session.flush()
    await load_notes(session, member)
    return len(member.notes)
""",
    "queried_then_probed": """\
async def handle(session: AsyncSession) -> int:
    member = (await session.scalars(select(Member))).first()
    if member is None:
        return 0
    await ensure_notes(session, member)
    return len(member.notes)
""",
}

REPORTED = {
    "refreshed_under_a_flag": (
        """\
async def handle(session: AsyncSession) -> int:
    member = Member(name="new")
    session.add(member)
    await session.flush()
    await notes_if(session, member, False)
    return len(member.notes)
""",
        6,
    ),
    "refreshed_after_another_return": (
        """\
async def handle(session: AsyncSession) -> int:
    member = Member(name="new")
    session.add(member)
    await session.flush()
    await notes_unless_named(session, member)
    return len(member.notes)
""",
        6,
    ),
    "probed_on_one_path": (
        """\
async def handle(session: AsyncSession) -> int:
    member = Member(name="new")
    session.add(member)
    await session.flush()
    if member.name == "old":
        await load_notes(session, member)
    return len(member.notes)
""",
        7,
    ),
}


REPORTED.update(
    {
        "probed_for_another_relationship": (
            """\
async def handle(session: AsyncSession) -> int:
    member = Member(name="new")
    session.add(member)
    await session.flush()
    await probe_other_name(session, member)
    return len(member.notes)
""",
            6,
        ),
        "refreshed_in_a_conditional_expression": (
            """\
async def handle(session: AsyncSession) -> int:
    member = Member(name="new")
    session.add(member)
    await session.flush()
    await notes_in_a_conditional(session, member, False)
    return len(member.notes)
""",
            6,
        ),
        "probed_in_a_task_not_yet_run": (
            """\
async def handle(session: AsyncSession) -> int:
    member = Member(name="new")
    session.add(member)
    await session.flush()
    task = asyncio.create_task(load_notes(session, member))
    count = len(member.notes)
    await task
    return count
""",
            6,
        ),
    }
)


def _project(root: Path, handler: str) -> Path:
    return write_project(
        root,
        {"app/db_models.py": MODELS, "app/db.py": DATABASE, "app/crud.py": CRUD, "app/handlers.py": HEADER + handler},
    )


@pytest.mark.parametrize("name", sorted(SILENT))
def test_a_probed_refresh_in_a_callee_loads_the_relationship(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", SILENT[name])
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


@pytest.mark.parametrize("name", sorted(REPORTED))
def test_a_refresh_on_some_paths_only_loads_nothing_sure(name: str, tmp_path: Path) -> None:
    handler, line = REPORTED[name]
    root = _project(tmp_path / "project", handler)
    expected = len(HEADER.splitlines()) + line
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == [expected]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
