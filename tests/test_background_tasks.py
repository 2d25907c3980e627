"""`background_tasks.add_task(notify, user)` hands `user` to `notify`, which FastAPI (Starlette)
calls after the response, the request's session closed by then: an attribute that the session's
commit expired cannot load there (ASA302, reported on the `add_task` call that hands it over),
whether the commit came before the hand-over or after it (the task finds the object as the
request left it). From a factory with `expire_on_commit=False`, or once the code refreshed the
object, the same task reads clean. Executed against SQLAlchemy with aiosqlite and Starlette's
own BackgroundTasks (and, for routes, through a FastAPI application)."""

from __future__ import annotations

from pathlib import Path

from conftest import async_database, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

#: What a read of an expired attribute raises in a route's task: DetachedInstanceError where the
#: `Depends` session is closed before the tasks run (as some FastAPI versions do), MissingGreenlet
#: where it is still open (an expired attribute loads with SQL outside the greenlet).
AFTER_THE_RESPONSE = ("DetachedInstanceError", "MissingGreenlet")

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

DEPENDENCIES = """\
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session
"""

ROUTE = """\
from fastapi import BackgroundTasks, Depends
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User
from app.deps import get_db


async def rename(background_tasks: BackgroundTasks, db: AsyncSession = Depends(get_db)) -> dict:
    user = await db.get(User, 1)
    assert user is not None
    user.name = "grace"
    background_tasks.add_task(notify, user)
    await db.commit()
    {after}
    return {{"ok": True}}


async def notify(user: User) -> None:
    print(user.name)
"""

RESPONSE_TASK = """\
from fastapi import Depends
from fastapi.responses import JSONResponse
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.background import BackgroundTask

from app.db_models import User
from app.deps import get_db


async def rename(db: AsyncSession = Depends(get_db)) -> JSONResponse:
    user = await db.get(User, 1)
    assert user is not None
    user.name = "grace"
    task = BackgroundTask(notify, user)
    await db.commit()
    return JSONResponse({{"ok": True}}, background=task)


async def notify(user: User) -> None:
    print(user.name)
"""


def _project(
    tmp_path: Path, before: str, after: str, expire_on_commit: bool | None = None, handler: str = HANDLER
) -> Path:
    files = {
        "app/__init__.py": "",
        "app/db.py": async_database(expire_on_commit),
        "app/db_models.py": MODELS,
        "app/deps.py": DEPENDENCIES,
        "app/handlers.py": handler.format(before=before, after=after),
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


def test_an_object_handed_to_a_background_task_before_the_commit_is_reported(tmp_path: Path) -> None:
    """The task runs after the commit that follows the hand-over: it finds the object expired."""
    root = _project(tmp_path, HAND_OVER, "pass")
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in found] == [13], found
    message = found[0].message
    assert "by notify() at app/handlers.py:20, which runs after the response, after session.commit() at line 14" in (
        message
    )
    assert "earlier iteration" not in message
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("DetachedInstanceError", 20), outcome


def test_an_object_refreshed_after_the_commit_is_handed_to_the_task_loaded(tmp_path: Path) -> None:
    root = _project(tmp_path, HAND_OVER, "await session.refresh(user)")
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py")["error"] is None


def test_a_routes_background_task_handed_an_object_before_the_commit_is_reported(tmp_path: Path) -> None:
    """FastAPI runs the route's tasks after the response, the `Depends` session closed by then."""
    root = _project(tmp_path, "", "pass", handler=ROUTE)
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in found] == [12], found
    assert "by notify() at app/handlers.py:19, which runs after the response" in found[0].message
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] in AFTER_THE_RESPONSE and outcome["line"] == 19, outcome


def test_a_routes_background_task_handed_a_refreshed_object_is_not_reported(tmp_path: Path) -> None:
    root = _project(tmp_path, "", "await db.refresh(user)", handler=ROUTE)
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py")["error"] is None


def test_a_starlette_background_task_of_the_response_is_reported(tmp_path: Path) -> None:
    """`BackgroundTask(notify, user)` handed to the response as `background=`: run once it is sent."""
    root = _project(tmp_path, "", "", handler=RESPONSE_TASK)
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in found] == [14], found
    assert "by notify() at app/handlers.py:20, which runs after the response" in found[0].message
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] in AFTER_THE_RESPONSE and outcome["line"] == 20, outcome
