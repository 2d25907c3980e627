"""A provider or helper that hands its session out inside `begin()`: its uses vote for the unit of
work (ASA402), a callee's commit that ASA401 reports through a call does not vote, and ASA401's
message names the provider and where it opens `begin()`."""

from __future__ import annotations

from pathlib import Path

from conftest import findings_in, write_project

DB = """\
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

SessionLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"), expire_on_commit=False)


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session, session.begin():
        yield session


@asynccontextmanager
async def unit_of_work() -> AsyncIterator[AsyncSession]:
    async with SessionLocal.begin() as session:
        yield session
"""
ROUTES = """\
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_db


async def rename(user_id: int, session: Annotated[AsyncSession, Depends(get_db)]) -> None:
    await session.execute(rename_statement(user_id))


async def archive(user_id: int, session: Annotated[AsyncSession, Depends(get_db)]) -> None:
    await session.execute(archive_statement(user_id))


async def activate(user_id: int, db: AsyncSession = Depends(get_db)) -> None:
    await db.execute(activate_statement(user_id))
"""
COMMANDS = """\
from app.db import SessionLocal


async def purge() -> None:
    async with SessionLocal() as session:
        await session.execute(purge_statement())
        await session.commit()
"""


def _project(tmp_path: Path, files: dict[str, str], config: str = "") -> Path:
    return write_project(tmp_path / "project", {"app/db.py": DB, **files}, config)


def _reported(root: Path, path: str, code: str = "ASA402") -> list[tuple[int, str]]:
    return [(finding.line, finding.message) for finding in findings_in(root, path, code)]


def test_sessions_a_provider_hands_out_inside_begin_vote_for_the_unit_of_work(tmp_path: Path) -> None:
    # 3 routes take the provider's session, 1 command commits: the unit of work is the policy.
    root = _project(tmp_path, {"app/routes.py": ROUTES, "app/commands.py": COMMANDS})
    assert _reported(root, "app/commands.py") == [
        (
            7,
            "ASA402 session.commit() breaks the project's transaction policy, unit-of-work (auto: 1 commit() "
            "site vs 3 sessions handed out inside begin(), a two-thirds majority): wrap the work in "
            "`async with session.begin():` instead of calling commit()",
        )
    ]
    # The provider's own begin() serves its uses: no site of its own.
    assert _reported(root, "app/db.py") == []
    assert _reported(root, "app/routes.py") == []


def test_the_uses_not_the_providers_begin_break_an_explicit_policy(tmp_path: Path) -> None:
    root = _project(tmp_path, {"app/routes.py": ROUTES}, 'transaction-policy = "explicit"')
    assert _reported(root, "app/db.py") == []
    reported = _reported(root, "app/routes.py")
    assert [line for line, _ in reported] == [9, 13, 17]
    assert reported[2][1] == (
        "ASA402 parameter `db`, a session get_db() hands out inside begin(), breaks the project's transaction "
        'policy, explicit (transaction-policy = "explicit"): take a session that is not inside a begin() block '
        "and commit it explicitly"
    )


def test_async_with_a_helper_that_begins_is_a_unit_of_work_site(tmp_path: Path) -> None:
    jobs = """\
from app.db import unit_of_work


async def close_orders() -> None:
    async with unit_of_work() as session:
        await session.execute(close_statement())


async def open_orders() -> None:
    async with unit_of_work() as session:
        await session.execute(open_statement())


async def expire_orders() -> None:
    async with unit_of_work() as session:
        await session.execute(expire_statement())
"""
    root = _project(tmp_path, {"app/jobs.py": jobs, "app/commands.py": COMMANDS})
    (reported,) = _reported(root, "app/commands.py")
    assert "(auto: 1 commit() site vs 3 sessions handed out inside begin(), a two-thirds majority)" in reported[1]
    assert _reported(root, "app/db.py") == _reported(root, "app/jobs.py") == []


