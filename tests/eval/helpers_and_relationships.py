import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import ForeignKey
from sqlalchemy.ext.asyncio import AsyncAttrs, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, DynamicMapped, Mapped, WriteOnlyMapped, mapped_column, relationship

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


class Base(AsyncAttrs, DeclarativeBase):
    pass


class Author(Base):
    __tablename__ = "authors"
    id: Mapped[int] = mapped_column(primary_key=True)
    books: DynamicMapped["Book"] = relationship(viewonly=True)  # ASA303
    drafts = relationship("Book", lazy="dynamic", viewonly=True)  # ASA303
    reviews: WriteOnlyMapped["Book"] = relationship(viewonly=True)
    latest: Mapped[list["Book"]] = relationship(lazy="selectin", viewonly=True)
    shelf: Mapped[list["Book"]] = relationship(viewonly=True)


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(primary_key=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("authors.id"))


@asynccontextmanager
async def get_a_session() -> AsyncIterator[AsyncSession]:
    session = SessionLocal()
    yield session  # ASA107
    await session.close()


async def count_books(author_id: int) -> int:
    async with SessionLocal() as session:  # ASA106
        author = await session.get(Author, author_id)
        return 0 if author is None else author.id


async def rename_author(author_id: int) -> None:
    async with get_a_session() as session:
        await session.get(Author, author_id)


audit_session = SessionLocal()  # ASA202


async def totals(session: AsyncSession, author_ids: list[int]) -> list[Author | None]:
    return list(await asyncio.gather(*(session.get(Author, i) for i in author_ids)))  # ASA201


async def shelf_size(author_id: int) -> int:
    async with get_a_session() as session:
        author = await session.get(Author, author_id)
        assert author is not None
        loaded = len(author.latest)
        return loaded + len(author.shelf)  # ASA301


async def forget(author_id: int) -> int:
    async with get_a_session() as session:
        author = await session.get(Author, author_id)
        assert author is not None
        await session.rollback()
        return author.id  # ASA302
