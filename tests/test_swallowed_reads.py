"""ASA302 after an `except` that swallowed the first read's error: the object is as expired as
it was, so a later read on that path raises again, and is reported too. A read that only the
first read's own path reaches (no handler between) is not: it never runs once the first raises."""

from __future__ import annotations

from pathlib import Path

from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column


class Base(DeclarativeBase):
    pass


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str]
    name: Mapped[str]
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
"""

WORK = """\
import logging

from app.db import SessionLocal
from app.models import Job

log = logging.getLogger(__name__)


async def finish(job_id: int) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        job.status = "done"
        await session.commit()
        try:
            log.info("finished %s", job.name)  # first read
        except Exception:
            log.exception("could not log")
        return job.status  # swallowed before


async def finish_plainly(job_id: int) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        job.status = "done"
        await session.commit()
        log.info("finished %s", job.name)  # first read
        return job.status  # never runs once the first raises


async def finish_set_first(job_id: int) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        job.status = "done"
        await session.commit()
        log.info("status %s", job.status)  # first read, of what the code set
        return job.name  # never runs either


async def report() -> list[str]:
    failed = []
    async with SessionLocal() as session:
        jobs = list(await session.scalars(select(Job).order_by(Job.id)))
        for job in jobs:
            try:
                log.info("job %s", job.name)  # first read, next iteration
                await session.commit()
            except Exception:
                failed.append(f"job {job.id}")  # in the handler
                await session.rollback()
    return failed
"""


def _project(tmp_path: Path) -> Path:
    files = {
        "app/__init__.py": "",
        "app/models.py": MODELS,
        "app/db.py": DATABASE,
        "app/work.py": "from sqlalchemy import select\n" + WORK,
    }
    return write_project(tmp_path / "p", files)


def _line(marker: str) -> int:
    source = "from sqlalchemy import select\n" + WORK
    return next(number for number, line in enumerate(source.splitlines(), 1) if marker in line)


def test_a_read_past_an_except_that_swallowed_the_first_is_reported(tmp_path: Path) -> None:
    lines = {finding.line for finding in findings_in(_project(tmp_path), "app/work.py", "ASA302")}
    assert _line("# swallowed before") in lines
    assert _line("# in the handler") in lines
    assert _line("# never runs once the first raises") not in lines
    # (The walk leaves the path on past a read of an attribute the code set, so the rule does.)
    assert _line("# first read, of what the code set") in lines
    assert _line("# never runs either") not in lines
    assert sum(1 for line in lines if _line("async def finish(") < line < _line("async def finish_plainly(")) == 2


def test_the_reads_past_the_swallowed_error_raise_at_run_time(tmp_path: Path) -> None:
    """Each entry runs against SQLAlchemy with aiosqlite (`runtime_harness.py`, two rows per
    table): it raises MissingGreenlet on the line reported after the swallowed one."""
    source = "from sqlalchemy import select\n" + WORK
    finish = source[: source.index("async def finish_plainly(")]
    report = source[: source.index("async def finish(")] + source[source.index("async def report(") :]
    for name, module, marker in (("finish", finish, "# swallowed before"), ("report", report, "# in the handler")):
        files = {"app/__init__.py": "", "app/models.py": MODELS, "app/db.py": DATABASE, "app/work.py": module}
        root = write_project(tmp_path / name, files)
        outcome = run_example(root, "app/work.py")
        line = next(number for number, text in enumerate(module.splitlines(), 1) if marker in text)
        assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", line), outcome
