"""Loaders a callee adds under a test on a parameter (`if with_items:`), judged per call from what
the caller passes; and a function that returns `[]` or None on some paths and objects on others.

The runtime claims (MissingGreenlet where the read is reported) are the ASA301 examples' own,
executed by test_loading_runtime; these cases pin down which calls are judged and which are not.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Dataset(Base):
    __tablename__ = "datasets"
    id: Mapped[int] = mapped_column(primary_key=True)
    records: Mapped[list["Record"]] = relationship(back_populates="dataset")


class Record(Base):
    __tablename__ = "records"
    id: Mapped[int] = mapped_column(primary_key=True)
    dataset_id: Mapped[int] = mapped_column(ForeignKey("datasets.id"))
    dataset: Mapped[Dataset] = relationship(back_populates="records")
    vectors: Mapped[list["Vector"]] = relationship()


class Vector(Base):
    __tablename__ = "vectors"
    id: Mapped[int] = mapped_column(primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("records.id"))
"""

GETTERS = """\
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import Record


async def get_record(db: AsyncSession, record_id: int, with_vectors: bool = False) -> Record:
    query = select(Record).filter_by(id=record_id)
    if with_vectors:
        query = query.options(selectinload(Record.vectors))
    return (await db.execute(query)).scalar_one()


async def get_listed(db: AsyncSession, record_id: int, with_vectors: bool = False) -> Record:
    query = select(Record).filter_by(id=record_id)
    options = []
    if with_vectors:
        options.append(selectinload(Record.vectors))
    if options:
        query = query.options(*options)
    return (await db.execute(query)).scalar_one()


async def get_lite(db: AsyncSession, record_id: int, lite: bool = True) -> Record:
    query = select(Record).filter_by(id=record_id)
    if not lite:
        query = query.options(selectinload(Record.vectors))
    return (await db.execute(query)).scalar_one()


async def get_with(db: AsyncSession, record_id: int, loader: Any = None) -> Record:
    query = select(Record).filter_by(id=record_id)
    if loader is not None:
        query = query.options(selectinload(Record.vectors))
    return (await db.execute(query)).scalar_one()


async def get_either(db: AsyncSession, record_id: int, with_vectors: bool = False, full: bool = False) -> Record:
    query = select(Record).filter_by(id=record_id)
    if with_vectors:
        query = query.options(selectinload(Record.vectors))
    if full:
        query = query.options(selectinload(Record.vectors))
    return (await db.execute(query)).scalar_one()


async def get_rebound(db: AsyncSession, record_id: int, with_vectors: bool = False) -> Record:
    with_vectors = with_vectors or record_id > 100
    query = select(Record).filter_by(id=record_id)
    if with_vectors:
        query = query.options(selectinload(Record.vectors))
    return (await db.execute(query)).scalar_one()


async def get_local(db: AsyncSession, record_id: int, with_vectors: bool = False) -> Record:
    wanted = record_id > 100
    query = select(Record).filter_by(id=record_id)
    if wanted:
        query = query.options(selectinload(Record.vectors))
    return (await db.execute(query)).scalar_one()


async def get_or_fail(db: AsyncSession, record_id: int, with_vectors: bool = False) -> Record:
    record = await get_record(db, record_id, with_vectors)
    if record is None:
        raise LookupError(record_id)
    return record
"""

HANDLERS = """\
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.getters import get_either, get_listed, get_lite, get_local, get_or_fail, get_rebound, get_record, get_with


async def default(db: AsyncSession) -> int:
    record = await get_record(db, 1)
    return len(record.vectors)  # ASA301


async def literal_false(db: AsyncSession) -> int:
    record = await get_record(db, 1, with_vectors=False)
    return len(record.vectors)  # ASA301


async def positional_false(db: AsyncSession) -> int:
    record = await get_record(db, 1, False)
    return len(record.vectors)  # ASA301


async def literal_true(db: AsyncSession) -> int:
    record = await get_record(db, 1, with_vectors=True)
    return len(record.vectors)


async def variable(db: AsyncSession, wanted: bool) -> int:
    record = await get_record(db, 1, wanted)
    return len(record.vectors)


async def spread(db: AsyncSession, **options: Any) -> int:
    record = await get_record(db, 1, **options)
    return len(record.vectors)


async def listed_default(db: AsyncSession) -> int:
    record = await get_listed(db, 1)
    return len(record.vectors)  # ASA301


async def listed_true(db: AsyncSession) -> int:
    record = await get_listed(db, 1, with_vectors=True)
    return len(record.vectors)


async def lite_default(db: AsyncSession) -> int:
    record = await get_lite(db, 1)
    return len(record.vectors)  # ASA301


async def lite_false(db: AsyncSession) -> int:
    record = await get_lite(db, 1, lite=False)
    return len(record.vectors)


async def none_default(db: AsyncSession) -> int:
    record = await get_with(db, 1)
    return len(record.vectors)  # ASA301


async def either_one_false(db: AsyncSession, full: bool) -> int:
    record = await get_either(db, 1, False, full)
    return len(record.vectors)


async def rebound(db: AsyncSession) -> int:
    record = await get_rebound(db, 1)
    return len(record.vectors)


async def local_test(db: AsyncSession) -> int:
    record = await get_local(db, 1)
    return len(record.vectors)


async def through_wrapper(db: AsyncSession) -> int:
    record = await get_or_fail(db, 1)
    return len(record.vectors)  # ASA301


async def through_wrapper_true(db: AsyncSession) -> int:
    record = await get_or_fail(db, 1, with_vectors=True)
    return len(record.vectors)


async def handed_on(db: AsyncSession, with_vectors: bool) -> int:
    record = await get_or_fail(db, 1, with_vectors)
    return len(record.vectors)
"""

