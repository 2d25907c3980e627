"""A repository that a service's `__init__` builds from the session it keeps (`self.session =
session; self.repo = Repo(session)`) is that session's wrapper in every method of the service,
as a repository built in one function is: `await self.repo.save(x)` inside `async with
self.session.begin():` hands the block's session to a method that commits it (ASA401), and the
block's next statement on it raises. Executed against SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

from conftest import findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

SERVICE = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def save(self, user: User) -> None:
        self.session.add(user)
        await self.session.{ends}()


class Registration:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.users = UserRepository(session)

    async def register(self) -> None:
        async with self.session.begin():
            await self.users.save(User(name="ada"))
            self.session.add(User(name="grace"))
            await self.session.flush()


async def register(session: AsyncSession) -> None:
    await Registration(session).register()
"""


def _project(tmp_path: Path, ends: str) -> Path:
    files = {"app/__init__.py": "", "app/db_models.py": MODELS, "app/service.py": SERVICE.format(ends=ends)}
    return write_project(tmp_path / "project", files)


def test_a_kept_repository_that_commits_inside_the_block_is_reported(tmp_path: Path) -> None:
    root = _project(tmp_path, "commit")
    found = findings_in(root, "app/service.py", "ASA401")
    assert [f.line for f in found] == [22], found
    assert "save(self.session) inside `async with self.session.begin()` (line 21)" in found[0].message
    outcome = run_example(root, "app/service.py")
    # The block's transaction ended in the repository: the next statement on it raises.
    assert (outcome["error"], outcome["line"]) == ("InvalidRequestError", 23), outcome


def test_a_kept_repository_that_only_flushes_is_not_reported(tmp_path: Path) -> None:
    root = _project(tmp_path, "flush")
    assert findings_in(root, "app/service.py", "ASA401") == []
    assert run_example(root, "app/service.py")["error"] is None
