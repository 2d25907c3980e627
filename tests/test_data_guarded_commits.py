"""ASA302 after a call whose callee commits the caller's session only under a test of data
(`if (await feature_flags()).enabled:`, `if flags.mode == "rotate":`), itself or calls further
down: the caller's read is judged as after its own commit under such a test. What the call
decides stays decided (a switch parameter the caller sets false or leaves at a false default,
or passes a value the index cannot tell). Each case runs against real SQLAlchemy with aiosqlite:
the reported read raises MissingGreenlet there, the silent ones run clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
"""
MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    plan: Mapped[str]


class Reminder(Base):
    __tablename__ = "reminders"
    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int]
"""
REMINDERS = """\
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Account, Reminder


@dataclass
class Flags:
    enabled: bool
    mode: str


async def feature_flags() -> Flags:
    return Flags(enabled=True, mode="rotate")


async def create_reminder(db: AsyncSession, account_id: int) -> None:
    db.add(Reminder(account_id=account_id))
    await db.commit()


async def remind_if_enabled(db: AsyncSession, account_id: int) -> None:
    if (await feature_flags()).enabled:
        await create_reminder(db, account_id)


async def rotate_if_configured(db: AsyncSession, account_id: int) -> None:
    flags = await feature_flags()
    if flags.mode == "rotate":
        db.add(Reminder(account_id=account_id))
        await db.commit()


async def refresh_credentials(db: AsyncSession, account_id: int, token: str | None = None) -> None:
    if token:
        return
    await rotate_if_configured(db, account_id)


async def sync_account(db: AsyncSession, account_id: int, token: str | None) -> None:
    await refresh_credentials(db, account_id, token)


async def save(db: AsyncSession, account_id: int, commit: bool = False) -> None:
    db.add(Reminder(account_id=account_id))
    if commit:
        await db.commit()


async def debug_only(db: AsyncSession, account_id: int) -> None:
    if False:
        await db.commit()
    if True:
        pass
    else:
        await create_reminder(db, account_id)


async def touch(db: AsyncSession, account: Account) -> None:
    if (await feature_flags()).enabled:
        await db.commit()
        await db.refresh(account)


async def save_unless_in_unit(db: AsyncSession, account_id: int, uow: object = None) -> None:
    db.add(Reminder(account_id=account_id))
    if (await feature_flags()).enabled and not uow:
        await db.commit()
"""


def _handler(call: str, signature: str = "") -> str:
    return f"""\
from app.db import SessionLocal
from app.models import Account
from app.reminders import debug_only, remind_if_enabled, save, save_unless_in_unit, sync_account, touch


async def review({signature}) -> str:
    async with SessionLocal() as db:
        account = await db.get(Account, 1)
        await {call}
        return account.plan
"""


def _project(tmp_path: Path, handler: str) -> Path:
    files = {"app/db.py": DB, "app/models.py": MODELS, "app/reminders.py": REMINDERS, "app/jobs.py": handler}
    return write_project(tmp_path / "project", files)


@pytest.mark.parametrize(
    ("call", "committer"),
    [
        # The commit is one call below, under a test of what another call returned.
        ("remind_if_enabled(db, account.id)", "create_reminder"),
        # Three calls below: past a test of a parameter on the way (`if token: return`), which
        # the caller's `None` does not rule out, to a commit under a comparison of data.
        ("sync_account(db, account.id, None)", "rotate_if_configured"),
        # A switch left at its default that lets the commit happen, with a test of data beside it.
        ("save_unless_in_unit(db, account.id)", "save_unless_in_unit"),
    ],
)
def test_a_read_after_a_callee_that_commits_under_a_test_of_data(call: str, committer: str, tmp_path: Path) -> None:
    root = _project(tmp_path, _handler(call))
    found = findings_in(root, "app/jobs.py", "ASA302")
    assert [f.line for f in found] == [10], found
    assert f"after {committer}(), which calls db.commit()" in found[0].message
    outcome = run_example(root, "app/jobs.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == 10, outcome


@pytest.mark.parametrize(
    ("call", "signature"),
    [
        # The switch left at its false default, or set false.
        ("save(db, account.id)", ""),
        ("save(db, account.id, commit=False)", ""),
        # A unit of work passed: the commit beside the test of data is ruled out.
        ("save_unless_in_unit(db, account.id, uow=object())", ""),
        # The caller's own switch handed on: its caller decides, as for an unconditional commit.
        ("save(db, account.id, commit=commit)", "commit: bool"),
        # The callee refreshes the caller's object after its commit.
        ("touch(db, account)", ""),
        # A constant test: its branch never runs.
        ("debug_only(db, account.id)", ""),
        # A token given: the path to the commit is never taken.
        ("sync_account(db, account.id, 'token')", ""),
    ],
)
def test_a_callee_whose_commit_the_call_rules_out_is_silent(call: str, signature: str, tmp_path: Path) -> None:
    root = _project(tmp_path, _handler(call, signature))
    assert findings_in(root, "app/jobs.py", "ASA302") == []
    outcome = run_example(root, "app/jobs.py")
    assert outcome["error"] is None, outcome


def test_a_read_where_the_result_says_the_call_failed_is_not_after_its_conditional_commit(tmp_path: Path) -> None:
    service = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.reminders import feature_flags


async def apply(db: AsyncSession) -> bool:
    if not (await feature_flags()).enabled:
        return False
    await db.commit()
    return True
"""
    handler = """\
from app.db import SessionLocal
from app.models import Account
from app.service import apply


async def review() -> str:
    async with SessionLocal() as db:
        account = await db.get(Account, 1)
        if not await apply(db):
            return account.plan
        return "applied"
"""
    root = _project(tmp_path, handler)
    (root / "app/service.py").write_text(service, encoding="utf-8")
    assert findings_in(root, "app/jobs.py", "ASA302") == []
