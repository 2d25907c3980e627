"""ASA302 after `session.expire(obj)` and `session.expire_all()`: what they expire, and what they
leave alone. Linted, then run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

#: A factory that keeps objects on commit: only the explicit expiries expire anything here.
DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

#: `expire(order)` expires the order, not the items it loaded: reading the order's collection
#: raises, once, at the collection.
EXPIRED_OWNER = """\
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db import SessionLocal
from app.db_models import Order


async def item_totals(order_id: int) -> list[int]:
    async with SessionLocal() as session:
        order = await session.scalar(select(Order).where(Order.id == order_id).options(selectinload(Order.items)))
        session.expire(order)
        return [item.quantity for item in order.items]  # ASA302
"""

#: The items taken before the expiry keep their state.
ITEMS_KEPT = """\
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db import SessionLocal
from app.db_models import Order


async def item_totals(order_id: int) -> list[int]:
    async with SessionLocal() as session:
        order = await session.scalar(select(Order).where(Order.id == order_id).options(selectinload(Order.items)))
        items = list(order.items)
        session.expire(order)
        return [item.quantity for item in items]
"""

#: `expire_all()` expires persistent objects only: a pending one keeps its attributes.
PENDING = """\
from app.db import SessionLocal
from app.db_models import User


async def register(name: str) -> str:
    async with SessionLocal() as session:
        known = await session.get(User, 1)
        user = User(name=name)
        session.add(user)
        session.expire_all()
        return user.name + known.name  # ASA302
"""


def _run(tmp_path: Path, handler: str) -> tuple[list[int], dict[str, object]]:
    root = write_project(tmp_path, {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": handler})
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    return lines, run_example(root, "app/handlers.py")


def test_expire_is_reported_once_at_the_first_read_of_the_expired_object(tmp_path: Path) -> None:
    lines, outcome = _run(tmp_path / "owner", EXPIRED_OWNER)
    assert lines == expected_lines(EXPIRED_OWNER, "ASA302")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0])


def test_objects_an_expired_object_led_to_before_keep_their_state(tmp_path: Path) -> None:
    lines, outcome = _run(tmp_path / "items", ITEMS_KEPT)
    assert lines == []
    assert outcome["error"] is None


def test_expire_all_expires_the_loaded_object_and_leaves_a_pending_one_alone(tmp_path: Path) -> None:
    lines, outcome = _run(tmp_path / "pending", PENDING)
    assert lines == expected_lines(PENDING, "ASA302")
    (finding,) = findings_in(tmp_path / "pending", "app/handlers.py", "ASA302")
    assert finding.message.startswith("ASA302 User.name read on known after session.expire_all()"), finding.message
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0])


#: A factory that expires on commit: the commit expires both objects, the loop refreshes each.
EXPIRING_DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
"""

#: `for obj in (order, user): await session.refresh(obj)`: each name the literal holds is refreshed.
REFRESHED_IN_A_LOOP = """\
from app.db import SessionLocal
from app.db_models import Order, User


async def rename(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        user = await session.get(User, order_id)
        user.name = "renamed"
        await session.commit()
        for obj in (order, user):
            await session.refresh(obj)
        return order.status + user.name
"""

#: The loop refreshes one of the two: the other is still expired by the commit.
ONE_REFRESHED_IN_A_LOOP = """\
from app.db import SessionLocal
from app.db_models import Order, User


async def rename(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        user = await session.get(User, order_id)
        user.name = "renamed"
        await session.commit()
        for obj in [order]:
            await session.refresh(obj)
        return order.status + user.name  # ASA302
"""

#: `for obj in (order, user): session.expire(obj)`: each name the literal holds is expired.
EXPIRED_IN_A_LOOP = """\
from app.db import SessionLocal
from app.db_models import Order, User


async def statuses(order_id: int) -> str:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        user = await session.get(User, order_id)
        for obj in (order, user):
            session.expire(obj)
        return user.name  # ASA302
"""


def _run_with(tmp_path: Path, db: str, handler: str) -> tuple[list[int], dict[str, object]]:
    root = write_project(tmp_path, {"app/db.py": db, "app/db_models.py": MODELS, "app/handlers.py": handler})
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    return lines, run_example(root, "app/handlers.py")


def test_a_loop_over_a_literal_of_names_refreshes_each_of_them(tmp_path: Path) -> None:
    lines, outcome = _run_with(tmp_path / "both", EXPIRING_DB, REFRESHED_IN_A_LOOP)
    assert lines == []
    assert outcome["error"] is None


def test_a_name_the_loop_does_not_iterate_stays_expired(tmp_path: Path) -> None:
    lines, outcome = _run_with(tmp_path / "one", EXPIRING_DB, ONE_REFRESHED_IN_A_LOOP)
    assert lines == expected_lines(ONE_REFRESHED_IN_A_LOOP, "ASA302")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0])


def test_a_loop_over_a_literal_of_names_expires_each_of_them(tmp_path: Path) -> None:
    lines, outcome = _run(tmp_path / "expired", EXPIRED_IN_A_LOOP)
    assert lines == expected_lines(EXPIRED_IN_A_LOOP, "ASA302")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0])
