"""ASA301 on a new object flushed by the autoflush of a later query of its session.

`order = Order(...)`; `session.add(order)`; `await session.execute(select(...))`: the query
flushes the session first (autoflush, on by default), so the object is persistent with none of
its relationships loaded, as after an explicit `flush()`; reading `order.items` is a lazy load
(MissingGreenlet, run on SQLAlchemy 2.0 and 2.1). `autoflush=False` on the factory, and a
`with session.no_autoflush:` block around the query, leave it pending: the read emits no SQL.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS


def _database(autoflush: str = "") -> str:
    keyword = f", autoflush={autoflush}" if autoflush else ""
    return (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "from sqlalchemy.pool import StaticPool\n"
        "\n"
        'engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)\n'
        f"SessionLocal = async_sessionmaker(engine, expire_on_commit=False{keyword})\n"
    )


def _project(root: Path, query: str, autoflush: str = "", quiet: bool = False) -> Path:
    """A handler that adds a new order, runs `query` on the session, then counts its items
    (line 13); with `quiet`, the query runs inside `with session.no_autoflush:`."""
    indent = "            " if quiet else "        "
    opening = "        with session.no_autoflush:\n" if quiet else "        pass\n"
    handler = (
        "from sqlalchemy import select\n"
        "\n"
        "from app.db import SessionLocal\n"
        "from app.db_models import Order, OrderItem, User\n"
        "\n"
        "\n"
        "async def create_order() -> int:\n"
        "    async with SessionLocal() as session:\n"
        '        order = Order(user_id=1, status="new")\n'
        "        session.add(order)\n"
        f"{opening}"
        f"{indent}{query}\n"
        "        return len(order.items)\n"
    )
    files = {"app/db_models.py": MODELS, "app/db.py": _database(autoflush), "app/handlers.py": handler}
    return write_project(root, files)


QUERIES = [
    "await session.execute(select(User))",
    "await session.scalars(select(OrderItem))",
    "await session.scalar(select(User.id))",
    "await session.get(User, 2)",
    "await session.stream(select(User))",
]


@pytest.mark.parametrize("query", QUERIES)
def test_read_after_a_query_that_autoflushes_is_reported(query: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", query)
    findings = findings_in(root, "app/handlers.py", "ASA301")
    assert [f.line for f in findings] == [13]
    assert "flushed by the autoflush of the query at line 12" in findings[0].message


@pytest.mark.parametrize("query", [QUERIES[0], QUERIES[3]])
def test_read_after_a_query_that_autoflushes_raises(query: str, tmp_path: Path) -> None:
    outcome = run_example(_project(tmp_path / "project", query), "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 13)


def test_factory_without_autoflush_is_silent_and_runs_clean(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", QUERIES[0], autoflush="False")
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py")["error"] is None


def test_no_autoflush_block_is_silent_and_runs_clean(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", QUERIES[0], quiet=True)
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py")["error"] is None


def test_query_before_the_add_flushes_nothing_of_it(tmp_path: Path) -> None:
    handler = """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import Order, User


async def create_order() -> int:
    async with SessionLocal() as session:
        await session.execute(select(User))
        order = Order(user_id=1, status="new")
        session.add(order)
        return len(order.items)
"""
    files = {"app/db_models.py": MODELS, "app/db.py": _database(), "app/handlers.py": handler}
    root = write_project(tmp_path / "project", files)
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py")["error"] is None


def test_explicit_flush_keeps_its_message(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", "await session.flush()", autoflush="False")
    findings = findings_in(root, "app/handlers.py", "ASA301")
    assert [f.line for f in findings] == [13]
    assert "and then flushed or committed" in findings[0].message


def test_get_of_a_row_already_held_does_not_autoflush(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import Order, User


async def create_order() -> int:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        order = Order(user_id=user.id, status="new")
        session.add(order)
        again = await session.get(User, 1)
        assert again is user
        return len(order.items)
"""
    files = {"app/db_models.py": MODELS, "app/db.py": _database(), "app/handlers.py": handler}
    root = write_project(tmp_path / "project", files)
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py")["error"] is None
