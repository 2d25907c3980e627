"""ORM objects handed to a pydantic model's constructor (`CategoryPage(items=categories)`, the
pagination wrapper of a list route): `__init__` validates each field it is given, so a field
whose type names a schema with `from_attributes` reads that schema's fields off each object,
as `CategoryOut.model_validate(category)` does. An unloaded relationship among them is a lazy
load (ASA301), an expired column a refresh (ASA302); both raise at run time. A dataclass
wrapper validates nothing, and a field typed `list[Any]` reads no attribute. A FastAPI route
that returns the wrapper as a dict (`return {"items": categories}`) has its response model
validate each key's objects the same way."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from conftest import async_database, calling_handler, findings_in, write_project
from test_loading_runtime import run_example

DB = async_database()
MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Category(Base):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    children: Mapped[list["Child"]] = relationship()


class Child(Base):
    __tablename__ = "children"
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
"""
SCHEMAS = """\
from dataclasses import dataclass
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict


class ChildOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int


class CategoryOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str
    children: list[ChildOut] = []


class CategoryName(BaseModel):
    model_config = ConfigDict(from_attributes=True)
    id: int
    name: str


class Page(BaseModel):
    total: int = 0


class CategoryPage(Page):
    items: list[CategoryOut]


class NamePage(BaseModel):
    items: list[CategoryName]


class Detail(BaseModel):
    category: Optional[CategoryOut] = None


class Loose(BaseModel):
    model_config = ConfigDict(arbitrary_types_allowed=True)
    items: list[Any]


@dataclass
class PlainPage:
    items: list[CategoryOut]
"""
ROUTES = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import Category
from app.schemas import CategoryName, CategoryPage, Detail, Loose, NamePage, PlainPage


async def page(session: AsyncSession) -> CategoryPage:
    categories = (await session.scalars(select(Category))).all()
    return CategoryPage(items=categories, total=len(categories))


async def detail(session: AsyncSession) -> Detail:
    category = await session.get(Category, 1)
    return Detail(category=category)


async def loaded_page(session: AsyncSession) -> CategoryPage:
    categories = (await session.scalars(select(Category).options(selectinload(Category.children)))).all()
    return CategoryPage(items=categories, total=len(categories))


async def names_after_commit(session: AsyncSession) -> NamePage:
    categories = (await session.scalars(select(Category))).all()
    for category in categories:
        category.name = category.name.upper()
    await session.commit()
    return NamePage(items=categories)


async def names(session: AsyncSession) -> NamePage:
    categories = (await session.scalars(select(Category))).all()
    return NamePage(items=categories)


async def loose(session: AsyncSession) -> int:
    categories = (await session.scalars(select(Category))).all()
    return len(Loose(items=list(categories)).items)


async def plain(session: AsyncSession) -> int:
    categories = (await session.scalars(select(Category))).all()
    return len(PlainPage(items=list(categories)).items)
"""


DEPENDENCIES = """\
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession

from app.db import SessionLocal


async def get_db() -> AsyncIterator[AsyncSession]:
    async with SessionLocal() as session:
        yield session
"""
API = """\
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.dependencies import get_db
from app.models import Category
from app.schemas import CategoryPage

router = APIRouter()


@router.post("/categories", response_model=CategoryPage)
async def {name}(db: AsyncSession = Depends(get_db)) -> CategoryPage:
    statement = select(Category){options}
    categories = (await db.scalars(statement)).all()
    return {{"items": categories, "total": len(categories)}}  # type: ignore[return-value]
"""
NAMES_API = """\
from fastapi import APIRouter, Depends
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.dependencies import get_db
from app.models import Category
from app.schemas import NamePage

router = APIRouter()


@router.post("/names", response_model=NamePage)
async def {name}(db: AsyncSession = Depends(get_db)) -> NamePage:
    categories = (await db.scalars(select(Category))).all()
    {commit}
    return {{"items": categories}}  # type: ignore[return-value]
