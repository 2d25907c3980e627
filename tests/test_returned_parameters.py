"""An object keeps what is known of it through a call that hands it back (`order = await
repo.update(order)`): ASA301 and ASA302 judge it as the object the caller passed, in the caller
and in a callee that rebinds its parameter; a call that returns another object passes nothing on."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project

from alchemy_lint.rules.loading_examples import MODELS

EXPIRING_DB = (
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    'engine = create_async_engine("sqlite+aiosqlite://")\n'
    "SessionLocal = async_sessionmaker(engine)\n"
)

# What the calls do with the order they are handed: give it back (a generic repository's update,
# a subclass method through it, a crud function that also takes the session), or not.
_KEEPERS = """\
from copy import copy
from typing import Any, Generic, TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, OrderItem

M = TypeVar("M")


class Repository(Generic[M]):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def update(self, obj: M, *, update_dict: dict[str, Any] | None = None, flush: bool = False) -> M:
        for key, value in (update_dict or {}).items():
            setattr(obj, key, value)
        self.session.add(obj)
        if flush:
            await self.session.flush()
        return obj


class OrderRepository(Repository[Order]):
    async def close(self, order: Order) -> Order:
        order = await self.update(order, update_dict={"status": "closed"})
        return order


async def save(session: AsyncSession, order: Order) -> Order:
    session.add(order)
    await session.flush()
    return order


async def rebuilt(session: AsyncSession, order: Order) -> Order:
    return Order(user_id=order.user_id, status=order.status)


async def copied(session: AsyncSession, order: Order) -> Order:
    return copy(order)


async def merged(session: AsyncSession, order: Order) -> Order:
    return await session.merge(order)


async def reloaded(session: AsyncSession, order: Order) -> Order:
    statement = select(Order).where(Order.id == order.id).options(selectinload(Order.items))
    return (await session.scalars(statement)).one()


async def refreshed(session: AsyncSession, order: Order) -> Order:
    await session.refresh(order, ["items"])
    return order


async def with_items(session: AsyncSession, order: Order, items: list[OrderItem]) -> Order:
    order.items = items
    return order


async def new_or_same(session: AsyncSession, order: Order, fresh: bool) -> Order:
    if fresh:
        return Order(user_id=order.user_id, status="new")
    return order


async def saved_and_committed(session: AsyncSession, order: Order) -> Order:
    session.add(order)
    await session.commit()
    return order
"""


def check(tmp_path: Path, handler: str, code: str) -> None:
    """The handler's `# ASA3xx` markers are exactly the lines reported."""
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": EXPIRING_DB,
        "app/keepers.py": _KEEPERS,
        "app/handlers.py": handler,
    }
    root = write_project(tmp_path / "project", files)
    assert [finding.line for finding in findings_in(root, "app/handlers.py", code)] == expected_lines(handler, code)


def test_an_object_a_repository_gives_back_keeps_its_query(tmp_path: Path) -> None:
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.keepers import OrderRepository, Repository, save


async def closed_items(session: AsyncSession, order_id: int) -> int:
    order = await session.get(Order, order_id)
    order = await Repository(session).update(order, update_dict={"status": "closed"})
    return len(order.items)  # ASA301


async def closed_through_a_subclass(session: AsyncSession, order_id: int) -> int:
    repository = OrderRepository(session)
    order = await session.get(Order, order_id)
    order = await repository.close(order)
    return len(order.items)  # ASA301


async def saved_items(session: AsyncSession, order_id: int) -> int:
    order = await session.get(Order, order_id)
    saved = await save(session, order)
    return len(saved.items)  # ASA301
"""
    check(tmp_path, handler, "ASA301")


def test_a_call_that_returns_another_object_or_loads_passes_nothing_on(tmp_path: Path) -> None:
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.keepers import copied, merged, new_or_same, rebuilt, refreshed, reloaded, with_items


async def rebuilt_items(session: AsyncSession, order_id: int) -> int:
    order = await session.get(Order, order_id)
    order = await rebuilt(session, order)
    return len(order.items)


async def copied_items(session: AsyncSession, order_id: int) -> int:
    order = await session.get(Order, order_id)
    order = await copied(session, order)
    return len(order.items)


async def merged_items(session: AsyncSession, order_id: int) -> int:
    order = await session.get(Order, order_id)
    order = await merged(session, order)
    return len(order.items)


async def reloaded_items(session: AsyncSession, order_id: int) -> int:
    order = await session.get(Order, order_id)
    order = await reloaded(session, order)
    return len(order.items)


async def refreshed_items(session: AsyncSession, order_id: int) -> int:
    order = await session.get(Order, order_id)
    order = await refreshed(session, order)
    return len(order.items)


async def items_set_by_the_callee(session: AsyncSession, order_id: int) -> int:
    order = await session.get(Order, order_id)
    # (The callee's `order.items = items` loads the old, unloaded collection first: the call.)
    order = await with_items(session, order, [])  # ASA301
    return len(order.items)


async def maybe_a_new_order(session: AsyncSession, order_id: int) -> int:
    order = await session.get(Order, order_id)
    order = await new_or_same(session, order, False)
    return len(order.items)
"""
    check(tmp_path, handler, "ASA301")


def test_a_callee_that_rebinds_its_parameter_to_what_it_gets_back_still_reads_it(tmp_path: Path) -> None:
    # The shape of a shipped bug: the caller's orders load no `items`; the method it hands each
    # one to rebinds it through the repository and reads `items`.
    handler = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order
from app.keepers import Repository, refreshed, reloaded


class OrderService:
    async def void(self, session: AsyncSession, order: Order) -> int:
        order = await Repository(session).update(order, update_dict={"status": "void"})
        return len(order.items)

    async def void_reloaded(self, session: AsyncSession, order: Order) -> int:
        order = await reloaded(session, order)
        return len(order.items)

    async def void_refreshed(self, session: AsyncSession, order: Order) -> int:
        order = await refreshed(session, order)
        return len(order.items)

    async def void_all(self, session: AsyncSession) -> None:
        for order in (await session.scalars(select(Order))).all():
            await self.void(session, order)  # ASA301
            await self.void_reloaded(session, order)
            await self.void_refreshed(session, order)
"""
    check(tmp_path, handler, "ASA301")


def test_an_object_given_back_stays_expired_by_the_commit_before_the_call(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import Order
from app.keepers import copied, save, saved_and_committed


async def expired_before(order_id: int) -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        await session.commit()
        order = await save(session, order)
        return order.user_id  # ASA302


async def expired_by_the_callee(order_id: int) -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        order = await saved_and_committed(session, order)
        return order.user_id  # ASA302


async def a_new_object(order_id: int) -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, order_id)
        await session.commit()
        order = await copied(session, order)
        return order.user_id
"""
    check(tmp_path, handler, "ASA302")
