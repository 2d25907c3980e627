"""`ctx = OrderContext(order=order)` keeps `order` itself as the field `order` of a dataclass (or of
a plain class that sets it in `__init__`): `ctx.order.items` is a lazy load of `order`'s
relationship (ASA301), and `ctx.order.status` after a commit reads an attribute the commit
expired (ASA302). A pydantic schema built the same way validates a copy, whose reads load
nothing. A position lands on the field the class's `__init__` (a dataclass's generated one)
gives it. Executed against SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

HANDLER = """\
from dataclasses import dataclass

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import Order, User


async def handle() -> None:
    async with SessionLocal() as session:
        order = (await session.execute(select(Order).where(Order.id == 1))).scalar_one()
{body}


@dataclass
class OrderContext:
    order: Order
    note: str = ""


class Holder:
    def __init__(self, order: Order) -> None:
        self.order = order


class Summary:
    def __init__(self, order: Order) -> None:
        self.order = OrderOut.model_validate(order)


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    status: str


class Envelope(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    order: OrderOut
"""

LAZY = "        ctx = {holder}\n        print(len(ctx.order.items))\n"
EXPIRED = "        ctx = {holder}\n        await session.commit()\n        print(ctx.order.status)\n"
HOLDERS = ["OrderContext(order=order)", "OrderContext(order)", "Holder(order=order)", "Holder(order)"]
REBOUND = (
    "        ctx = {holder}(order=order)\n        ctx = {holder}(order=None)\n"
    "        await session.commit()\n        print(ctx.order)\n"
)


def _project(tmp_path: Path, body: str) -> Path:
    files = {
        "app/__init__.py": "",
        "app/db.py": async_database(),
        "app/db_models.py": MODELS,
        "app/handlers.py": HANDLER.format(body=body),
    }
    return write_project(tmp_path / "project", files)


@pytest.mark.parametrize("holder", HOLDERS)
def test_a_relationship_read_through_a_field_of_a_built_object_is_a_lazy_load(tmp_path: Path, holder: str) -> None:
    root = _project(tmp_path, LAZY.format(holder=holder))
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [(f.line, "Order.items" in f.message) for f in found] == [(14, True)], found
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 14), outcome


@pytest.mark.parametrize("holder", HOLDERS)
def test_a_column_read_through_a_field_after_the_commit_is_an_expired_read(tmp_path: Path, holder: str) -> None:
    root = _project(tmp_path, EXPIRED.format(holder=holder))
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [(f.line, "Order.status" in f.message) for f in found] == [(15, True)], found
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 15), outcome


@pytest.mark.parametrize("holder", ["Envelope(order=order)", "Summary(order)"])
def test_a_class_that_keeps_a_validated_copy_is_not_followed(tmp_path: Path, holder: str) -> None:
    """A schema validates a copy; a plain class may keep one too (`self.order = OrderOut...`)."""
    root = _project(tmp_path, EXPIRED.format(holder=holder))
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py")["error"] is None


def test_a_model_built_with_an_object_holds_that_object(tmp_path: Path) -> None:
    """`Order(user=user)` keeps `user` itself: its unloaded `orders` are a lazy load (the backref
    that adds the order to them loads nothing)."""
    body = (
        "        user = await session.get(User, 1)\n"
        "        assert user is not None\n"
        "        built = Order(user=user, status='new')\n"
        "        print(len(built.user.orders))\n"
    )
    root = _project(tmp_path, body)
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [(f.line, "User.orders" in f.message) for f in found] == [(16, True)], found
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 16), outcome


def test_a_holder_bound_anew_holds_what_it_was_built_with_then(tmp_path: Path) -> None:
    root = _project(tmp_path, REBOUND.format(holder="OrderContext"))
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py")["error"] is None
