"""ASA201 through a task-starting helper of another top-level package: in a flat layout
(`services/`, `handlers/` side by side, no common package) the handler's facts cannot tell the
helper's class from a library's, so the index decides. A local instance started twice with one
session is reported as `Timer().start(...)` is; a library's class of the same shape, which the
index does not know, and a single start stay silent."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project

TIMER = """\
import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


class SafeTimer:
    def __init__(self, name: str) -> None:
        self.name = name
        self.task: asyncio.Task[None] | None = None

    async def start(self, delay: float, callback: Callable[..., Awaitable[Any]], *args: Any) -> None:
        async def run() -> None:
            await asyncio.sleep(delay)
            await callback(*args)

        self.task = asyncio.create_task(run())
"""

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
Session = async_sessionmaker(engine, expire_on_commit=False)
"""

HANDLER = """\
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncSession

from db import Session
from {module} import SafeTimer


async def touch(session: AsyncSession) -> None:
    await session.execute(text("select 1"))


async def handler() -> None:
    async with Session() as session:
        first = SafeTimer("a")
        second = SafeTimer("b")
        await first.start(0.1, touch, session)
{second}
"""


def _findings(tmp_path: Path, module: str, second: str) -> list[int]:
    root = write_project(
        tmp_path / "p",
        {
            "db.py": DB,
            "services/__init__.py": "",
            "services/timer_manager.py": TIMER,
            "handlers/__init__.py": "",
            "handlers/interaction.py": HANDLER.format(module=module, second=second),
        },
    )
    return [finding.line for finding in findings_in(root, "handlers/interaction.py", "ASA201")]


def test_a_helper_of_another_top_level_package_starts_tasks(tmp_path: Path) -> None:
    assert _findings(tmp_path, "services.timer_manager", "        await second.start(0.1, touch, session)") == [16]


@pytest.mark.parametrize(
    ("module", "second"),
    [
        pytest.param("timers_library", "        await second.start(0.1, touch, session)", id="a-library-class"),
        pytest.param("services.timer_manager", "", id="one-start"),
    ],
)
def test_what_the_index_does_not_know_or_one_task_stays_silent(tmp_path: Path, module: str, second: str) -> None:
    assert _findings(tmp_path, module, second) == []
