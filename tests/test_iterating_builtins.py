"""The builtins that walk a list of ORM objects give the same objects: `enumerate(orders)` and
`zip(names, orders)` in a `for` or a comprehension, `sorted()`, `reversed()`, a slice
`orders[:3]`, `next(iter(orders))`; and the lambda that `sorted()`, `min()`/`max()` (`key=`),
`map()` and `filter()` call on each element. A relationship each of them reads is the same lazy load as on
`orders` itself (ASA301); with the query's loader, the same read runs clean. Executed against
SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

HANDLER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def customers(session: AsyncSession) -> list[str]:
    orders = (await session.scalars(select(Order){options})).all()
    {body}
"""

READS = {
    "enumerate": """names = []
    for number, order in enumerate(orders, start=1):
        names.append(f"{number}. {order.user.name}")
    return names""",
    "zip": """return [f"{label}: {order.user.name}" for label, order in zip("ab", orders)]""",
    "sorted": """return [order.user.name for order in sorted(orders, key=lambda order: order.id)]""",
    "reversed": """return [order.user.name for order in reversed(orders)]""",
    "slice": """return [order.user.name for order in orders[:1]]""",
    "next": """first = next(iter(orders))
    return [first.user.name]""",
    "key": """return [order.id for order in sorted(orders, key=lambda order: order.user.name)]""",
    "max": """return [max(orders, key=lambda order: len(order.user.name)).status]""",
    "map": """return list(map(lambda order: order.user.name, orders))""",
    "filter": """return [order.status for order in filter(lambda order: order.user.name != "", orders)]""",
}
#: The line of the read in each body: the body starts on line 10.
READ_LINES = {"enumerate": 12, "zip": 10, "sorted": 10, "reversed": 10, "slice": 10, "next": 11}
READ_LINES.update(key=10, max=10, map=10, filter=10)


def _project(tmp_path: Path, read: str, options: str) -> Path:
    handler = HANDLER.format(options=options, body=READS[read])
    files = {"app/__init__.py": "", "app/db_models.py": MODELS, "app/handlers.py": handler}
    return write_project(tmp_path / "project", files)


@pytest.mark.parametrize("read", sorted(READS))
def test_a_relationship_read_through_the_builtin_is_a_lazy_load(read: str, tmp_path: Path) -> None:
    root = _project(tmp_path, read, "")
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [f.line for f in found] == [READ_LINES[read]], found
    assert "lazy load of Order.user" in found[0].message
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", READ_LINES[read]), outcome


@pytest.mark.parametrize("read", sorted(READS))
def test_the_same_read_with_the_loader_runs_clean(read: str, tmp_path: Path) -> None:
    root = _project(tmp_path, read, ".options(selectinload(Order.user))")
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py")["error"] is None


COMMITTING_LOOP = """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import User


async def number_all() -> None:
    async with SessionLocal() as session:
        users = (await session.scalars(select(User))).all()
        for number, user in {iterated}:
            user.name = f"{{number}}. {{user.name}}"
            await session.commit()
"""


@pytest.mark.parametrize("iterated", ["enumerate(users)", "zip(range(9), users)"])
def test_a_commit_expires_the_next_object_of_an_enumerated_list(iterated: str, tmp_path: Path) -> None:
    files = {
        "app/__init__.py": "",
        "app/db.py": async_database(),
        "app/db_models.py": MODELS,
        "app/handlers.py": COMMITTING_LOOP.format(iterated=iterated),
    }
    root = write_project(tmp_path / "project", files)
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in found] == [11], found
    assert "of an earlier iteration" in found[0].message
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 11), outcome
