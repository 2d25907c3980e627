"""A method of an object fresh from its constructor finds the state `__init__` left: a unit of
work's `commit()` under `if not self._committed and not self._rolledback:` commits the session it
wraps on a `UnitOfWork(session)` nothing touched yet, built plainly or bound by `async with`
(whose `__aenter__` returns the object). The same tests of a parameter joined by `and` are told
apart operand by operand. Each case runs against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in
from test_loading_runtime import _facts_project, run_example

UNIT_OF_WORK = """\
from sqlalchemy.ext.asyncio import AsyncSession


class UnitOfWork:
    def __init__(self, session: AsyncSession) -> None:
        \"\"\"Wrap the session.\"\"\"
        self.session = session
        self._committed = False
        self._rolledback = False

    async def commit(self) -> None:
        if not self._committed and not self._rolledback:
            await self.session.commit()
            self._committed = True

    async def rollback(self) -> None:
        if not self._committed and not self._rolledback:
            await self.session.rollback()
            self._rolledback = True

    async def __aenter__(self) -> "UnitOfWork":
        return self

    async def __aexit__(self, *exc: object) -> None:
        pass


class ReadOnlyUnit:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self._read_only = True

    async def commit(self) -> None:
        if not self._read_only:
            await self.session.commit()


class OpenedUnit(UnitOfWork):
    async def __aenter__(self) -> "OpenedUnit":
        self._committed = True
        return self


class NoneGuardedUnit:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.transaction = None

    async def commit(self) -> None:
        if self.transaction is None:
            await self.session.commit()


def mark_done(uow: UnitOfWork) -> None:
    uow._committed = True


async def save(session: AsyncSession, uow: object = None, commit: bool = True) -> None:
    if not uow and commit:
        await session.commit()
"""


def _handler(body: str) -> str:
    return f"""\
from app.db import SessionLocal
from app.db_models import User
from app.units import NoneGuardedUnit, OpenedUnit, ReadOnlyUnit, UnitOfWork, mark_done, save


async def rename() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
{body}
        return user.name
"""


@pytest.mark.parametrize(
    ("body", "method"),
    [
        ("        async with UnitOfWork(session) as uow:\n            await uow.commit()", "commit"),
        ("        uow = UnitOfWork(session)\n        await uow.commit()", "commit"),
        ("        uow = UnitOfWork(session=session)\n        await uow.rollback()", "rollback"),
        # The rollback ends the transaction; the commit after it finds `_rolledback` set.
        ("        uow = UnitOfWork(session)\n        await uow.rollback()\n        await uow.commit()", "rollback"),
        ("        unit = NoneGuardedUnit(session)\n        await unit.commit()", "commit"),
        # Tests of parameters joined by `and`: `uow` left at None and `commit` at True.
        ("        await save(session)", "save"),
    ],
)
def test_a_guard_on_what_the_constructor_left_is_decided(body: str, method: str, tmp_path: Path) -> None:
    root = _facts_project(tmp_path / "project", _handler(body), expire_on_commit=True)
    (root / "app/units.py").write_text(UNIT_OF_WORK, encoding="utf-8")
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in found] == [outcome["line"]], found
    assert f"read on user after {method}()" in found[0].message, found[0].message


@pytest.mark.parametrize(
    "body",
    [
        # `__init__` leaves the unit read-only: its commit never commits.
        "        unit = ReadOnlyUnit(session)\n        await unit.commit()",
        # `__aenter__` does more than return the object: what it set is what `commit()` finds.
        "        async with OpenedUnit(session) as uow:\n            await uow.commit()",
        # The caller set the flag before the call: the object is no longer fresh.
        "        uow = UnitOfWork(session)\n        uow._committed = True\n        await uow.commit()",
        # Handed to a call first: what that call did to its state is unknown.
        "        uow = UnitOfWork(session)\n        mark_done(uow)\n        await uow.commit()",
        "        await save(session, uow=object())",
        "        await save(session, commit=False)",
    ],
)
def test_a_guard_that_fails_or_cannot_be_told_is_not_a_commit(body: str, tmp_path: Path) -> None:
    root = _facts_project(tmp_path / "project", _handler(body), expire_on_commit=True)
    (root / "app/units.py").write_text(UNIT_OF_WORK, encoding="utf-8")
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome
    assert findings_in(root, "app/handlers.py", "ASA302") == []
