"""`background_tasks.add_task(notify, user)` hands `user` to `notify`, which FastAPI (Starlette)
calls after the response, the request's session closed by then: an attribute that the session's
commit expired cannot load there (ASA302, reported on the `add_task` call that hands it over). From
a factory with `expire_on_commit=False` the same task reads clean. Executed against SQLAlchemy with aiosqlite and
Starlette's own BackgroundTasks."""

from __future__ import annotations

from pathlib import Path

from conftest import async_database, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

HANDLER = """\
from fastapi import BackgroundTasks

from app.db import SessionLocal
from app.db_models import User


async def rename() -> None:
    tasks = BackgroundTasks()
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        assert user is not None
        user.name = "grace"
        {before}
        await session.commit()
        {after}
    await tasks()


async def notify(user: User) -> None:
    print(user.name)
"""
HAND_OVER = "tasks.add_task(notify, user)"


def _project(tmp_path: Path, before: str, after: str, expire_on_commit: bool | None = None) -> Path:
    files = {
        "app/__init__.py": "",
        "app/db.py": async_database(expire_on_commit),
        "app/db_models.py": MODELS,
        "app/handlers.py": HANDLER.format(before=before, after=after),
    }
    return write_project(tmp_path / "project", files)


def test_an_object_handed_to_a_background_task_after_the_commit_is_reported(tmp_path: Path) -> None:
    root = _project(tmp_path, "pass", HAND_OVER)
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in found] == [15], found
    assert "User.name read on user by notify() at app/handlers.py:20" in found[0].message
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("DetachedInstanceError", 20), outcome


def test_the_same_hand_over_from_a_session_that_keeps_its_objects_is_not_reported(tmp_path: Path) -> None:
    root = _project(tmp_path, "pass", HAND_OVER, expire_on_commit=False)
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py")["error"] is None
