"""ASA302 after a callee's failed flush: a callee that commits what it added and, in its own
`except`, rolls back and swallows the error expires what its caller holds, after a single call
as after the same `try` written inline. Not judged: a handler that raises again, a retry loop,
a `try` with other I/O in it (the handler is there for that too), a handler that reads an object
the failure expired (that read raises out of the callee), a caller that tests the result.
Runtime cases run against SQLAlchemy with aiosqlite (two rows per table): an order with id 1
already exists, so adding another fails at the flush."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, expected_lines, findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    orders: Mapped[list["Order"]] = relationship()


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
"""

#: Helpers that take the caller's session: each adds an order whose id already exists.
ORDERS = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order, User


async def link(session: AsyncSession, user: User) -> None:
    try:
        session.add(Order(id=1, user_id=user.id))
        await session.commit()
    except Exception:
        await session.rollback()


async def link_or_raise(session: AsyncSession, user: User) -> None:
    try:
        session.add(Order(id=1, user_id=user.id))
        await session.commit()
    except Exception:
        await session.rollback()
        raise


async def link_after_a_call(session: AsyncSession, user: User) -> None:
    try:
        await asyncio.sleep(0)
        session.add(Order(id=1, user_id=user.id))
        await session.commit()
    except Exception:
        await session.rollback()


async def link_and_log(session: AsyncSession, user: User) -> None:
    try:
        session.add(Order(id=1, user_id=user.id))
        await session.commit()
    except Exception:
        print(f"cannot link {getattr(user, 'id', None)}")
        await session.rollback()


async def link_with_retries(session: AsyncSession, user: User) -> None:
    for attempt in range(2):
        try:
            session.add(Order(id=1, user_id=user.id))
            await session.commit()
            return
        except Exception:
            await session.rollback()
            if attempt == 1:
                raise


async def link_checked(session: AsyncSession, user: User) -> bool:
    try:
        session.add(Order(id=1, user_id=user.id))
        await session.commit()
    except Exception:
        await session.rollback()
        return False
    return True
"""

HEADER = """\
from app.db import SessionLocal
from app.db_models import User
from app.orders import link, link_after_a_call, link_and_log, link_checked, link_or_raise, link_with_retries


async def run(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        assert user is not None
"""

#: Each case: the body after the `get`, and the error a run raises (None: it runs clean).
CASES = {
    "swallowed_rollback_then_read": (
        "        await link(session, user)\n        return user.name  # ASA302\n",
        "MissingGreenlet",
    ),
    "rollback_raised_again": (
        "        try:\n"
        "            await link_or_raise(session, user)\n"
        "        except Exception:\n"
        '            return "failed"\n'
        "        return user.name\n",
        None,
    ),
    # (A run fails here too, on the I/O's error or the flush's: which one the handler is
    # there for, the rule cannot tell.)
    "other_io_in_the_try": (
        "        await link_after_a_call(session, user)\n        return user.name\n",
        "MissingGreenlet",
    ),
    "the_handler_reads_the_object": (
        "        await link_and_log(session, user)\n        return user.name\n",
        "PendingRollbackError",
    ),
    "retried_in_a_loop": (
        "        try:\n"
        "            await link_with_retries(session, user)\n"
        "        except Exception:\n"
        '            return "failed"\n'
        "        return user.name\n",
        None,
    ),
    "result_tested": (
        '        if not await link_checked(session, user):\n            return "failed"\n        return user.name\n',
        None,
    ),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_read_after_a_failed_flush_in_a_callee(tmp_path: Path, case: str) -> None:
    body, error = CASES[case]
    handler = HEADER + body
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": async_database(expire_on_commit=False),
        "app/orders.py": ORDERS,
        "app/handlers.py": handler,
    }
    root = write_project(tmp_path / "project", files)
    expected = expected_lines(handler, "ASA302")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome
    if expected:
        assert outcome["line"] == expected[0]


def test_the_message_names_the_callee(tmp_path: Path) -> None:
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": async_database(expire_on_commit=False),
        "app/orders.py": ORDERS,
        "app/handlers.py": HEADER + CASES["swallowed_rollback_then_read"][0],
    }
    root = write_project(tmp_path / "project", files)
    [finding] = findings_in(root, "app/handlers.py", "ASA302")
    assert "after link(), which calls session.rollback() when it catches an error, at line 10" in finding.message
