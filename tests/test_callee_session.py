"""An object a project function returns from a session it opened and closed itself
(`async with factory() as s: ...; return obj`): the caller holds a detached object. A relationship
the callee's query did not load (ASA301), or a column the callee's commit expired (ASA302), cannot
be loaded any more: SQLAlchemy raises DetachedInstanceError. Linted, then run for real."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import expected_lines, findings_in, write_project

from alchemy_lint.rules.loading_examples import MODELS

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
KeepingSession = async_sessionmaker(engine, expire_on_commit=False)
"""

USERS = """\
from app.db import KeepingSession, SessionLocal
from app.db_models import User


async def find_user(user_id: int) -> User:
    async with SessionLocal() as session:
        return await session.get(User, user_id)


async def rename_user(user_id: int) -> User:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        user.name = "renamed"
        await session.commit()
        return user


async def rename_and_reload(user_id: int) -> User:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        user.name = "reloaded"
        await session.commit()
        await session.refresh(user)
        return user


async def rename_kept(user_id: int) -> User:
    async with KeepingSession() as session:
        user = await session.get(User, user_id)
        user.name = "kept"
        await session.commit()
        return user
"""

HANDLERS = """\
from app.users import find_user, rename_and_reload, rename_kept, rename_user


async def order_count() -> int:
    user = await find_user(1)
    return len(user.orders)  # ASA301


async def renamed() -> str:
    user = await rename_user(1)
    return user.name  # ASA302


async def reloaded() -> str:
    user = await rename_and_reload(1)
    return user.name


async def kept() -> str:
    user = await rename_kept(1)
    return user.name
"""

RUN = """\
import asyncio, json
from app.db import engine
from app.db_models import Base, User
from app import handlers

async def main():
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
        await connection.execute(User.__table__.insert(), [{"id": 1, "name": "first"}])
    outcomes = {}
    for name in ("order_count", "renamed", "reloaded", "kept"):
        try:
            outcomes[name] = [None, str(await getattr(handlers, name)())]
        except Exception as error:
            outcomes[name] = [type(error).__name__, str(error)[:200]]
    print(json.dumps(outcomes))

asyncio.run(main())
"""


def _project(root: Path) -> Path:
    files = {"app/db.py": DB, "app/db_models.py": MODELS, "app/users.py": USERS, "app/handlers.py": HANDLERS}
    return write_project(root, {**files, "run.py": RUN})


def test_what_a_callee_returns_from_its_own_closed_session_is_judged_by_the_callee(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    lazy = findings_in(root, "app/handlers.py", "ASA301")
    assert [finding.line for finding in lazy] == expected_lines(HANDLERS, "ASA301")
    assert "find_user()" in lazy[0].message
    expired = findings_in(root, "app/handlers.py", "ASA302")
    assert [finding.line for finding in expired] == expected_lines(HANDLERS, "ASA302")
    message = expired[0].message
    assert "rename_user(), which calls session.commit()" in message, message
    assert "refresh it in rename_user() before it returns it" in message, message


def test_the_detached_object_raises_where_reported_and_not_after_a_refresh_or_without_expiry(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    completed = subprocess.run(
        [sys.executable, "run.py"], cwd=root, capture_output=True, text=True, timeout=120, check=False
    )
    assert completed.returncode == 0, completed.stderr
    outcomes = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcomes["order_count"][0] == "DetachedInstanceError", outcomes
    assert outcomes["renamed"][0] == "DetachedInstanceError", outcomes
    assert outcomes["reloaded"] == [None, "reloaded"]
    assert outcomes["kept"] == [None, "kept"]
