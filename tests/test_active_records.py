"""The active-record pattern: a mixin of the models whose methods are handed the session
(`await worker.save(session)` commits it) and whose classmethods run `select(cls)`
(`await Worker.all_by_field(session, ...)` loads workers). Linted, then run against real
SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

#: The engine and a factory that keeps the default `expire_on_commit=True`.
DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
"""

#: The mixin: `save()` commits unless told not to; `delete()` always commits; the classmethods
#: select the class they are called on.
RECORDS = """\
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase


class ActiveRecord:
    async def save(self, session: AsyncSession, auto_commit: bool = True) -> "ActiveRecord":
        session.add(self)
        if auto_commit:
            await session.commit()
        else:
            await session.flush()
        return self

    async def update(self, session: AsyncSession, values: dict[str, Any], auto_commit: bool = True) -> "ActiveRecord":
        for key, value in values.items():
            setattr(self, key, value)
        return await self.save(session, auto_commit=auto_commit)

    async def delete(self, session: AsyncSession) -> None:
        await session.delete(self)
        await session.commit()

    @classmethod
    async def all_by_field(cls, session: AsyncSession, field: str, value: Any) -> list[Any]:
        result = await session.execute(select(cls).where(getattr(cls, field) != value))
        return list(result.scalars().all())

    @classmethod
    async def first_by_field(cls, session: AsyncSession, field: str, value: Any) -> Any:
        result = await session.execute(select(cls).where(getattr(cls, field) == value))
        return result.scalars().first()


class Base(ActiveRecord, DeclarativeBase):
    pass
"""

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.records import Base


class Worker(Base):
    __tablename__ = "workers"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    state: Mapped[str]
    tasks: Mapped[list["Task"]] = relationship(back_populates="worker")


class Task(Base):
    __tablename__ = "tasks"
    id: Mapped[int] = mapped_column(primary_key=True)
    worker_id: Mapped[int] = mapped_column(ForeignKey("workers.id"))
    title: Mapped[str]
    worker: Mapped[Worker] = relationship(back_populates="tasks")
"""


def _loop(
    commit: str, source: str = "(await session.execute(select(Worker).order_by(Worker.id))).scalars().all()"
) -> str:
    """A handler that reads each worker's name, then runs `commit` in the same iteration."""
    return f"""\
from sqlalchemy import select

from app.db import SessionLocal
from app.db_models import Worker


async def mark_all() -> list[str]:
    async with SessionLocal() as session:
        workers = {source}
        names = []
        for worker in workers:
            names.append(worker.name)  # ASA302
            worker.state = "ready"
            {commit}
        return names
"""


def _project(tmp_path: Path, handler: str, database: str = DB) -> Path:
    files = {"app/db.py": database, "app/records.py": RECORDS, "app/db_models.py": MODELS, "app/handlers.py": handler}
    return write_project(tmp_path, files)


def _reported_and_raised(root: Path, handler: str, code: str = "ASA302") -> None:
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", code)]
    assert lines == expected_lines(handler, code)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0]), outcome


def _silent_and_clean(root: Path, code: str = "ASA302") -> None:
    assert findings_in(root, "app/handlers.py", code) == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


@pytest.mark.parametrize(
    "commit",
    [
        "await worker.save(session)",
        'await worker.update(session, {"state": "done"})',
        "await Worker.save(worker, session)",
        "await worker.save(session, True)",
    ],
    ids=["save", "update-through-save", "called-on-the-class", "auto-commit-passed-true"],
)
def test_a_model_method_that_commits_the_session_it_is_handed_expires_the_loop(tmp_path: Path, commit: str) -> None:
    handler = _loop(commit)
    _reported_and_raised(_project(tmp_path / "project", handler), handler)


@pytest.mark.parametrize(
    "commit",
    [
        "await worker.save(session, auto_commit=False)",
        "await worker.save(session, False)",
        'await worker.update(session, {"state": "done"}, auto_commit=False)',
        "await Worker.save(worker, session, False)",
    ],
    ids=["keyword", "position", "through-update", "called-on-the-class"],
)
def test_a_save_told_not_to_commit_expires_nothing(tmp_path: Path, commit: str) -> None:
    handler = _loop(commit).replace("  # ASA302", "")
    _silent_and_clean(_project(tmp_path / "project", handler))


def test_a_session_that_keeps_its_objects_on_commit_is_not_reported(tmp_path: Path) -> None:
    handler = _loop("await worker.save(session)").replace("  # ASA302", "")
    keeping = DB.replace("async_sessionmaker(engine)", "async_sessionmaker(engine, expire_on_commit=False)")
    _silent_and_clean(_project(tmp_path / "project", handler, keeping))


def test_a_helper_handed_the_object_and_the_session_commits_through_the_method(tmp_path: Path) -> None:
    handler = _loop("await _finish(session, worker)") + (
        """

async def _finish(session: AsyncSession, worker: Worker) -> None:
    await worker.update(session, {"state": "done"})
"""
    )
    handler = handler.replace(
        "from app.db import", "from sqlalchemy.ext.asyncio import AsyncSession\n\nfrom app.db import"
    )
    _reported_and_raised(_project(tmp_path / "project", handler), handler)


