"""Objects a helper hands back keep what is known of them when the caller binds the helper's
result to a name before returning it (`results = cls._postprocess(results=results); return
results`), in an active-record base's classmethod as in a module function; and a helper that
rebinds its parameter to a slice of it (`results = results[start:end]`) hands back the same
objects. The caller of such a query method reads a lazy relationship of what it returned (ASA301).
Executed against SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

# An active-record base whose query classmethods hand their rows to a helper first.
QUERIES = """\
    @classmethod
    async def list_through_own_helper(cls, *, db_session: AsyncSession, limit: int = 50) -> list:
        rows = await db_session.execute(select(cls))
        results = list(rows.scalars())
        results = cls._postprocess(limit=limit, results=results)
        return results

    @classmethod
    async def list_through_module_helper(cls, *, db_session: AsyncSession, limit: int = 50) -> list:
        rows = await db_session.execute(select(cls))
        results = rows.scalars().all()
        results = trimmed(results, limit)
        return results

    @classmethod
    async def list_through_copying_helper(cls, *, db_session: AsyncSession) -> list:
        rows = await db_session.execute(select(cls))
        results = rows.scalars().all()
        results = copies(results)
        return results

    @classmethod
    async def list_filtered(
        cls, *, db_session: AsyncSession, owner: int | None = None, query_options: list | None = None
    ) -> list:
        query = cls._preprocess(owner=owner)
        if query_options:
            for option in query_options:
                query = query.options(option)
        rows = await db_session.execute(query)
        return list(rows.scalars())

    @classmethod
    def _preprocess(cls, owner: int | None = None):
        query = select(cls)
        if owner is not None:
            query = cls._owned_by(query, owner, "user")
        return query

    @classmethod
    def _owned_by(cls, query, owner: int, scope: str):
        if scope == "user":
            return query.where(cls.user_id == owner)
        elif scope == "none":
            return query.where(cls.user_id.is_(None))
        else:
            raise ValueError(scope)

    @classmethod
    def _postprocess(cls, limit: int, results: list) -> list:
        if len(results) > limit:
            middle = len(results) // 2
            results = results[middle:]
        return results


def trimmed(results: list, limit: int) -> list:
    results = results[:limit]
    return results


def copies(results: list) -> list:
    return [Order(user_id=order.user_id, status=order.status) for order in results]
"""

LOADED_BY_THE_CALLER = """\
from sqlalchemy.orm import selectinload

from app.db import SessionLocal
from app.db_models import Order


async def handle() -> None:
    async with SessionLocal() as session:
        orders = await Order.list_filtered(db_session=session, query_options=[selectinload(Order.items)])
        for order in orders:
            print(len(order.items))
"""

ACTIVE_RECORD_MODELS = MODELS.replace(
    "from sqlalchemy import ForeignKey\n",
    "from sqlalchemy import ForeignKey, select\nfrom sqlalchemy.ext.asyncio import AsyncSession\n",
).replace(
    "class Base(AsyncAttrs, DeclarativeBase):\n    pass\n", "class Base(AsyncAttrs, DeclarativeBase):\n" + QUERIES
)

HANDLER = """\
from app.db import SessionLocal
from app.db_models import Order


async def handle() -> None:
    async with SessionLocal() as session:
        orders = await Order.{call}
        for order in orders:
            print(len(order.items))
"""


def _project(tmp_path: Path, call: str) -> Path:
    files = {
        "app/__init__.py": "",
        "app/db.py": async_database(),
        "app/db_models.py": ACTIVE_RECORD_MODELS,
        "app/handlers.py": HANDLER.format(call=call),
    }
    return write_project(tmp_path / "project", files)


@pytest.mark.parametrize(
    "call",
    [
        "list_through_own_helper(db_session=session)",
        "list_through_module_helper(db_session=session)",
        "list_filtered(db_session=session)",
        "list_filtered(db_session=session, owner=1)",
    ],
)
def test_rows_a_helper_hands_back_by_name_are_the_query_objects(tmp_path: Path, call: str) -> None:
    """Also through a statement a helper filters on one path only (`if owner is not None: query =
    cls._owned_by(query, ...)`, which returns or raises in each branch), and options a caller may
    pass but does not (`for option in query_options: query = query.options(option)`)."""
    root = _project(tmp_path, call)
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [(f.line, "Order.items" in f.message) for f in found] == [(9, True)], found
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 9), outcome


def test_a_helper_that_builds_new_objects_hands_back_none_of_the_rows(tmp_path: Path) -> None:
    """New transient orders: their `items` is an empty list, loaded from nowhere."""
    root = _project(tmp_path, "list_through_copying_helper(db_session=session)")
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py")["error"] is None


def test_options_the_caller_passes_to_the_query_method_load_the_relationship(tmp_path: Path) -> None:
    """`for option in query_options: query = query.options(option)`: what the caller passes."""
    root = _project(tmp_path, "list_filtered(db_session=session)")
    (root / "app/handlers.py").write_text(LOADED_BY_THE_CALLER, encoding="utf-8")
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py")["error"] is None
