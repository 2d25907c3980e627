"""ASA301 after a query that selects an object's own row again by its primary key with loaders
(`k = obj.id` or `obj.id` in the criterion, then `select(M).options(selectinload(M.rel)).where(M.id
== k)`): the identity map gives back that very object and the loader populates its relationship,
so a later read of the object (also as `again or obj`) is no lazy load. Another key, a column
that is not the primary key, a query without the loader read, a read before the query, and an
object from a session of its own stay reported. Linted, then run against real SQLAlchemy with
aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example
from test_reselected_rows import DB

from alchemy_lint.rules.loading_examples import MODELS

HEADER = """\
from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app.db import SessionLocal
from app.db_models import Order, OrderItem


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    quantity: int


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    items: list[ItemOut]


async def _create_order(session: AsyncSession) -> Order:
    order = Order(user_id=1, status="new")
    session.add(order)
    await session.flush()
    return order


"""

LOADED = {
    "reselected_or_held": """\
async def main() -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        order_id = order.id
        again = (
            await session.scalars(select(Order).options(selectinload(Order.items)).where(Order.id == order_id))
        ).first()
        return len((again or order).items)
""",
    "own_key_in_the_criterion": """\
async def main() -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        await session.execute(select(Order).options(selectinload(Order.items)).where(Order.id == order.id))
        return len(order.items)
""",
    "created_by_a_callee_then_validated": """\
async def main() -> str:
    async with SessionLocal() as session:
        order = await _create_order(session)
        order_id = order.id
        refreshed = (
            await session.scalars(select(Order).options(selectinload(Order.items)).where(Order.id == order_id))
        ).first()
        return OrderOut.model_validate(refreshed or order).model_dump_json()
""",
    "expired_then_reselected": """\
async def main() -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        order_id = order.id
        session.expire_all()
        statement = select(Order).options(selectinload(Order.items)).where(Order.id == order_id)
        again = (await session.scalars(statement)).first()
        return len((again or order).items)
""",
    "joined_loader": """\
async def main() -> str:
    async with SessionLocal() as session:
        item = await session.get(OrderItem, 1)
        assert item is not None
        item_id = item.id
        await session.execute(select(OrderItem).options(joinedload(OrderItem.product)).where(OrderItem.id == item_id))
        return item.product.name
""",
    "nested_loader": """\
async def main() -> str:
    async with SessionLocal() as session:
        item = await session.get(OrderItem, 1)
        assert item is not None
        item_id = item.id
        loader = selectinload(OrderItem.order).selectinload(Order.items)
        await session.scalars(select(OrderItem).options(loader).where(OrderItem.id == item_id))
        return str(len(item.order.items))
""",
}

UNLOADED = {
    "another_key": """\
async def main() -> int:
    other_id = 2
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        await session.scalars(select(Order).options(selectinload(Order.items)).where(Order.id == other_id))
        return len(order.items)  # ASA301
""",
    "without_the_loader_read": """\
async def main() -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        order_id = order.id
        await session.scalars(select(Order).options(selectinload(Order.user)).where(Order.id == order_id))
        return len(order.items)  # ASA301
""",
    "read_before_the_query": """\
async def main() -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        order_id = order.id
        count = len(order.items)  # ASA301
        await session.scalars(select(Order).options(selectinload(Order.items)).where(Order.id == order_id))
        return count + len(order.items)
""",
    "another_session": """\
async def main() -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        order_id = order.id
    async with SessionLocal() as other:
        await other.scalars(select(Order).options(selectinload(Order.items)).where(Order.id == order_id))
        return len(order.items)  # ASA301
""",
    "key_bound_anew": """\
async def main() -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        order_id = order.id
        order_id = 2
        await session.scalars(select(Order).options(selectinload(Order.items)).where(Order.id == order_id))
        return len(order.items)  # ASA301
""",
    # (The identity map answers a `get()` of a row it holds without SQL: its options load nothing.)
    "got_again_by_its_own_key": """\
async def main() -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        again = await session.get(Order, order.id, options=[selectinload(Order.items)])
        return len((again or order).items)  # ASA301
""",
    "got_by_another_column_of_it": """\
async def main() -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        await session.get(Order, order.user_id, options=[selectinload(Order.items)])
        return len(order.items)  # ASA301
""",
    "committed_after": """\
async def main() -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        order_id = order.id
        await session.scalars(select(Order).options(selectinload(Order.items)).where(Order.id == order_id))
        await session.commit()
        return len(order.items)  # ASA301
""",
    "on_one_path_only": """\
async def main(flag: bool = False) -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        order_id = order.id
        if flag:
            await session.scalars(select(Order).options(selectinload(Order.items)).where(Order.id == order_id))
        return len(order.items)  # ASA301
""",
}

#: Linted only: at run time the other column's query gives the same row here (each order has a
#: status of its own), which a column that is not unique does not promise.
NOT_THE_PRIMARY_KEY = """\
async def main() -> int:
    async with SessionLocal() as session:
        order = await session.get(Order, 1)
        assert order is not None
        status = order.status
        await session.scalars(select(Order).options(selectinload(Order.items)).where(Order.status == status))
        return len(order.items)  # ASA301
