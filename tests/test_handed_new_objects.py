"""ASA302 on a new object whose commit happens in a callee: one the caller added and a helper
commits (`s.add(user); await commit_all(s)`), and one the caller hands, not yet added, to a
helper or a repository method that adds it and commits (`await repo.save(user)`). The callee's
commit expires it; its rollback expunges it (transient, attributes intact); a callee that does not
add it, or refreshes it after its commit, leaves it readable. Runtime cases run against real
SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

EXPIRING_DB = (
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    "from sqlalchemy.pool import StaticPool\n"
    'engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)\n'
    "SessionLocal = async_sessionmaker(engine)\n"
)

#: Helpers of the shapes real repositories have, each ending the transaction differently.
HELPERS = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def commit_all(session: AsyncSession) -> None:
    await session.commit()


async def roll_back(session: AsyncSession) -> None:
    await session.rollback()


async def save(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.commit()
    return user


async def save_refreshed(session: AsyncSession, user: User) -> User:
    session.add(user)
    await session.commit()
    await session.refresh(user)
    return user


async def audit(session: AsyncSession, user: User) -> None:
    print("saving", user.name)
    await session.commit()


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, user: User) -> User:
        self.session.add(user)
        await self.session.commit()
        return user
"""


def _project(tmp_path: Path, handler: str) -> Path:
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": EXPIRING_DB,
        "app/helpers.py": HELPERS,
        "app/handlers.py": handler,
    }
    return write_project(tmp_path / "project", files)


def _handler(body: str) -> str:
    return (
        "from app.db import SessionLocal\n"
        "from app.db_models import User\n"
        "from app.helpers import UserRepository, audit, commit_all, roll_back, save, save_refreshed\n"
        "\n\n"
        "async def create() -> str:\n"
        "    async with SessionLocal() as s:\n"
        '        user = User(name="new")\n' + body
    )


#: Each case: the body after `user = User(...)`, and the error a run raises (None: it runs clean).
CASES = {
    "added_then_committed_by_a_helper": (
        "        s.add(user)\n        await commit_all(s)\n        return user.name  # ASA302\n",
        "MissingGreenlet",
    ),
    "handed_to_a_function_that_adds_and_commits": (
        "        await save(s, user)\n        return user.name  # ASA302\n",
        "MissingGreenlet",
    ),
    "handed_to_a_repository_that_adds_and_commits": (
        "        repo = UserRepository(s)\n        await repo.save(user)\n        return user.name  # ASA302\n",
        "MissingGreenlet",
    ),
    "given_back_by_a_function_that_adds_and_commits": (
        "        saved = await save(s, user)\n        return saved.name  # ASA302\n",
        "MissingGreenlet",
    ),
    "given_back_by_a_function_that_refreshes_after_its_commit": (
        "        saved = await save_refreshed(s, user)\n        return saved.name\n",
        None,
    ),
    "added_then_rolled_back_by_a_helper": (
        "        s.add(user)\n        await s.flush()\n        await roll_back(s)\n        return user.name\n",
        None,
    ),
    "handed_to_a_function_that_refreshes_after_its_commit": (
        "        await save_refreshed(s, user)\n        return user.name\n",
        None,
    ),
    "handed_to_a_function_that_commits_without_adding_it": (
        "        await audit(s, user)\n        return user.name\n",
        None,
    ),
    "refreshed_by_the_caller": (
        "        await save(s, user)\n        await s.refresh(user)\n        return user.name\n",
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_new_object_whose_commit_happens_in_a_callee(tmp_path: Path, case: str) -> None:
    body, error = CASES[case]
    handler = _handler(body)
    root = _project(tmp_path, handler)
    expected = expected_lines(handler, "ASA302")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error
    if error is not None:
        assert outcome["line"] == expected[0]


KEEPING_DB = EXPIRING_DB.replace("async_sessionmaker(engine)", "async_sessionmaker(engine, expire_on_commit=False)")

#: ASA301 where commits keep objects: the body after `user = User(...)`, the error a run raises.
RELATIONSHIP_CASES = {
    "handed_to_a_function_that_adds_and_commits": (
        "        await save(s, user)\n        return str(len(user.orders))  # ASA301\n",
        "MissingGreenlet",
    ),
    "handed_to_a_repository_that_adds_and_commits": (
        "        await UserRepository(s).save(user)\n        return str(len(user.orders))  # ASA301\n",
        "MissingGreenlet",
    ),
    "handed_to_a_function_that_commits_without_adding_it": (
        "        await audit(s, user)\n        return str(len(user.orders))\n",
        None,
    ),
    "added_then_committed_by_a_helper": (
        "        s.add(user)\n        await commit_all(s)\n        return str(len(user.orders))  # ASA301\n",
        "MissingGreenlet",
    ),
    "added_then_rolled_back_by_a_helper": (
        "        s.add(user)\n        await s.flush()\n        await roll_back(s)\n"
        "        return str(len(user.orders))\n",
        None,
    ),
    "added_committed_by_a_helper_then_refreshed": (
        "        s.add(user)\n        await commit_all(s)\n        await s.refresh(user, ['orders'])\n"
        "        return str(len(user.orders))\n",
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(RELATIONSHIP_CASES))
def test_a_relationship_of_a_new_object_a_callee_added_and_committed(tmp_path: Path, case: str) -> None:
    body, error = RELATIONSHIP_CASES[case]
    handler = _handler(body)
    files = {"app/db_models.py": MODELS, "app/db.py": KEEPING_DB, "app/helpers.py": HELPERS, "app/handlers.py": handler}
    root = write_project(tmp_path / "project", files)
    expected = expected_lines(handler, "ASA301")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == expected
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error
    if error is not None:
        assert outcome["line"] == expected[0]
