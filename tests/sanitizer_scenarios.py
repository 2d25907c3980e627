"""Test modules for the sanitizer's pytester runs: each bug next to its fixed form.

They are plain pytest files (no pytest-asyncio): each test drives its scenario with asyncio.run.
"""

from alchemy_lint.rules.loading_examples import MODELS as LOADING_MODELS

#: The rule examples' models, and a database with one order of two items.
MODELS = (
    LOADING_MODELS
    + """

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine


async def database(expire_on_commit=False):
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    factory = async_sessionmaker(engine, expire_on_commit=expire_on_commit)
    async with factory() as session:
        items = [OrderItem(product=Product(name="pen"), quantity=number) for number in (1, 2)]
        session.add(Order(user=User(name="ada"), status="new", items=items))
        await session.commit()
    return engine, factory
"""
)

#: The acceptance race: two queries gathered on one session whose connection is already open.
RACE = """\
import asyncio

import pytest
from sqlalchemy import select

from models import database


async def two_queries():
    engine, factory = await database()
    async with factory() as session:
        await session.execute(select(1))
        first, second = await asyncio.gather(
            session.scalar(select(1)),
            session.scalar(select(2)),
        )
    await engine.dispose()
    return first, second


@pytest.mark.parametrize("attempt", range({runs}))
def test_two_queries_on_one_session(attempt):
    assert asyncio.run(two_queries()) == (1, 2)
"""
RACE_LINES = (14, 15)

LOADING = """\
import asyncio

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from models import Order, database


async def count_items(eager):
    engine, factory = await database()
    async with factory() as session:
        query = select(Order).options(selectinload(Order.items)) if eager else select(Order)
        order = (await session.scalars(query)).one()
        count = len(order.items)
    await engine.dispose()
    return count


async def status_after_commit(expire_on_commit):
    engine, factory = await database(expire_on_commit)
    async with factory() as session:
        order = await session.get(Order, 1)
        order.status = "paid"
        await session.commit()
        status = order.status
    await engine.dispose()
    return status


def test_lazy_load():
    assert asyncio.run(count_items(eager=False)) == 2


def test_eager_load():
    assert asyncio.run(count_items(eager=True)) == 2


def test_expired_read():
    assert asyncio.run(status_after_commit(expire_on_commit=True)) == "paid"


def test_read_without_expiry():
    assert asyncio.run(status_after_commit(expire_on_commit=False)) == "paid"
"""
LAZY_LINE, EXPIRED_LINE, COMMIT_LINE = 14, 25, 24

TRANSACTIONS = """\
import asyncio
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import select

from models import database


async def commit_in_unit_of_work():
    engine, factory = await database()
    async with factory() as session:
        async with session.begin():
            await session.execute(select(1))
            await session.commit()
    await engine.dispose()


async def unit_of_work():
    engine, factory = await database()
    async with factory.begin() as session:
        await session.execute(select(1))
    await engine.dispose()


@asynccontextmanager
async def unguarded(factory):
    session = factory()
    yield session
    await session.close()


async def fail_inside_the_helper():
    engine, factory = await database()
    async with unguarded(factory) as session:
        await session.execute(select(1))
        raise LookupError("no such order")


async def one_session_per_task():
    engine, factory = await database()

    async def count(number):
        async with factory() as session:
            return await session.scalar(select(number))

    assert await asyncio.gather(count(1), count(2)) == [1, 2]
    await engine.dispose()


def test_commit_in_unit_of_work():
    asyncio.run(commit_in_unit_of_work())


def test_unit_of_work():
    asyncio.run(unit_of_work())


def test_helper_that_does_not_close_on_error():
    with pytest.raises(LookupError):
        asyncio.run(fail_inside_the_helper())


def test_one_session_per_task():
    asyncio.run(one_session_per_task())
"""
COMMIT_IN_BEGIN_LINE, BEGIN_LINE, UNGUARDED_LINE = 15, 13, 28

#: Sessions left open by one test and freed in the next while their connections are still out: a
#: session then made at one of their addresses is closed properly and must not be blamed for them.
FREED_ADDRESSES = """\
import asyncio
import gc

from sqlalchemy import select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

engine = create_async_engine("sqlite+aiosqlite:///shop.db", poolclass=NullPool)
factory = async_sessionmaker(engine)
LEFT_OPEN, CONNECTIONS = [], []


async def leave_sessions_open():
    for _ in range(50):
        session = factory()
        CONNECTIONS.append(await session.connection())
        LEFT_OPEN.append(session)


async def close(session):
    async with session:
        await session.execute(select(1))


def test_sessions_left_open():
    asyncio.run(leave_sessions_open())


def test_closed_session_made_where_one_left_open_was():
    freed = {id(session) for session in LEFT_OPEN}
    LEFT_OPEN.clear()
    gc.collect()
    made = [factory() for _ in range(5000)]
    asyncio.run(close(next(session for session in made if id(session) in freed)))
    del made
    gc.collect()
"""
LEFT_OPEN_LINE = 15
