"""ASA301 on an object that a many-to-one the identity map answers reaches: re-selected rows
(`select(Order)` without loaders), whose `order.user` is a user the code already holds. That
user is the object the code (or, for a callee handed the session, every caller) loaded and
keeps, with what its query loaded on it, so `order.user.orders` runs no SQL when that query
loaded `orders`, and is a lazy load when it did not, or when nothing holds the user (or a
commit expired it). Linted, then run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example
from test_reselected_rows import DB

from alchemy_lint.rules.loading_examples import MODELS

HEADER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db import SessionLocal
from app.db_models import Order, User


"""

# Shared by the cases: a callee handed the session re-selects an order and reads its user's orders.
_CALLEE = """\


async def statuses(session: AsyncSession, order_id: int) -> list[str]:
    order = (await session.execute(select(Order).where(Order.id == order_id))).scalar_one()
    return [o.status for o in order.user.orders]{mark}
"""

SERVED = {
    "held_here": """\
async def main() -> list[str]:
    async with SessionLocal() as session:
        user = (await session.execute(select(User).options(selectinload(User.orders)).where(User.id == 1))).scalar_one()
        order = (await session.execute(select(Order).where(Order.id == 1))).scalar_one()
        owner = order.user
        return [o.status for o in owner.orders] + [user.name]
""",
    # Held and never read again: the name keeps it in the identity map all the same.
    "held_unread": """\
async def main() -> list[str]:
    async with SessionLocal() as session:
        user = (await session.execute(select(User).options(selectinload(User.orders)).where(User.id == 1))).scalar_one()
        order = (await session.execute(select(Order).where(Order.id == 1))).scalar_one()
        owner = order.user
        assert user is not None
        return [o.status for o in owner.orders]
""",
    "held_by_the_caller": """\
async def main() -> list[str]:
    async with SessionLocal() as session:
        user = (await session.execute(select(User).options(selectinload(User.orders)).where(User.id == 1))).scalar_one()
        found = await statuses(session, 1)
        return found + [user.name]
"""
    + _CALLEE.format(mark=""),
    "held_by_the_caller_from_its_callee": """\
async def main() -> list[str]:
    async with SessionLocal() as session:
        user = await load_user(session, 1)
        found = await statuses(session, 1)
        return found + [user.name]


async def load_user(session: AsyncSession, user_id: int) -> User:
    statement = select(User).options(selectinload(User.orders)).where(User.id == user_id)
    return (await session.execute(statement)).scalar_one()
"""
    + _CALLEE.format(mark=""),
}

UNSERVED = {
    # The held user's query did not load `orders`: the identity map gives it as it is.
    "held_without_it": """\
async def main() -> list[str]:
    async with SessionLocal() as session:
        user = (await session.execute(select(User).where(User.id == 1))).scalar_one()
        order = (await session.execute(select(Order).where(Order.id == 1))).scalar_one()
        owner = order.user
        return [o.status for o in owner.orders] + [user.name]  # ASA301
""",
    "held_unread_without_it": """\
async def main() -> list[str]:
    async with SessionLocal() as session:
        user = (await session.execute(select(User).where(User.id == 1))).scalar_one()
        order = (await session.execute(select(Order).where(Order.id == 1))).scalar_one()
        owner = order.user
        assert user is not None
        return [o.status for o in owner.orders]  # ASA301
""",
    "held_by_the_caller_without_it": """\
async def main() -> list[str]:
    async with SessionLocal() as session:
        user = (await session.execute(select(User).where(User.id == 1))).scalar_one()
        found = await statuses(session, 1)
        return found + [user.name]
"""
    + _CALLEE.format(mark="  # ASA301"),
    # Nothing holds a user: `order.user` itself is a lazy load.
    "held_by_no_caller": """\
async def main() -> list[str]:
    async with SessionLocal() as session:
        return await statuses(session, 1)
"""
    + _CALLEE.format(mark="  # ASA301"),
    # The caller's commit expired the user it holds: the identity map refreshes it, with SQL.
    "expired_before_the_call": """\
async def main() -> list[str]:
    async with SessionLocal() as session:
        user = (await session.execute(select(User).options(selectinload(User.orders)).where(User.id == 1))).scalar_one()
        await session.commit()
        found = await statuses(session, 1)
        return found + [str(user.id)]
"""
    + _CALLEE.format(mark="  # ASA301"),
}


def _project(root: Path, handler: str) -> Path:
    return write_project(root, {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": HEADER + handler})


@pytest.mark.parametrize("name", sorted(SERVED))
def test_an_object_the_identity_map_serves_has_what_its_holder_loaded(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / name, SERVED[name])
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


@pytest.mark.parametrize("name", sorted(UNSERVED))
def test_what_no_held_object_loaded_is_a_lazy_load(name: str, tmp_path: Path) -> None:
    source = HEADER + UNSERVED[name]
    root = _project(tmp_path / name, UNSERVED[name])
    lines = sorted({finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")})
    assert lines == expected_lines(source, "ASA301")
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet"
