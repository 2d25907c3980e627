"""ASA201 through the project objects a service keeps: `__init__` builds two repositories from one
session (`self.categories = CategoryRepository(session)`, `self.suppliers = ...(session)`) and a
method gathers two of the service's own methods, each waiting on a different repository
(`await self.categories.fetch(i)`). Both awaitables run statements on the one session.

Silent: repositories built from two different sessions, repositories whose methods only add
objects (nothing waits), and repositories that keep the factory and open a session per call.

The flagged program is also run against real SQLAlchemy with aiosqlite: the two awaitables race
to open the session's connection ("concurrent operations are not permitted"); one session per
task runs clean."""

from __future__ import annotations

import asyncio
import gc
import warnings
from pathlib import Path

from conftest import example_project, expected_lines, findings_in, write_project
from sqlalchemy import exc as sa_exc
from sqlalchemy.pool import NullPool
from test_concurrency_runtime import ATTEMPTS, _assert_raced_to_connect, _describe, _load, _run

from alchemy_lint.rules import RULES_BY_CODE

CATALOG = """\
import asyncio

from sqlalchemy import Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Category(Base):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, default="")


class Supplier(Base):
    __tablename__ = "suppliers"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String, default="")


class CategoryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def fetch(self, number: int) -> Category | None:
        return await self.session.scalar(select(Category).where(Category.id == number))

    async def remember(self, name: str) -> None:
        self.session.add(Category(name=name))


class SupplierRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def fetch(self, number: int) -> Supplier | None:
        return await self.session.scalar(select(Supplier).where(Supplier.id == number))

    async def remember(self, name: str) -> None:
        self.session.add(Supplier(name=name))


class Catalog:
    def __init__(self, session: AsyncSession) -> None:
        self.categories = CategoryRepository(session)
        self.suppliers = SupplierRepository(session)

    async def load_category(self, number: int) -> Category | None:
        return await self.categories.fetch(number)

    async def load_supplier(self, number: int) -> Supplier | None:
        return await self.suppliers.fetch(number)

    async def load_both(self, category: int, supplier: int) -> None:
        await asyncio.gather(self.load_category(category), self.load_supplier(supplier))

    async def remember_both(self, name: str) -> None:
        await asyncio.gather(self.remember_category(name), self.remember_supplier(name))

    async def remember_category(self, name: str) -> None:
        await self.categories.remember(name)

    async def remember_supplier(self, name: str) -> None:
        await self.suppliers.remember(name)


class SplitCatalog:
    def __init__(self, first: AsyncSession, second: AsyncSession) -> None:
        self.categories = CategoryRepository(first)
        self.suppliers = SupplierRepository(second)

    async def load_category(self, number: int) -> Category | None:
        return await self.categories.fetch(number)

    async def load_supplier(self, number: int) -> Supplier | None:
        return await self.suppliers.fetch(number)

    async def load_both(self, category: int, supplier: int) -> None:
        await asyncio.gather(self.load_category(category), self.load_supplier(supplier))


class OwnSessionRepository:
    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory

    async def fetch(self, number: int) -> Category | None:
        async with self.factory() as session:
            return await session.scalar(select(Category).where(Category.id == number))


class FactoryCatalog:
    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.categories = OwnSessionRepository(factory)
        self.others = OwnSessionRepository(factory)

    async def load_category(self, number: int) -> Category | None:
        return await self.categories.fetch(number)

    async def load_other(self, number: int) -> Category | None:
        return await self.others.fetch(number)

    async def load_both(self, category: int, other: int) -> None:
        await asyncio.gather(self.load_category(category), self.load_other(other))


async def shared(factory, count: int) -> None:
    async with factory() as session:
        await Catalog(session).load_both(1, count)


async def per_task(factory, count: int) -> None:
    await FactoryCatalog(factory).load_both(1, count)


async def two_catalogs(first: Catalog, second: Catalog) -> None:
    await asyncio.gather(first.load_category(1), second.load_category(2))


class Ledger:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.categories = CategoryRepository(session)

    async def load_supplier(self, number: int) -> Supplier | None:
        return await self.session.scalar(select(Supplier).where(Supplier.id == number))

    async def load_category(self, number: int) -> Category | None:
        return await self.categories.fetch(number)

    async def load_both(self, category: int, supplier: int) -> None:
        await asyncio.gather(self.load_category(category), self.load_supplier(supplier))


async def ledger(factory, count: int) -> None:
    async with factory() as session:
        await Ledger(session).load_both(1, count)


class Shelves:
    def __init__(self, left: Catalog, right: Catalog) -> None:
        self.left, self.right = left, right

    async def load_both(self) -> None:
        await asyncio.gather(self.left.load_category(1), self.right.load_category(2))
"""


