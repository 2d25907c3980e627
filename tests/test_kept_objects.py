"""An object a method binds to an attribute of its own object (`self.order = await
session.get(Order, 1)`) is that object where the method reads it back (`self.order.items`): the
relationship it did not load is a lazy load (ASA301). Until the method calls another of its own,
which may bind the attribute to something else. Executed against SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

LOADER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.db_models import Order


async def item_count(session: AsyncSession) -> int:
    return await OrderLoader(session).count()


class OrderLoader:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.order: Order | None = None

    async def count(self) -> int:
        self.order = (await self.session.scalars(select(Order){options})).first()
        {between}
        return len(self.order.items) if self.order else 0

    async def reload(self) -> None:
        self.order = (await self.session.scalars(select(Order).options(selectinload(Order.items)))).first()
"""


def _project(tmp_path: Path, options: str, between: str) -> Path:
    files = {
        "app/__init__.py": "",
        "app/db_models.py": MODELS,
        "app/loader.py": LOADER.format(options=options, between=between),
    }
    return write_project(tmp_path / "project", files)


def test_an_object_kept_on_self_is_judged_where_the_method_reads_it(tmp_path: Path) -> None:
    root = _project(tmp_path, "", "pass")
    found = findings_in(root, "app/loader.py", "ASA301")
    assert [f.line for f in found] == [20], found
    assert "lazy load of Order.items" in found[0].message
    outcome = run_example(root, "app/loader.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", 20), outcome


@pytest.mark.parametrize(
    ("options", "between"),
    [(".options(selectinload(Order.items))", "pass"), ("", "await self.reload()")],
    ids=["loaded", "bound again by another method"],
)
def test_a_loaded_or_rebound_object_is_not_reported(options: str, between: str, tmp_path: Path) -> None:
    root = _project(tmp_path, options, between)
    assert findings_in(root, "app/loader.py", "ASA301") == []
    assert run_example(root, "app/loader.py")["error"] is None
