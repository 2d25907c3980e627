"""A relationship given by a `primaryjoin=` condition runs the way the foreign keys of the
columns it compares say, as SQLAlchemy reads it: a scalar one whose compared foreign key is on
the target (a "current version" of a document, `uselist=False`) is a one-to-many, and its lazy
load always runs SQL, whatever objects of the target the session already holds. Executed
against SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import findings_in, working_directory, write_project

from alchemy_lint.config import load_settings
from alchemy_lint.engine import load_project

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Document(Base):
    __tablename__ = "documents"
    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(default=1)
    latest: Mapped["Draft"] = relationship(
        "Draft",
        primaryjoin="and_(Document.id == Draft.document_id, Document.version == Draft.number)",
        viewonly=True,
        uselist=False,
    )


class Draft(Base):
    __tablename__ = "drafts"
    id: Mapped[int] = mapped_column(primary_key=True)
    document_id: Mapped[int] = mapped_column(ForeignKey("documents.id"))
    number: Mapped[int] = mapped_column(default=1)
    text: Mapped[str] = mapped_column(default="")
    document: Mapped[Document] = relationship(
        primaryjoin=lambda: Draft.document_id == Document.id, viewonly=True
    )
"""

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

HANDLERS = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Document, Draft


async def latest_text(session: AsyncSession) -> str:
    draft = await session.get(Draft, 1)
    document = await session.get(Document, 1)
    return document.latest.text if draft else ""  # ASA301


async def owner_version(session: AsyncSession) -> int:
    document = await session.get(Document, 1)
    draft = await session.get(Draft, 1)
    return draft.document.version if document else 0
"""

RUN = """\
import asyncio, sys
sys.path.insert(0, sys.argv[1])
from app.db import SessionLocal, engine
from app.handlers import latest_text, owner_version
from app.models import Base, Document, Draft


async def main() -> None:
    async with engine.begin() as connection:
        await connection.run_sync(Base.metadata.create_all)
    async with SessionLocal() as session:
        session.add_all([Document(id=1, version=1), Draft(id=1, document_id=1, number=1, text="t")])
        await session.commit()
    for handler in (latest_text, owner_version):
        async with SessionLocal() as session:
            try:
                print(handler.__name__, await handler(session))
            except Exception as error:
                print(handler.__name__, type(getattr(error, "orig", None) or error).__name__)


asyncio.run(main())
"""


def _project(root: Path) -> Path:
    return write_project(
        root, {"app/__init__.py": "", "app/models.py": MODELS, "app/db.py": DB, "app/handlers.py": HANDLERS}
    )


def test_a_condition_keyed_on_the_target_always_loads(tmp_path: Path) -> None:
    root = _project(tmp_path / "p")
    expected = [n for n, line in enumerate(HANDLERS.splitlines(), 1) if line.endswith("# ASA301")]
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == expected
    done = subprocess.run(
        [sys.executable, "-c", RUN, str(root)], capture_output=True, text=True, timeout=120, check=True
    )
    # The draft is in the identity map, yet `latest` runs SQL; the many-to-one does not.
    assert done.stdout.splitlines() == ["latest_text MissingGreenlet", "owner_version 1"], done.stderr


@pytest.mark.parametrize(
    ("relationship", "many_to_one"),
    [
        ("app.models.Document.latest", False),  # a string condition, the foreign key on drafts
        ("app.models.Draft.document", True),  # a lambda's condition, the owner's own foreign key
    ],
)
def test_which_side_of_the_condition_holds_the_foreign_key(
    relationship: str, many_to_one: bool, tmp_path: Path
) -> None:
    root = _project(tmp_path / "p")
    with working_directory(root):
        index = load_project(root, load_settings(root)).index()
    model, _, name = relationship.rpartition(".")
    assert index.relationships(model)[name].many_to_one is many_to_one


def test_annotated_or_self_referential_conditions_stay_unknown(tmp_path: Path) -> None:
    models = (
        "from sqlalchemy import ForeignKey\n"
        "from sqlalchemy.orm import DeclarativeBase, Mapped, foreign, mapped_column, relationship\n\n\n"
        "class Base(DeclarativeBase):\n    pass\n\n\n"
        "class Folder(Base):\n"
        '    __tablename__ = "folders"\n'
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
        '    parent_id: Mapped[int] = mapped_column(ForeignKey("folders.id"))\n'
        '    parent = relationship("Folder", primaryjoin="Folder.parent_id == Folder.id", uselist=False)\n'
        "    owner_key: Mapped[int] = mapped_column(default=0)\n"
        '    owner = relationship("Owner", primaryjoin="foreign(Folder.owner_key) == Owner.id")\n\n\n'
        "class Owner(Base):\n"
        '    __tablename__ = "owners"\n'
        "    id: Mapped[int] = mapped_column(primary_key=True)\n"
    )
    root = write_project(tmp_path / "p", {"app/__init__.py": "", "app/models.py": models})
    with working_directory(root):
        index = load_project(root, load_settings(root)).index()
    relationships = index.relationships("app.models.Folder")
    assert relationships["parent"].many_to_one is None
    assert relationships["owner"].many_to_one is None
