"""ASA302 on a session parameter annotated `AsyncSession` in a project that builds no session
factory: the sessions its callers pass (`AsyncSession(engine)`) say what its commit does.
Linted, then run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

#: An engine and no factory: every session is made where it is used.
DB = """\
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
"""

#: The helper commits once per user; the only caller hands it `AsyncSession(engine)`, which
#: expires every user on commit: the second iteration's read raises.
EXPIRING_CALLER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import engine
from app.db_models import User


async def rename_all() -> list[str]:
    async with AsyncSession(engine) as session:
        return await _rename_each(session)


async def _rename_each(session: AsyncSession) -> list[str]:
    names = []
    users = (await session.execute(select(User).order_by(User.id))).scalars().all()
    for user in users:
        names.append(user.name)  # ASA302
        user.name = "renamed"
        await session.commit()
    return names
"""

#: The same helper, handed sessions that keep their objects on commit.
KEEPING_CALLER = EXPIRING_CALLER.replace(
    "AsyncSession(engine)", "AsyncSession(engine, expire_on_commit=False)"
).replace("  # ASA302", "")

#: Two callers that disagree (one keeps, one expires): the helper's session is not known.
MIXED_CALLERS = (
    KEEPING_CALLER
    + """

async def rename_all_expiring() -> list[str]:
    async with AsyncSession(engine) as session:
        return await _rename_each(session)
"""
)


def _project(tmp_path: Path, handler: str) -> Path:
    return write_project(tmp_path, {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": handler})


def test_a_parameter_session_expires_as_the_sessions_its_callers_pass(tmp_path: Path) -> None:
    root = _project(tmp_path / "expiring", EXPIRING_CALLER)
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    assert lines == expected_lines(EXPIRING_CALLER, "ASA302")
    (finding,) = findings_in(root, "app/handlers.py", "ASA302")
    assert "session.commit() of an earlier iteration" in finding.message, finding.message
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0])


def test_callers_that_pass_keeping_sessions_leave_the_parameter_unreported(tmp_path: Path) -> None:
    root = _project(tmp_path / "keeping", KEEPING_CALLER)
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


def test_callers_that_disagree_say_nothing(tmp_path: Path) -> None:
    root = _project(tmp_path / "mixed", MIXED_CALLERS)
    assert findings_in(root, "app/handlers.py", "ASA302") == []


def test_calls_in_tests_do_not_speak_for_the_application(tmp_path: Path) -> None:
    helper_only = (
        EXPIRING_CALLER.split("\n\n\nasync def rename_all", 1)[0]
        + "\n\n\n"
        + ("async def _rename_each" + EXPIRING_CALLER.split("async def _rename_each", 1)[1])
    )
    test_module = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import engine
from app.handlers import _rename_each


async def test_rename() -> None:
    async with AsyncSession(engine) as session:
        await _rename_each(session)
"""
    root = write_project(
        tmp_path / "tests_only",
        {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": helper_only, "tests/test_app.py": test_module},
    )
    assert findings_in(root, "app/handlers.py", "ASA302") == []


def test_a_project_that_builds_a_factory_is_judged_by_it_not_by_the_callers(tmp_path: Path) -> None:
    database = DB + "KeepingSession = async_sessionmaker(engine, expire_on_commit=False)\n"
    database = database.replace(
        "from sqlalchemy.ext.asyncio import create_async_engine",
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine",
    )
    root = write_project(
        tmp_path / "factory",
        {"app/db.py": database, "app/db_models.py": MODELS, "app/handlers.py": EXPIRING_CALLER},
    )
    assert findings_in(root, "app/handlers.py", "ASA302") == []
