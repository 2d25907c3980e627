"""A new object a callee builds, adds and returns without awaiting anything is pending in the
caller's session: after the caller's commit (and a `refresh()` without names, which reloads its
columns only), a lazy relationship of it is never loaded. Run against real SQLAlchemy with
aiosqlite, with and without `expire_on_commit`."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in
from test_loading_runtime import _facts_project, run_example

CRUD = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Order


async def new_order(db: AsyncSession) -> Order:
    order = Order(user_id=1, status="new")
    db.add(order)
    return order
"""


def _handler(read: str) -> str:
    return f"""\
from app.db import SessionLocal
from app.crud import new_order


async def create() -> object:
    async with SessionLocal() as session:
        order = await new_order(session)
        await session.commit()
        await session.refresh(order)
        return {read}
"""


@pytest.mark.parametrize("expire_on_commit", [True, False])
def test_a_relationship_of_a_callees_pending_object_is_not_loaded(expire_on_commit: bool, tmp_path: Path) -> None:
    root = _facts_project(tmp_path / "project", _handler("len(order.items)"), expire_on_commit=expire_on_commit)
    (root / "app/crud.py").write_text(CRUD, encoding="utf-8")
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [f.line for f in found] == [outcome["line"]]
    assert "created by new_order()" in found[0].message


def test_its_columns_are_reloaded_by_the_refresh(tmp_path: Path) -> None:
    root = _facts_project(tmp_path / "project", _handler("order.status"), expire_on_commit=True)
    (root / "app/crud.py").write_text(CRUD, encoding="utf-8")
    assert run_example(root, "app/handlers.py")["error"] is None
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert findings_in(root, "app/handlers.py", "ASA302") == []
