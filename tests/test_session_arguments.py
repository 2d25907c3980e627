"""Which argument of a call that returns ORM objects is their session: the one the caller awaits
session methods on, wherever it was bound, and not an object handed over beside it."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project

from alchemy_lint.rules.loading_examples import MODELS

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine{options})
"""

HELPERS = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, User


async def order_of(user: User, session: AsyncSession) -> Order:
    order = await session.get(Order, user.id)
    assert order is not None
    return order
"""

#: The object comes first among the arguments, the session second.
AFTER_AN_OBJECT = """\
from app.db import SessionLocal
from app.db_models import User
from app.helpers import order_of


async def close_for(user: User) -> str:
    async with SessionLocal() as session:
        order = await order_of(user, session)
        order.status = "closed"
        await session.commit()
        return order.status  # ASA302


async def close_for_all(users: list[User]) -> list[str]:
    statuses = []
    async with SessionLocal() as session:
        for user in users:
            order = await order_of(user, session)
            order.status = "closed"
            await session.commit()
            statuses.append(order.status)  # ASA302
    return statuses


async def close_with_a_session_made_here(user: User) -> str:
    session = SessionLocal()
    try:
        order = await order_of(user, session)
        order.status = "closed"
        await session.commit()
        return order.status  # ASA302
    finally:
        await session.close()
"""


def _project(tmp_path: Path, expire_on_commit: str) -> Path:
    options = f", expire_on_commit={expire_on_commit}" if expire_on_commit else ""
    return write_project(
        tmp_path / "project",
        {
            "app/__init__.py": "",
            "app/db.py": DATABASE.format(options=options),
            "app/db_models.py": MODELS,
            "app/helpers.py": HELPERS,
            "app/service.py": AFTER_AN_OBJECT,
        },
    )


def test_the_session_is_the_argument_the_caller_commits_not_the_object_before_it(tmp_path: Path) -> None:
    root = _project(tmp_path, "")
    lines = [finding.line for finding in findings_in(root, "app/service.py", "ASA302")]
    assert lines == expected_lines(AFTER_AN_OBJECT, "ASA302")


def test_the_session_it_names_decides_whether_commit_expires(tmp_path: Path) -> None:
    root = _project(tmp_path, "False")
    assert findings_in(root, "app/service.py", "ASA302") == []


#: A repository method takes a typed id: the id is the first argument with evidence, and no
#: session; the objects are the repository's session's.
BY_A_TYPED_ID = """\
from uuid import UUID

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, user_id: UUID) -> User:
        return (await self.session.execute(select(User).where(User.id == user_id))).scalar_one()


async def count_orders(user_id: UUID) -> int:
    async with SessionLocal() as session:
        user = await UserRepository(session).get(user_id)
        return len(user.orders)  # ASA301
"""


def test_a_typed_argument_that_is_no_session_leaves_the_objects_to_the_callees_session(tmp_path: Path) -> None:
    assert _reported(tmp_path, BY_A_TYPED_ID, "ASA301") == expected_lines(BY_A_TYPED_ID, "ASA301")


#: The session is only handed on: to the helper that loads the users and to the one that commits.
HANDED_ON_ONLY = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import User


async def load(db: AsyncSession) -> list[User]:
    return list((await db.scalars(select(User))).all())


async def save(db: AsyncSession, user: User) -> None:
    await db.commit()


async def reset() -> None:
    async with SessionLocal() as db:
        users = await load(db)
        for user in users:
            print(user.name)  # ASA302
            await save(db, user)
"""


def test_a_session_only_handed_on_is_the_session_of_what_the_helper_returns(tmp_path: Path) -> None:
    # `async with SessionLocal() as db` reads like a new object of a class named `SessionLocal`:
    # it was skipped as an object the function holds, and the users had no session.
    assert _reported(tmp_path, HANDED_ON_ONLY, "ASA302") == expected_lines(HANDED_ON_ONLY, "ASA302")


def _reported(tmp_path: Path, service: str, code: str) -> list[int]:
    """The lines `code` reports in `service`, beside the default-expire factory and the models."""
    files = {"app/__init__.py": "", "app/db.py": DATABASE.format(options=""), "app/db_models.py": MODELS}
    root = write_project(tmp_path / "project", {**files, "app/service.py": service})
    return [finding.line for finding in findings_in(root, "app/service.py", code)]