def _lines(source: str, marker: str) -> list[int]:
    return [number for number, line in enumerate(source.splitlines(), 1) if marker in line]


def _gather_line(class_name: str) -> int:
    lines = CATALOG.splitlines()
    start = lines.index(f"class {class_name}:")
    return next(number for number, line in enumerate(lines[start:], start + 1) if "asyncio.gather(" in line)


def test_methods_waiting_on_repositories_built_from_one_session_are_reported(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/catalog.py": CATALOG})
    found = findings_in(root, "app/catalog.py", "ASA201")
    assert [finding.line for finding in found] == [_gather_line("Catalog"), _gather_line("Ledger")]
    assert "`self.load_category(category)`, `self.load_supplier(supplier)`" in found[0].message
    assert "through `load_category()`, a method that uses it" in found[0].message


def test_repositories_of_two_sessions_adding_only_or_per_call_sessions_are_clean(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/catalog.py": CATALOG})
    lines = {finding.line for finding in findings_in(root, "app/catalog.py", "ASA201")}
    quiet = [
        _lines(CATALOG, "gather(self.remember_category(name)")[0],
        _gather_line("SplitCatalog"),
        _gather_line("FactoryCatalog"),
    ]
    assert not lines & set(quiet)


def test_repositories_built_from_one_session_race_at_run_time(tmp_path: Path) -> None:
    module = _load(CATALOG, "catalog_shared")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        outcomes = asyncio.run(_run(tmp_path / "shared.sqlite", module, module.shared, poolclass=NullPool))
        failures = [_describe(outcome) for outcome in outcomes if outcome is not None]
        del outcomes
        gc.collect()
    assert failures, f"no attempt of {ATTEMPTS} failed with two repositories of one session gathered"
    _assert_raced_to_connect(failures)


def test_repositories_opening_a_session_per_call_run_clean_at_run_time(tmp_path: Path) -> None:
    module = _load(CATALOG, "catalog_per_task")
    outcomes = asyncio.run(_run(tmp_path / "per_task.sqlite", module, module.per_task, poolclass=NullPool))
    assert outcomes == [None] * ATTEMPTS


def test_two_objects_of_one_class_hold_two_sessions(tmp_path: Path) -> None:
    """Each `Catalog` keeps the session it was built with: two of them, gathered, share nothing
    that the code shows (the repositories' session is known per object, not per class)."""
    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/catalog.py": CATALOG})
    lines = {finding.line for finding in findings_in(root, "app/catalog.py", "ASA201")}
    quiet = [_lines(CATALOG, "gather(first.load_category(1)")[0], _gather_line("Shelves")]
    assert not lines & set(quiet)
    assert _gather_line("Catalog") in lines


def test_a_session_kept_on_the_object_and_in_a_repository_it_built_is_one_session(tmp_path: Path) -> None:
    """`self.session = session` and `self.categories = CategoryRepository(session)` in one
    `__init__`: a method that queries `self.session` and one that waits on the repository,
    gathered, share the one session."""
    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/catalog.py": CATALOG})
    lines = {finding.line for finding in findings_in(root, "app/catalog.py", "ASA201")}
    assert _gather_line("Ledger") in lines


def test_a_session_kept_on_the_object_and_in_its_repository_races_at_run_time(tmp_path: Path) -> None:
    module = _load(CATALOG, "catalog_ledger")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        outcomes = asyncio.run(_run(tmp_path / "ledger.sqlite", module, module.ledger, poolclass=NullPool))
        failures = [_describe(outcome) for outcome in outcomes if outcome is not None]
        del outcomes
        gc.collect()
    assert failures, f"no attempt of {ATTEMPTS} failed with the object's session and its repository's gathered"
    _assert_raced_to_connect(failures)


def test_the_rule_example_of_a_session_kept_on_the_object_and_in_its_repository_races(tmp_path: Path) -> None:
    """ASA201's example: `self.session` and `self.users = UserRepository(session)` of one
    `__init__`, a method of each gathered: reported on the `gather`, and the two awaitables race
    to open the session's connection."""
    (example,) = [e for e in RULES_BY_CODE["ASA201"].invalid if e.title.startswith("`self.session` and a repository")]
    root = example_project(tmp_path / "project", example)
    assert [f.line for f in findings_in(root, example.path, "ASA201")] == expected_lines(example.source, "ASA201")
    module = _load(example.source, "dashboard_example")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        outcomes = asyncio.run(_run(tmp_path / "dashboard.sqlite", module, module.dashboard, poolclass=NullPool))
        failures = [_describe(outcome) for outcome in outcomes if outcome is not None]
        del outcomes
        gc.collect()
    assert failures, f"no attempt of {ATTEMPTS} failed with the object's session and its repository's gathered"
    _assert_raced_to_connect(failures)