"""


def _handler(call: str) -> str:
    return calling_handler("routes", call, "None if isinstance(result, int) else result.model_dump()")


def _project(tmp_path: Path, call: str = "page(session)") -> Path:
    files = {
        "app/__init__.py": "",
        "app/db.py": DB,
        "app/models.py": MODELS,
        "app/schemas.py": SCHEMAS,
        "app/routes.py": ROUTES,
        "app/handlers.py": _handler(call),
        "app/dependencies.py": DEPENDENCIES,
        "app/api.py": API.format(name="list_categories", options=""),
        "app/loaded_api.py": API.format(name="list_loaded", options=".options(selectinload(Category.children))"),
        "app/names_api.py": NAMES_API.format(name="rename", commit="await db.commit()"),
        "app/fresh_names_api.py": NAMES_API.format(name="names", commit="pass"),
    }
    return write_project(tmp_path / "project", files)


@dataclass(frozen=True)
class Expected:
    line: int
    code: str
    says: str


EXPECTED = [
    Expected(11, "ASA301", "lazy load of Category.children in async code: the schema CategoryOut reads it"),
    Expected(16, "ASA301", "lazy load of Category.children in async code: the schema CategoryOut reads it"),
    Expected(29, "ASA302", "Category.id read on categories by the schema CategoryName at app/schemas.py:19"),
]


def test_a_schema_constructor_validates_what_it_is_given(tmp_path: Path) -> None:
    found = sorted(
        (f for f in findings_in(_project(tmp_path), "app/routes.py") if f.code in ("ASA301", "ASA302")),
        key=lambda f: f.line,
    )
    assert [(f.line, f.code) for f in found] == [(e.line, e.code) for e in EXPECTED], found
    for finding, expected in zip(found, EXPECTED, strict=True):
        assert expected.says in finding.message, finding.message


@pytest.mark.parametrize(
    ("call", "raises"),
    [
        ("page(session)", True),
        ("detail(session)", True),
        ("names_after_commit(session)", True),
        ("loaded_page(session)", False),
        ("names(session)", False),
        ("loose(session)", False),
        ("plain(session)", False),
    ],
)
def test_what_the_constructors_do_at_run_time(call: str, raises: bool, tmp_path: Path) -> None:
    outcome = run_example(_project(tmp_path, call), "app/handlers.py")
    if raises:
        # pydantic reports the lazy load inside validation as a ValidationError carrying
        # SQLAlchemy's MissingGreenlet message.
        assert outcome["error"] in ("MissingGreenlet", "ValidationError"), outcome
        assert "greenlet_spawn has not been called" in str(outcome["message"]), outcome
    else:
        assert outcome["error"] is None, outcome


def test_a_routes_response_model_validates_the_objects_of_a_returned_dict(tmp_path: Path) -> None:
    root = _project(tmp_path)
    found = findings_in(root, "app/api.py", "ASA301")
    assert [f.line for f in found] == [17], found
    assert "the response model CategoryPage reads it" in found[0].message, found[0].message
    assert findings_in(root, "app/loaded_api.py", "ASA301") == []
    expired = findings_in(root, "app/names_api.py", "ASA302")
    assert [f.line for f in expired] == [16], expired
    assert "Category.id read on categories by the response model NamePage" in expired[0].message, expired[0].message
    assert findings_in(root, "app/fresh_names_api.py", "ASA302") == []


@pytest.mark.parametrize(
    ("module", "raises"),
    [("app/api.py", True), ("app/loaded_api.py", False), ("app/names_api.py", True), ("app/fresh_names_api.py", False)],
)
def test_what_the_returned_dict_does_at_run_time(module: str, raises: bool, tmp_path: Path) -> None:
    outcome = run_example(_project(tmp_path), module)
    if raises:
        assert "greenlet_spawn has not been called" in str(outcome["message"]), outcome
    else:
        assert outcome["error"] is None, outcome
