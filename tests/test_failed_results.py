"""A callee that rolls back the caller's session on a path that returns a failure (`return
{"success": False}` after `rollback()`, also in an `except` handler, or `return False`) expires
the caller's objects where the caller's test of that result says it failed; through a function
that returns the callee's result as it is too. The session does not expire on commit: only the
rollback expires. Each case runs against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in
from test_loading_runtime import _facts_project, run_example

SERVICE = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def activate(db: AsyncSession, code: str) -> dict:
    try:
        if code == "boom":
            raise ValueError(code)
        if code == "used":
            await db.rollback()
            return {"success": False, "error": "used"}
        if code == "missing":
            return {"success": False, "error": "not_found"}
        await db.commit()
        return {"success": True}
    except ValueError:
        await db.rollback()
        return {"success": False, "error": "server"}


async def register(db: AsyncSession, code: str) -> dict:
    result = await activate(db, code)
    return result


async def check(db: AsyncSession, code: str) -> dict:
    if code == "missing":
        return {"success": False}
    await db.commit()
    return {"success": True}


async def apply(db: AsyncSession, ok: bool) -> bool:
    if not ok:
        await db.rollback()
        return False
    return True
"""


def _handler(body: str) -> str:
    return f"""\
from app.db import SessionLocal
from app.db_models import User
from app.service import activate, apply, check, register


async def rename() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
{body}
        return "done"
"""


def _ran_and_reported(tmp_path: Path, body: str) -> tuple[dict[str, object], list[int]]:
    root = _facts_project(tmp_path / "project", _handler(body), expire_on_commit=False)
    (root / "app/service.py").write_text(SERVICE, encoding="utf-8")
    found = findings_in(root, "app/handlers.py", "ASA302")
    for finding in found:
        assert "before it returns the failure tested here" in finding.message, finding.message
    return run_example(root, "app/handlers.py"), [f.line for f in found]


@pytest.mark.parametrize(
    "body",
    [
        '        result = await activate(session, "used")\n        if result["success"]:\n            return "ok"\n'
        "        return user.name",
        '        result = await activate(session, "boom")\n        if not result.get("success"):\n'
        "            return user.name",
        '        result = await register(session, "used")\n        if result["success"]:\n            return "ok"\n'
        "        return user.name",
        '        result = await register(session, "boom")\n        if result["success"]:\n            return "ok"\n'
        "        else:\n            return user.name",
    ],
)
def test_a_read_where_the_result_says_the_callee_failed_after_its_rollback(body: str, tmp_path: Path) -> None:
    outcome, lines = _ran_and_reported(tmp_path, body)
    assert outcome["error"] == "MissingGreenlet", outcome
    assert lines == [outcome["line"]]


@pytest.mark.parametrize(
    "body",
    [
        # Where the result says it succeeded: the callee committed, which expires nothing here.
        '        result = await activate(session, "ok")\n        if not result["success"]:\n            return "no"\n'
        "        return user.name",
        # The callee fails without a rollback on every path.
        '        result = await check(session, "missing")\n        if not result["success"]:\n'
        "            return user.name",
        # A test of another key says nothing of how the call went.
        '        result = await activate(session, "ok")\n        if result.get("error"):\n            return "no"\n'
        "        return user.name",
        # An `except` handler after the test: reaching it needs a second failure after the first.
        '        try:\n            result = await activate(session, "used")\n            if not result["success"]:\n'
        '                print("failed")\n        except ValueError:\n            return user.name',
        # The result was never tested.
        '        await activate(session, "ok")\n        return user.name',
    ],
)
def test_a_read_the_result_does_not_put_after_a_rollback_is_not_reported(body: str, tmp_path: Path) -> None:
    outcome, lines = _ran_and_reported(tmp_path, body)
    assert outcome["error"] is None, outcome
    assert lines == []
