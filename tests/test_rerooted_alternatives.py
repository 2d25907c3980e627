"""ASA301 on an object that branches take from different calls, one of which reaches it through
another query's relationship: `if by_price: _, product, _ = await validated_price(...)` (a price
query that loads `Price.product` and returns `price.product`) `else: ... = await
validated_product(...)` (a product query that loads `Product.organization`). The price branch is
judged from the Product it reaches, with the price query's loaders below `product`; a relationship
counts as loaded only when every branch loaded it. And a `lazy="raise"` many-to-one raises even
when the identity map holds its target. The runtime cases run against real SQLAlchemy with
aiosqlite."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

DATABASE = (
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    "from sqlalchemy.pool import StaticPool\n"
    'engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)\n'
    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
)

MODELS = """\
from __future__ import annotations

from typing import List

from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(primary_key=True)
    blocked: Mapped[bool] = mapped_column(default=False)


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    organization: Mapped[Organization] = relationship(lazy="raise")
    prices: Mapped[List[Price]] = relationship(back_populates="product", lazy="selectin")


class Price(Base):
    __tablename__ = "prices"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    product: Mapped[Product] = relationship(back_populates="prices", lazy="raise")
"""

HANDLER = """\
from typing import List, Tuple

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import contains_eager, joinedload

from app.db_models import Price, Product


async def create(session: AsyncSession) -> bool:
    return await checkout(session, True)


async def checkout(session: AsyncSession, by_price: bool) -> bool:
    if by_price:
        products, product, price = await _validated_price(session, 1)
    else:
        products, product, price = await _validated_product(session, 1)
    return product.organization.blocked  # ASA301


async def _validated_price(session: AsyncSession, price_id: int) -> Tuple[List[Product], Product, Price]:
    statement = select(Price).join(Price.product).options(contains_eager(Price.product)).where(Price.id == price_id)
    price = (await session.execute(statement)).scalar_one()
    product = price.product
    return [product], product, price


async def _validated_product(session: AsyncSession, product_id: int) -> Tuple[List[Product], Product, Price]:
    statement = select(Product).options(joinedload(Product.organization)).where(Product.id == product_id)
    product = (await session.execute(statement)).unique().scalar_one()
    return [product], product, product.prices[0]
"""

#: The fix of the price branch: its query loads the organization below the product it joins.
FIXED = HANDLER.replace(
    ".options(contains_eager(Price.product))",
    ".options(contains_eager(Price.product).joinedload(Product.organization))",
).replace("  # ASA301", "")

#: A `lazy="raise"` many-to-one whose target the session holds (the organization loaded first).
HELD = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Organization, Product


async def blocked(session: AsyncSession) -> bool:
    organization = await session.get(Organization, 1)
    assert organization is not None
    product = await session.get(Product, 1)
    assert product is not None
    return product.organization.blocked  # ASA301
"""


def _project(tmp_path: Path, handler: str) -> Path:
    files = {"app/db.py": DATABASE, "app/db_models.py": MODELS, "app/handlers.py": handler}
    return write_project(tmp_path / "project", files)


def _reported(root: Path) -> list[int]:
    return [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")]


def test_a_branch_reaching_the_object_through_another_querys_relationship_is_judged(tmp_path: Path) -> None:
    root = _project(tmp_path, HANDLER)
    (line,) = expected_lines(HANDLER, "ASA301")
    assert _reported(root) == [line]
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("InvalidRequestError", line)
    assert "lazy='raise'" in str(outcome["message"])


def test_the_price_query_loading_the_organization_below_the_product_is_silent_and_runs_clean(tmp_path: Path) -> None:
    root = _project(tmp_path, FIXED)
    assert _reported(root) == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


def test_a_raising_many_to_one_raises_though_the_session_holds_its_target(tmp_path: Path) -> None:
    root = _project(tmp_path, HELD)
    (line,) = expected_lines(HELD, "ASA301")
    assert _reported(root) == [line]
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("InvalidRequestError", line)


def test_a_lazily_selected_many_to_one_the_session_holds_stays_silent_and_runs_clean(tmp_path: Path) -> None:
    # Without `lazy="raise"` the identity map answers the read, as before.
    models = MODELS.replace(
        'organization: Mapped[Organization] = relationship(lazy="raise")',
        "organization: Mapped[Organization] = relationship()",
    )
    handler = HELD.replace("  # ASA301", "")
    files = {"app/db.py": DATABASE, "app/db_models.py": models, "app/handlers.py": handler}
    root = write_project(tmp_path / "project", files)
    assert _reported(root) == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}