MANAGERS = """\
from sqlalchemy.ext.asyncio import AsyncSession


class AccountManager:
    @staticmethod
    async def verify(code: str, session: AsyncSession) -> None:
        await session.execute(verify_statement(code))
        await session.commit()
"""
VERIFY = """\
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_db
from app.managers import AccountManager


async def verify(code: str, session: Annotated[AsyncSession, Depends(get_db)]) -> None:
    await AccountManager.verify(code, session)
"""


def test_a_callee_commit_asa401_reports_through_a_call_is_no_explicit_site(tmp_path: Path) -> None:
    root = _project(
        tmp_path, {"app/managers.py": MANAGERS, "app/routes.py": VERIFY}, 'transaction-policy = "unit-of-work"'
    )
    # One finding for the one commit: ASA401 at the call, not ASA402 at the commit as well.
    assert _reported(root, "app/managers.py") == []
    assert [line for line, _ in _reported(root, "app/routes.py", "ASA401")] == [11]


def test_asa401_through_a_call_names_the_provider_and_its_begin(tmp_path: Path) -> None:
    root = _project(tmp_path, {"app/managers.py": MANAGERS, "app/routes.py": VERIFY})
    assert _reported(root, "app/routes.py", "ASA401") == [
        (
            11,
            "ASA401 verify(session) inside the unit of work `get_db()` opens (`begin()` at app/db.py:10) and "
            "hands out as `session`: verify() commits it at app/managers.py:8, which ends the unit of work "
            "early; leave the transaction to the block (remove the callee's commit, or let its caller decide)",
        )
    ]


def test_asa401_on_a_provided_session_names_the_provider_and_its_begin(tmp_path: Path) -> None:
    route = """\
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_db


async def rename(user_id: int, session: Annotated[AsyncSession, Depends(get_db)]) -> None:
    await session.execute(rename_statement(user_id))
    await session.commit()
"""
    root = _project(tmp_path, {"app/routes.py": route})
    assert _reported(root, "app/routes.py", "ASA401") == [
        (
            11,
            "ASA401 session.commit() inside the unit of work `get_db()` opens (`begin()` at app/db.py:10) and "
            "hands out as `session`: the block commits by itself when it ends; remove the call, which only "
            "ends the unit of work early",
        )
    ]


def test_asa401_on_a_fixtures_session_in_a_test_advises_flush_or_a_session_outside_begin(tmp_path: Path) -> None:
    # A test that commits the session its fixture hands out inside `begin()` often does so on
    # purpose (the code under test reads the rows through a session of its own): removing the
    # call is no advice there.
    conftest = """\
import pytest

from app.db import SessionLocal


@pytest.fixture
async def db_session():
    async with SessionLocal() as session, session.begin():
        yield session
"""
    test = """\
async def test_rename(db_session) -> None:
    await db_session.execute(rename_statement(1))
    await db_session.commit()
"""
    root = _project(tmp_path, {"tests/conftest.py": conftest, "tests/test_rename.py": test})
    assert _reported(root, "tests/test_rename.py", "ASA401") == [
        (
            3,
            "ASA401 db_session.commit() inside the unit of work `db_session()` opens (`begin()` at "
            "tests/conftest.py:8) and hands out as `db_session`: the block commits by itself when the fixture "
            "resumes; `flush()` sends the rows within its transaction, and where another session must see "
            "them, hand out a session outside `begin()`",
        )
    ]


def test_asa401_in_a_helpers_block_names_where_the_helper_opens_begin(tmp_path: Path) -> None:
    job = """\
from app.db import unit_of_work


async def close_orders() -> None:
    async with unit_of_work() as session:
        await session.execute(close_statement())
        await session.commit()
"""
    root = _project(tmp_path, {"app/jobs.py": job})
    assert _reported(root, "app/jobs.py", "ASA401") == [
        (
            7,
            "ASA401 session.commit() inside `async with unit_of_work()` (line 5), which hands out a session "
            "inside `begin()` (unit_of_work() opens it at app/db.py:16): the block commits by itself when it "
            "ends; remove the call, which only ends the unit of work early",
        )
    ]
