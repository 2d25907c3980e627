"""ASA302 on an object a project function returns after its own commit expired it: the caller
gets it expired, and its first read loads it (MissingGreenlet). Linted, then run against real
SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
"""

SERVICE = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def rename(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    user.name = "renamed"
    await session.commit()
    return user


async def rename_and_reload(session: AsyncSession, user_id: int) -> User:
    user = await session.get(User, user_id)
    user.name = "reloaded"
    await session.commit()
    await session.refresh(user)
    return user


async def find(session: AsyncSession, user_id: int) -> User:
    return await session.get(User, user_id)


async def rename_through(session: AsyncSession, user_id: int) -> User:
    return await rename(session, user_id)


async def find_tracked(session: AsyncSession, user_id: int, *, track: bool = False) -> User:
    user = await session.get(User, user_id)
    if track:
        try:
            await session.commit()
        except Exception:
            await session.rollback()
    return user


async def register(session: AsyncSession, name: str) -> User:
    user = User(name=name)
    session.add(user)
    await session.commit()
    return user
"""

EXPIRED = """\
from app.db import SessionLocal
from app.service import register, rename, rename_through


async def main() -> str:
    async with SessionLocal() as session:
        user = await rename(session, 1)
        return user.name  # ASA302


async def registered() -> int:
    async with SessionLocal() as session:
        user = await register(session, "new")
        return user.id  # ASA302


async def through() -> str:
    async with SessionLocal() as session:
        user = await rename_through(session, 2)
        return user.name  # ASA302
"""

FRESH = """\
from app.db import SessionLocal
from app.service import find, find_tracked, rename, rename_and_reload


async def main() -> str:
    async with SessionLocal() as session:
        reloaded = await rename_and_reload(session, 1)
        first = reloaded.name
        renamed = await rename(session, 2)
        await session.refresh(renamed)
        found = await find(session, 2)
        tracked = await find_tracked(session, 1)
        return first + renamed.name + found.name + tracked.name
"""


def _project(root: Path, handler: str, db: str = DB) -> Path:
    return write_project(
        root, {"app/db.py": db, "app/db_models.py": MODELS, "app/service.py": SERVICE, "app/handlers.py": handler}
    )


def test_an_object_a_callee_returns_after_its_commit_is_expired_for_the_caller(tmp_path: Path) -> None:
    root = _project(tmp_path / "expired", EXPIRED)
    findings = findings_in(root, "app/handlers.py", "ASA302")
    assert [finding.line for finding in findings] == expected_lines(EXPIRED, "ASA302")
    assert "after rename(), which calls session.commit()" in findings[0].message
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", expected_lines(EXPIRED, "ASA302")[0])


def test_a_callee_that_refreshes_and_a_refresh_in_the_caller_leave_it_fresh(tmp_path: Path) -> None:
    root = _project(tmp_path / "fresh", FRESH)
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


RAISING_CALL = """\
from app.db import SessionLocal
from app.service import register


async def main() -> int:
    async with SessionLocal() as session:
        user = None
        try:
            user = await register(session, "new")
        except Exception:
            await session.rollback()
        return user.id if user is not None else 0


async def after_the_call() -> int:
    async with SessionLocal() as session:
        user = None
        try:
            user = await register(session, "new")
            await session.flush()
        except Exception:
            await session.rollback()
        return user.id if user is not None else 0  # ASA302
"""


def test_a_call_that_raises_binds_nothing_for_the_handler(tmp_path: Path) -> None:
    # When `register()` raises, `user` is still None in the handler; when the flush after it
    # raises, `user` is the committed object, and the rollback expires it. (The factory keeps
    # objects on commit: only the rollback expires them.)
    keeping = DB.replace("async_sessionmaker(engine)", "async_sessionmaker(engine, expire_on_commit=False)")
    root = _project(tmp_path / "raising", RAISING_CALL, keeping)
    messages = [finding.message for finding in findings_in(root, "app/handlers.py", "ASA302")]
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")] == expected_lines(
        RAISING_CALL, "ASA302"
    )
    assert all("rollback()" in message for message in messages)
