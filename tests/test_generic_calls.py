"""A call of a parametrised class builds the class: `async_sessionmaker[AsyncSession](bind=engine)`
is a session factory, `Repository[User](session)` a repository over the session. A subscript that
picks an item (`handlers[kind](event)`) keeps its meaning."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import findings_in, write_project

from alchemy_lint.facts.generic_calls import call_generic_origins

DB = """\
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine


def build(url: str) -> tuple[AsyncEngine, async_sessionmaker[AsyncSession]]:
    engine = create_async_engine(url)
    factory = async_sessionmaker[AsyncSession](bind=engine, class_=AsyncSession)
    return engine, factory


engine, Session = build("sqlite+aiosqlite://")
"""

JOBS = """\
from sqlalchemy import text

from app.db import Session


async def first() -> None:
    async with Session() as session, session.begin():
        await session.execute(text("select 1"))


async def second() -> None:
    async with Session() as session, session.begin():
        await session.execute(text("select 1"))


async def third() -> None:
    async with Session() as session, session.begin():
        await session.execute(text("select 1"))


async def cleanup() -> None:
    async with Session() as session:
        await session.execute(text("delete from logs"))
        await session.commit()
"""

REPOSITORIES = """\
import asyncio
from typing import Generic, TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


class Repository(Generic[T]):
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def count(self) -> int:
        return 0


class User:
    pass


async def totals(session: AsyncSession) -> None:
    users = Repository[User](session)
    await asyncio.gather(users.count(), users.count())
"""


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path, {"app/__init__.py": "", "app/db.py": DB, "app/jobs.py": JOBS})


def test_a_parametrised_factory_class_builds_a_factory(project: Path) -> None:
    assert [(f.line, f.code) for f in findings_in(project, "app/db.py", "ASA103")] == [(6, "ASA103")]


def test_its_sessions_count_for_the_transaction_policy(project: Path) -> None:
    assert [(f.path, f.line) for f in findings_in(project, ".", "ASA402")] == [("app/jobs.py", 24)]


def test_a_parametrised_project_class_is_built_from_the_session(tmp_path: Path) -> None:
    root = write_project(tmp_path, {"app/__init__.py": "", "app/repos.py": REPOSITORIES})
    assert [(f.line, f.code) for f in findings_in(root, "app/repos.py", "ASA201")] == [(23, "ASA201")]


@pytest.mark.parametrize(
    ("call", "callee"),
    [
        ("async_sessionmaker[AsyncSession](bind=engine)", "async_sessionmaker"),
        ("orm.sessionmaker[Session](bind=engine)", "orm.sessionmaker"),
        ("Repository[User | None](session)", "Repository"),
        ("Box[list[int], 'User'](1)", "Box"),
        ("handlers[kind](event)", "handlers[kind]"),
        ("HANDLERS[Kind.A](event)", "HANDLERS[Kind.A]"),
        ("factories['main']()", "factories['main']"),
        ("Registry[0](event)", "Registry[0]"),
        ("rows[i].Loader[User](x)", "rows[i].Loader[User]"),
    ],
)
def test_only_a_type_argument_is_seen_through(call: str, callee: str) -> None:
    tree = ast.parse(call)
    call_generic_origins(tree, call, [])
    expression = tree.body[0]
    assert type(expression) is ast.Expr and type(expression.value) is ast.Call
    assert ast.unparse(expression.value.func) == ast.unparse(ast.parse(callee).body[0].value)  # type: ignore[attr-defined]


def test_the_tree_is_left_as_it_was_parsed() -> None:
    # flake8 hands every plugin the same tree: the facts must not change what the next one reads.
    from alchemy_lint.facts import extract_facts
    from alchemy_lint.sqlalchemy_api import Api

    tree = ast.parse(DB)
    before = ast.dump(tree)
    facts = extract_facts(tree, "app/db.py", "app.db", False, DB)
    assert ast.dump(tree) == before
    assert [call.api for call in facts.api_calls].count(Api.ASYNC_SESSIONMAKER) == 1  # seen through all the same


def test_a_rewrite_stopped_by_a_type_argument_too_deep_to_read_is_undone() -> None:
    from alchemy_lint.facts import extract_facts

    union = " | ".join(["User"] * 1500)
    source = f"a = Repository[User](session)\nb = Repository[{union}](session)\n"
    tree = ast.parse(source)
    before = ast.dump(tree.body[0])
    extract_facts(tree, "app/jobs.py", "app.jobs", False, source)
    assert ast.dump(tree.body[0]) == before
