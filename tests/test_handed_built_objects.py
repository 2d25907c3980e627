"""ASA302 and ASA301 on a new object built in the call that hands it to a helper which adds it,
commits and gives it back: `user = await save(s, User(name=n))` is the same object as `u =
User(name=n); user = await save(s, u)`, expired by the helper's commit (ASA302) and, where
commits keep objects, in the database with its relationships never loaded (ASA301). A helper
that refreshes it after its commit, or commits without adding it, leaves it readable; so does
the caller's own refresh of what the call gave back, and what a helper gives back of an object
it never added is still transient, its relationships read without SQL (whether it was built in
the call or before it). Runtime cases run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

HELPERS = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def save(session: AsyncSession, obj: User) -> User:
    session.add(obj)
    await session.commit()
    return obj


async def save_refreshed(session: AsyncSession, obj: User) -> User:
    session.add(obj)
    await session.commit()
    await session.refresh(obj)
    return obj


async def logged(session: AsyncSession, obj: User) -> User:
    print("seen", obj.name)
    await session.commit()
    return obj


class Users:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, obj: User) -> User:
        self.session.add(obj)
        await self.session.commit()
        return obj
"""


def _handler(body: str) -> str:
    return (
        "from app.db import SessionLocal\n"
        "from app.db_models import User\n"
        "from app.helpers import Users, logged, save, save_refreshed\n"
        "\n\n"
        "async def create() -> str:\n"
        "    async with SessionLocal() as s:\n" + body
    )


#: Each case: the handler's body, and the error a run raises (None: it runs clean).
EXPIRED_CASES = {
    "given_back_by_a_function_that_adds_and_commits": (
        '        user = await save(s, User(name="new"))\n        return user.name  # ASA302\n',
        "MissingGreenlet",
    ),
    "handed_by_keyword": (
        '        user = await save(session=s, obj=User(name="new"))\n        return user.name  # ASA302\n',
        "MissingGreenlet",
    ),
    "given_back_by_a_repository_built_in_place": (
        '        user = await Users(s).save(User(name="new"))\n        return user.name  # ASA302\n',
        "MissingGreenlet",
    ),
    "given_back_by_a_repository_bound_first": (
        '        users = Users(s)\n        user = await users.save(User(name="new"))\n'
        "        return user.name  # ASA302\n",
        "MissingGreenlet",
    ),
    "given_back_by_a_function_that_refreshes_after_its_commit": (
        '        user = await save_refreshed(s, User(name="new"))\n        return user.name\n',
        None,
    ),
    "given_back_by_a_function_that_commits_without_adding_it": (
        '        user = await logged(s, User(name="new"))\n        return user.name\n',
        None,
    ),
    "refreshed_by_the_caller": (
        '        user = await save(s, User(name="new"))\n        await s.refresh(user)\n        return user.name\n',
        None,
    ),
    "built_first_given_back_and_refreshed_by_the_caller": (
        '        built = User(name="new")\n        user = await save(s, built)\n        await s.refresh(user)\n'
        "        return user.name\n",
        None,
    ),
}


def _project(tmp_path: Path, handler: str, expire_on_commit: bool | None) -> Path:
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": async_database(expire_on_commit),
        "app/helpers.py": HELPERS,
        "app/handlers.py": handler,
    }
    return write_project(tmp_path / "project", files)


def _check(root: Path, handler: str, code: str, error: str | None) -> None:
    expected = expected_lines(handler, code)
    assert [finding.line for finding in findings_in(root, "app/handlers.py", code)] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error
    if error is not None:
        assert outcome["line"] == expected[0]


@pytest.mark.parametrize("case", sorted(EXPIRED_CASES))
def test_a_new_object_built_in_the_call_that_commits_it(tmp_path: Path, case: str) -> None:
    body, error = EXPIRED_CASES[case]
    handler = _handler(body)
    _check(_project(tmp_path, handler, None), handler, "ASA302", error)


#: ASA301 where commits keep objects: the handler's body, the error a run raises.
RELATIONSHIP_CASES = {
    "given_back_by_a_function_that_adds_and_commits": (
        '        user = await save(s, User(name="new"))\n        return str(len(user.orders))  # ASA301\n',
        "MissingGreenlet",
    ),
    "given_back_by_a_function_that_commits_without_adding_it": (
        '        user = await logged(s, User(name="new"))\n        return str(len(user.orders))\n',
        None,
    ),
    "built_first_given_back_by_a_function_that_commits_without_adding_it": (
        '        built = User(name="new")\n        user = await logged(s, built)\n'
        "        return str(len(user.orders))\n",
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(RELATIONSHIP_CASES))
def test_a_relationship_of_a_new_object_built_in_the_call_that_commits_it(tmp_path: Path, case: str) -> None:
    body, error = RELATIONSHIP_CASES[case]
    handler = _handler(body)
    root = _project(tmp_path, handler, False)
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    _check(root, handler, "ASA301", error)
