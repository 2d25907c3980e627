"""ASA302 on objects a repository returns when it is reached through a property of an aggregate
of repositories (`repo = RequestsRepo(session)`, whose property builds
`SubscriptionRepo(self.session)`): they are the aggregate's session's, as with the repository
built in place. Runtime cases run against SQLAlchemy with aiosqlite (two rows per table)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, expected_lines, findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Subscription(Base):
    __tablename__ = "subscriptions"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int]
"""

REPOSITORIES = """\
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Subscription


@dataclass
class BaseRepo:
    session: AsyncSession


class SubscriptionRepo(BaseRepo):
    async def recurrent(self) -> list[Subscription]:
        return list((await self.session.scalars(select(Subscription).order_by(Subscription.id))).all())


@dataclass
class RequestsRepo:
    session: AsyncSession

    @property
    def subscriptions(self) -> SubscriptionRepo:
        return SubscriptionRepo(self.session)
"""

HEADER = """\
from app.db import SessionLocal
from app.repo import RequestsRepo, SubscriptionRepo


async def run() -> int:
    async with SessionLocal() as session:
"""

#: Each case: the body inside the session, and the error a run raises (None: it runs clean).
CASES = {
    "through_the_property": (
        "        repo = RequestsRepo(session)\n"
        "        sub = (await repo.subscriptions.recurrent())[0]\n"
        "        await session.rollback()\n"
        "        return sub.user_id  # ASA302\n",
        "MissingGreenlet",
    ),
    "built_in_place": (
        "        repo = SubscriptionRepo(session)\n"
        "        sub = (await repo.recurrent())[0]\n"
        "        await session.rollback()\n"
        "        return sub.user_id  # ASA302\n",
        "MissingGreenlet",
    ),
    "through_the_property_refreshed": (
        "        repo = RequestsRepo(session)\n"
        "        sub = (await repo.subscriptions.recurrent())[0]\n"
        "        await session.rollback()\n"
        "        await session.refresh(sub)\n"
        "        return sub.user_id\n",
        None,
    ),
    "another_session_rolled_back": (
        "        repo = RequestsRepo(session)\n"
        "        sub = (await repo.subscriptions.recurrent())[0]\n"
        "        async with SessionLocal() as other:\n"
        "            await other.rollback()\n"
        "        return sub.user_id\n",
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_objects_of_a_repository_reached_through_an_aggregate(tmp_path: Path, case: str) -> None:
    body, error = CASES[case]
    handler = HEADER + body
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": async_database(expire_on_commit=False),
        "app/repo.py": REPOSITORIES,
        "app/handlers.py": handler,
    }
    root = write_project(tmp_path / "project", files)
    expected = expected_lines(handler, "ASA302")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome
    if expected:
        assert outcome["line"] == expected[0]
