"""ASA303 on real SQLAlchemy + aiosqlite: a dynamic relationship fails under asyncio, write-only works."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import ForeignKey
from sqlalchemy.exc import MissingGreenlet, StatementError
from sqlalchemy.ext.asyncio import AsyncAttrs, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, DynamicMapped, Mapped, WriteOnlyMapped, mapped_column, relationship


class Base(AsyncAttrs, DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    invoices: DynamicMapped[Invoice] = relationship(viewonly=True)
    payments: WriteOnlyMapped[Invoice] = relationship(viewonly=True)


class Invoice(Base):
    __tablename__ = "invoices"
    id: Mapped[int] = mapped_column(primary_key=True)
    customer_id: Mapped[int] = mapped_column(ForeignKey("customers.id"))


async def _customer_invoices(write_only: bool) -> int:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    async with factory() as session:
        session.add_all([Customer(id=1), Invoice(id=1, customer_id=1)])
        await session.commit()
    try:
        async with factory() as session:
            customer = await session.get(Customer, 1)
            assert customer is not None
            if write_only:
                return len((await session.scalars(customer.payments.select())).all())
            return len(list(customer.invoices))
    finally:
        await engine.dispose()


def test_iterating_a_dynamic_relationship_raises_missing_greenlet() -> None:
    with pytest.raises((StatementError, MissingGreenlet)) as raised:
        asyncio.run(_customer_invoices(write_only=False))
    # SQLAlchemy 2.1 wraps it in a StatementError; 2.0 (the newest for some Pythons) raises it as it is.
    assert isinstance(getattr(raised.value, "orig", raised.value), MissingGreenlet)


def test_the_write_only_form_runs_clean() -> None:
    assert asyncio.run(_customer_invoices(write_only=True)) == 1
