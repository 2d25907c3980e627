"""ASA302 through value flow a parameter session takes in a project that builds no session factory:
functions kept in a local list (or tuple) and called in a loop (`for step in steps: await
step(session)`) are calls of each of them, and a session a function relays as it received it
(`await self._init(session)`) is what that function's own callers pass. Linted, then run against
real SQLAlchemy with aiosqlite."""

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

#: The helper commits once per user; it runs through a list of bound methods, handed the session
#: the setup's `_init` received from `prepare`, which makes it with `AsyncSession(engine)`: every
#: user expires on commit, so the second iteration's read raises.
LISTED_METHODS = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import engine
from app.db_models import User


async def rename_all() -> list[str]:
    return await Setup().prepare()


class Setup:
    def __init__(self) -> None:
        self.names: list[str] = []

    async def prepare(self) -> list[str]:
        async with AsyncSession(engine) as session:
            await self._init(session)
        return self.names

    async def _init(self, session: AsyncSession) -> None:
        steps = [self._count, self._rename_each]
        for step in steps:
            await step(session)

    async def _count(self, session: AsyncSession) -> None:
        self.names.append(str(len((await session.execute(select(User))).scalars().all())))

    async def _rename_each(self, session: AsyncSession) -> None:
        users = (await session.execute(select(User).order_by(User.id))).scalars().all()
        for user in users:
            self.names.append(user.name)  # ASA302
            user.name = "renamed"
            await session.commit()
"""

#: Module functions in a tuple the loop iterates in place, the session made in the caller.
LISTED_FUNCTIONS = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import engine
from app.db_models import User


async def rename_all() -> None:
    async with AsyncSession(engine) as session:
        for step in (touch, rename_each):
            await step(session)


async def touch(session: AsyncSession) -> None:
    await session.execute(select(User.id))


async def rename_each(session: AsyncSession) -> None:
    users = (await session.execute(select(User).order_by(User.id))).scalars().all()
    for user in users:
        print(user.name)  # ASA302
        user.name = "renamed"
        await session.commit()
"""

#: The session relayed through one function that neither opens nor commits it.
RELAYED = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import engine
from app.db_models import User


async def rename_all() -> None:
    async with AsyncSession(engine) as session:
        await relay(session)


async def relay(session: AsyncSession) -> None:
    await rename_each(session)


async def rename_each(session: AsyncSession) -> None:
    users = (await session.execute(select(User).order_by(User.id))).scalars().all()
    for user in users:
        print(user.name)  # ASA302
        user.name = "renamed"
        await session.commit()
"""


def _project(tmp_path: Path, handler: str) -> Path:
    return write_project(tmp_path, {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": handler})


def _keeping(source: str) -> str:
    return source.replace("AsyncSession(engine)", "AsyncSession(engine, expire_on_commit=False)").replace(
        "  # ASA302", ""
    )


def test_bound_methods_in_a_local_list_get_the_session_their_callers_relay(tmp_path: Path) -> None:
    root = _project(tmp_path / "listed", LISTED_METHODS)
    findings = findings_in(root, "app/handlers.py", "ASA302")
    assert [finding.line for finding in findings] == expected_lines(LISTED_METHODS, "ASA302")
    assert "of an earlier iteration" in findings[0].message, findings[0].message
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", findings[0].line)


def test_functions_in_a_tuple_iterated_in_place_are_called_with_the_session(tmp_path: Path) -> None:
    root = _project(tmp_path / "tuple", LISTED_FUNCTIONS)
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    assert lines == expected_lines(LISTED_FUNCTIONS, "ASA302")
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0])


def test_a_relayed_parameter_is_what_the_relaying_functions_callers_pass(tmp_path: Path) -> None:
    root = _project(tmp_path / "relayed", RELAYED)
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    assert lines == expected_lines(RELAYED, "ASA302")
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0])


def test_keeping_sessions_at_the_top_leave_every_shape_unreported(tmp_path: Path) -> None:
    for name, source in (("listed", LISTED_METHODS), ("tuple", LISTED_FUNCTIONS), ("relayed", RELAYED)):
        root = _project(tmp_path / name, _keeping(source))
        assert findings_in(root, "app/handlers.py", "ASA302") == [], name
        outcome = run_example(root, "app/handlers.py")
        assert outcome["error"] is None, (name, outcome)


def test_a_relay_whose_callers_disagree_says_nothing(tmp_path: Path) -> None:
    mixed = (
        _keeping(RELAYED)
        + """

async def rename_all_expiring() -> None:
    async with AsyncSession(engine) as session:
        await relay(session)
"""
    )
    root = _project(tmp_path / "mixed", mixed)
    assert findings_in(root, "app/handlers.py", "ASA302") == []
