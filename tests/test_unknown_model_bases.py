"""Models whose declarative base the index cannot tell (a base obtained from a call, an installed
plugin's base) are known by what their bodies declare; a mixin and an abstract base are not."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

STORE = """\
from types import SimpleNamespace

from sqlalchemy.orm import declarative_base

_DATA = SimpleNamespace(Model=declarative_base())


def get_plugin_data() -> SimpleNamespace:
    return _DATA
"""

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

from vendor_store import get_plugin_data

Model = get_plugin_data().Model
engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
Session = async_sessionmaker(engine)
"""

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Model


class Audited:
    note: Mapped[str] = mapped_column(default="")


class Target(Model):
    __tablename__ = "target"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    subscriptions: Mapped[list["Subscription"]] = relationship(back_populates="target")


class Subscription(Model):
    __tablename__ = "subscription"
    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id"))
    target: Mapped[Target] = relationship(back_populates="subscriptions")


class Named(Model):
    __abstract__ = True
    title: Mapped[str]
"""

RENAME = """\
from app.db import Session
from app.models import Target


async def rename(target_id: int = 1) -> str:
    async with Session() as session:
        target = await session.get(Target, target_id)
        target.name = "renamed"
        await session.commit()
        return target.name  # ASA302
"""

TARGETS_OF = """\
from sqlalchemy import select

from app.db import Session
from app.models import Subscription


async def targets() -> list[str]:
    async with Session() as session:
        subscriptions = (await session.scalars(select(Subscription))).all()
        return [subscription.target.name for subscription in subscriptions]  # ASA301
"""

NOT_MODELS = """\
from app.db import Session
from app.models import Audited, Named


async def keep(audited: Audited, named: Named) -> str:
    async with Session() as session:
        session.add(audited)
        session.add(named)
        await session.commit()
        return audited.note + named.title
"""


def _project(root: Path, handler: str) -> Path:
    return write_project(
        root,
        {"vendor_store.py": STORE, "app/db.py": DB, "app/models.py": MODELS, "app/handlers.py": handler},
    )


def test_a_read_after_commit_on_a_model_over_an_unknown_base_is_reported_where_it_raises(tmp_path: Path) -> None:
    root = _project(tmp_path / "rename", RENAME)
    (line,) = expected_lines(RENAME, "ASA302")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")] == [line]
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", line)


def test_a_lazy_relationship_of_a_model_over_an_unknown_base_is_reported_where_it_raises(tmp_path: Path) -> None:
    root = _project(tmp_path / "targets", TARGETS_OF)
    (line,) = expected_lines(TARGETS_OF, "ASA301")
    assert [finding.line for finding in findings_in(root, "app/handlers.py", "ASA301")] == [line]
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", line)


def test_a_mixin_and_an_abstract_base_are_no_models(tmp_path: Path) -> None:
    root = _project(tmp_path / "plain", NOT_MODELS)
    assert findings_in(root, "app/handlers.py", "ASA302") == []


PLAIN_DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
Session = async_sessionmaker(engine)
"""

AS_DECLARATIVE = """\
from sqlalchemy.orm import Mapped, as_declarative, mapped_column

from app.db import Session


@as_declarative()
class Base:
    __abstract__ = True


class Note(Base):
    __tablename__ = "note"
    id: Mapped[int] = mapped_column(primary_key=True)
    text: Mapped[str]


async def edit(note_id: int = 1) -> str:
    async with Session() as session:
        note = await session.get(Note, note_id)
        note.text = "edited"
        await session.commit()
        return note.text  # ASA302
"""


def test_a_base_made_by_as_declarative_makes_its_subclasses_models(tmp_path: Path) -> None:
    root = write_project(tmp_path / "p", {"app/db.py": PLAIN_DB, "app/notes.py": AS_DECLARATIVE})
    (line,) = expected_lines(AS_DECLARATIVE, "ASA302")
    assert [finding.line for finding in findings_in(root, "app/notes.py", "ASA302")] == [line]
    outcome = run_example(root, "app/notes.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", line)
