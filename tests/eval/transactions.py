# Eval file: ASA401 in its forms, and begin() blocks that are fine.
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

import httpx

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


class OrderRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def close_all(self) -> None:
        async with self.session.begin():
            await self.session.execute(update(Order).values(status="closed"))
            await self.session.commit()  # ASA401


async def commit_in_unit_of_work(session: AsyncSession) -> None:
    async with session.begin():
        session.add(Order(status="new"))
        await session.commit()  # ASA401
    await session.commit()  # ASA402


async def rollback_in_factory_unit_of_work() -> None:
    async with SessionLocal.begin() as session:
        session.add(Order(status="new"))
        if await too_many(session):
            await session.rollback()  # ASA401


async def commit_on_the_transaction(session: AsyncSession) -> None:
    async with session.begin() as transaction:
        await session.flush()
        await transaction.commit()  # ASA401


async def commit_in_savepoint(session: AsyncSession) -> None:
    async with session.begin_nested():
        session.add(Order(status="draft"))
        await session.commit()  # ASA401


async def nested_blocks(session: AsyncSession, other: AsyncSession) -> None:
    async with session.begin():
        async with other.begin():
            await session.commit()  # ASA401
            await other.rollback()  # ASA401


async def explicit_commit(session: AsyncSession) -> None:
    session.add(Order(status="new"))
    await session.commit()  # ASA402


async def callback_defined_inside(session: AsyncSession) -> None:
    async with session.begin():

        async def later() -> None:
            await session.commit()  # ASA402

        schedule(later)


async def engine_transaction() -> None:
    async with engine.begin() as connection:
        await connection.execute(update(Order).values(status="closed"))
        await connection.commit()


async def http_client_is_not_a_session(client: httpx.AsyncClient, db) -> None:
    async with client.begin():
        await client.commit()
    async with db.begin():
        await db.commit()
