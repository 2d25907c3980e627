"""A project helper that filters the caller's statement and returns it (`apply_tenant(stmt,
Model, org_id)` returning `stmt.where(...)`, or `stmt` as it came on some path): the rows of the
statement it returns are the caller's query's, with the caller's loaders. Before, the statement
lost its model in the helper (a parameter without a `Select` annotation), so no read of its rows
was judged. The reported reads raise MissingGreenlet at run time; the loaded ones run clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, calling_handler, findings_in, write_project
from test_loading_runtime import run_example

DB = async_database(expire_on_commit=False)
MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Category(Base):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int]
    children: Mapped[list["Child"]] = relationship()


class Child(Base):
    __tablename__ = "children"
    id: Mapped[int] = mapped_column(primary_key=True)
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
"""
TENANT = """\
from typing import Any, Optional


class TenantFilter:
    @staticmethod
    def apply(stmt: Any, model: Any, organization_id: Optional[int] = None) -> Any:
        if organization_id is None or not hasattr(model, "organization_id"):
            return stmt
        return stmt.where(model.organization_id == organization_id)


def newest_first(stmt, model):
    return stmt.order_by(model.id.desc()).limit(10)


def either(stmt: Any, fallback: Any, use_fallback: bool) -> Any:
    # `fallback` is handed back as it came but never filtered: not known to be a statement.
    if use_fallback:
        return fallback
    return stmt.where(True)
"""
SERVICE = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.models import Category
from app.tenant import TenantFilter, either, newest_first


async def filtered(session: AsyncSession, organization_id: int = 1) -> int:
    statement = TenantFilter.apply(select(Category), Category, organization_id)
    categories = (await session.scalars(statement)).all()
    return len(categories[0].children)


async def ordered(session: AsyncSession) -> int:
    category = (await session.scalars(newest_first(select(Category), Category))).first()
    return len(category.children)


async def loaded(session: AsyncSession, organization_id: int = 1) -> int:
    statement = select(Category).options(selectinload(Category.children))
    statement = TenantFilter.apply(statement, Category, organization_id)
    categories = (await session.scalars(statement)).all()
    return len(categories[0].children)


async def unknown(session: AsyncSession, fallback: object) -> int:
    category = (await session.scalars(either(select(Category), fallback, False))).first()
    return len(category.children)


def words(sep: str, items: list[str]) -> str:
    return sep.join(items)
"""


def _handler(call: str) -> str:
    return calling_handler("service", call)


def _project(tmp_path: Path, call: str = "filtered(session)") -> Path:
    files = {
        "app/__init__.py": "",
        "app/db.py": DB,
        "app/models.py": MODELS,
        "app/tenant.py": TENANT,
        "app/service.py": SERVICE,
        "app/handlers.py": _handler(call),
    }
    return write_project(tmp_path / "project", files)


def test_the_rows_of_a_filtered_statement_are_the_callers_query(tmp_path: Path) -> None:
    found = findings_in(_project(tmp_path), "app/service.py")
    assert [(f.line, f.code) for f in found] == [(12, "ASA301"), (17, "ASA301")], found
    assert all("lazy load of Category.children" in f.message for f in found), found
    # (`unknown`: the helper may hand back a parameter that is not known to be a statement.)


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("filtered(session)", "MissingGreenlet"),
        ("filtered(session, None)", "MissingGreenlet"),
        ("ordered(session)", "MissingGreenlet"),
        ("loaded(session)", None),
        ("loaded(session, None)", None),
    ],
)
def test_what_the_filtered_statements_do_at_run_time(call: str, error: str | None, tmp_path: Path) -> None:
    outcome = run_example(_project(tmp_path, call), "app/handlers.py")
    assert outcome["error"] == error, outcome


RENAMING = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Category
from app.tenant import TenantFilter


async def renamed(session: AsyncSession, organization_id: int = 1) -> int:
    statement = TenantFilter.apply(select(Category), Category, organization_id)
    category = (await session.scalars(statement)).first()
    category.organization_id = 2
    await session.commit()
    return category.organization_id
"""


def test_the_rows_of_a_filtered_statement_expire_at_a_commit(tmp_path: Path) -> None:
    # ASA302 consumes the same rows: a factory that expires on commit (its default) expires them.
    files = {
        "app/__init__.py": "",
        "app/db.py": async_database(),
        "app/models.py": MODELS,
        "app/tenant.py": TENANT,
        "app/renaming.py": RENAMING,
        "app/handlers.py": calling_handler("renaming", "renamed(session)"),
    }
    root = write_project(tmp_path / "project", files)
    found = findings_in(root, "app/renaming.py", "ASA302")
    assert [f.line for f in found] == [13], found
    assert "Category.organization_id read on category after session.commit() at line 12" in found[0].message
    assert run_example(root, "app/handlers.py")["error"] == "MissingGreenlet"
