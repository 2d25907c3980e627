"""`hasattr(obj, "rel")` reads the attribute: on an unloaded relationship it runs the lazy load,
and `hasattr` lets every error but AttributeError through, so MissingGreenlet reaches the caller
(ASA301 reports the `hasattr`, the read that raises first). On a loaded one it runs clean."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

SOURCE = """\
from sqlalchemy import ForeignKey, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, selectinload


class Base(DeclarativeBase):
    pass


class Note(Base):
    __tablename__ = "notes"
    id: Mapped[int] = mapped_column(primary_key=True)
    vendor_id: Mapped[int] = mapped_column(ForeignKey("vendors.id"))
    vendor: Mapped["Vendor"] = relationship()


class Vendor(Base):
    __tablename__ = "vendors"
    id: Mapped[int] = mapped_column(primary_key=True)


def vendor_of(note: Note) -> object:
    return note.vendor_id if hasattr(note, "vendor") else None


async def {name}(session: AsyncSession) -> object:
    statement = select(Note){options}
    note = (await session.scalars(statement)).first()
    return {read}
"""


def _project(tmp_path: Path, name: str, options: str, direct: bool) -> Path:
    read = 'hasattr(note, "vendor")' if direct else "vendor_of(note)"
    source = SOURCE.format(name=name, options=options, read=read)
    return write_project(tmp_path / "project", {"app/__init__.py": "", "app/notes.py": source})


@pytest.mark.parametrize("direct", [True, False])
def test_hasattr_of_an_unloaded_relationship_is_a_lazy_load(direct: bool, tmp_path: Path) -> None:
    root = _project(tmp_path, "vendor", "", direct)
    found = findings_in(root, "app/notes.py", "ASA301")
    assert [f.line for f in found] == [29], found
    assert "lazy load of Note.vendor" in found[0].message
    outcome = run_example(root, "app/notes.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == (29 if direct else 23), outcome


@pytest.mark.parametrize("direct", [True, False])
def test_hasattr_of_a_loaded_relationship_runs_clean(direct: bool, tmp_path: Path) -> None:
    root = _project(tmp_path, "loaded_vendor", ".options(selectinload(Note.vendor))", direct)
    assert findings_in(root, "app/notes.py", "ASA301") == []
    assert run_example(root, "app/notes.py")["error"] is None
