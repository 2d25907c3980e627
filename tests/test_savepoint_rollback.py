"""ASA302 after a savepoint's rollback: `nested = await session.begin_nested()` (or `async with
session.begin_nested() as nested:`), a change to an object, then `await nested.rollback()`
expires the objects changed in the savepoint, and only those. Each case is linted, then run
against real SQLAlchemy with aiosqlite: a MissingGreenlet on the reported line, or a clean run
where the rule stays silent."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

#: A factory that keeps objects on commit: only the savepoint's rollback expires anything here.
DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

#: A change flushed in the savepoint, rolled back: the object is expired.
FLUSHED = """\
from app.db import SessionLocal
from app.db_models import User


async def rename(name: str) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        nested = await session.begin_nested()
        user.name = name
        await session.flush()
        await nested.rollback()
        return user.name  # ASA302
"""

#: The savepoint of `async with`, rolled back in the block: the change is not flushed.
ENTERED = """\
from app.db import SessionLocal
from app.db_models import User


async def rename(name: str) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        async with session.begin_nested() as nested:
            user.name = name
            if name:
                await nested.rollback()
        return user.name  # ASA302
"""

#: A collection of the object grown in the savepoint: the object is changed.
GROWN = """\
from app.db import SessionLocal
from app.db_models import Address, User


async def move(city: str) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        nested = await session.begin_nested()
        user.addresses.append(Address(city=city))
        await session.flush()
        await nested.rollback()
        return user.name  # ASA302
"""

#: An object the caller handed over, changed in the callee's savepoint (the entry point runs first).
RECEIVED = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import User


async def rename(name: str) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        assert user is not None
        return await _try_rename(session, user, name)


async def _try_rename(session: AsyncSession, user: User, name: str) -> str:
    nested = await session.begin_nested()
    user.name = name
    await session.flush()
    if name:
        await nested.rollback()
    return user.name  # ASA302
"""

#: Only another object changed in the savepoint: this one keeps its state.
OTHER_CHANGED = """\
from app.db import SessionLocal
from app.db_models import Product, User


async def rename(name: str) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        product = await session.get(Product, 1)
        nested = await session.begin_nested()
        product.name = name
        await session.flush()
        await nested.rollback()
        return user.name
"""

#: Changed before the savepoint began (`begin_nested()` flushes it first): not expired.
CHANGED_BEFORE = """\
from app.db import SessionLocal
from app.db_models import User


async def rename(name: str) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        user.name = name
        nested = await session.begin_nested()
        await nested.rollback()
        return user.name
"""

#: A savepoint committed (released) expires nothing.
RELEASED = """\
from app.db import SessionLocal
from app.db_models import User


async def rename(name: str) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        nested = await session.begin_nested()
        user.name = name
        await nested.commit()
        return user.name
"""


@pytest.mark.parametrize(
    "handler",
    [FLUSHED, ENTERED, GROWN, RECEIVED, OTHER_CHANGED, CHANGED_BEFORE, RELEASED],
    ids=["flushed", "entered", "grown", "received", "other-changed", "changed-before", "released"],
)
def test_a_savepoint_rollback_expires_what_was_changed_in_it(handler: str, tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": handler})
    expected = expected_lines(handler, "ASA302")
    findings = findings_in(root, "app/handlers.py", "ASA302")
    assert [finding.line for finding in findings] == expected
    outcome = run_example(root, "app/handlers.py")
    if expected:
        assert outcome["error"] == "MissingGreenlet", outcome
        assert outcome["line"] in expected, outcome
        assert "a savepoint of session" in findings[0].message
    else:
        assert outcome["error"] is None, outcome
