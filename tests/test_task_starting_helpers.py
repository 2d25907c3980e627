"""ASA201 through a project's own task-starting helper, run against real SQLAlchemy.

`spawn(place(session, 1))` over a helper that makes a task of the coroutine it is handed
(`asyncio.create_task(coro)`), and `Timer().start(0, place, session, 1)` over a helper whose
task runs a nested coroutine calling `callback(*args)`, start tasks beside the caller: two of
them on one session interleave its flushes. A helper that awaits the coroutine itself, or makes a
task of another of its arguments, starts nothing with the session; one session per task shares
nothing. A list of plain values built from loaded objects (`labels.extend(...)`) is no use of
their session while a task runs, nor is a session the name was bound to since the task started.
"""

from __future__ import annotations

import asyncio
import gc
import warnings
from pathlib import Path

from conftest import findings_in, write_project
from sqlalchemy import exc as sa_exc
from test_concurrency_runtime import ATTEMPTS, ORDER_MODEL, _describe, _load, _run

PROGRAM = (
    """\
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import Integer, String, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


"""
    + ORDER_MODEL
    + """
    @classmethod
    async def list_all(cls, session: AsyncSession) -> list["Order"]:
        return list((await session.scalars(select(cls))).all())

    def label(self) -> str:
        return f"order {self.id}: {self.status}"


_running: set[asyncio.Task[Any]] = set()


def spawn(coro: Awaitable[Any]) -> asyncio.Task[Any]:
    task = asyncio.ensure_future(coro)
    _running.add(task)
    task.add_done_callback(_running.discard)
    return task


class Timer:
    def __init__(self) -> None:
        self.task: asyncio.Task[None] | None = None

    def start(self, delay: float, callback: Callable[..., Awaitable[Any]], *args: Any) -> asyncio.Task[None]:
        async def run() -> None:
            await asyncio.sleep(delay)
            await callback(*args)

        self.task = asyncio.create_task(run())
        return self.task


async def run_now(coro: Awaitable[Any]) -> Any:
    return await coro


async def announce(note: str) -> None:
    await asyncio.sleep(0)


async def schedule(coro: Awaitable[Any], note: str) -> Any:
    spawn(announce(note))
    return await coro


async def place(session: AsyncSession, number: int) -> None:
    session.add(Order(status=f"new {number}"))
    await session.flush()


async def place_one(factory: async_sessionmaker[AsyncSession], number: int) -> None:
    async with factory() as session:
        await place(session, number)
        await session.commit()


async def place_spawned_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        first = spawn(place(session, 1))
        second = spawn(place(session, 2))
        await asyncio.gather(first, second)
        await session.commit()


async def place_timed_shared(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        first = Timer().start(0, place, session, 1)
        second = Timer().start(0, place, session, 2)
        await asyncio.gather(first, second)
        await session.commit()


async def place_spawned_beside(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        task = spawn(place(session, 1))
        await place(session, 2)
        await task
        await session.commit()


async def place_in_turn(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        await run_now(place(session, 1))
        await run_now(place(session, 2))
        await session.commit()


async def place_scheduled(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    async with factory() as session:
        await schedule(place(session, 1), "first")
        await schedule(place(session, 2), "second")
        await session.commit()


async def place_spawned_each(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    first = spawn(place_one(factory, 1))
    second = spawn(place_one(factory, 2))
    await asyncio.gather(first, second)


async def place_beside_a_new_session(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    session = factory()
    task = asyncio.create_task(place(session, 1))
    first = session
    session = factory()
    await session.scalars(select(Order))
    await task
    await first.commit()
    await first.close()
    await session.close()


async def announce_all(labels: list[str]) -> None:
    await asyncio.sleep(0)


async def labels_then_more(factory: async_sessionmaker[AsyncSession], count: int) -> None:
    await place_one(factory, 1)
    async with factory() as session:
        orders = await Order.list_all(session)
        labels = [order.label() for order in orders]
    chosen = [label for label in labels if label]
    task = asyncio.create_task(announce_all(chosen))
    labels.extend(["done"])
    await task
"""
)

#: The scenarios ASA201 reports (where the first task starts), and those it leaves alone.
SHARED = ("place_spawned_shared", "place_timed_shared", "place_spawned_beside")
APART = ("place_in_turn", "place_scheduled", "place_spawned_each", "place_beside_a_new_session", "labels_then_more")


def _reported_functions(root: Path) -> list[str]:
    lines = PROGRAM.splitlines()
    found = findings_in(root, "app/orders.py", "ASA201")
    names = []
    for finding in found:
        header = next(text for text in reversed(lines[: finding.line]) if text.startswith("async def "))
        names.append(header.removeprefix("async def ").split("(", 1)[0])
    return names


def test_tasks_a_project_helper_starts_with_one_session_are_reported(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/orders.py": PROGRAM})
    assert _reported_functions(root) == list(SHARED)
    messages = [finding.message for finding in findings_in(root, "app/orders.py", "ASA201")]
    assert "the task of spawn() runs with it beside the task started at line" in messages[0]
    assert "the task of Timer().start() runs with it beside the task started at line" in messages[1]
    assert "the task of spawn() runs with it while this function goes on using it" in messages[2]


def test_the_reported_helpers_race_on_the_session_and_the_others_run_clean(tmp_path: Path) -> None:
    module = _load(PROGRAM, "task_starting_helpers")
    for name in SHARED:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", sa_exc.SAWarning)
            outcomes = asyncio.run(_run(tmp_path / f"{name}.sqlite", module, getattr(module, name)))
            failures = [_describe(outcome) for outcome in outcomes if outcome is not None]
            del outcomes
            gc.collect()
        assert failures, f"no attempt of {ATTEMPTS} of {name} failed with one session in two tasks"
    for name in APART:
        outcomes = asyncio.run(_run(tmp_path / f"{name}.sqlite", module, getattr(module, name)))
        assert outcomes == [None] * ATTEMPTS, name