"""


def _project(root: Path, handler: str) -> Path:
    files = {"app/db.py": DB, "app/db_models.py": MODELS, "app/handlers.py": HEADER + handler}
    return write_project(root, files)


@pytest.mark.parametrize("name", sorted(LOADED))
def test_a_query_of_the_objects_own_row_loads_its_relationships(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / name, LOADED[name])
    assert [f.code for f in findings_in(root, "app/handlers.py") if f.code in ("ASA301", "ASA302")] == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


@pytest.mark.parametrize("name", sorted(UNLOADED))
def test_a_query_that_may_give_another_object_loads_nothing_on_it(name: str, tmp_path: Path) -> None:
    source = HEADER + UNLOADED[name]
    root = _project(tmp_path / name, UNLOADED[name])
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")]
    assert lines == expected_lines(source, "ASA301")
    outcome = run_example(root, "app/handlers.py")
    # (An object of a session that was closed is detached: no session to load it.)
    error = "DetachedInstanceError" if name == "another_session" else "MissingGreenlet"
    assert (outcome["error"], outcome["line"]) == (error, lines[0])


def test_a_query_by_a_column_that_is_not_the_primary_key_loads_nothing_on_it(tmp_path: Path) -> None:
    source = HEADER + NOT_THE_PRIMARY_KEY
    root = _project(tmp_path / "status", NOT_THE_PRIMARY_KEY)
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")]
    assert lines == expected_lines(source, "ASA301")


SCOPED_DB = """\
import asyncio

from sqlalchemy.ext.asyncio import AsyncSession, async_scoped_session, async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


class Database:
    def __init__(self) -> None:
        self.scoped = async_scoped_session(SessionLocal, scopefunc=asyncio.current_task)

    @property
    def session(self) -> AsyncSession:
        return self.scoped()


db = Database()
"""

SCOPED_HEADER = """\
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.db import SessionLocal, db
from app.db_models import Order


async def main() -> int:
    order = await {callee}()
    order_id = order.id
    session = db.session
    statement = select(Order).options(selectinload(Order.items)).where(Order.id == order_id)
    again = (await session.scalars(statement)).first()
    return len((again or order).items){marker}


async def in_the_scoped_session() -> Order:
    order = Order(user_id=1, status="new")
    db.session.add(order)
    await db.session.commit()
    return order


async def in_a_session_of_its_own() -> Order:
    async with SessionLocal() as own:
        order = Order(user_id=1, status="new")
        own.add(order)
        await own.commit()
        return order
"""


def test_a_callee_handed_no_session_shares_a_scoped_one(tmp_path: Path) -> None:
    """`db.session` of one module-level object, in the callee and the caller: one session, whose
    identity map gives the caller the callee's object."""
    handler = SCOPED_HEADER.format(callee="in_the_scoped_session", marker="")
    root = write_project(tmp_path, {"app/db.py": SCOPED_DB, "app/db_models.py": MODELS, "app/handlers.py": handler})
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}
    # (The query gave back the callee's object itself, its items loaded: read it alone.)
    alone = handler.replace("(again or order).items", "order.items")
    write_project(tmp_path, {"app/handlers.py": alone})
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


def test_a_callee_with_a_session_of_its_own_returns_another_object(tmp_path: Path) -> None:
    handler = SCOPED_HEADER.format(callee="in_a_session_of_its_own", marker="  # ASA301")
    root = write_project(tmp_path, {"app/db.py": SCOPED_DB, "app/db_models.py": MODELS, "app/handlers.py": handler})
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")]
    assert lines == expected_lines(handler, "ASA301")
    # (`again or order` reads `order` only if the row is missing: read it alone at run time.)
    alone = handler.replace("(again or order).items", "order.items")
    write_project(tmp_path, {"app/handlers.py": alone})
    assert run_example(root, "app/handlers.py")["error"] == "DetachedInstanceError"


ROUTE = """\
from typing import Annotated, AsyncIterator

from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db import SessionLocal, db
from app.db_models import Order


async def get_db() -> AsyncIterator[AsyncSession]:
    yield {provided}


DbSession = Annotated[AsyncSession, Depends(get_db)]


async def create_order(session: DbSession) -> int:
    order = await in_the_scoped_session()
    order_id = order.id
    statement = select(Order).options(selectinload(Order.items)).where(Order.id == order_id)
    await session.scalars(statement)
    return len(order.items){marker}


async def in_the_scoped_session() -> Order:
    order = Order(user_id=1, status="new")
    db.session.add(order)
    await db.session.flush()
    return order
"""


def test_a_provider_that_yields_the_scoped_session_gives_the_callees_one(tmp_path: Path) -> None:
    """The route's session is what its provider yields, `db.session`: the one the callee used."""
    handler = ROUTE.format(provided="db.session", marker="")
    root = write_project(tmp_path, {"app/db.py": SCOPED_DB, "app/db_models.py": MODELS, "app/handlers.py": handler})
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


def test_a_provider_that_yields_a_session_of_its_own_gives_another(tmp_path: Path) -> None:
    handler = ROUTE.format(provided="SessionLocal()", marker="  # ASA301")
    root = write_project(tmp_path, {"app/db.py": SCOPED_DB, "app/db_models.py": MODELS, "app/handlers.py": handler})
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")]
    assert lines == expected_lines(handler, "ASA301")
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0])
