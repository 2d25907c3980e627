"""A commit reached through an object built over the session (`svc = Service(session)`, then
`await svc.save()`) or through a callable parameter (`await func(**kwargs)`): ASA302 and ASA401
see it as the caller's own. The ASA302 cases run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from conftest import expected_lines, findings_in, write_project
from sqlalchemy.ext.asyncio import AsyncSession
from test_loading_runtime import _facts_project, run_example
from test_transactions_runtime import Tag, run

SERVICES = """\
from sqlalchemy.ext.asyncio import AsyncSession


class Repository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session


class UserService:
    def __init__(self, session) -> None:
        self.session = session

    async def touch(self) -> None:
        await self.session.commit()

    async def flush(self) -> None:
        await self.session.flush()

    async def commit(self) -> None:
        await self.session.commit()

    async def rollback(self) -> None:
        await self.session.rollback()

    async def try_touch(self) -> bool:
        try:
            await self.session.commit()
        except Exception:
            return False
        return True


class DeepService:
    def __init__(self, db) -> None:
        self.repository = Repository(session=db)

    async def touch(self) -> None:
        await self.repository.session.commit()


class Outbox:
    def __init__(self, session) -> None:
        self.session = session
        self.messages: list[str] = []

    async def commit(self) -> None:
        self.messages.clear()


class Audit:
    def __init__(self, session) -> None:
        self.session = session

    async def touch(self) -> None:
        from app.db import SessionLocal

        async with SessionLocal() as own:
            await own.commit()
"""


def _handler(build: str, call: str) -> str:
    return f"""\
from app.db import SessionLocal
from app.db_models import User
from app.services import Audit, DeepService, Outbox, UserService


async def rename() -> str:
    async with SessionLocal() as session:
        service = {build}
        user = await session.get(User, 1)
        {call}
        return user.name
"""


def _ran_and_reported(tmp_path: Path, handler: str, services: str) -> tuple[dict[str, object], list[int]]:
    """What the handler raised at run time, and the lines ASA302 reports in it."""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=True)
    (root / "app/services.py").write_text(services, encoding="utf-8")
    return run_example(root, "app/handlers.py"), [f.line for f in findings_in(root, "app/handlers.py", "ASA302")]


@pytest.mark.parametrize(
    ("build", "call", "reported"),
    [
        ("UserService(session)", "await service.touch()", True),
        ("UserService(session=session)", "await service.try_touch()", True),
        ("DeepService(session)", "await service.touch()", True),
        ("UserService(session)", "await service.flush()", False),
        ("Audit(session)", "await service.touch()", False),
        # Methods named like the session's own, on the object built over it.
        ("UserService(session)", "await service.commit()", True),
        ("UserService(session)", "await service.rollback()", True),
        ("Outbox(session)", "await service.commit()", False),
    ],
)
def test_a_method_of_an_object_built_over_the_session_expires_its_objects(
    build: str, call: str, reported: bool, tmp_path: Path
) -> None:
    root = _facts_project(tmp_path / "project", _handler(build, call), expire_on_commit=True)
    (root / "app/services.py").write_text(SERVICES, encoding="utf-8")
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"] == "MissingGreenlet") is reported, outcome
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in found] == ([11] if reported else [])
    if reported:
        method = call.removeprefix("await service.")
        assert f"User.name read on user after {method}" in found[0].message, found[0].message


def test_a_callee_that_commits_in_try_and_swallows_its_error_expires_on_success(tmp_path: Path) -> None:
    services = """\
import logging

from sqlalchemy.ext.asyncio import AsyncSession


async def save(session: AsyncSession) -> bool:
    try:
        await session.commit()
    except Exception:
        logging.exception("save failed")
        return False
    return True
"""
    handler = """\
from app.db import SessionLocal
from app.db_models import User
from app.services import save


async def rename() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        await save(session)
        return user.name
"""
    outcome, reported = _ran_and_reported(tmp_path, handler, services)
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == 10, outcome
    assert reported == [10]


def test_objects_a_wrapper_method_returns_belong_to_the_wrappers_session(tmp_path: Path) -> None:
    services = (
        SERVICES
        + """

class UserReader(UserService):
    async def first(self):
        from sqlalchemy import select
        from app.db_models import User

        return (await self.session.scalars(select(User))).first()
"""
    )
    handler = """\
from app.db import SessionLocal
from app.db_models import User
from app.services import UserReader


async def rename() -> str:
    async with SessionLocal() as session:
        reader = UserReader(session)
        user = await reader.first()
        await reader.touch()
        return user.name
"""
    outcome, reported = _ran_and_reported(tmp_path, handler, services)
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == 11, outcome
    assert reported == [11]


def test_advanced_alchemy_service_commits_the_session_it_was_built_over(tmp_path: Path) -> None:
    # The library keeps the session at `self.repository.session` (its documented attribute);
    # it is not installed here: the linter reads what the project writes.
    services = """\
from advanced_alchemy.repository import SQLAlchemyAsyncRepository
from advanced_alchemy.service import SQLAlchemyAsyncRepositoryService

from app.db_models import User


class UserRepository(SQLAlchemyAsyncRepository[User]):
    model_type = User

    async def named(self, name: str) -> list[User]:
        from sqlalchemy import select

        return list((await self.session.scalars(select(User).where(User.name == name))).all())


