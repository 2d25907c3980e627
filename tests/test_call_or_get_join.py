"""An object a project call gives on one path and `session.get` or a query on the other.

`user = await find_user(session, "ada")` under `if by_name:`, `user = await session.get(User, id)`
otherwise: after the branches the name holds the session's object on either path. The join kept
nothing (the two sources are of different kinds), so a read after a `rollback()` went unjudged;
it is now judged on the query's path, with what either path expired. Run against SQLAlchemy with
aiosqlite, the `session.get` path raises MissingGreenlet at the read.
"""

from __future__ import annotations

from pathlib import Path

from conftest import findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

QUERIES = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def find_user(session: AsyncSession, name: str) -> User | None:
    return (await session.scalars(select(User).where(User.name == name))).first()
"""

HANDLER = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User
from app.queries import find_user


async def rename(session: AsyncSession, user_id: int, by_name: bool) -> str:
    if by_name:
        user = await find_user(session, "ada")
    else:
        user = await session.get(User, user_id)
    try:
        session.add(User(id=2, name="taken"))
        await session.commit()
    except Exception:
        await session.rollback()
    return user.name if user else ""
"""


def _project(root: Path, handler: str) -> Path:
    return write_project(root, {"app/db_models.py": MODELS, "app/queries.py": QUERIES, "app/handlers.py": handler})


def test_a_read_after_the_branches_is_judged_on_the_query_path(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", HANDLER)
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [(f.line, "rollback() at line 16" in f.message) for f in found] == [(17, True)]
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 17)


def test_no_rollback_leaves_both_paths_clean(tmp_path: Path) -> None:
    root = _project(tmp_path / "p", HANDLER.replace("        await session.rollback()\n", "        raise\n"))
    assert findings_in(root, "app/handlers.py", "ASA302") == []
