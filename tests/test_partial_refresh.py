"""ASA302 after a partial `refresh(obj, [...])` of an expired object: the names it loads read
fresh, every other column stays expired (the primary key too, unless a relationship was named),
and a later commit or rollback expires them all again. An attribute the code set after the
expiry holds its new value. Each case runs against SQLAlchemy with aiosqlite (two rows per
table): the reported line raises MissingGreenlet, a silent case runs clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Job(Base):
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(primary_key=True)
    status: Mapped[str]
    name: Mapped[str]
    tasks: Mapped[list["Task"]] = relationship(back_populates="job")


class Task(Base):
    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id"))
    title: Mapped[str]
    job: Mapped[Job] = relationship(back_populates="tasks")
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
"""

HEADER = """\
from app.db import SessionLocal
from app.models import Job, Task


"""

#: Each case: the entry (the harness calls it with 1 for an int, False for a bool), and whether
#: the line marked `# read` raises (and is the one reported) or runs clean (nothing reported).
CASES = {
    "refreshed_column": (
        """\
async def run(job_id: int) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        await session.commit()
        await session.refresh(job, ["status"])
        return job.status  # read
""",
        False,
    ),
    "refreshed_by_keyword": (
        """\
async def run(job_id: int) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        await session.rollback()
        await session.refresh(job, attribute_names=("status", "name"))
        return job.status + job.name  # read
""",
        False,
    ),
    "other_column": (
        """\
async def run(job_id: int) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        await session.commit()
        await session.refresh(job, ["status"])
        print(job.status)
        return job.name  # read
""",
        True,
    ),
    "key_after_a_collection": (
        """\
async def run(job_id: int) -> int:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        await session.rollback()
        await session.refresh(job, ["tasks"])
        return job.id + len(job.tasks)  # read
""",
        False,
    ),
    "column_after_a_collection": (
        """\
async def run(job_id: int) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        await session.rollback()
        await session.refresh(job, ["tasks"])
        print(job.id)
        return job.name  # read
""",
        True,
    ),
    "key_after_columns": (
        """\
async def run(job_id: int) -> int:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        await session.commit()
        await session.refresh(job, ["status"])
        return job.id  # read
""",
        True,
    ),
    "row_after_a_many_to_one": (
        """\
async def run(task_id: int) -> str:
    async with SessionLocal() as session:
        task = await session.get(Task, task_id)
        await session.commit()
        await session.refresh(task, ["job"])
        return task.title  # read
""",
        False,
    ),
    "committed_again": (
        """\
async def run(job_id: int) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        await session.commit()
        await session.refresh(job, ["status"])
        await session.commit()
        return job.status  # read
""",
        True,
    ),
    "refreshed_on_one_branch": (
        """\
async def run(job_id: int, fresh: bool) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        await session.commit()
        if fresh:
            await session.refresh(job, ["status"])
        return job.status  # read
""",
        True,
    ),
    "refreshed_on_both_branches": (
        """\
async def run(job_id: int, fresh: bool) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        await session.commit()
        if fresh:
            await session.refresh(job, ["status"])
        else:
            await session.refresh(job, ["status", "name"])
        return job.status  # read
""",
        False,
    ),
    "set_after_the_commit": (
        """\
async def run(job_id: int) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        await session.commit()
        job.status = "done"
        return job.status  # read
""",
        False,
    ),
    "set_before_the_commit": (
        """\
async def run(job_id: int) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        job.status = "done"
        await session.commit()
        return job.status  # read
""",
        True,
    ),
}


def _project(tmp_path: Path, body: str) -> tuple[Path, int]:
    source = HEADER + body
    files = {"app/__init__.py": "", "app/models.py": MODELS, "app/db.py": DATABASE, "app/work.py": source}
    line = next(number for number, text in enumerate(source.splitlines(), 1) if text.endswith("# read"))
    return write_project(tmp_path / "p", files), line


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_read_after_a_partial_refresh_is_reported_where_it_raises(case: str, tmp_path: Path) -> None:
    body, raises = CASES[case]
    root, line = _project(tmp_path, body)
    assert [finding.line for finding in findings_in(root, "app/work.py", "ASA302")] == ([line] if raises else [])


@pytest.mark.parametrize("case", sorted(CASES))
def test_a_read_after_a_partial_refresh_raises_as_reported(case: str, tmp_path: Path) -> None:
    body, raises = CASES[case]
    root, line = _project(tmp_path, body)
    outcome = run_example(root, "app/work.py")
    if raises:
        assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", line), outcome
    else:
        assert outcome["error"] is None, outcome


def test_a_callee_handed_the_object_reads_the_first_column_not_refreshed(tmp_path: Path) -> None:
    body = """\
def label(job: Job) -> str:
    return job.status + job.name


async def run(job_id: int) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        await session.commit()
        await session.refresh(job, ["status"])
        return label(job)  # read
"""
    root, line = _project(tmp_path, body)
    findings = findings_in(root, "app/work.py", "ASA302")
    assert [finding.line for finding in findings] == [line]
    assert "Job.name" in findings[0].message
    outcome = run_example(root, "app/work.py")
    assert outcome["error"] == "MissingGreenlet", outcome


def test_a_read_past_a_swallowed_error_is_reported_after_an_attribute_was_set(tmp_path: Path) -> None:
    """Setting one attribute after the expiry loads none of the others: the first read of another
    raises there and ends its path, so the read past the `except` that swallowed it is reported too."""
    body = """\
async def run(job_id: int) -> str:
    async with SessionLocal() as session:
        job = await session.get(Job, job_id)
        await session.commit()
        job.status = "done"
        try:
            print(job.name)  # first
        except Exception:
            pass
        return job.name  # read
"""
    root, line = _project(tmp_path, body)
    first = next(number for number, text in enumerate((HEADER + body).splitlines(), 1) if text.endswith("# first"))
    assert [finding.line for finding in findings_in(root, "app/work.py", "ASA302")] == [first, line]
    outcome = run_example(root, "app/work.py")
    # (The first read's load autoflushed the change and failed there: the session now wants a
    # rollback, so the second read raises PendingRollbackError, caused by MissingGreenlet.)
    assert (outcome["error"], outcome["line"]) == ("PendingRollbackError", line), outcome
    # (SQLAlchemy 2.0 names the cause by its text, 2.1 by its class.)
    message = str(outcome["message"])
    assert "MissingGreenlet" in message or "greenlet_spawn has not been called" in message, outcome
