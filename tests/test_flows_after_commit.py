"""The object flows this release follows for ASA301 carry expiry too (ASA302): rows of
`session.stream()`, a list walked by `sorted()`, the objects a sync helper gives back of a list it
is handed, an object a method keeps on `self`. Read after the default `expire_on_commit=True`
commit, each raises MissingGreenlet at run time; from a factory that keeps its objects, each reads
clean. Executed against SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

HEADER = """\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import Order


def open_only(orders):
    return [order for order in orders if order is not None]


"""
FLOWS = {
    "stream": """\
async def statuses() -> list[str]:
    async with SessionLocal() as session:
        result = await session.stream(select(Order))
        orders = await result.scalars().all()
        await session.commit()
        return [order.status for order in orders]  # ASA302
""",
    "sorted": """\
async def statuses() -> list[str]:
    async with SessionLocal() as session:
        orders = (await session.scalars(select(Order))).all()
        await session.commit()
        return [order.status for order in sorted(orders, key=id)]  # ASA302
""",
    "sync helper": """\
async def statuses() -> list[str]:
    async with SessionLocal() as session:
        orders = (await session.scalars(select(Order))).all()
        await session.commit()
        return [order.status for order in open_only(orders)]  # ASA302
""",
    "kept on self": """\
async def statuses() -> list[str]:
    return [await OrderReader().status()]


class OrderReader:
    async def status(self) -> str:
        async with SessionLocal() as session:
            self.order = await session.get(Order, 1)
            await session.commit()
            return self.order.status  # ASA302
""",
}


def _project(tmp_path: Path, flow: str, expire_on_commit: bool | None) -> tuple[Path, str]:
    source = HEADER + FLOWS[flow]
    files = {
        "app/__init__.py": "",
        "app/db.py": async_database(expire_on_commit),
        "app/db_models.py": MODELS,
        "app/handlers.py": source,
    }
    return write_project(tmp_path / "project", files), source


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_a_read_after_the_commit_through_the_flow_is_reported(flow: str, tmp_path: Path) -> None:
    root, source = _project(tmp_path, flow, None)
    lines = expected_lines(source, "ASA302")
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in found] == lines, found
    assert "Order.status read on" in found[0].message
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0]), outcome


@pytest.mark.parametrize("flow", sorted(FLOWS))
def test_the_same_read_from_a_factory_that_keeps_its_objects_is_not_reported(flow: str, tmp_path: Path) -> None:
    root, _ = _project(tmp_path, flow, False)
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py")["error"] is None
