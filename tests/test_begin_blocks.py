"""The end of a unit-of-work block commits: `async with session.begin():` expires what the
session holds (with the factory's default `expire_on_commit=True`), the new objects added in it
included, also in a function that awaits nothing else; `async with SessionLocal.begin() as
session:` commits and then closes the session it opened, so a later read of an expired column
cannot load it (DetachedInstanceError). `async with session.begin() as transaction:` binds the
transaction, not a session. Each claim is executed against SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

ADDED_IN_BLOCK = """\
from app.db import SessionLocal
from app.db_models import User


async def create() -> str:
    async with SessionLocal() as session:
        user = User(name="ada")
        async with session.begin() as transaction:
            session.add(user)
        assert transaction is not None
        return user.name
"""
FACTORY_BLOCK = """\
from app.db import SessionLocal
from app.db_models import User


async def create() -> str:
    async with SessionLocal.begin() as session:
        user = User(name="ada")
        session.add(user)
    return user.name
"""
READ_INSIDE = """\
from app.db import SessionLocal
from app.db_models import User


async def create() -> str:
    async with SessionLocal.begin() as session:
        user = User(name="ada")
        session.add(user)
        await session.flush()
        name = user.name
    return name
"""


def _project(tmp_path: Path, handler: str, expire_on_commit: bool | None) -> Path:
    files = {
        "app/__init__.py": "",
        "app/db.py": async_database(expire_on_commit),
        "app/db_models.py": MODELS,
        "app/handlers.py": handler,
    }
    return write_project(tmp_path / "project", files)


@pytest.mark.parametrize(
    ("handler", "error", "says"),
    [
        (ADDED_IN_BLOCK, "MissingGreenlet", "after the `async with session.begin()` block at line 8"),
        (FACTORY_BLOCK, "DetachedInstanceError", "`async with SessionLocal.begin() as session:` block (commit, then"),
    ],
)
def test_a_read_after_the_block_that_committed_is_reported(handler: str, error: str, says: str, tmp_path: Path) -> None:
    root = _project(tmp_path, handler, None)
    line = len(handler.splitlines()) if handler is FACTORY_BLOCK else 11
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in found] == [line], found
    assert says in found[0].message, found[0].message
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == (error, line), outcome


@pytest.mark.parametrize(
    ("handler", "expire_on_commit"), [(ADDED_IN_BLOCK, False), (FACTORY_BLOCK, False), (READ_INSIDE, None)]
)
def test_a_kept_or_earlier_read_is_not_reported(handler: str, expire_on_commit: bool | None, tmp_path: Path) -> None:
    root = _project(tmp_path, handler, expire_on_commit)
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py")["error"] is None
