"""ASA302 on objects a function receives: a parameter annotated with a model, and `self` of a
model's method. They are the caller's objects, judged in the function's only session (or the one
it hands them to); the runtime cases run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

EXPIRING_DB = (
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    "from sqlalchemy.pool import StaticPool\n"
    'engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)\n'
    "SessionLocal = async_sessionmaker(engine)\n"
)
KEEPING_DB = EXPIRING_DB.replace("async_sessionmaker(engine)", "async_sessionmaker(engine, expire_on_commit=False)")

#: A model whose method deletes or renames itself and reads `self` in the `except` handler.
ACCOUNTS = """\
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Account(Base):
    __tablename__ = "accounts"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(unique=True)

    @property
    def label(self) -> str:
        return f"account {self.name}"

    async def rename(self, session: AsyncSession, name: str) -> None:
        try:
            self.name = name
            await session.commit()
        except IntegrityError:
            await session.rollback()
            raise ValueError(f"account {self.id} cannot take {name}")  # ASA302

    async def rename_safely(self, session: AsyncSession, name: str) -> None:
        account_id = self.id
        try:
            self.name = name
            await session.commit()
        except IntegrityError:
            await session.rollback()
            raise ValueError(f"account {account_id} cannot take {name}")


async def rename_first(session: AsyncSession) -> None:
    account = await session.get(Account, 1)
    assert account is not None
    await account.rename(session, "accounts-2")
"""


def _project(tmp_path: Path, handler: str, db: str = EXPIRING_DB, config: str = "", **others: str) -> Path:
    files = {"app/db_models.py": MODELS, "app/db.py": db, "app/handlers.py": handler}
    files.update({name.replace("__", "/") + ".py": source for name, source in others.items()})
    return write_project(tmp_path / "project", files, config)


def _reported(root: Path, path: str = "app/handlers.py") -> list[int]:
    return [finding.line for finding in findings_in(root, path, "ASA302")]


def check(tmp_path: Path, handler: str, db: str = EXPIRING_DB, config: str = "") -> None:
    """The handler's `# ASA302` markers are exactly the lines reported."""
    root = _project(tmp_path, handler, db, config)
    assert _reported(root) == expected_lines(handler, "ASA302")


#: A helper that commits the session it is handed, and one whose caller opens the session of the
#: project's factory (an unannotated `db`: its callers say what it is).
SAVE_AND_READ = """\
from app.db import SessionLocal
from app.db_models import User


async def rename(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        assert user is not None
        return await _rename(session, user)


async def _save(db) -> None:
    await db.commit()


async def _rename(db, user: User) -> str:
    user.name = "renamed"
    await _save(db)
    return user.name  # ASA302
"""


def test_a_parameter_read_after_a_callee_commits_its_session_is_reported_where_it_raises(tmp_path: Path) -> None:
    root = _project(tmp_path, SAVE_AND_READ)
    (line,) = expected_lines(SAVE_AND_READ, "ASA302")
    assert _reported(root) == [line]
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", line)


def test_a_refresh_after_the_commit_clears_a_parameter(tmp_path: Path) -> None:
    fixed = SAVE_AND_READ.replace("    await _save(db)\n", "    await _save(db)\n    await db.refresh(user)\n")
    # Without the refresh the read is reported (as above); with it, it is not, and runs clean.
    check(tmp_path / "unfixed", SAVE_AND_READ)
    check(tmp_path, fixed.replace("  # ASA302", ""))
    root = _project(tmp_path / "run", fixed)
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


def test_expire_on_commit_false_keeps_a_parameter_after_commit_but_not_after_rollback(tmp_path: Path) -> None:
    check(tmp_path / "commit", SAVE_AND_READ.replace("  # ASA302", ""), KEEPING_DB)
    rolled_back = SAVE_AND_READ.replace("await db.commit()", "await db.rollback()")
    check(tmp_path / "rollback", rolled_back, KEEPING_DB)
    root = _project(tmp_path / "run", rolled_back, KEEPING_DB)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", expected_lines(rolled_back, "ASA302")[0])


