"""ASA302 in a `finally` block reached by a path that left the `try` abruptly.

A handler's `rollback()` followed by `raise` (or `return`), and a `return` right after a commit
of an expiring session, run the `finally` block next: a read there meets the expired object
(StatementError wrapping MissingGreenlet, which replaces the error being raised; run on
SQLAlchemy 2.0 and 2.1). Only the path that goes on past the `try` statement is judged after it.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS


def _database(expire_on_commit: bool) -> str:
    keyword = "" if expire_on_commit else "expire_on_commit=False"
    return (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "from sqlalchemy.pool import StaticPool\n"
        "\n"
        'engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)\n'
        f"SessionLocal = async_sessionmaker(engine{', ' if keyword else ''}{keyword})\n"
    )


def _project(root: Path, handler: str, *, expire_on_commit: bool = False) -> Path:
    header = "from app.db import SessionLocal\nfrom app.db_models import User\n\n\n"
    files = {"app/db_models.py": MODELS, "app/db.py": _database(expire_on_commit), "app/handlers.py": header + handler}
    return write_project(root, files)


# The second user's key is taken: the commit fails, the handler rolls back and leaves.
_ROLLED_BACK = (
    "async def rename(user_id: int = 1) -> None:\n"  # line 5
    "    async with SessionLocal() as session:\n"
    "        user = await session.get(User, user_id)\n"
    "        try:\n"
    '            session.add(User(id=2, name="taken"))\n'
    "            await session.commit()\n"  # line 10
    "        except Exception:\n"
    "            await session.rollback()\n"
    "            {leave}\n"
    "        finally:\n"
    "            print(user.name)\n"  # line 15
)

_RETURNED_AFTER_COMMIT = (
    "async def rename(user_id: int = 1) -> str:\n"
    "    async with SessionLocal() as session:\n"
    "        user = await session.get(User, user_id)\n"
    "        try:\n"
    '            user.name = "renamed"\n'
    "            await session.commit()\n"
    '            return "ok"\n'
    "        finally:\n"
    "            print(user.name)\n"  # line 13
)


@pytest.mark.parametrize("leave", ["raise", "return"])
def test_a_read_in_finally_after_a_handler_rolled_back_and_left(leave: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "p", _ROLLED_BACK.format(leave=leave))
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [(f.line, "rollback() at line 12" in f.message) for f in found] == [(15, True)]
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 15)


def test_a_read_in_finally_after_a_return_past_an_expiring_commit(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", _RETURNED_AFTER_COMMIT, expire_on_commit=True)
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [(f.line, "commit() at line 10" in f.message) for f in found] == [(13, True)]
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 13)


def test_the_abrupt_paths_do_not_go_on_past_the_statement(tmp_path: Path) -> None:
    handler = _ROLLED_BACK.format(leave="raise").replace(
        "            print(user.name)\n", "            await session.close()\n        print(user.name)\n"
    )
    root = _project(tmp_path / "p", handler)
    assert findings_in(root, "app/handlers.py", "ASA302") == []


def test_a_break_leaves_only_a_try_its_loop_encloses(tmp_path: Path) -> None:
    handler = (
        "async def rename(user_id: int = 1) -> None:\n"
        "    async with SessionLocal() as session:\n"
        "        user = await session.get(User, user_id)\n"
        "        try:\n"
        "            for _ in range(2):\n"
        "                await session.rollback()\n"
        "                break\n"
        "            user = await session.get(User, user_id)\n"
        "        finally:\n"
        "            print(user.name)\n"
    )
    root = _project(tmp_path / "p", handler)
    assert findings_in(root, "app/handlers.py", "ASA302") == []
