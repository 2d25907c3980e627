"""A sync helper handed a list of ORM objects that gives back some of them (`[o for o in orders
if o.status == "open"]`, `sorted(orders, key=...)`, `orders[:n]`, `[]` on an early path), or one of them (`for order in
orders: return order`, `return None` after the loop), gives the
caller's own objects: a relationship the caller's query did not load is a lazy load where the
caller reads it (ASA301). A helper that builds a statement from an object it is handed stays a
statement. Executed against SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

HELPERS = """\
from sqlalchemy import Select, select

from app.db_models import Order, User


def open_only(orders):
    if not orders:
        return []
    return [order for order in orders if order.status != "closed"]


def newest(orders: list[Order], count: int) -> list[Order]:
    return sorted(orders, key=lambda order: order.id, reverse=True)[:count]


def first_open(orders: list[Order]) -> Order | None:
    for order in orders:
        if order.status != "closed":
            return order
    return None


def orders_of(user: User) -> Select[tuple[Order]]:
    return select(Order).where(Order.user_id == user.id)
"""

HANDLER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order, User
from app.helpers import first_open, newest, open_only, orders_of


async def customers(session: AsyncSession) -> list[str]:
    orders = (await session.scalars(select(Order){options})).all()
    return [order.user.name for order in {picked}]
"""
FIRST = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order
from app.helpers import first_open


async def customer(session: AsyncSession) -> str:
    orders = (await session.scalars(select(Order){options})).all()
    order = first_open(list(orders))
    return order.user.name if order else ""
"""

OF_USER = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import User
from app.helpers import orders_of


async def statuses(session: AsyncSession) -> list[str]:
    user = await session.get(User, 1)
    assert user is not None
    orders = (await session.scalars(orders_of(user))).all()
    return [str(len(order.items)) for order in orders]
"""


def _project(tmp_path: Path, handler: str) -> Path:
    files = {"app/__init__.py": "", "app/db_models.py": MODELS, "app/helpers.py": HELPERS, "app/handlers.py": handler}
    return write_project(tmp_path / "project", files)


def _handler(picked: str, options: str) -> str:
    if picked == "first":
        return FIRST.format(options=options)
    return HANDLER.format(options=options, picked=picked)


PICKED = ["open_only(orders)", "newest(list(orders), 1)", "first"]


@pytest.mark.parametrize("picked", PICKED)
def test_the_objects_a_sync_helper_gives_back_are_the_callers(picked: str, tmp_path: Path) -> None:
    root = _project(tmp_path, _handler(picked, ""))
    line = 12 if picked == "first" else 11
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [f.line for f in found] == [line], found
    assert "lazy load of Order.user" in found[0].message
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", line), outcome


@pytest.mark.parametrize("picked", PICKED)
def test_the_same_objects_loaded_by_the_callers_query_read_clean(picked: str, tmp_path: Path) -> None:
    root = _project(tmp_path, _handler(picked, ".options(selectinload(Order.user))"))
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py")["error"] is None


def test_a_helper_handed_an_object_that_builds_a_statement_stays_a_statement(tmp_path: Path) -> None:
    # (`order.items`, not `order.user`: the user is in the session, so the identity map would
    # answer that many-to-one without SQL.)
    root = _project(tmp_path, OF_USER)
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [f.line for f in found] == [11], found
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 11), outcome