def test_self_read_in_the_except_handler_after_rollback_is_reported_where_it_raises(tmp_path: Path) -> None:
    # `rename` reads `self.id` after the rollback and is reported; `rename_safely` read it before.
    root = write_project(tmp_path / "project", {"app/db.py": EXPIRING_DB, "app/db_models.py": ACCOUNTS})
    (line,) = expected_lines(ACCOUNTS, "ASA302")
    assert _reported(root, "app/db_models.py") == [line]
    outcome = run_example(root, "app/db_models.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", line)
    safe = ACCOUNTS.replace("await account.rename(", "await account.rename_safely(")
    root = write_project(tmp_path / "safe", {"app/db.py": EXPIRING_DB, "app/db_models.py": safe})
    outcome = run_example(root, "app/db_models.py")
    assert (outcome["error"], outcome["message"]) == ("ValueError", "account 1 cannot take accounts-2")


def test_a_session_parameter_of_unknown_factory_expires_a_parameter_only_on_rollback(tmp_path: Path) -> None:
    # The pair real handlers take: `(db, db_user)`. Whether `db` expires on commit is its
    # factory's business: the project's only factory's (it expires), or what its factories all
    # say (two that expire: it expires); unknown beside a second factory that says otherwise,
    # where `preview = true` does not guess either.
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def save(db: AsyncSession) -> None:
    await db.commit()


async def rename(db: AsyncSession, db_user: User) -> str:
    db_user.name = "renamed"
    await save(db)
    return db_user.name  # ASA302


async def undo(db: AsyncSession, db_user: User) -> str:
    await db.rollback()
    return db_user.name  # ASA302
"""
    check(tmp_path / "only", handler)
    agreeing = EXPIRING_DB.replace("SessionLocal", "ReportSession")
    assert _reported(_project(tmp_path / "agreeing", handler, app__reports_db=agreeing)) == [13, 18]
    keeping = KEEPING_DB.replace("SessionLocal", "ReportSession")
    for config in ("", "preview = true"):
        root = _project(tmp_path / f"two{len(config)}", handler, config=config, app__reports_db=keeping)
        assert _reported(root) == [18], config


def test_two_sessions_and_nothing_that_ties_the_object_to_one_stay_silent(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def audit(db: AsyncSession, audit_db: AsyncSession, user: User) -> str:
    await audit_db.rollback()
    return user.name


async def tied(db: AsyncSession, audit_db: AsyncSession, user: User) -> str:
    await db.delete(user)
    await audit_db.rollback()
    name = user.name
    await db.rollback()
    return name + user.name  # ASA302
""",
    )


def test_a_session_the_function_opens_holds_a_received_object_only_once_handed_it(tmp_path: Path) -> None:
    # The caller loaded the object in some other session: this one's rollback expires it only
    # after `add()` put it here (and a commit made it persistent).
    check(
        tmp_path,
        """\
from app.db import SessionLocal
from app.db_models import User


async def audit(user: User) -> str:
    async with SessionLocal() as session:
        try:
            await session.commit()
        except Exception:
            await session.rollback()
            return user.name
        return user.name


async def attach(user: User) -> str:
    async with SessionLocal() as session:
        session.add(user)
        await session.commit()
        return user.name  # ASA302
""",
    )


def test_objects_handed_to_add_all_are_the_sessions(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from app.db import SessionLocal
from app.db_models import Order, User


async def attach_both(user: User, order: Order) -> str:
    async with SessionLocal() as session:
        session.add_all([user, order])
        await session.commit()
        name = user.name  # ASA302
        return f"{name} {order.status}"  # ASA302


async def attach_one(user: User, order: Order) -> str:
    async with SessionLocal() as session:
        session.add_all((user,))
        await session.commit()
        return order.status
""",
    )


def test_an_object_the_function_adds_is_not_expired_by_a_rollback_before_any_commit(tmp_path: Path) -> None:
    # The caller may have made it (`User(...)`): a rollback expunges a pending object, its
    # attributes intact. After a commit it is persistent, and the next rollback expires it.
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def create(db: AsyncSession, user: User) -> str:
    db.add(user)
    try:
        await db.flush()
    except Exception:
        await db.rollback()
        return user.name
    await db.commit()
    await db.rollback()
    return user.name  # ASA302
""",
    )


