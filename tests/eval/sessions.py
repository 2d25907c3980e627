# Eval file: ASA101-ASA104. Each offending line ends with the codes it must report.
import sqlalchemy.ext.asyncio as sa_async
from sqlalchemy.ext import asyncio as asyncio_ext
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.asyncio import AsyncSession as S
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import Session, sessionmaker
from sqlmodel.ext.asyncio.session import AsyncSession as SQLModelSession

import aiohttp
import httpx

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)
Legacy = sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)  # ASA104, ASA105
LegacyExpiring = sessionmaker(bind=engine, class_=sa_async.AsyncSession)  # ASA103, ASA104, ASA105
Expiring = async_sessionmaker(engine)  # ASA103, ASA105
ExplicitlyExpiring = async_sessionmaker(engine, expire_on_commit=True)  # ASA103, ASA105
FromOptions = async_sessionmaker(engine, **{"expire_on_commit": False})  # ASA105
SessionAlias = AsyncSession


class AuditedSession(AsyncSession):
    """A subclass definition is not a session construction."""


async def adhoc_sessions(url: str) -> None:
    direct = AsyncSession(engine, expire_on_commit=False)  # ASA101
    aliased = S(engine, expire_on_commit=False)  # ASA101
    reassigned = SessionAlias(engine, expire_on_commit=False)  # ASA101
    through_module = asyncio_ext.AsyncSession(engine, expire_on_commit=False)  # ASA101
    through_module_alias = sa_async.AsyncSession(bind=engine)  # ASA101
    sqlmodel_session = SQLModelSession(engine, expire_on_commit=False)  # ASA101
    sync_session = Session(engine.sync_engine)  # ASA101
    subclassed = AuditedSession(engine)  # ASA101
    # One construct, one finding; a session sanctioned by a noqa for ASA101 is judged by ASA103.
    sanctioned = AsyncSession(engine)  # noqa: ASA101  # ASA103
    for session in (direct, aliased, reassigned, through_module, through_module_alias, sqlmodel_session, sanctioned):
        await session.close()
    sync_session.close()
    await subclassed.close()


async def not_sessions(session: AsyncSession, maybe: "AsyncSession | None" = None) -> bool:
    annotated: AsyncSession = session
    async with aiohttp.ClientSession() as http:
        await http.get("https://example.org")
    async with httpx.AsyncClient() as client:
        await client.get("https://example.org")
    return isinstance(annotated, AsyncSession) and issubclass(type(maybe), (AsyncSession, S))


async def factory_per_request(url: str):
    factory = async_sessionmaker(create_async_engine(url), expire_on_commit=False)  # ASA102
    async with factory() as session:
        yield session


def factories_per_tenant(engines: dict[str, object]) -> dict[str, object]:
    return {
        tenant: async_sessionmaker(bound, expire_on_commit=False)  # ASA102
        for tenant, bound in engines.items()
    }
