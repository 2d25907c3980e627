"""ASA301 on a relationship from a model to itself whose own declaration names `remote_side=`.

`children = relationship("Compartment", remote_side=[id])` with no annotation is, whatever its
name, a many-to-one to the parent (`remote_side=` names the primary key); `remote_side=[parent_id]`
makes a one-to-many. Read off queried objects, the many-to-one to a parent the same query loaded
comes from the identity map without SQL; the collection is a lazy load. Before, the declared side
of such a relationship stayed of unknown shape (only a backref's direction was derived from
`remote_side=`), and the many-to-one was reported. Each handler is linted, then run against real
SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import Column, ForeignKey, Integer, String
from sqlalchemy.orm import DeclarativeBase, relationship


class Base(DeclarativeBase):
    pass


class Compartment(Base):
    __tablename__ = "compartments"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    parent_id = Column(Integer, ForeignKey("compartments.id"), nullable=True)
    children = relationship("Compartment", remote_side=[id])


class Folder(Base):
    __tablename__ = "folders"
    id = Column(Integer, primary_key=True)
    name = Column(String)
    parent_id = Column(Integer, ForeignKey("folders.id"), nullable=True)
    below = relationship("Folder", remote_side=[parent_id])
"""

DATABASE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

HEADER = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Compartment, Folder


"""

MANY_TO_ONE = """\
async def handle(session: AsyncSession) -> list[str]:
    rows = (await session.scalars(select(Compartment))).all()
    return [row.children.name for row in rows if row.children is not None]
"""

ONE_TO_MANY = """\
async def handle(session: AsyncSession) -> int:
    folder = (await session.scalars(select(Folder))).first()
    return len(folder.below) if folder is not None else 0
"""


def _project(root: Path, handler: str) -> Path:
    return write_project(root, {"app/db_models.py": MODELS, "app/db.py": DATABASE, "app/handlers.py": HEADER + handler})


def test_the_declared_many_to_one_to_a_loaded_parent_is_not_judged(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", MANY_TO_ONE)
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


def test_the_declared_one_to_many_is_a_lazy_load(tmp_path: Path) -> None:
    root = _project(tmp_path / "project", ONE_TO_MANY)
    expected = len(HEADER.splitlines()) + 3
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == [expected]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