#: Workers a classmethod of the mixin selects: the model is the class the call names.
BY_FIELD = 'await Worker.all_by_field(session, "state", "gone")'


@pytest.mark.parametrize(
    "commit", ["await session.commit()", "await worker.save(session)"], ids=["commit", "model-method"]
)
def test_objects_a_classmethod_selects_are_of_the_class_the_call_names(tmp_path: Path, commit: str) -> None:
    handler = _loop(commit, BY_FIELD)
    _reported_and_raised(_project(tmp_path / "project", handler), handler)


def test_objects_a_classmethod_selects_are_kept_by_a_save_that_does_not_commit(tmp_path: Path) -> None:
    handler = _loop("await worker.save(session, auto_commit=False)", BY_FIELD).replace("  # ASA302", "")
    _silent_and_clean(_project(tmp_path / "project", handler))


def test_a_classmethod_query_loads_no_relationship(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import Worker


async def count_tasks() -> int:
    async with SessionLocal() as session:
        worker = await Worker.first_by_field(session, "name", "workers-1")
        assert worker is not None
        return len(worker.tasks)  # ASA301
"""
    _reported_and_raised(_project(tmp_path / "project", handler), handler, "ASA301")


def test_an_object_loaded_again_after_the_commit_is_not_expired(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import Worker


async def mark_each() -> list[str]:
    async with SessionLocal() as session:
        names = []
        for key in (1, 2):
            worker = await Worker.first_by_field(session, "id", key)
            assert worker is not None
            names.append(worker.name)
            await worker.save(session)
        return names
"""
    _silent_and_clean(_project(tmp_path / "project", handler))


def test_a_service_built_in_place_over_a_library_session_commits_through_the_model(tmp_path: Path) -> None:
    """`async with AsyncSession(engine) as session` (no factory), objects a classmethod selects
    by a value read off a settings object, and `Service(session).retire(worker)` whose method
    hands its session to the model's `update()`."""
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.config import settings
from app.db import engine
from app.db_models import Worker


class WorkerService:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def retire(self, worker: Worker) -> None:
        await worker.update(self.session, {"state": settings.gone})


async def retire_all() -> list[str]:
    async with AsyncSession(engine) as session:
        workers = await Worker.all_by_field(session, "state", settings.gone)
        names = []
        for worker in workers:
            names.append(worker.name)  # ASA302
            await WorkerService(session).retire(worker)
        return names
"""
    config = """\
class Settings:
    gone = "gone"


settings = Settings()
"""
    root = _project(tmp_path / "project", handler, DB.replace("SessionLocal = async_sessionmaker(engine)\n", ""))
    (root / "app" / "config.py").write_text(config, encoding="utf-8")
    _reported_and_raised(root, handler)


#: The mixin's `save()` commits only when a setting says so, and only when told to commit.
DATA_GUARDED_RECORDS = RECORDS.replace(
    "        if auto_commit:\n            await session.commit()\n",
    "        if auto_commit:\n            if await _autosave():\n                await session.commit()\n",
) + (
    """

async def _autosave() -> bool:
    return True
"""
)


@pytest.mark.parametrize(
    ("commit", "reported"),
    [
        ("await Worker.save(worker, session)", True),
        # Called on the class, the flag is the third argument: it lands on `auto_commit`.
        ("await Worker.save(worker, session, False)", False),
    ],
    ids=["left-at-its-default", "passed-false"],
)
def test_a_commit_under_a_setting_through_a_method_called_on_the_class(
    tmp_path: Path, commit: str, reported: bool
) -> None:
    handler = _loop(commit) if reported else _loop(commit).replace("  # ASA302", "")
    root = _project(tmp_path / "project", handler)
    (root / "app/records.py").write_text(DATA_GUARDED_RECORDS, encoding="utf-8")
    if reported:
        _reported_and_raised(root, handler)
    else:
        _silent_and_clean(root)


#: The same mixin typed as before `typing.Self`: `self: R` and `cls: type[R]`, R a TypeVar bound
#: to the mixin. The receiver is still the method's own class.
TYPEVAR_RECORDS = RECORDS.replace("from typing import Any\n", "from typing import Any, TypeVar\n").replace(
    "class ActiveRecord:\n", 'R = TypeVar("R", bound="ActiveRecord")\n\n\nclass ActiveRecord:\n'
)
TYPEVAR_RECORDS = (
    TYPEVAR_RECORDS.replace("async def save(self, session", "async def save(self: R, session")
    .replace("async def update(self, session", "async def update(self: R, session")
    .replace("async def all_by_field(cls, session", "async def all_by_field(cls: type[R], session")
)


@pytest.mark.parametrize(
    ("commit", "source"),
    [
        ('await worker.update(session, {"state": "done"})', None),
        ("await session.commit()", BY_FIELD),
    ],
    ids=["update-through-save", "classmethod-select"],
)
def test_a_receiver_annotated_with_a_typevar_is_the_methods_own_class(
    tmp_path: Path, commit: str, source: str | None
) -> None:
    handler = _loop(commit) if source is None else _loop(commit, source)
    root = _project(tmp_path / "project", handler)
    (root / "app/records.py").write_text(TYPEVAR_RECORDS, encoding="utf-8")
    _reported_and_raised(root, handler)
