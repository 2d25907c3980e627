"""ASA301 on a many-to-one whose target the identity map holds because a query two calls down
loaded it: the handler gets an order from a service, which asks a repository with
`options=repository.eager_options()`; those loaders bring the order's product into the session,
so `order.price.product` (a many-to-one by primary key to a product the session holds) runs no
SQL, under `lazy="select"` and `lazy="raise_on_sql"`; `lazy="raise"` raises on the read all the
same. Without the product's loader the read is a lazy load (MissingGreenlet, or
InvalidRequestError under `lazy="raise_on_sql"`). Linted, then run against real SQLAlchemy with
aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example
from test_reselected_rows import DB

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Price(Base):
    __tablename__ = "prices"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    product: Mapped[Product] = relationship(lazy="{lazy}")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    price_id: Mapped[int] = mapped_column(ForeignKey("prices.id"))
    product: Mapped[Product] = relationship()
    price: Mapped[Price] = relationship()
"""

REPOSITORY = """\
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.interfaces import ORMOption

from app.models import Order


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def eager_options(self) -> tuple[ORMOption, ...]:
        return ({options})

    async def get(self, id: int, *, options: Sequence[ORMOption] = ()) -> Order:
        statement = select(Order).where(Order.id == id).options(*options)
        return (await self.session.execute(statement)).scalar_one()


async def get_order(session: AsyncSession, id: int) -> Order:
    repository = OrderRepository(session)
    return await repository.get(id, options=repository.eager_options())
"""

HANDLER = """\
from app.db import SessionLocal
from app.repository import get_order


async def main() -> str:
    async with SessionLocal() as session:
        order = await get_order(session, 1)
        return order.price.product.name
"""

#: The product the read reaches is the order's own (row 1 of each table points at row 1).
HOLDS_THE_PRODUCT = "selectinload(Order.product), joinedload(Order.price)"
LEAVES_IT_OUT = "joinedload(Order.price),"
ERRORS = {"select": "MissingGreenlet", "raise_on_sql": "InvalidRequestError", "raise": "InvalidRequestError"}
#: The strategies whose lazy load the identity map answers without raising.
SERVED = ("raise_on_sql", "select")


def _project(root: Path, options: str, lazy: str) -> Path:
    return write_project(
        root,
        {
            "app/db.py": DB,
            "app/models.py": MODELS.replace("{lazy}", lazy),
            "app/repository.py": REPOSITORY.replace("{options}", options),
            "app/handlers.py": HANDLER,
        },
    )


@pytest.mark.parametrize("lazy", SERVED)
def test_a_callees_loaders_fill_the_identity_map(lazy: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", HOLDS_THE_PRODUCT, lazy)
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}
    assert findings_in(root, "app/handlers.py", "ASA301") == []


@pytest.mark.parametrize("lazy", sorted(ERRORS))
def test_without_the_loader_the_read_is_a_lazy_load(lazy: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", LEAVES_IT_OUT, lazy)
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == ERRORS[lazy], outcome
    assert outcome["line"] == 8, outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == [8]


def test_lazy_raise_raises_on_a_held_target(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", HOLDS_THE_PRODUCT, "raise")
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "InvalidRequestError", outcome
    assert outcome["line"] == 8, outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == [8]


HELD_HERE = """\
from app.db import SessionLocal
from app.models import Price, Product


async def main() -> str:
    async with SessionLocal() as session:
        product = await session.get(Product, 1)
        price = await session.get(Price, 1)
        assert product is not None and price is not None
        return price.product.name
"""


@pytest.mark.parametrize("lazy", sorted(ERRORS))
def test_a_target_the_function_holds(lazy: str, tmp_path: Path) -> None:
    """The function's own `get()` holds the product: served, except under `lazy="raise"`."""
    root = write_project(
        tmp_path / "project",
        {"app/db.py": DB, "app/models.py": MODELS.replace("{lazy}", lazy), "app/handlers.py": HELD_HERE},
    )
    outcome = run_example(root, "app/handlers.py")
    raises = lazy not in SERVED
    assert outcome["error"] == ("InvalidRequestError" if raises else None), outcome
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == ([10] if raises else [])
