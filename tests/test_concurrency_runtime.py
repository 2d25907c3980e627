"""ASA201 against real SQLAlchemy + aiosqlite: the flagged form races, the fixed form runs clean.

The same source is linted and then executed, so the test pins what the rule claims.
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import sys
import warnings
from collections.abc import Awaitable, Callable, Coroutine
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest
from conftest import example_project, expected_lines, findings_in, write_project
from sqlalchemy import event, select
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import NullPool

from alchemy_lint.rules import RULES_BY_CODE, Example

#: The model the programs of this module write orders with.
ORDER_MODEL = """\
class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    status: Mapped[str] = mapped_column(String)
"""

SERVICE = (
    """\
import asyncio

from sqlalchemy import Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


"""
    + ORDER_MODEL
    + """

async def place(session: AsyncSession, number: int) -> None:
    session.add(Order(status=f"new {number}"))
    await session.flush()


async def place_all_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        await asyncio.gather(*(place(session, n) for n in range(count)))
        await session.commit()


async def place_one(factory: async_sessionmaker[AsyncSession], number: int) -> None:
    async with factory() as session:
        await place(session, number)
        await session.commit()


async def count_all_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        await asyncio.gather(*(session.scalars(select(Order)) for _ in range(count)))


async def place_all_per_task(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await asyncio.gather(*(place_one(factory, n) for n in range(count)))
"""
)

SHARED_LINES = [
    number
    for number, line in enumerate(SERVICE.splitlines(), 1)
    if line.startswith("        await asyncio.gather(") and "session" in line
]
#: What SQLAlchemy raises when tasks interleave on one session (RULES.md lists them).
RACE_ERRORS = (sa_exc.InvalidRequestError, sa_exc.IllegalStateChangeError)
ATTEMPTS = 20
TASKS = 10


def _load(source: str, name: str) -> ModuleType:
    """Import the source as a real module: SQLAlchemy resolves `Mapped[...]` in its namespace."""
    module = ModuleType(name)
    sys.modules[name] = module
    exec(compile(source, f"{name}.py", "exec"), module.__dict__)
    return module


Scenario = Callable[[async_sessionmaker, int], Awaitable[None]]  # type: ignore[type-arg]


async def _run(
    database: Path,
    module: ModuleType,
    scenario: Scenario,
    tasks: int = TASKS,
    join_leftovers: bool = True,
    attempts: int = ATTEMPTS,
    **engine_options: object,
) -> list[BaseException | None]:
    """Each attempt on a fresh schema; returns what each attempt raised (None when clean).

    `join_leftovers=False` for task groups that cancel their other tasks when one fails: a
    task cancelled mid-statement makes SQLAlchemy terminate its connection, and that close never
    ends on aiosqlite (`asyncio.run` cancels it when the scenario is over)."""
    outcomes: list[BaseException | None] = []
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}", **engine_options)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    try:
        for _ in range(attempts):
            async with engine.begin() as connection:
                await connection.run_sync(module.Base.metadata.drop_all)
                await connection.run_sync(module.Base.metadata.create_all)
            try:
                await scenario(factory, tasks)
            except Exception as error:
                outcomes.append(error)
            else:
                outcomes.append(None)
            # gather does not cancel the other tasks when one fails: let them end before the next.
            leftovers = asyncio.all_tasks() - {asyncio.current_task()}
            if join_leftovers:
                await asyncio.gather(*leftovers, return_exceptions=True)
    finally:
        await engine.dispose()
    return outcomes


def test_linter_flags_the_shared_session_gather_and_not_the_per_task_form(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/orders.py": SERVICE})
    reported = [finding.line for finding in findings_in(root, "app/orders.py", "ASA201")]
    assert len(SHARED_LINES) == 2
    assert reported == SHARED_LINES


@pytest.mark.parametrize("tasks", [2, TASKS])
def test_session_shared_by_gathered_tasks_raises_a_concurrency_error(tasks: int, tmp_path: Path) -> None:
    module = _load(SERVICE, f"orders_shared_{tasks}")
    with warnings.catch_warnings():
        # SQLAlchemy also warns that add() ran during another task's flush.
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        outcomes = asyncio.run(_run(tmp_path / "shared.sqlite", module, module.place_all_shared, tasks))
    failures = [outcome for outcome in outcomes if outcome is not None]
    # A race, so the claim is "fails", not "fails every time"; measured: 500 of 500 runs fail.
    assert failures, f"no attempt of {ATTEMPTS} failed with one session shared by {tasks} tasks"
    for failure in failures:
        assert isinstance(failure, RACE_ERRORS), repr(failure)
        assert "flushing" in str(failure) or "concurrent" in str(failure) or "can't be called here" in str(failure)


def test_reads_on_a_shared_session_race_to_open_its_connection(tmp_path: Path) -> None:
    """With no idle pooled connection to reuse, every read task tries to open the session's one."""
    module = _load(SERVICE, "orders_reads")
    with warnings.catch_warnings():
        # The failed attempts leave connections checked out (the session closed mid-connect);
        # drop the exceptions that hold them and collect them here, where the warning is expected.
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        outcomes = asyncio.run(_run(tmp_path / "reads.sqlite", module, module.count_all_shared, poolclass=NullPool))
        failures = [_describe(outcome) for outcome in outcomes if outcome is not None]
        del outcomes
        gc.collect()
    # Measured: 500 of 500 runs fail with NullPool; 0 of 500 with a warm pool (see ASA201's docs).
    assert failures, f"no attempt of {ATTEMPTS} failed with one session shared by {TASKS} reading tasks"
    _assert_raced_to_connect(failures)


def _assert_raced_to_connect(failures: list[list[tuple[str, str]]]) -> None:
    for raised in failures:
        # The first task to fail ends gather; closing the session then meets the others mid-connect.
        assert any(
            kind == "InvalidRequestError" and "concurrent operations are not permitted" in message
            for kind, message in raised
        ), raised


def _describe(error: BaseException) -> list[tuple[str, str]]:
    """The error and the one it was raised while handling, as (type name, message)."""
    chain = [error, *([error.__context__] if error.__context__ is not None else [])]
    return [(type(item).__name__, str(item)) for item in chain]


def test_one_session_per_task_runs_clean_and_stores_every_row(tmp_path: Path) -> None:
    module = _load(SERVICE, "orders_per_task")
    database = tmp_path / "per_task.sqlite"
    outcomes = asyncio.run(_run(database, module, module.place_all_per_task))
    assert outcomes == [None] * ATTEMPTS

    async def count_rows() -> int:
        engine = create_async_engine(f"sqlite+aiosqlite:///{database}")
        async with engine.connect() as connection:
            rows = (await connection.exec_driver_sql("select count(*) from orders")).scalar_one()
        await engine.dispose()
        return int(rows)

    assert asyncio.run(count_rows()) == TASKS


HOLDER = (
    """\
import asyncio
from dataclasses import dataclass

from sqlalchemy import Integer, String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


"""
    + ORDER_MODEL
    + """

class OrderService:
    async def place_many(self, count: int) -> None:
        await asyncio.gather(*(self.place(n) for n in range(count)))

    async def place(self, number: int) -> None:
        raise NotImplementedError


@dataclass
class SessionOrderService(OrderService):
    session: AsyncSession

    async def place(self, number: int) -> None:
        self.session.add(Order(status=f"new {number}"))
        await self.session.flush()


@dataclass
class FactoryOrderService(OrderService):
    factory: async_sessionmaker[AsyncSession]

    async def place(self, number: int) -> None:
        async with self.factory() as session:
            session.add(Order(status=f"new {number}"))
            await session.commit()


async def place_all_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        await SessionOrderService(session).place_many(count)
        await session.commit()


async def place_all_per_task(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await FactoryOrderService(factory).place_many(count)
"""
)


def test_methods_of_an_object_holding_the_session_race_when_gathered(tmp_path: Path) -> None:
    # The gather is in the base class; the override a subclass defines is what runs on its session.
    root = write_project(tmp_path / "project", {"app/orders.py": HOLDER})
    (finding,) = findings_in(root, "app/orders.py", "ASA201")
    assert HOLDER.splitlines()[finding.line - 1].strip().startswith("await asyncio.gather(*(self.place(n)")
    assert "`self.session`" in finding.message and "through `place()`" in finding.message
    module = _load(HOLDER, "orders_holder")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        shared = asyncio.run(_run(tmp_path / "holder.sqlite", module, module.place_all_shared))
        per_task = asyncio.run(_run(tmp_path / "per_task.sqlite", module, module.place_all_per_task))
    failures = [outcome for outcome in shared if outcome is not None]
    assert failures, f"no attempt of {ATTEMPTS} failed with one session held by the gathered methods' object"
    assert all(isinstance(failure, RACE_ERRORS) for failure in failures), failures
    assert per_task == [None] * ATTEMPTS


WORKERS = (
    """\
import asyncio

from sqlalchemy import Integer, String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


"""
    + ORDER_MODEL
    + """

class Placer:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def place(self, number: int) -> None:
        self.session.add(Order(status=f"new {number}"))
        await self.session.flush()

    async def place_and_save(self, number: int) -> None:
        await self.place(number)
        await self.session.commit()
        await self.session.close()


async def place_all_listed(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        placers = [Placer(session) for _ in range(count)]
        await asyncio.gather(*[placer.place(n) for n, placer in enumerate(placers)])
        await session.commit()


async def place_all_spawned(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        placers = [Placer(session) for _ in range(count)]
        tasks = []
        for number, placer in enumerate(placers):
            tasks.append(asyncio.create_task(placer.place(number)))
        await asyncio.gather(*tasks)
        await session.commit()


async def place_pair(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        first, second = Placer(session), Placer(session)
        await asyncio.gather(first.place(0), second.place(1))
        await session.commit()


async def place_all_own(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    placers = [Placer(factory()) for _ in range(count)]
    await asyncio.gather(*[placer.place_and_save(n) for n, placer in enumerate(placers)])
"""
)


def test_wrappers_of_one_session_in_a_list_or_unpacked_race_when_gathered(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/orders.py": WORKERS})
    lines = WORKERS.splitlines()
    reported = {lines[finding.line - 1].strip() for finding in findings_in(root, "app/orders.py", "ASA201")}
    assert reported == {
        "await asyncio.gather(*[placer.place(n) for n, placer in enumerate(placers)])",
        "tasks.append(asyncio.create_task(placer.place(number)))",
        "await asyncio.gather(first.place(0), second.place(1))",
    }
    # Not the same gather in `place_all_own`, whose placers each open their own session.
    (own,) = [n for n, line in enumerate(lines, 1) if line.startswith("async def place_all_own")]
    assert all(finding.line < own for finding in findings_in(root, "app/orders.py", "ASA201"))
    module = _load(WORKERS, "orders_workers")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        outcomes = {
            name: asyncio.run(_run(tmp_path / f"{name}.sqlite", module, getattr(module, name)))
            for name in ("place_all_listed", "place_all_spawned", "place_pair", "place_all_own")
        }
    for name in ("place_all_listed", "place_all_spawned", "place_pair"):
        failures = [outcome for outcome in outcomes[name] if outcome is not None]
        assert failures, f"no attempt of {ATTEMPTS} of {name} failed with one session behind the wrappers"
        assert all(isinstance(failure, RACE_ERRORS) for failure in failures), (name, failures)
    assert outcomes["place_all_own"] == [None] * ATTEMPTS


def _delete_example(kind: str) -> Example:
    rule = RULES_BY_CODE["ASA201"]
    (found,) = [e for e in (rule.valid if kind == "valid" else rule.invalid) if "session.delete()" in e.title]
    return found


async def _gathered_deletes(
    database: Path, module: ModuleType, remove: str, owner: str, child: str, expire_on_commit: bool
) -> list[tuple[BaseException | None, int]]:
    """Per attempt: 10 owners with 2 children each, loaded and committed (`NullPool` closes the
    session's connection), then handed to the example's `remove`: what it raised, and how many
    statements ran while its deletes were gathered."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}", poolclass=NullPool)
    statements = [0]

    def count(*_: object) -> None:
        statements[0] += 1

    event.listen(engine.sync_engine, "before_cursor_execute", count)
    factory = async_sessionmaker(engine, expire_on_commit=expire_on_commit)
    owner_class, child_class = getattr(module, owner), getattr(module, child)
    link = next(column.name for column in child_class.__table__.columns if column.foreign_keys)
    outcomes: list[tuple[BaseException | None, int]] = []
    try:
        for _ in range(ATTEMPTS):
            async with engine.begin() as connection:
                await connection.run_sync(module.Base.metadata.drop_all)
                await connection.run_sync(module.Base.metadata.create_all)
            session = factory()
            for number in range(1, TASKS + 1):
                session.add(owner_class(id=number))
                session.add_all([child_class(**{link: number}), child_class(**{link: number})])
            await session.commit()
            owners = list(await session.scalars(select(owner_class)))
            await session.commit()
            before = statements[0]
            raised: BaseException | None = None
            try:
                await getattr(module, remove)(session, owners)
            except Exception as error:
                raised = error
            outcomes.append((raised, statements[0] - before))
            await asyncio.gather(*(asyncio.all_tasks() - {asyncio.current_task()}), return_exceptions=True)
            with contextlib.suppress(sa_exc.IllegalStateChangeError):  # closing meets a task mid-connect
                await session.close()
    finally:
        await engine.dispose()
    return outcomes


@pytest.mark.parametrize("expire_on_commit", [False, True])
def test_gathered_deletes_that_load_nothing_run_no_statement_and_raise_nothing(
    expire_on_commit: bool, tmp_path: Path
) -> None:
    example = _delete_example("valid")
    assert findings_in(example_project(tmp_path / "project", example), example.path, "ASA201") == []
    module = _load(example.source, f"tags_deleted_{expire_on_commit}")
    outcomes = asyncio.run(
        _gathered_deletes(tmp_path / "tags.sqlite", module, "remove_tags", "Tag", "Note", expire_on_commit)
    )
    # Expired or not, the objects' deletes need no statement: nothing to interleave.
    assert outcomes == [(None, 0)] * ATTEMPTS


@pytest.mark.parametrize("expire_on_commit", [False, True])
def test_gathered_deletes_along_a_delete_cascade_race_to_load_it(expire_on_commit: bool, tmp_path: Path) -> None:
    example = _delete_example("invalid")
    root = example_project(tmp_path / "project", example)
    assert [f.line for f in findings_in(root, example.path, "ASA201")] == expected_lines(example.source, "ASA201")
    module = _load(example.source, f"folders_deleted_{expire_on_commit}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        outcomes = asyncio.run(
            _gathered_deletes(tmp_path / "folders.sqlite", module, "remove_folders", "Folder", "File", expire_on_commit)
        )
        failures = [_describe(raised) for raised, _ in outcomes if raised is not None]
        del outcomes
        gc.collect()
    # Each delete loads `Folder.files` first; measured: every attempt fails.
    assert failures, f"no attempt of {ATTEMPTS} failed with {TASKS} gathered deletes along a delete cascade"
    _assert_raced_to_connect(failures)


SHAPES = (
    """\
import asyncio
import functools
from functools import partial

import anyio
from sqlalchemy import Integer, String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


"""
    + ORDER_MODEL
    + """

async def place(session: AsyncSession, number: int) -> None:
    session.add(Order(status=f"new {number}"))
    await session.flush()


async def place_one(factory: async_sessionmaker[AsyncSession], number: int) -> None:
    async with factory() as session:
        await place(session, number)
        await session.commit()


async def by_key(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        pending = {n: place(session, n) for n in range(count)}
        await asyncio.gather(*pending.values())  # ASA201


async def zipped(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        pending = dict(zip(range(count), [place(session, n) for n in range(count)]))
        await asyncio.gather(*pending.values())  # ASA201


async def mapped_lambda(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        await asyncio.gather(*map(lambda n: place(session, n), range(count)))  # ASA201


async def mapped_partial(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        await asyncio.gather(*map(functools.partial(place, session), range(count)))  # ASA201


async def named_partial(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        place_here = partial(place, session)
        await asyncio.gather(*[place_here(n) for n in range(count)])  # ASA201


async def mapped_closure(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:

        async def one(number: int) -> None:
            await place(session, number)

        await asyncio.gather(*map(one, range(count)))  # ASA201


async def extended(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        pending = []
        pending.extend(place(session, n) for n in range(count))
        await asyncio.gather(*pending)  # ASA201


async def added_up(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        pending = []
        for n in range(count):
            pending += [place(session, n)]
        await asyncio.gather(*pending)  # ASA201


async def started_lambdas(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        async with anyio.create_task_group() as group:
            for n in range(count):
                group.start_soon(lambda n=n: place(session, n))  # ASA201


async def mapped_own_sessions(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await asyncio.gather(*map(partial(place_one, factory), range(count)))
    pending = {n: place_one(factory, n) for n in range(count, 2 * count)}
    await asyncio.gather(*pending.values())


async def one_after_another(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        pending = {n: place(session, n) for n in range(count)}
        for step in pending.values():
            await step
        await session.commit()
"""
)

SHARING_SHAPES = (
    "by_key",
    "zipped",
    "mapped_lambda",
    "mapped_partial",
    "named_partial",
    "mapped_closure",
    "extended",
    "added_up",
    "started_lambdas",
)
#: Measured: every shape fails in 20 of 20 attempts (10 tasks each); fewer keep the suite quick.
SHAPE_ATTEMPTS = 5
#: The shapes whose other tasks run on when one fails (all but anyio's task group).
JOINED = frozenset(SHARING_SHAPES) - {"started_lambdas"} | {"mapped_own_sessions", "one_after_another"}


def test_shapes_that_hand_one_session_to_every_gathered_coroutine_are_reported(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/orders.py": SHAPES})
    reported = [finding.line for finding in findings_in(root, "app/orders.py", "ASA201")]
    assert reported == expected_lines(SHAPES, "ASA201")
    assert len(reported) == len(SHARING_SHAPES)


def test_shapes_that_hand_one_session_to_every_gathered_coroutine_race(tmp_path: Path) -> None:
    module = _load(SHAPES, "orders_shapes")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        outcomes = {
            name: _run_in_own_loop(
                _run(
                    tmp_path / f"{name}.sqlite",
                    module,
                    getattr(module, name),
                    join_leftovers=name in JOINED,
                    attempts=SHAPE_ATTEMPTS,
                )
            )
            for name in (*SHARING_SHAPES, "mapped_own_sessions", "one_after_another")
        }
        gc.collect()
    for name in SHARING_SHAPES:
        failures = [outcome for outcome in outcomes[name] if outcome is not None]
        assert failures, f"no attempt of {SHAPE_ATTEMPTS} of {name} failed with one session in every coroutine"
        # anyio's task group wraps what its tasks raise in an ExceptionGroup.
        raised = [error for failure in failures for error in _leaves(failure)]
        assert all(isinstance(error, RACE_ERRORS) for error in raised), (name, failures)
    assert outcomes["mapped_own_sessions"] == [None] * SHAPE_ATTEMPTS
    assert outcomes["one_after_another"] == [None] * SHAPE_ATTEMPTS


#: How long the tasks a scenario left behind get once it is over (see `_run_in_own_loop`).
LEFTOVER_SECONDS = 2.0


def _run_in_own_loop(scenario: Coroutine[Any, Any, list[BaseException | None]]) -> list[BaseException | None]:
    """`asyncio.run`, but the tasks the scenario leaves behind get a bounded time to end.

    A task group cancels its other tasks when one fails; a task cancelled mid-statement makes
    SQLAlchemy terminate its aiosqlite connection, a close that may never end. `asyncio.run`
    waits for every such task when it closes its loop, which hung the suite now and then."""
    loop = asyncio.new_event_loop()
    try:
        outcomes = loop.run_until_complete(scenario)
        leftovers = asyncio.all_tasks(loop)
        for task in leftovers:
            task.cancel()
        if leftovers:
            loop.run_until_complete(asyncio.wait(leftovers, timeout=LEFTOVER_SECONDS))
        return outcomes
    finally:
        loop.close()


def _leaves(error: BaseException) -> list[BaseException]:
    """The errors an exception group holds (`ExceptionGroup` is new in Python 3.11)."""
    inner = getattr(error, "exceptions", None)
    if isinstance(inner, tuple):
        return [leaf for item in inner for leaf in _leaves(item)]
    return [error]


def _only_adding_example() -> Example:
    (found,) = [e for e in RULES_BY_CODE["ASA201"].valid if "only add objects" in e.title]
    return found


async def _invite_all(database: Path, module: ModuleType) -> tuple[list[BaseException | None], int]:
    """Per attempt, `invite_all` of the example over one new session (`NullPool`: each task that
    runs a statement first has to provision the connection): what it raised; and how many
    invitations were written in all."""
    engine = create_async_engine(f"sqlite+aiosqlite:///{database}", poolclass=NullPool)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    outcomes: list[BaseException | None] = []
    try:
        async with engine.begin() as connection:
            await connection.run_sync(module.Base.metadata.create_all)
        for attempt in range(ATTEMPTS):
            session = factory()
            raised: BaseException | None = None
            try:
                await module.invite_all(session, [f"{attempt}.{n}@example.org" for n in range(TASKS)])
            except Exception as error:
                raised = error
            outcomes.append(raised)
            await asyncio.gather(*(asyncio.all_tasks() - {asyncio.current_task()}), return_exceptions=True)
            with contextlib.suppress(sa_exc.IllegalStateChangeError):  # closing meets a task mid-connect
                await session.close()
        async with factory() as session:
            written = len(list(await session.scalars(select(module.Invitation))))
    finally:
        await engine.dispose()
    return outcomes, written


def test_gathered_coroutines_that_only_add_to_the_session_raise_nothing(tmp_path: Path) -> None:
    example = _only_adding_example()
    assert findings_in(example_project(tmp_path / "project", example), example.path, "ASA201") == []
    module = _load(example.source, "invitations_added")
    outcomes, written = asyncio.run(_invite_all(tmp_path / "invitations.sqlite", module))
    assert outcomes == [None] * ATTEMPTS
    assert written == ATTEMPTS * TASKS


@pytest.mark.filterwarnings("ignore::sqlalchemy.exc.SAWarning")  # add() inside another task's flush
def test_the_same_coroutines_flushing_the_session_race_and_are_reported(tmp_path: Path) -> None:
    example = _only_adding_example()
    added = "    session.add(Invitation(email=email))\n"
    gathered = "    await asyncio.gather(*(invite(session, email) for email in emails))\n"
    assert added in example.source and gathered in example.source
    source = example.source.replace(added, added + "    await session.flush()\n").replace(
        gathered, gathered.rstrip("\n") + "  # ASA201\n"
    )
    flushing = Example(source, title=example.title)
    reported = findings_in(example_project(tmp_path / "project", flushing), flushing.path, "ASA201")
    assert [finding.line for finding in reported] == expected_lines(source, "ASA201")
    module = _load(source, "invitations_flushed")
    outcomes, _ = asyncio.run(_invite_all(tmp_path / "invitations.sqlite", module))
    failures = [outcome for outcome in outcomes if outcome is not None]
    assert failures, f"no attempt of {ATTEMPTS} failed with {TASKS} gathered flushes of one session"
    assert all(isinstance(failure, RACE_ERRORS) for failure in failures), failures


HANDING = (
    """\
import asyncio

from sqlalchemy import Integer, String
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


"""
    + ORDER_MODEL
    + """

async def place(session: AsyncSession, number: int) -> None:
    session.add(Order(status=f"new {number}"))
    await session.flush()


def describe(session: AsyncSession) -> str:
    return type(session).__name__


class OrderDesk:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def place(self, number: int) -> None:
        await place(self.session, number)

    async def label(self) -> str:
        return describe(self.session)

    async def place_many(self, count: int) -> None:
        await asyncio.gather(*(self.place(n) for n in range(count)))

    async def labels(self, count: int) -> list[str]:
        return await asyncio.gather(*(self.label() for _ in range(count)))


async def place_all_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        await OrderDesk(session).place_many(count)
        await session.commit()


async def label_all_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        await OrderDesk(session).labels(count)
"""
)


def test_methods_handing_the_kept_session_to_a_coroutine_race_when_gathered(tmp_path: Path) -> None:
    # `self.place(n)` hands `self.session` to a coroutine that flushes it; `self.label()` only to
    # a sync helper, which cannot interleave with anything.
    root = write_project(tmp_path / "project", {"app/orders.py": HANDING})
    (finding,) = findings_in(root, "app/orders.py", "ASA201")
    assert HANDING.splitlines()[finding.line - 1].strip().startswith("await asyncio.gather(*(self.place(n)")
    assert "`self.session`" in finding.message and "through `place()`" in finding.message
    module = _load(HANDING, "orders_handing")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", sa_exc.SAWarning)
        shared = asyncio.run(_run(tmp_path / "handing.sqlite", module, module.place_all_shared))
        labelled = asyncio.run(_run(tmp_path / "labels.sqlite", module, module.label_all_shared))
    failures = [outcome for outcome in shared if outcome is not None]
    assert failures, f"no attempt of {ATTEMPTS} failed with the kept session handed on by the gathered methods"
    assert all(isinstance(failure, RACE_ERRORS) for failure in failures), failures
    assert labelled == [None] * ATTEMPTS


#: ORM objects of one query whose method queries through the object's own session
#: (`async_object_session(self)`): gathering the method over the objects shares that session.
LOADED = """\
import asyncio

from sqlalchemy import ForeignKey, Integer, select
from sqlalchemy.ext.asyncio import AsyncSession, async_object_session, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Shelf(Base):
    __tablename__ = "shelves"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)

    async def book_count(self) -> int:
        return await self._count()

    async def _count(self) -> int:
        session = async_object_session(self)
        books = await session.scalars(select(Book).where(Book.shelf_id == self.id))
        return len(books.all())

    def label(self) -> str:
        return f"shelf {self.id}"


class Book(Base):
    __tablename__ = "books"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shelf_id: Mapped[int] = mapped_column(ForeignKey("shelves.id"))


async def stock(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        session.add_all([Shelf(id=n) for n in range(count)])
        session.add_all([Book(shelf_id=n) for n in range(count)])
        await session.commit()


async def count_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await stock(factory, count)
    async with factory() as session:
        shelves = (await session.execute(select(Shelf))).scalars().all()
        await session.commit()
        await asyncio.gather(*[shelf.book_count() for shelf in shelves])


async def gather_limited(coros, limit=5):
    semaphore = asyncio.Semaphore(limit)

    async def limited(coro):
        async with semaphore:
            return await coro

    pending = []
    for coro in coros:
        pending.append(limited(coro))
    return await asyncio.gather(*pending)


async def count_limited(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await stock(factory, count)
    async with factory() as session:
        shelves = (await session.scalars(select(Shelf))).all()
        await session.commit()
        await gather_limited([shelf.book_count() for shelf in shelves])


async def count_each(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await stock(factory, count)
    async with factory() as session:
        shelves = await session.scalars(select(Shelf))
        for shelf in shelves:
            await shelf.book_count()
        labels = await session.scalars(select(Shelf))
        await asyncio.gather(*(asyncio.sleep(0, shelf.label()) for shelf in labels))
"""


def test_methods_of_objects_one_query_loaded_share_its_session_when_gathered(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/shelves.py": LOADED})
    found = findings_in(root, "app/shelves.py", "ASA201")
    assert [LOADED.splitlines()[finding.line - 1].strip() for finding in found] == [
        "await asyncio.gather(*[shelf.book_count() for shelf in shelves])",
        "await gather_limited([shelf.book_count() for shelf in shelves])",
    ]
    assert all("through `book_count()` of the objects it loaded" in finding.message for finding in found)
    module = _load(LOADED, "shelves_loaded")
    for scenario in (module.count_shared, module.count_limited):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sa_exc.SAWarning)
            # After commit() the session holds no connection: each task races to open its one.
            shared = asyncio.run(_run(tmp_path / "shared.sqlite", module, scenario, poolclass=NullPool))
            failures = [_describe(outcome) for outcome in shared if outcome is not None]
            del shared
            gc.collect()
        assert failures, f"no attempt of {ATTEMPTS} of {scenario.__name__} failed with the objects' one session"
        _assert_raced_to_connect(failures)
    each = asyncio.run(_run(tmp_path / "each.sqlite", module, module.count_each, poolclass=NullPool))
    assert each == [None] * ATTEMPTS


#: ORM objects a project function returned from a query of the session it was handed (a
#: classmethod given it by keyword, a function given it by position, a method of a repository
#: that keeps it, here or on a service's `self`): each object's method queries through its own
#: session, so gathering the method over them shares the caller's one.
RETURNED = """\
import asyncio

from sqlalchemy import ForeignKey, Integer, select
from sqlalchemy.ext.asyncio import AsyncSession, async_object_session, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Crate(Base):
    __tablename__ = "crates"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)

    @classmethod
    async def list_all(cls, *, db: AsyncSession, limit: int = 50) -> list["Crate"]:
        result = await db.execute(select(cls).order_by(cls.id).limit(limit))
        return list(result.scalars())

    async def summary(self, include: list[str] | None = None) -> dict[str, int]:
        found = {"id": self.id}
        if include and "items" in include:
            found["items"] = await self._count()
        return found

    async def _count(self) -> int:
        session = async_object_session(self)
        items = await session.scalars(select(Item).where(Item.crate_id == self.id))
        return len(items.all())


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    crate_id: Mapped[int] = mapped_column(ForeignKey("crates.id"))


class CrateRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def first(self, limit: int) -> list[Crate]:
        return (await self.session.scalars(select(Crate).order_by(Crate.id).limit(limit))).all()

    async def every(self) -> list[Crate]:
        return (await self.session.scalars(select(Crate).order_by(Crate.id))).all()


class OwnCrateRepository:
    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.factory = factory

    async def every(self) -> list[Crate]:
        async with self.factory() as own:
            return (await own.scalars(select(Crate).order_by(Crate.id))).all()


class CrateService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.repo = CrateRepository(session)

    async def summaries_built(self, include: list[str]) -> list[dict[str, int]]:
        crates = await self.repo.every()
        await self.session.commit()
        return await asyncio.gather(*[crate.summary(include=include) for crate in crates])

    async def summaries_in_turn(self, include: list[str]) -> list[dict[str, int]]:
        crates = await self.repo.every()
        await self.session.commit()
        found = []
        for crate in crates:
            found.append(await crate.summary(include=include))
        return found


class HandedCrateService:
    def __init__(self, session: AsyncSession, repository: CrateRepository) -> None:
        self.session = session
        self.repository = repository

    async def summaries_handed(self, include: list[str]) -> list[dict[str, int]]:
        crates = await self.repository.every()
        await self.session.commit()
        return await asyncio.gather(*(crate.summary(include) for crate in crates))


class OwnCrateService:
    def __init__(self, factory: async_sessionmaker[AsyncSession]) -> None:
        self.repository = OwnCrateRepository(factory)

    async def summaries_own(self, include: list[str]) -> list[dict[str, int]]:
        crates = await self.repository.every()
        return await asyncio.gather(*[crate.summary(include=include) for crate in crates])


async def first_crates(session: AsyncSession, limit: int) -> list[Crate]:
    return (await session.scalars(select(Crate).order_by(Crate.id).limit(limit))).all()


async def own_crates(factory: async_sessionmaker[AsyncSession], session: AsyncSession) -> list[Crate]:
    async with factory() as own:
        return (await own.scalars(select(Crate))).all()


async def stock(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        session.add_all([Crate(id=n) for n in range(count)])
        session.add_all([Item(crate_id=n) for n in range(count)])
        await session.commit()


async def summarise(factory: async_sessionmaker[AsyncSession], count: int, include: list[str]) -> None:
    async with factory() as session:
        crates = await Crate.list_all(db=session, limit=count)
        await session.commit()
        await asyncio.gather(*[crate.summary(include=include) for crate in crates])


async def summarise_listed(factory: async_sessionmaker[AsyncSession], count: int, include: list[str]) -> None:
    async with factory() as session:
        crates = await first_crates(session, count)
        await session.commit()
        await asyncio.gather(*(crate.summary(include) for crate in crates))


async def summarise_inline(factory: async_sessionmaker[AsyncSession], count: int, include: list[str]) -> None:
    async with factory() as session:
        await asyncio.gather(*[crate.summary(include=include) for crate in await first_crates(session, count)])


async def summarise_rows(factory: async_sessionmaker[AsyncSession], count: int, include: list[str]) -> None:
    async with factory() as session:
        result = await session.execute(select(Crate).order_by(Crate.id).limit(count))
        await session.commit()
        await asyncio.gather(*[crate.summary(include=include) for crate in result.scalars()])


async def summarise_all(factory: async_sessionmaker[AsyncSession], count: int, include: list[str]) -> None:
    # (Linted only, as `summarise_inline`: the query in the comprehension leaves the session
    # holding its connection, on which aiosqlite runs one statement at a time; asyncpg raises.)
    async with factory() as session:
        await asyncio.gather(
            *[crate.summary(include=include) for crate in (await session.scalars(select(Crate).limit(count))).all()]
        )


async def summarise_kept(factory: async_sessionmaker[AsyncSession], count: int, include: list[str]) -> None:
    async with factory() as session:
        repository = CrateRepository(session)
        crates = await repository.first(count)
        await session.commit()
        await asyncio.gather(*[crate.summary(include=include) for crate in crates])


async def summarise_through(repository: CrateRepository, include: list[str]) -> None:
    crates = await repository.every()
    await repository.session.commit()
    await asyncio.gather(*[crate.summary(include=include) for crate in crates])


async def summarise_ids(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        crates = await Crate.list_all(db=session, limit=count)
        await asyncio.gather(*[crate.summary(include=[]) for crate in crates])


async def summarise_own(factory: async_sessionmaker[AsyncSession], count: int, include: list[str]) -> None:
    async with factory() as session:
        crates = await own_crates(factory, session)
        await asyncio.gather(*[crate.summary(include=include) for crate in crates])


async def summarise_in_turn(factory: async_sessionmaker[AsyncSession], count: int, include: list[str]) -> None:
    async with factory() as session:
        crates = await Crate.list_all(db=session, limit=count)
        await session.commit()
        for crate in crates:
            await crate.summary(include=include)


async def summarise_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await stock(factory, count)
    await summarise(factory, count, ["items"])


async def summarise_listed_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await stock(factory, count)
    await summarise_listed(factory, count, ["items"])


async def summarise_kept_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await stock(factory, count)
    await summarise_kept(factory, count, ["items"])


async def summarise_rows_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await stock(factory, count)
    await summarise_rows(factory, count, ["items"])


async def summarise_each(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await stock(factory, count)
    await summarise_in_turn(factory, count, ["items"])


async def summarise_service_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await stock(factory, count)
    async with factory() as session:
        await CrateService(session).summaries_built(["items"])


async def summarise_handed_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await stock(factory, count)
    async with factory() as session:
        await HandedCrateService(session, CrateRepository(session)).summaries_handed(["items"])


async def summarise_through_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await stock(factory, count)
    async with factory() as session:
        await summarise_through(CrateRepository(session), ["items"])


async def summarise_service_each(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await stock(factory, count)
    async with factory() as session:
        await CrateService(session).summaries_in_turn(["items"])
"""


@pytest.mark.long
def test_methods_of_objects_a_project_call_returned_share_the_session_it_was_handed(tmp_path: Path) -> None:
    # The objects come from a query of the session the call is handed (by keyword to a classmethod,
    # by position to a function, iterated straight from the call, or kept by the repository whose
    # method is called: built here, handed in, or kept on `self` built over a session); not
    # from a callee's own session, and `include=[]` settles the method's query away.
    root = write_project(tmp_path / "project", {"app/crates.py": RETURNED})
    found = findings_in(root, "app/crates.py", "ASA201")
    lines = RETURNED.splitlines()
    assert all(
        lines[finding.line - 1].strip().removeprefix("return ").startswith("await asyncio.gather(") for finding in found
    )
    assert [_enclosing_function(lines, finding.line) for finding in found] == [
        "summaries_built",
        "summaries_handed",
        "summarise",
        "summarise_listed",
        "summarise_inline",
        "summarise_rows",
        "summarise_all",
        "summarise_kept",
        "summarise_through",
    ]
    assert all("through `summary()` of the objects it loaded" in finding.message for finding in found)
    module = _load(RETURNED, "crates_returned")
    shared_scenarios = (
        module.summarise_shared,
        module.summarise_listed_shared,
        module.summarise_kept_shared,
        module.summarise_rows_shared,
        module.summarise_service_shared,
        module.summarise_handed_shared,
        module.summarise_through_shared,
    )
    for scenario in shared_scenarios:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sa_exc.SAWarning)
            # After commit() the session holds no connection: each task races to open its one.
            shared = asyncio.run(_run(tmp_path / "shared.sqlite", module, scenario, poolclass=NullPool))
            failures = [_describe(outcome) for outcome in shared if outcome is not None]
            del shared
            gc.collect()
        assert failures, f"no attempt of {ATTEMPTS} of {scenario.__name__} failed with the objects' one session"
        _assert_raced_to_connect(failures)
    for in_turn in (module.summarise_each, module.summarise_service_each):
        each = asyncio.run(_run(tmp_path / "each.sqlite", module, in_turn, poolclass=NullPool))
        assert each == [None] * ATTEMPTS, in_turn.__name__


def _enclosing_function(lines: list[str], line: int) -> str:
    """The name of the function (or method) of a program that holds `line` (1-based)."""
    for text in reversed(lines[:line]):
        if text.lstrip().startswith(("async def ", "def ")):
            return text.split("def ", 1)[1].split("(", 1)[0]
    return ""
