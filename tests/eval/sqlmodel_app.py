# Eval file: SQLModel's session classes and an application written with them.
from typing import Annotated

from fastapi import Depends
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlmodel import Field, Relationship, Session, SQLModel, select
from sqlmodel.ext.asyncio.session import AsyncSession

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


class Team(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    heroes: list["Hero"] = Relationship(back_populates="team", sa_relationship_kwargs={"lazy": "selectin"})


class Hero(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    team_id: int | None = Field(default=None, foreign_key="team.id")
    team: Team | None = Relationship(back_populates="heroes")


async def get_session():
    async with SessionLocal() as session:
        yield session


async def adhoc(team_id: int) -> Team | None:
    async with AsyncSession(engine) as session:  # ASA101
        return await session.get(Team, team_id)


def sync_adhoc() -> None:
    with Session(engine.sync_engine) as session:  # ASA101
        session.exec(select(Hero))


async def rename_team(team_id: int, name: str, session: Annotated[AsyncSession, Depends(get_session)]) -> None:
    async with session.begin():
        team = await session.get(Team, team_id)
        team.name = name
        await session.commit()  # ASA401


SessionDep = Annotated[AsyncSession, Depends(get_session)]


async def retire_hero(hero_id: int, session: SessionDep) -> None:
    async with session.begin():
        await session.delete(await session.get(Hero, hero_id))
        await session.commit()  # ASA401


async def rename_hero(hero_id: int, name: str) -> None:
    async with SessionLocal.begin() as session:
        hero = await session.get(Hero, hero_id)
        hero.name = name
