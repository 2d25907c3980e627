"""The files that rule examples share, defined once: each page still prints them in full.

An example names the files it needs beside it (`others=(DB_MODULE,)`), so every page shows a
complete project that a reader can copy and run.
"""

from __future__ import annotations

#: The database module: the engine and the one session factory.
DB_MODULE = (
    "app/db.py",
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    "\n"
    'engine = create_async_engine("sqlite+aiosqlite://")\n'
    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n",
)

#: A database module with the engine alone.
ENGINE_MODULE = (
    "app/db.py",
    'from sqlalchemy.ext.asyncio import create_async_engine\n\nengine = create_async_engine("sqlite+aiosqlite://")\n',
)

#: The team's database module: the engine, the factory and the session helper.
DB_METHODS = (
    "app/db_methods.py",
    "from contextlib import asynccontextmanager\n"
    "\n"
    "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
    "\n"
    'engine = create_async_engine("sqlite+aiosqlite://")\n'
    "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
    "\n"
    "\n"
    "@asynccontextmanager\n"
    "async def get_a_session():\n"
    "    async with SessionLocal() as session:\n"
    "        yield session\n",
)

#: The models module with the declarative base alone.
DECLARATIVE_BASE = (
    "app/db_models.py",
    "from sqlalchemy.orm import DeclarativeBase\n\n\nclass Base(DeclarativeBase):\n    pass\n",
)

#: A model with a unique column, for examples that run into an `IntegrityError`.
TAG_MODELS = (
    "app/db_models.py",
    "from sqlalchemy import String\n"
    "from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column\n"
    "\n"
    "\n"
    "class Base(DeclarativeBase):\n"
    "    pass\n"
    "\n"
    "\n"
    "class Tag(Base):\n"
    '    __tablename__ = "tags"\n'
    "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    "    name: Mapped[str] = mapped_column(String, unique=True)\n",
)
