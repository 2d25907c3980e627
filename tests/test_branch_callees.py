"""An object bound on each branch by a different call (`if by_price: product = await
by_price(...) else: product = await by_id(...)`) and read after the branches: the read runs on
every path, so each callee's objects are judged, and the callee that leaves the relationship
unloaded is named. One callee used to stand for all (the first branch's), so a loader in it hid
the other branch's lazy load. The reported reads raise MissingGreenlet at run time."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, calling_handler, findings_in, write_project
from test_loading_runtime import run_example

DB = async_database(expire_on_commit=False)
MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Organization(Base):
    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Product(Base):
    __tablename__ = "products"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"))
    organization: Mapped[Organization] = relationship()
    prices: Mapped[list["Price"]] = relationship(back_populates="product")


class Price(Base):
    __tablename__ = "prices"
    id: Mapped[int] = mapped_column(primary_key=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("products.id"))
    product: Mapped[Product] = relationship(back_populates="prices")
"""
REPOSITORY = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import joinedload, selectinload

from app.models import Product


async def with_everything(session: AsyncSession, key: int) -> Product:
    statement = select(Product).options(joinedload(Product.organization), selectinload(Product.prices))
    return (await session.execute(statement.where(Product.id == key))).scalar_one()


async def with_organization(session: AsyncSession, key: int) -> Product:
    statement = select(Product).options(joinedload(Product.organization))
    return (await session.execute(statement.where(Product.id == key))).scalar_one()


async def with_prices(session: AsyncSession, key: int) -> Product:
    statement = select(Product).options(selectinload(Product.prices))
    return (await session.execute(statement.where(Product.id == key))).scalar_one()


async def plain(session: AsyncSession, key: int) -> Product:
    return (await session.execute(select(Product).where(Product.id == key))).scalar_one()


async def pair(session: AsyncSession, key: int) -> tuple[list[Product], Product]:
    product = await with_everything(session, key)
    return [product], product


async def plain_pair(session: AsyncSession, key: int) -> tuple[list[Product], Product]:
    product = await plain(session, key)
    return [product], product
"""
SERVICE = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app import repository


async def organization_name(session: AsyncSession, key: int, kind: str = "plain") -> str:
    if kind == "prices":
        product = await repository.with_prices(session, key)
    else:
        product = await repository.plain(session, key)
    return product.organization.name


async def three_ways(session: AsyncSession, key: int, kind: str = "organization") -> int:
    if kind == "full":
        product = await repository.with_everything(session, key)
    elif kind == "organization":
        product = await repository.with_organization(session, key)
    else:
        product = await repository.with_prices(session, key)
    return len(product.prices)


async def unpacked(session: AsyncSession, key: int, kind: str = "plain") -> int:
    if kind == "full":
        products, product = await repository.pair(session, key)
    else:
        products, product = await repository.plain_pair(session, key)
    return len(product.prices)


async def loaded_either_way(session: AsyncSession, key: int, kind: str = "prices") -> int:
    if kind == "full":
        product = await repository.with_everything(session, key)
    else:
        product = await repository.with_prices(session, key)
    return len(product.prices)


async def read_on_the_loading_branch(session: AsyncSession, key: int, kind: str = "plain") -> int:
    if kind == "full":
        product = await repository.with_everything(session, key)
        return len(product.prices)
    product = await repository.plain(session, key)
    return product.id
"""


def _handler(call: str) -> str:
    return calling_handler("service", call)


def _project(tmp_path: Path, call: str = "organization_name(session, 1)") -> Path:
    files = {
        "app/__init__.py": "",
        "app/db.py": DB,
        "app/models.py": MODELS,
        "app/repository.py": REPOSITORY,
        "app/service.py": SERVICE,
        "app/handlers.py": _handler(call),
    }
    return write_project(tmp_path / "project", files)


def test_each_branch_callee_is_judged(tmp_path: Path) -> None:
    found = findings_in(_project(tmp_path), "app/service.py", "ASA301")
    assert [(f.line, f.col) for f in found] == [(11, 11), (21, 15), (29, 15)], found
    # Named by the callee that leaves it unloaded, not by the first branch's.
    assert "the query in plain()" in found[0].message, found[0].message
    assert "the query in with_organization()" in found[1].message, found[1].message
    assert "the query in plain()" in found[2].message, found[2].message


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("organization_name(session, 1)", "MissingGreenlet"),
        ("organization_name(session, 1, 'prices')", "MissingGreenlet"),
        ("three_ways(session, 1)", "MissingGreenlet"),
        ("three_ways(session, 1, 'full')", None),
        ("three_ways(session, 1, 'prices')", None),
        ("unpacked(session, 1)", "MissingGreenlet"),
        ("loaded_either_way(session, 1)", None),
        ("loaded_either_way(session, 1, 'full')", None),
        ("read_on_the_loading_branch(session, 1)", None),
        ("read_on_the_loading_branch(session, 1, 'full')", None),
    ],
)
def test_what_the_branches_do_at_run_time(call: str, error: str | None, tmp_path: Path) -> None:
    outcome = run_example(_project(tmp_path, call), "app/handlers.py")
    assert outcome["error"] == error, outcome