def test_an_object_merged_or_expunged_is_not_the_sessions(tmp_path: Path) -> None:
    # Verified: `merge()` leaves a detached argument detached (the session holds a copy), and
    # `expunge()` detaches it; no later commit or rollback of the session expires it.
    check(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def merged(db: AsyncSession, user: User) -> str:
    await db.merge(user)
    await db.rollback()
    return user.name


async def expunged(db: AsyncSession, user: User) -> str:
    db.expunge(user)
    await db.rollback()
    return user.name


async def kept(db: AsyncSession, user: User) -> str:
    await db.rollback()
    return user.name  # ASA302
""",
    )


def test_parameters_that_hold_no_model_and_sync_functions_are_not_judged(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.db_models import User


@dataclass
class UserIn:
    name: str


async def create(db: AsyncSession, payload: UserIn, user: User) -> str:
    await db.rollback()
    return payload.name + user.name  # ASA302


def legacy(db: Session, user: User) -> str:
    db.rollback()
    return user.name
""",
    )


def test_a_property_that_reads_an_expired_column_is_reported(tmp_path: Path) -> None:
    root = write_project(
        tmp_path / "project",
        {
            "app/db.py": EXPIRING_DB,
            "app/db_models.py": ACCOUNTS,
            "app/handlers.py": """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Account


async def describe(db: AsyncSession, account: Account) -> str:
    await db.rollback()
    return account.label
""",
        },
    )
    (finding,) = findings_in(root, "app/handlers.py", "ASA302")
    assert (finding.line, "Account.label read on account (it reads Account.name)") == (8, finding.message[7:60])


def test_a_received_object_is_no_lazy_load_of_this_function(tmp_path: Path) -> None:
    # Which relationships the caller loaded is the caller's query's business (ASA301 judges it there).
    root = _project(
        tmp_path,
        """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User


async def count(db: AsyncSession, user: User) -> int:
    await db.rollback()
    await db.refresh(user)
    return len(user.orders)


async def count_expired(db: AsyncSession, user: User) -> int:
    await db.rollback()
    return len(user.orders)
""",
    )
    assert [(finding.code, finding.line) for finding in findings_in(root, "app/handlers.py")] == [("ASA302", 14)]


def test_a_factory_of_sync_sessions_beside_the_asyncio_one_does_not_hide_it(tmp_path: Path) -> None:
    # A project that also builds `sessionmaker(bind=sync_engine)` for its sync code: that factory
    # cannot have made an asyncio session, so a parameter annotated `AsyncSession` is still one of
    # the only asyncio factory's sessions (it expires), here a callee's commit expires `user`.
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal
from app.db_models import User


async def main() -> str:
    async with SessionLocal() as session:
        return await rename(session)


async def save(db: AsyncSession) -> None:
    await db.commit()


async def rename(db: AsyncSession) -> str:
    user = await db.get(User, 1)
    assert user is not None
    await save(db)
    return user.name  # ASA302
"""
    sync_factory = (
        "from sqlalchemy import create_engine\n"
        "from sqlalchemy.orm import sessionmaker\n"
        'sync_engine = create_engine("sqlite://")\n'
        "SyncSessionLocal = sessionmaker(bind=sync_engine)\n"
    )
    root = _project(tmp_path / "sync", handler, app__sync_db=sync_factory)
    assert _reported(root) == expected_lines(handler, "ASA302")
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", expected_lines(handler, "ASA302")[0])
    # A second asyncio factory that keeps objects on commit leaves the parameter's factory unknown.
    second = KEEPING_DB.replace("SessionLocal", "ReportSession")
    root = _project(tmp_path / "async", handler, app__reports_db=second)
    assert _reported(root) == []
