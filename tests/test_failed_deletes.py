"""ASA302 in the handler of a commit whose flush deletes an object: the flush may be what failed,
and a failed flush rolls the transaction back, restores the deleted object to the session and
expires it, whatever `expire_on_commit` says. A read of it in the handler raises
PendingRollbackError, as a read of an object the code changed does. Runtime cases run against
SQLAlchemy with aiosqlite (two rows per table): deleting user 1 nulls its order's NOT NULL key,
so the flush fails."""

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

HEADER = """\
from sqlalchemy.exc import IntegrityError

from app.db import SessionLocal
from app.db_models import User


async def run(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
"""

#: Each case: the body after the `get`, and the error a run raises (None: it runs clean).
CASES = {
    "read_in_the_handler": (
        "        try:\n"
        "            await session.delete(user)\n"
        "            await session.commit()\n"
        "        except IntegrityError:\n"
        '            return f"cannot delete {user.name}"  # ASA302\n'
        '        return "deleted"\n',
        "PendingRollbackError",
    ),
    "key_read_with_a_default_in_the_handler": (
        "        try:\n"
        "            await session.delete(user)\n"
        "            await session.commit()\n"
        "        except IntegrityError:\n"
        "            return f\"cannot delete {getattr(user, 'id', None)}\"  # ASA302\n"
        '        return "deleted"\n',
        "PendingRollbackError",
    ),
    "read_before_the_try": (
        "        name = user.name\n"
        "        try:\n"
        "            await session.delete(user)\n"
        "            await session.commit()\n"
        "        except IntegrityError:\n"
        '            return f"cannot delete {name}"\n'
        '        return "deleted"\n',
        None,
    ),
}


@pytest.mark.parametrize("expire_on_commit", [False, None], ids=["kept", "expiring"])
@pytest.mark.parametrize("case", sorted(CASES))
def test_a_deleted_object_read_in_the_handler_of_its_failed_commit(
    tmp_path: Path, case: str, expire_on_commit: bool | None
) -> None:
    body, error = CASES[case]
    handler = HEADER + body
    files = {"app/db_models.py": MODELS, "app/db.py": async_database(expire_on_commit), "app/handlers.py": handler}
    root = write_project(tmp_path / "project", files)
    expected = expected_lines(handler, "ASA302")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")] == expected
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome
    if error is not None:
        assert outcome["line"] == expected[0]