EMPTY_RETURNS = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Record


class Records:
    def __init__(self, db: AsyncSession) -> None:
        self.db = db

    async def all(self) -> list[Record]:
        return list((await self.db.execute(select(Record))).scalars().all())

    async def some(self, wanted: bool) -> list[Record]:
        if not wanted:
            return []
        return await self.all()

    async def pair(self, wanted: bool) -> tuple[Record | None, int]:
        if not wanted:
            return None, 0
        record = await self.db.get(Record, 1)
        return record, 1

    async def named(self, wanted: bool) -> list[Record] | list[str]:
        if not wanted:
            return ["none"]
        return await self.all()


async def some(db: AsyncSession) -> int:
    return sum(len(record.vectors) for record in await Records(db).some(True))  # ASA301


async def pair(db: AsyncSession) -> int:
    record, _ = await Records(db).pair(True)
    return len(record.vectors) if record else 0  # ASA301


async def named(db: AsyncSession) -> int:
    return sum(len(record.vectors) for record in await Records(db).named(True))
"""


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    files = {
        "app/__init__.py": "",
        "app/models.py": MODELS,
        "app/getters.py": GETTERS,
        "app/handlers.py": HANDLERS,
        "app/empty.py": EMPTY_RETURNS,
    }
    return write_project(tmp_path_factory.mktemp("flags"), files)


def test_a_loader_under_a_flag_is_missing_for_callers_that_pass_it_false_or_leave_its_default(project: Path) -> None:
    found = sorted(finding.line for finding in findings_in(project, "app/handlers.py", "ASA301"))
    assert found == expected_lines(HANDLERS, "ASA301")


def test_the_message_names_the_flag_that_would_load_it(project: Path) -> None:
    (finding, *_) = findings_in(project, "app/handlers.py", "ASA301")
    assert "get_record() (line 11 of app/getters.py) loads it only when `with_vectors` is true" in finding.message
    assert "pass with_vectors=True, or add selectinload(Record.vectors) there" in finding.message


def test_a_function_returning_empty_or_none_on_some_paths_returns_the_objects_of_the_others(project: Path) -> None:
    found = sorted(finding.line for finding in findings_in(project, "app/empty.py", "ASA301"))
    assert found == expected_lines(EMPTY_RETURNS, "ASA301")


PROVIDED = """\
from fastapi import Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import selectinload

from app.models import Record

Factory = async_sessionmaker(create_async_engine("sqlite+aiosqlite://"), expire_on_commit=False)


async def get_db():
    async with Factory() as session:
        yield session


async def current_record(record_id: int, with_vectors: bool = False, db: AsyncSession = Depends(get_db)) -> Record:
    query = select(Record).filter_by(id=record_id)
    if with_vectors:
        query = query.options(selectinload(Record.vectors))
    return (await db.execute(query)).scalar_one()


async def show(record: Record = Depends(current_record), db: AsyncSession = Depends(get_db)) -> int:
    return len(record.vectors)
"""


def test_a_provider_s_flag_is_the_request_s_to_fill(tmp_path: Path) -> None:
    # FastAPI fills `with_vectors` from the query string: its default says nothing.
    root = write_project(tmp_path, {"app/__init__.py": "", "app/models.py": MODELS, "app/deps.py": PROVIDED})
    assert findings_in(root, "app/deps.py", "ASA301") == []
