"""`ctx = OrderContext(order=order)` keeps `order` itself as the field `order` of a dataclass (or of
a plain class that sets it in `__init__`): `ctx.order.items` is a lazy load of `order`'s
relationship (ASA301), and `ctx.order.status` after a commit reads an attribute the commit
expired (ASA302). A pydantic schema built the same way validates a copy, whose reads load
nothing. Executed against SQLAlchemy with aiosqlite."""

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
from app.db_models import Order


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


class OrderOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    status: str


class Envelope(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    order: OrderOut
"""

LAZY = "        ctx = {holder}(order=order)\n        print(len(ctx.order.items))\n"
EXPIRED = "        ctx = {holder}(order=order)\n        await session.commit()\n        print(ctx.order.status)\n"
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


@pytest.mark.parametrize("holder", ["OrderContext", "Holder"])
def test_a_relationship_read_through_a_field_of_a_built_object_is_a_lazy_load(tmp_path: Path, holder: str) -> None:
    root = _project(tmp_path, LAZY.format(holder=holder))
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [(f.line, "Order.items" in f.message) for f in found] == [(14, True)], found
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 14), outcome


@pytest.mark.parametrize("holder", ["OrderContext", "Holder"])
def test_a_column_read_through_a_field_after_the_commit_is_an_expired_read(tmp_path: Path, holder: str) -> None:
    root = _project(tmp_path, EXPIRED.format(holder=holder))
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [(f.line, "Order.status" in f.message) for f in found] == [(15, True)], found
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 15), outcome


def test_a_schema_built_with_the_object_holds_a_validated_copy(tmp_path: Path) -> None:
    root = _project(tmp_path, EXPIRED.format(holder="Envelope"))
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py")["error"] is None


def test_a_holder_bound_anew_holds_what_it_was_built_with_then(tmp_path: Path) -> None:
    root = _project(tmp_path, REBOUND.format(holder="OrderContext"))
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py")["error"] is None
