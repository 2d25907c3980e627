"""Rows of `session.execute()`: each is a Row, also for one entity, and the objects sit at the
positions of the entities in the select, among plain columns (`select(User, creator.id.label(
"by"))`). A Row gives its objects by index (`row[0]`), by unpacking and by the entity's class name
(`row.User`); `scalar_one()` gives the first column's object.

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


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    roles: Mapped[list["Role"]] = relationship()


class Role(Base):
    __tablename__ = "roles"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""


@pytest.mark.parametrize(
    ("query", "take"),
    [
        # An entity among columns that are no entities, read by index.
        ('select(User, creator.name.label("by"))', "row = result.one()\n    user = row[0]"),
        ('select(User, creator.name.label("by"))', "user, _ = result.one()"),
        # One entity: still a Row.
        ("select(User)", "row = result.one()\n    user = row[0]"),
        ("select(User)", "(user,) = result.one()"),
        ("select(User)", "user = result.first().User"),
        ("select(User, User.name)", "user = result.one().User"),
        ("select(User)", "user = result.scalar_one()"),
        ('select(User, creator.name.label("by"))', "user = result.scalar_one()"),
    ],
)
@pytest.mark.parametrize("loaded", [False, True])
def test_the_objects_of_a_row(query: str, take: str, loaded: bool, tmp_path: Path) -> None:
    options = ".options(selectinload(User.roles))" if loaded else ""
    handler = f"""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased, selectinload

from app.models import User


async def role_count(session: AsyncSession) -> int:
    creator = aliased(User)
    result = await session.execute({query}.where(User.id == 1).limit(1){options})
    {take}
    return len(user.roles)
"""
    root = write_project(
        tmp_path / "project", {"app/models.py": MODELS, "app/db.py": DATABASE, "app/handlers.py": handler}
    )
    line = handler.count("\n")
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == (None if loaded else "MissingGreenlet"), outcome
    assert outcome["line"] == (None if loaded else line), outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == ([] if loaded else [line])


@pytest.mark.parametrize("loaded", [False, True])
def test_scalars_of_an_execute_result_are_objects_not_rows(loaded: bool, tmp_path: Path) -> None:
    options = ".options(selectinload(User.roles))" if loaded else ""
    handler = f"""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import User


async def role_count(session: AsyncSession) -> int:
    users = (await session.execute(select(User).where(User.id == 1){options})).scalars().all()
    return len(users[0].roles)
"""
    root = write_project(
        tmp_path / "project", {"app/models.py": MODELS, "app/db.py": DATABASE, "app/handlers.py": handler}
    )
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == (None if loaded else "MissingGreenlet"), outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == ([] if loaded else [10])


@pytest.mark.parametrize(
    "take",
    [
        "row = result.one()\n        user = row[0]",
        "user, _ = result.one()",
        "user = result.one().User",
        "user = result.scalar_one()",
    ],
)
@pytest.mark.parametrize("expire_on_commit", [True, False])
def test_the_objects_of_a_row_expire_with_their_session(take: str, expire_on_commit: bool, tmp_path: Path) -> None:
    # ASA302 follows the same row objects: a commit of a default factory's session expires them.
    handler = f"""\
from sqlalchemy import select
from sqlalchemy.orm import aliased

from app.db import SessionLocal
from app.models import User


async def rename(user_id: int) -> str:
    async with SessionLocal() as session:
        creator = aliased(User)
        result = await session.execute(select(User, creator.name.label("by")).where(User.id == user_id).limit(1))
        {take}
        user.name = "renamed"
        await session.commit()
        return user.name
"""
    database = DATABASE if not expire_on_commit else DATABASE.replace(", expire_on_commit=False", "")
    root = write_project(
        tmp_path / "project", {"app/models.py": MODELS, "app/db.py": database, "app/handlers.py": handler}
    )
    line = handler.count("\n")
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == ("MissingGreenlet" if expire_on_commit else None), outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA302")] == ([line] if expire_on_commit else [])


@pytest.mark.parametrize(
    "take",
    [
        "for user, _ in await rows(session):\n        count += len(user.roles)",
        "count = sum(len(user.roles) for user, _ in await rows(session))",
        "found = await rows(session)\n    for user, _ in found:\n        count += len(user.roles)",
    ],
)
@pytest.mark.parametrize("loaded", [False, True])
def test_the_rows_a_project_function_returned_unpacked(take: str, loaded: bool, tmp_path: Path) -> None:
    # Each row of the list the callee returned gives its first entity first, as `row[0]` does.
    options = ".options(selectinload(User.roles))" if loaded else ""
    handler = f"""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import User


async def role_count(session: AsyncSession) -> int:
    count = 0
    {take}
    return count


async def rows(session: AsyncSession):
    result = await session.execute(select(User, User.name){options})
    return result.all()
"""
    root = write_project(
        tmp_path / "project", {"app/models.py": MODELS, "app/db.py": DATABASE, "app/handlers.py": handler}
    )
    line = next(n for n, text in enumerate(handler.splitlines(), 1) if "user.roles" in text)
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == (None if loaded else "MissingGreenlet"), outcome
    assert outcome["line"] == (None if loaded else line), outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == ([] if loaded else [line])


@pytest.mark.parametrize(
    ("rebuilt", "returned", "take"),
    [
        # Rebuilt in place, then unpacked in a loop.
        (
            "[(row[0], row[1]) for row in result.all()]",
            "pairs",
            "for user, _ in pairs:\n        count += len(user.roles)",
        ),
        # Returned beside a count, unpacked by the caller (the tuple the callee returns).
        (
            "[(row[0], row[1], None) for row in result.all()]",
            "pairs, len(pairs)",
            "found, _ = await rows(session)\n    for user, _, _ in found:\n        count += len(user.roles)",
        ),
        # The object at another position than the query's.
        (
            "[(row[1], row[0]) for row in result.all()]",
            "pairs",
            "for _, user in pairs:\n        count += len(user.roles)",
        ),
    ],
)
@pytest.mark.parametrize("loaded", [False, True])
def test_rows_rebuilt_as_tuples_keep_their_objects(
    rebuilt: str, returned: str, take: str, loaded: bool, tmp_path: Path
) -> None:
    options = ".options(selectinload(User.roles))" if loaded else ""
    inline = "await rows" not in take
    body = (
        f"result = await session.execute(select(User, User.name){options})\n    pairs = {rebuilt}\n    "
        if inline
        else ""
    )
    handler = f"""\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import User


async def role_count(session: AsyncSession) -> int:
    count = 0
    {body}{take}
    return count


async def rows(session: AsyncSession):
    result = await session.execute(select(User, User.name){options})
    pairs = {rebuilt}
    return {returned}
"""
    root = write_project(
        tmp_path / "project", {"app/models.py": MODELS, "app/db.py": DATABASE, "app/handlers.py": handler}
    )
    line = next(n for n, text in enumerate(handler.splitlines(), 1) if "user.roles" in text)
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == (None if loaded else "MissingGreenlet"), outcome
    assert outcome["line"] == (None if loaded else line), outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == ([] if loaded else [line])
