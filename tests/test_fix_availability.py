"""A finding counts as fixable, and is marked `[*]`, only where its rule's fix can apply.

ASA301's unsafe fix turns `order.items` into `(await order.awaitable_attrs.items)`: that needs
`AsyncAttrs` on the model and the read expression itself. Elsewhere `check` promised "unsafe fixes
available with `--fix --unsafe-fixes`" that `--fix --unsafe-fixes` then did not make.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import working_directory, write_project

from alchemy_lint.cli import main

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.ext.asyncio import AsyncAttrs
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base({bases}):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    orders: Mapped[list["Order"]] = relationship(back_populates="customer")


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))
    customer: Mapped[Customer] = relationship(back_populates="orders")
"""

SERVICE = """\
from sqlalchemy import select

from app.db import SessionLocal
from app.models import Customer


def count(orders: list) -> int:
    return len(orders)


async def order_count(customer_id: int) -> int:
    async with SessionLocal() as session:
        customer = (await session.execute(select(Customer).where(Customer.id == customer_id))).scalar_one()
        return len(customer.orders)


async def order_count_by_helper(customer_id: int) -> int:
    async with SessionLocal() as session:
        customer = await session.get(Customer, customer_id)
        return count(customer.orders)


async def replace_orders(customer_id: int) -> None:
    async with SessionLocal() as session:
        customer = await session.get(Customer, customer_id)
        customer.orders = []
        await session.commit()
"""


def _project(root: Path, *, async_attrs: bool) -> Path:
    bases = "AsyncAttrs, DeclarativeBase" if async_attrs else "DeclarativeBase"
    return write_project(
        root,
        {
            "app/__init__.py": "",
            "app/db.py": DB,
            "app/models.py": MODELS.format(bases=bases),
            "app/service.py": SERVICE,
        },
    )


def _check(root: Path, capsys: pytest.CaptureFixture[str], *args: str) -> str:
    """What `check` prints on stdout; with `--diff`, what it says on stderr after the diff."""
    with working_directory(root):
        main(["check", "--no-cache", *args, "."])
    out, err = capsys.readouterr()
    return err if "--diff" in args else out


def _json_rows(root: Path, capsys: pytest.CaptureFixture[str]) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = json.loads(_check(root, capsys, "--output-format", "json"))
    return [row for row in rows if row["code"] == "ASA301"]


def test_without_async_attrs_no_fix_is_promised(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path / "project", async_attrs=False)
    out = _check(root, capsys)
    assert out.count("ASA301") == 3
    assert "[*]" not in out
    assert "unsafe fix" not in out
    assert [row["fix"] for row in _json_rows(root, capsys)] == [None, None, None]
    assert "No errors would be fixed." in _check(root, capsys, "--diff", "--unsafe-fixes")


def test_with_async_attrs_only_the_plain_reads_are_fixable(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = _project(tmp_path / "project", async_attrs=True)
    out = _check(root, capsys, "--output-format", "full")
    # `len(customer.orders)` and `count(customer.orders)` can await; `customer.orders = []` cannot.
    assert out.count("ASA301 [*]") == 2
    assert "2 unsafe fixes available with `--fix --unsafe-fixes`" in out
    fixes = {row["line"]: row["fix"] for row in _json_rows(root, capsys)}
    assert fixes == {14: {"applicability": "unsafe"}, 20: {"applicability": "unsafe"}, 26: None}
    # What was promised is what the fix makes.
    assert "Would fix 2 errors in 1 file." in _check(root, capsys, "--diff", "--unsafe-fixes")
