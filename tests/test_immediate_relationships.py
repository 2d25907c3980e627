"""A relationship declared `lazy="immediate"` is loaded with its object, as a `lazy="selectin"`
one is: reading it after the query loads nothing (no ASA301), while a lazy relationship of the
objects it loaded is still a lazy load. Executed against SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

IMMEDIATE_MODELS = MODELS.replace(
    'items: Mapped[list["OrderItem"]] = relationship(back_populates="order")',
    'items: Mapped[list["OrderItem"]] = relationship(back_populates="order", lazy="immediate")',
)

HANDLER = """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import Order


async def handle() -> None:
    async with SessionLocal() as session:
{body}
"""

LOADED = {
    "get": (
        "        order = await session.get(Order, 1)\n"
        "        assert order is not None\n"
        "        print(len(order.items))\n"
    ),
    "rows": (
        "        orders = (await session.scalars(select(Order))).all()\n"
        "        for order in orders:\n"
        "            print(len(order.items))\n"
    ),
}
NESTED = (
    "        order = await session.get(Order, 1)\n"
    "        assert order is not None\n"
    "        for item in order.items:\n"
    "            print(item.product.name)\n"
)


def _project(tmp_path: Path, body: str) -> Path:
    assert IMMEDIATE_MODELS != MODELS
    files = {
        "app/__init__.py": "",
        "app/db.py": async_database(),
        "app/db_models.py": IMMEDIATE_MODELS,
        "app/handlers.py": HANDLER.format(body=body),
    }
    return write_project(tmp_path / "project", files)


@pytest.mark.parametrize("case", list(LOADED))
def test_an_immediate_relationship_is_loaded_with_its_object(tmp_path: Path, case: str) -> None:
    root = _project(tmp_path, LOADED[case])
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py")["error"] is None


def test_a_lazy_relationship_of_what_it_loaded_is_still_a_lazy_load(tmp_path: Path) -> None:
    root = _project(tmp_path, NESTED)
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [(f.line, "OrderItem.product" in f.message) for f in found] == [(12, True)], found
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 12), outcome
