"""Objects a caller gets back under a key of a dict, and a helper's rollback of a duplicate row.

- `page["items"]` of `return {"items": pods, ...}` is the list the callee loaded: iterating it
  gives its objects, with what the query loaded on them.
- `return self._page(pods, total)`, a sync builder handed the list that returns
  `{"items": items, ...}`: the key holds what the builder was handed under that parameter.
- `except IntegrityError: rollback; return False` in a helper: a duplicate row is an outcome it
  expects, and a caller that reads on whatever the result reads objects that rollback expired.
"""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project

from alchemy_lint.rules.loading_examples import MODELS

KEEPING_DB = (
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    'engine = create_async_engine("sqlite+aiosqlite://")\n'
    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
)


def check(tmp_path: Path, handler: str, code: str, **others: str) -> None:
    """The handler's `# ASA3xx` markers are exactly the lines reported."""
    files = {"app/db_models.py": MODELS, "app/db.py": KEEPING_DB, "app/handlers.py": handler}
    files.update({name.replace("__", "/") + ".py": source for name, source in others.items()})
    root = write_project(tmp_path / "project", files)
    assert [finding.line for finding in findings_in(root, "app/handlers.py", code)] == expected_lines(handler, code)


def test_a_list_returned_under_a_key_gives_its_objects_when_iterated(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def pages(session: AsyncSession) -> dict[str, Any]:
    plain = (await session.scalars(select(Order))).all()
    loaded = (await session.scalars(select(Order).options(selectinload(Order.items)))).all()
    return {"plain": plain, "loaded": loaded, "total": len(plain)}


async def counts(session: AsyncSession) -> int:
    found = await pages(session)
    total = 0
    for order in found["plain"]:
        total += len(order.items)  # ASA301
    for order in found["loaded"]:
        total += len(order.items)
    rows = found["plain"]
    return total + sum(len(order.user.name) for order in rows)  # ASA301
""",
        "ASA301",
    )


def test_a_sync_builder_hands_back_the_list_it_was_given_under_its_key(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self._session = session

    def _page(self, items: list[Order], total: int) -> dict[str, Any]:
        return {"items": items, "total": total}

    async def plain_page(self) -> dict[str, Any]:
        orders = (await self._session.scalars(select(Order))).all()
        return self._page(orders, len(orders))

    async def loaded_page(self) -> dict[str, Any]:
        statement = select(Order).options(selectinload(Order.items))
        orders = (await self._session.scalars(statement)).all()
        return self._page(orders, total=len(orders))


async def counts(session: AsyncSession) -> list[int]:
    repository = OrderRepository(session)
    plain = await repository.plain_page()
    loaded = await repository.loaded_page()
    first = [len(order.items) for order in plain["items"]]  # ASA301
    second = [len(order.items) for order in loaded["items"]]
    return first + second + [plain["total"]]
""",
        "ASA301",
    )


def test_a_key_the_builder_fills_with_anything_else_is_not_judged(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


def _page(items: list[Order], total: int, fresh: bool) -> dict[str, Any]:
    if fresh:
        return {"items": [], "total": 0}
    return {"items": items, "total": total}


def _copied(items: list[Order]) -> dict[str, Any]:
    return {"items": list(items)}


async def counts(session: AsyncSession) -> int:
    orders = (await session.scalars(select(Order))).all()
    first = _page(orders, len(orders), False)
    second = _copied(orders)
    return sum(len(order.items) for order in first["items"]) + len(second["items"])
""",
        "ASA301",
    )


TAGGING = """\
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import OrderEvent


async def tag_order(session: AsyncSession, order_id: int) -> bool:
    try:
        session.add(OrderEvent(id=order_id, order_id=order_id, kind="tagged"))
        await session.flush()
    except IntegrityError:
        await session.rollback()
        return False
    return True


async def tag_quietly(session: AsyncSession, order_id: int) -> None:
    try:
        session.add(OrderEvent(id=order_id, order_id=order_id, kind="tagged"))
        await session.flush()
    except Exception:
        await session.rollback()
"""


def test_a_helper_that_rolls_back_a_duplicate_row_expires_what_its_caller_reads_on(tmp_path: Path) -> None:
    check(
        tmp_path,
        """\
from app.db import SessionLocal
from app.db_models import User
from app.tagging import tag_order, tag_quietly


async def tag_and_greet(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await tag_order(session, 1)
        return user.name  # ASA302


async def tag_and_check(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        if not await tag_order(session, 1):
            return "taken"
        return user.name


async def tag_anyway(user_id: int) -> str:
    async with SessionLocal() as session:
        user = await session.get(User, user_id)
        await tag_quietly(session, 1)
        return user.name  # ASA302
""",
        "ASA302",
        app__tagging=TAGGING,
    )


def test_a_test_that_runs_the_helper_once_is_not_judged_by_its_conflict_path(tmp_path: Path) -> None:
    test_module = """\
from app.db import SessionLocal
from app.db_models import User
from app.tagging import tag_order


async def test_tagging_keeps_the_user() -> None:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        await tag_order(session, 1)
        assert user.name
"""
    files = {
        "app/db_models.py": MODELS,
        "app/db.py": KEEPING_DB,
        "app/tagging.py": TAGGING,
        "tests/test_tagging.py": test_module,
    }
    root = write_project(tmp_path / "project", files)
    assert findings_in(root, "tests/test_tagging.py", "ASA302") == []
