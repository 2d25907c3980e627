"""The fixed forms of ASA103 and ASA104 run clean on real SQLAlchemy with aiosqlite, and the
INVALID forms of ASA103 fail as the rule says (MissingGreenlet on a read after commit)."""

from __future__ import annotations

import asyncio
import gc
from typing import Any

import pytest
from sqlalchemy import String
from sqlalchemy.exc import MissingGreenlet, StatementError
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from alchemy_lint.rules import RULES_BY_CODE, Example


class Base(DeclarativeBase):
    pass


class Customer(Base):
    __tablename__ = "customers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


def _factory(source: str) -> Any:
    namespace: dict[str, Any] = {}
    exec(compile(source, "app/db.py", "exec"), namespace)
    return namespace["SessionLocal"]


async def _read_after_commit(factory: Any) -> str:
    engine = factory.kw["bind"]
    try:
        async with engine.begin() as connection:
            await connection.run_sync(Base.metadata.create_all)
        async with factory() as session:
            customer = Customer(name="Ada")
            session.add(customer)
            await session.commit()
            return customer.name
    finally:
        await engine.dispose()


def _examples(code: str) -> list[Example]:
    return [example for example in RULES_BY_CODE[code].invalid if example.fixed]


@pytest.mark.parametrize("example", _examples("ASA103") + _examples("ASA104"))
def test_fixed_factory_reads_after_commit(example: Example) -> None:
    assert example.fixed is not None
    assert asyncio.run(_read_after_commit(_factory(example.fixed))) == "Ada"


# The implicit load creates a cursor coroutine that nobody awaits: that is the failure.
@pytest.mark.filterwarnings("ignore:coroutine 'Connection.cursor' was never awaited:RuntimeWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
@pytest.mark.parametrize("example", _examples("ASA103"))
def test_unfixed_factory_fails_on_read_after_commit(example: Example) -> None:
    with pytest.raises((StatementError, MissingGreenlet)) as raised:
        asyncio.run(_read_after_commit(_factory(example.source)))
    # SQLAlchemy 2.1 wraps it in a StatementError; 2.0 (the newest for some Pythons) raises it as it is.
    assert isinstance(getattr(raised.value, "orig", raised.value), MissingGreenlet)
    del raised
    gc.collect()  # let the unawaited coroutine be reported here, under the filters above
