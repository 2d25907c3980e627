"""Loaders that recurse (`recursion_depth=`), objects a classmethod gets from `cls.<method>()`,
and objects that a call returned on one path and a query on the other (ASA301).

Each claim is executed: real SQLAlchemy with aiosqlite, a chain of five nodes (1 -> 2 -> ... -> 5).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from conftest import findings_in, write_project

MODELS = """\
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Node(Base):
    __tablename__ = "nodes"
    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("nodes.id"))
    children: Mapped[list["Node"]] = relationship()

    @classmethod
    async def roots(cls, session: AsyncSession) -> list["Node"]:
        result = await session.execute(select(cls).where(cls.parent_id.is_(None)))
        return list(result.scalars())

    @classmethod
    async def sizes(cls, session: AsyncSession) -> list[int]:
        nodes = await cls.roots(session)
        return [len(node.children) for node in nodes]  # ASA301
"""

HANDLERS = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import immediateload, selectinload

from app.db_models import Node


async def whole_tree(session: AsyncSession) -> int:
    statement = select(Node).where(Node.id == 1).options(selectinload(Node.children, recursion_depth=-1))
    node = (await session.scalars(statement)).one()
    return len(node.children[0].children[0].children[0].children)


async def two_levels(session: AsyncSession) -> int:
    statement = select(Node).where(Node.id == 1).options(immediateload(Node.children, recursion_depth=1))
    node = (await session.scalars(statement)).one()
    child = node.children[0]
    return len(child.children) + len(child.children[0].children)  # ASA301


async def listing(session: AsyncSession, roots_only: bool) -> list[int]:
    if roots_only:
        nodes = await Node.roots(session)
    else:
        result = await session.execute(select(Node))
        nodes = list(result.scalars())
    return [len(node.children) for node in nodes]  # ASA301
"""

RUNNER = """\
import asyncio, json, sys, traceback
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
sys.path.insert(0, sys.argv[1])
from app import handlers
from app.db_models import Base, Node


async def main() -> None:
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    async with factory() as session:
        session.add_all([Node(id=n, parent_id=n - 1 if n > 1 else None) for n in range(1, 6)])
        await session.commit()
    calls = {
        "whole_tree": lambda s: handlers.whole_tree(s),
        "two_levels": lambda s: handlers.two_levels(s),
        "sizes": lambda s: Node.sizes(s),
        "listing_roots": lambda s: handlers.listing(s, True),
        "listing_all": lambda s: handlers.listing(s, False),
    }
    outcome = {}
    for name, call in calls.items():
        async with factory() as session:
            try:
                await call(session)
                outcome[name] = None
            except Exception as error:
                frame = traceback.extract_tb(error.__traceback__)
                line = next(f.lineno for f in reversed(frame) if f.filename.startswith(sys.argv[1]))
                cause = getattr(error, "orig", None) or error  # StatementError wraps it
                outcome[name] = [type(cause).__name__, line]
    await engine.dispose()
    print(json.dumps(outcome))


asyncio.run(main())
"""


def _project(root: Path) -> Path:
    return write_project(root, {"app/__init__.py": "", "app/db_models.py": MODELS, "app/handlers.py": HANDLERS})


def _run(root: Path) -> dict[str, list[object] | None]:
    done = subprocess.run(
        [sys.executable, "-c", RUNNER, str(root)], capture_output=True, text=True, timeout=120, check=True
    )
    outcome: dict[str, list[object] | None] = json.loads(done.stdout.strip().splitlines()[-1])
    return outcome


def test_lazy_loads_are_reported_where_they_happen_at_run_time(tmp_path: Path) -> None:
    root = _project(tmp_path / "project")
    outcome = _run(root)
    # recursion_depth=-1 loads every level; recursion_depth=1 the children and grandchildren only.
    assert outcome["whole_tree"] is None
    assert outcome["two_levels"] == ["MissingGreenlet", 18]
    # `cls.roots()` and `Node.roots()` return roots whose children nobody loaded.
    assert outcome["sizes"] == ["MissingGreenlet", 24]
    assert outcome["listing_roots"] == ["MissingGreenlet", 27]
    assert outcome["listing_all"] == ["MissingGreenlet", 27]
    handlers = findings_in(root, "app/handlers.py", "ASA301")
    assert [(f.line, f.col) for f in handlers] == [(18, 37), (27, 16)]
    models = findings_in(root, "app/db_models.py", "ASA301")
    assert [(f.line, f.col) for f in models] == [(24, 20)]
    assert "roots()" in models[0].message


def test_a_recursion_depth_counts_levels_below_the_first(tmp_path: Path) -> None:
    handler = HANDLERS.replace("recursion_depth=-1", "recursion_depth=2")
    files = {"app/__init__.py": "", "app/db_models.py": MODELS, "app/handlers.py": handler}
    root = write_project(tmp_path / "project", files)
    outcome = _run(root)
    # Depth 2 loads three levels: the fourth (`...children[0].children`) is a lazy load.
    assert outcome["whole_tree"] == ["MissingGreenlet", 11]
    findings = [(f.line, f.col) for f in findings_in(root, "app/handlers.py", "ASA301")]
    assert findings == [(11, 15), (18, 37), (27, 16)]
