"""Module-level type aliases of a session class are evidence, as the annotation they stand for."""

from __future__ import annotations

from pathlib import Path

from conftest import findings_in, write_project

DEPS = """\
from typing import Annotated, Optional

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_session

SessionDep = Annotated[AsyncSession, Depends(get_session)]
MaybeSession = AsyncSession | None
OptionalSession = Optional[AsyncSession]
"""

HANDLERS = """\
from app.deps import MaybeSession, OptionalSession, SessionDep


async def close_orders(session: SessionDep) -> None:
    async with session.begin():
        await session.commit()


async def close_users(session: MaybeSession) -> None:
    async with session.begin():
        await session.rollback()


async def close_groups(session: OptionalSession) -> None:
    async with session.begin():
        await session.commit()
"""


def test_session_aliases_from_another_module_are_sessions(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/deps.py": DEPS, "app/handlers.py": HANDLERS})
    assert [(f.line, f.code) for f in findings_in(root, "app/handlers.py", "ASA401")] == [
        (6, "ASA401"),
        (11, "ASA401"),
        (16, "ASA401"),
    ]


def test_type_statement_alias_is_a_session(tmp_path: Path) -> None:
    source = """\
from sqlalchemy.ext.asyncio import AsyncSession

type Db = AsyncSession


async def close(session: Db) -> None:
    async with session.begin():
        await session.commit()
"""
    root = write_project(tmp_path / "project", {"app/handlers.py": source})
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA401")] == [8]


def test_values_that_only_look_like_aliases_are_not_evidence(tmp_path: Path) -> None:
    source = """\
from sqlalchemy.ext.asyncio import AsyncSession

SESSION_TYPES = {"default": AsyncSession}
Chosen = SESSION_TYPES["default"]
Flags = READ | WRITE


async def open_one(engine, db: Flags):
    async with db.begin():
        await db.commit()
    return Chosen(engine)
"""
    root = write_project(tmp_path / "project", {"app/handlers.py": source})
    assert findings_in(root, "app/handlers.py") == []
