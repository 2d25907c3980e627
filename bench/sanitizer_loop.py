"""The sanitizer's cost per unit of work, without pytest: a loop of SQLAlchemy work on aiosqlite.

Usage: python bench/sanitizer_loop.py [--rounds N] [--units N]
Each unit opens a session, loads 20 orders with their items (selectinload), gets one by key and
commits. The rounds alternate: hooks out, hooks in with coroutine origin tracking at depth 0, 1,
3 (the sanitizer's setting) and 8; the figure is the median CPU time per unit. A worst case:
real tests also spend time in fixtures, pytest and the code under test.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time
from pathlib import Path

from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload

from alchemy_lint.sanitizer.frames import ProjectCode
from alchemy_lint.sanitizer.instrument import ORIGIN_DEPTH, Instrumentation
from alchemy_lint.sanitizer.log import FindingLog


class Base(DeclarativeBase):
    pass


class Order(Base):
    __tablename__ = "orders"
    id: Mapped[int] = mapped_column(primary_key=True)
    items: Mapped[list[Item]] = relationship()


class Item(Base):
    __tablename__ = "items"
    id: Mapped[int] = mapped_column(primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("orders.id"))


async def units_of_work(count: int) -> float:
    """CPU seconds (every thread: aiosqlite runs SQLite in one of its own) per unit of work."""
    engine = create_async_engine("sqlite+aiosqlite://")
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    factory = async_sessionmaker(engine, expire_on_commit=False)
    async with factory() as session:
        session.add_all([Order(items=[Item(), Item()]) for _ in range(20)])
        await session.commit()
    start = time.process_time()
    for _ in range(count):
        async with factory() as session:
            (await session.scalars(select(Order).options(selectinload(Order.items)))).all()
            await session.get(Order, 1)
            await session.commit()
    elapsed = time.process_time() - start
    await engine.dispose()
    return elapsed / count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--units", type=int, default=200)
    args = parser.parse_args()
    modes: dict[str, int | None] = {"hooks out": None, "depth 0": 0, "depth 1": 1, "depth 3": 3, "depth 8": 8}
    timings: dict[str, list[float]] = {mode: [] for mode in modes}
    log = FindingLog()
    log.test = "loop"  # as inside a test: sessions are followed too
    for _ in range(args.rounds):
        for mode, depth in modes.items():
            instrumentation = None
            if depth is not None:
                instrumentation = Instrumentation(ProjectCode(Path.cwd()), log)
                instrumentation.install()
                sys.set_coroutine_origin_tracking_depth(depth)
            try:
                timings[mode].append(asyncio.run(units_of_work(args.units)))
            finally:
                if instrumentation is not None:
                    instrumentation.uninstall()
    base = statistics.median(timings["hooks out"])
    print(f"median of {args.rounds} rounds of {args.units} units; the sanitizer uses depth {ORIGIN_DEPTH}")
    print("| hooks | ms of CPU per unit | ratio |")
    print("|---|---:|---:|")
    for mode, values in timings.items():
        median = statistics.median(values)
        print(f"| {mode} | {median * 1000:.2f} | {median / base:.2f}x |")


if __name__ == "__main__":
    main()
