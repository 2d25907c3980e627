"""Questions that recurse through calls (does a callee run statements on, wait on or commit the
session it is handed?) give the same answer whichever is asked first: an answer that rested on a
call back into a function still being worked out, or on the depth limit, is not kept."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project

from alchemy_lint.index.recursion import RecursiveMemo

WORK = """\
from sqlalchemy import select

from app.models import User


async def a(db, n):
    if n:
        await b(db, n - 1)


async def b(db, n):
    if n:
        await a(db, n - 1)
    await c(db)


async def c(db):
    await db.execute(select(User))
"""

MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
"""

FIRST = """\
async def first(db):
    await asyncio.gather(b(db, 1), b(db, 2))
"""

SECOND = """\
async def second(db):
    await asyncio.gather(a(db, 1), a(db, 2))
"""


@pytest.mark.parametrize("order", [(FIRST, SECOND), (SECOND, FIRST)], ids=["b-first", "a-first"])
def test_usage_evidence_through_a_call_cycle_does_not_depend_on_the_order_of_questions(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    spawn = "import asyncio\n\nfrom app.work import a, b\n\n\n" + "\n\n".join(order)
    root = write_project(
        tmp_path / "p",
        {"app/__init__.py": "", "app/models.py": MODELS, "app/work.py": WORK, "app/spawn.py": spawn},
    )
    lines = spawn.splitlines()
    gathers = {number for number, line in enumerate(lines, 1) if "asyncio.gather(" in line}
    assert {finding.line for finding in findings_in(root, "app/spawn.py", "ASA201")} == gathers


def _reaches(graph: dict[str, list[str]], memo: RecursiveMemo[str, bool], node: str, depth: int = 0) -> bool:
    """Whether `node` reaches "goal" in `graph`, through `memo`."""
    return memo.ask(
        node, depth, lambda: node == "goal" or any(_reaches(graph, memo, nxt, depth + 1) for nxt in graph[node])
    )


GRAPH = {"a": ["b"], "b": ["a", "c"], "c": ["goal"], "goal": [], "x": ["y"], "y": ["x"]}


@pytest.mark.parametrize("order", [("a", "b", "x", "y"), ("b", "a", "y", "x"), ("y", "b", "x", "a")])
def test_a_cycle_is_answered_alike_whichever_node_comes_first(order: tuple[str, ...]) -> None:
    memo: RecursiveMemo[str, bool] = RecursiveMemo(False, False, 8)
    assert {node: _reaches(GRAPH, memo, node) for node in order} == {"a": True, "b": True, "x": False, "y": False}


def test_an_answer_cut_by_the_depth_limit_is_not_kept_for_a_shallower_question() -> None:
    chain = {f"n{i}": [f"n{i + 1}"] for i in range(5)} | {"n5": ["goal"], "goal": []}
    memo: RecursiveMemo[str, bool] = RecursiveMemo(False, False, 4)
    assert _reaches(chain, memo, "n0") is False  # the goal lies 6 calls below n0
    assert _reaches(chain, memo, "n3") is True  # 3 below n3: asked afresh, not the cut answer
