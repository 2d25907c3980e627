"""ASA401 through a call: a unit of work whose session is handed to a project function that
commits it. Precision cases stay silent; the runtime facts are in test_transactions_runtime.py."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project

SESSION = "from sqlalchemy.ext.asyncio import AsyncSession\n"


def _calls_inside_begin(callee: str) -> str:
    """A function that hands its session to `callee` inside `async with session.begin():`."""
    return (
        "\n\nasync def save_all(session: AsyncSession) -> None:\n"
        "    async with session.begin():\n"
        f"        await {callee}(session)\n"
    )


CALLS_SAVE = SESSION + _calls_inside_begin("save")


def _lines(tmp_path: Path, files: dict[str, str], path: str, code: str = "ASA401") -> list[int]:
    root = write_project(tmp_path / "project", files)
    return [finding.line for finding in findings_in(root, path, code)]


def test_staticmethod_that_commits_the_session_of_a_provider_in_begin(tmp_path: Path) -> None:
    db = """\
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

SessionLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session, session.begin():
        yield session
"""
    managers = f"""\
{SESSION}

class AccountManager:
    @staticmethod
    async def verify(code: str, session: AsyncSession) -> None:
        await session.execute(code)
        await session.commit()
"""
    routes = """\
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import get_db
from app.managers import AccountManager


async def verify(code: str, session: Annotated[AsyncSession, Depends(get_db)]) -> None:
    await AccountManager.verify(code, session)  # ASA401
"""
    root = write_project(tmp_path / "project", {"app/db.py": db, "app/managers.py": managers, "app/routes.py": routes})
    (finding,) = findings_in(root, "app/routes.py", "ASA401")
    assert finding.line == expected_lines(routes, "ASA401")[0]
    assert "verify() commits it at app/managers.py:8" in finding.message
    assert "get_db" in finding.message
    # The commit itself, outside any begin() block where it is written, is no ASA401 there.
    assert findings_in(root, "app/managers.py", "ASA401") == []


def test_helper_two_calls_deep_commits_inside_begin_nested(tmp_path: Path) -> None:
    source = f"""\
{SESSION}

async def save_all(session: AsyncSession, names: list[str]) -> None:
    async with session.begin_nested():
        await save(session, names)  # ASA401


async def save(session: AsyncSession, names: list[str]) -> None:
    for name in names:
        session.add(name)
    await finish(session)


async def finish(session: AsyncSession) -> None:
    await session.flush()
    await session.commit()
"""
    root = write_project(tmp_path / "project", {"app/tags.py": source})
    (finding,) = findings_in(root, "app/tags.py", "ASA401")
    assert finding.line == expected_lines(source, "ASA401")[0]
    assert "save() commits it through finish() at app/tags.py:17" in finding.message


def test_method_of_another_module_commits_inside_begin(tmp_path: Path) -> None:
    repository = f"""\
{SESSION}

class TagRepository:
    async def save(self, session: AsyncSession, name: str) -> None:
        session.add(name)
        await session.commit()
"""
    service = f"""\
{SESSION}
from app.repository import TagRepository


async def tag(session: AsyncSession, repository: TagRepository, name: str) -> None:
    async with session.begin():
        await repository.save(session, name)  # ASA401
"""
    files = {"app/repository.py": repository, "app/service.py": service}
    assert _lines(tmp_path, files, "app/service.py") == expected_lines(service, "ASA401")


def test_callee_that_commits_only_a_session_it_opened_is_clean(tmp_path: Path) -> None:
    source = f"""\
{SESSION}
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

SessionLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"))


async def save_all(session: AsyncSession) -> None:
    async with session.begin():
        await audit(session)


async def audit(session: AsyncSession) -> None:
    await session.flush()
    async with SessionLocal() as own:
        own.add("audit")
        await own.commit()
"""
    assert _lines(tmp_path, {"app/tags.py": source}, "app/tags.py") == []


def test_callee_that_only_reads_the_session_is_clean(tmp_path: Path) -> None:
    source = f"""\
{SESSION}
{_calls_inside_begin("count")}

async def count(session: AsyncSession) -> int:
    return len((await session.execute("select 1")).all())
"""
    assert _lines(tmp_path, {"app/tags.py": source}, "app/tags.py") == []


def test_call_outside_the_begin_block_is_clean(tmp_path: Path) -> None:
    source = f"""\
{SESSION}

async def save_all(session: AsyncSession) -> None:
    async with session.begin():
        session.add("first")
    await save(session)


async def save(session: AsyncSession) -> None:
    await session.commit()
"""
    assert _lines(tmp_path, {"app/tags.py": source}, "app/tags.py") == []


def test_commit_under_a_flag_the_caller_passes_false_is_clean(tmp_path: Path) -> None:
    source = f"""\
{SESSION}

async def save_all(session: AsyncSession) -> None:
    async with session.begin():
        await save(session, commit=False)
        await save(session)  # ASA401


async def save(session: AsyncSession, commit: bool = True) -> None:
    if not commit:
        return
    await session.commit()
"""
    assert _lines(tmp_path, {"app/tags.py": source}, "app/tags.py") == expected_lines(source, "ASA401")


def test_commit_inside_the_callees_own_begin_is_reported_once_there(tmp_path: Path) -> None:
    source = f"""\
{CALLS_SAVE}

async def save(session: AsyncSession) -> None:
    async with session.begin_nested():
        await session.commit()  # ASA401
"""
    assert _lines(tmp_path, {"app/tags.py": source}, "app/tags.py") == expected_lines(source, "ASA401")


def test_rollback_only_on_an_error_that_is_raised_again_is_clean(tmp_path: Path) -> None:
    source = f"""\
{CALLS_SAVE}

async def save(session: AsyncSession) -> None:
    try:
        await session.flush()
    except Exception:
        await session.rollback()
        raise
"""
    assert _lines(tmp_path, {"app/tags.py": source}, "app/tags.py") == []


def test_session_bound_by_a_factory_begin_block_handed_to_a_committing_helper(tmp_path: Path) -> None:
    source = f"""\
{SESSION}
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

SessionLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"), expire_on_commit=False)


async def import_tags(names: list[str]) -> None:
    async with SessionLocal.begin() as session:
        await save(session, names)  # ASA401
    async with SessionLocal() as session:
        await save(session, names)


async def save(session: AsyncSession, names: list[str]) -> None:
    session.add_all(names)
    await session.commit()
"""
    assert _lines(tmp_path, {"app/tags.py": source}, "app/tags.py") == expected_lines(source, "ASA401")