class UserService(SQLAlchemyAsyncRepositoryService[User]):
    repository_type = UserRepository

    async def named(self, name: str) -> list[User]:
        return await self.repository.named(name)

    async def touch(self, user: User) -> None:
        try:
            await self.repository.session.commit()
        except Exception:
            return None
"""
    handler = """\
from app.db import SessionLocal
from app.services import UserService


async def touch_all() -> None:
    async with SessionLocal() as session:
        service = UserService(session=session)
        for user in await service.named("a"):
            await service.touch(user)
            print(user.name)  # ASA302
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=True)
    (root / "app/services.py").write_text(services, encoding="utf-8")
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA302")] == expected_lines(handler, "ASA302")


def test_a_wrapper_over_something_else_is_clean(tmp_path: Path) -> None:
    handler = """\
import httpx

from app.db import SessionLocal
from app.db_models import User
from app.services import UserService


async def rename() -> str:
    async with SessionLocal() as session, httpx.AsyncClient() as client:
        service = UserService(client)
        user = await session.get(User, 1)
        await service.touch()
        return user.name
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=True)
    (root / "app/services.py").write_text(SERVICES, encoding="utf-8")
    assert findings_in(root, "app/handlers.py", "ASA302") == []


# -- ASA401 -----------------------------------------------------------------------------


def _asa401(tmp_path: Path, files: dict[str, str], path: str) -> list[int]:
    root = write_project(tmp_path / "project", files)
    return [finding.line for finding in findings_in(root, path, "ASA401")]


def test_wrapper_method_that_commits_inside_begin(tmp_path: Path) -> None:
    units = """\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

from app.services import DeepService, UserService

SessionLocal = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"), expire_on_commit=False)


async def save(session: AsyncSession) -> None:
    service = UserService(session)
    async with session.begin():
        await service.touch()  # ASA401
        await service.flush()


async def save_deep() -> None:
    async with SessionLocal.begin() as session:
        service = DeepService(db=session)
        await service.touch()  # ASA401


async def save_outside(session: AsyncSession) -> None:
    service = UserService(session)
    await service.touch()
"""
    files = {"app/services.py": SERVICES, "app/units.py": units}
    assert _asa401(tmp_path, files, "app/units.py") == expected_lines(units, "ASA401")


IN_TRANSACTION = """\
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession


async def in_transaction(session: AsyncSession, func: Callable[..., Awaitable[Any]], *args: Any, **kwargs: Any) -> Any:
    kwargs["session"] = session
    async with session.begin_nested():
        return await func(*args, **kwargs)  # ASA401
"""

JOBS = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.transaction import in_transaction


async def save_posts(posts: list[str], session: AsyncSession) -> None:
    for post in posts:
        session.add(post)
    await finish(session)


async def finish(session: AsyncSession) -> None:
    await session.commit()


async def count_posts(posts: list[str], session: AsyncSession) -> int:
    await session.flush()
    return len(posts)


async def run(session: AsyncSession, posts: list[str]) -> None:
    await in_transaction(session, count_posts, posts)
    await in_transaction(session, save_posts, posts)
"""


def test_a_callable_parameter_runs_what_the_callers_pass_inside_begin_nested(tmp_path: Path) -> None:
    files = {"app/transaction.py": IN_TRANSACTION, "app/jobs.py": JOBS}
    root = write_project(tmp_path / "project", files)
    (finding,) = findings_in(root, "app/transaction.py", "ASA401")
    assert finding.line == expected_lines(IN_TRANSACTION, "ASA401")[0]
    assert "save_posts() commits it through finish() at app/jobs.py:13" in finding.message


def test_a_callable_parameter_whose_callers_pass_no_committer_is_clean(tmp_path: Path) -> None:
    jobs = JOBS.replace("    await in_transaction(session, save_posts, posts)\n", "")
    files = {"app/transaction.py": IN_TRANSACTION, "app/jobs.py": jobs}
    assert _asa401(tmp_path, files, "app/transaction.py") == []


# -- what the shapes do at run time ---------------------------------------------------


async def _in_transaction(session: AsyncSession, func: Callable[..., Awaitable[Any]], **kwargs: Any) -> Any:
    kwargs["session"] = session
    async with session.begin_nested():
        result = await func(**kwargs)
        await session.flush()
        return result


def _through_the_helper(save: Callable[..., Awaitable[None]]) -> list[str]:
    """The tags left after `save` ran through the savepoint helper and the caller rolled back."""

    async def body(session: AsyncSession) -> None:
        await _in_transaction(session, save, name="inner")
        await session.rollback()

    return run(body)


def test_a_function_handed_to_a_savepoint_helper_that_commits_commits_the_callers_work() -> None:
    async def save(name: str, session: AsyncSession) -> None:
        session.add(Tag(name=name))
        await session.commit()

    # The commit inside the savepoint ends the whole transaction: the caller's rollback undoes nothing.
    assert _through_the_helper(save) == ["inner", "outer"]


def test_a_function_handed_to_a_savepoint_helper_that_flushes_leaves_the_caller_in_charge() -> None:
    async def save(name: str, session: AsyncSession) -> None:
        session.add(Tag(name=name))
        await session.flush()

    assert _through_the_helper(save) == []
