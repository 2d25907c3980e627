"""ASA301 and relationships that `backref=` adds to the other model.

`Interview.prospect = relationship("Prospect", backref="interviews")` gives `Prospect` a lazy
`interviews` collection that no class body of `Prospect` declares; `backref("owner", ...)` on a
one-to-many gives the target a many-to-one, with the `lazy=` and `uselist=` written in it. A read
of such a relationship on a queried object without a loader is a lazy load (MissingGreenlet under
asyncio); a loader option or an eager `lazy=` in the `backref(...)` loads it. Each handler is
linted, then run against real SQLAlchemy with aiosqlite.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import run_example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, backref, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Prospect(Base):
    __tablename__ = "prospects"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]


class Interview(Base):
    __tablename__ = "interviews"
    id: Mapped[int] = mapped_column(primary_key=True)
    prospect_id: Mapped[int] = mapped_column(ForeignKey("prospects.id"))
    prospect = relationship("Prospect", backref="interviews")


class Owner(Base):
    __tablename__ = "owners"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    pets = relationship("Pet", backref="owner")
    cars = relationship("Car", backref=backref("driver", lazy="selectin"))


class Pet(Base):
    __tablename__ = "pets"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"))


class Car(Base):
    __tablename__ = "cars"
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("owners.id"))
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
from sqlalchemy.orm import configure_mappers, selectinload

from app.db_models import Car, Owner, Pet, Prospect

configure_mappers()


"""

UNLOADED = {
    "collection_of_a_many_to_one": """\
async def handle(session: AsyncSession) -> int:
    prospect = (await session.scalars(select(Prospect).where(Prospect.id == 1))).one()
    return len(prospect.interviews)
""",
    "many_to_one_of_a_collection": """\
async def handle(session: AsyncSession) -> int:
    pet = (await session.scalars(select(Pet).where(Pet.id == 1))).one()
    return pet.owner.id
""",
    "read_in_a_helper": """\
def count(prospect: Prospect) -> int:
    return len(getattr(prospect, "interviews", []))


async def handle(session: AsyncSession) -> int:
    prospect = (await session.scalars(select(Prospect).where(Prospect.id == 1))).one()
    return count(prospect)
""",
}

#: The lines of each UNLOADED handler that ASA301 reports (the call that hands the object to a
#: helper) and that lazy-loads (the helper's read).
UNLOADED_LINES = {
    "collection_of_a_many_to_one": (3, 3),
    "many_to_one_of_a_collection": (3, 3),
    "read_in_a_helper": (7, 2),
}

LOADED = {
    "loader_option_on_the_backref": """\
async def handle(session: AsyncSession) -> int:
    query = select(Prospect).options(selectinload(Prospect.interviews)).where(Prospect.id == 1)
    prospect = (await session.scalars(query)).one()
    return len(prospect.interviews)
""",
    "eager_lazy_in_backref": """\
async def handle(session: AsyncSession) -> int:
    car = (await session.scalars(select(Car).where(Car.id == 1))).one()
    return car.driver.id
""",
    "forward_side_unchanged": """\
async def handle(session: AsyncSession) -> int:
    owner = (await session.scalars(select(Owner).options(selectinload(Owner.pets)).where(Owner.id == 1))).one()
    return len(owner.pets)
""",
}


def _project(root: Path, handler: str) -> Path:
    return write_project(root, {"app/db_models.py": MODELS, "app/db.py": DATABASE, "app/handlers.py": HEADER + handler})


@pytest.mark.parametrize("name", sorted(UNLOADED))
def test_a_backref_read_without_a_loader_is_a_lazy_load(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", UNLOADED[name])
    reported, raised = (len(HEADER.splitlines()) + line for line in UNLOADED_LINES[name])
    assert [finding.line for finding in findings_in(root, "app", "ASA301")] == [reported]
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] == raised, outcome


@pytest.mark.parametrize("name", sorted(LOADED))
def test_a_loaded_backref_is_not_reported(name: str, tmp_path: Path) -> None:
    root = _project(tmp_path / "project", LOADED[name])
    assert findings_in(root, "app", "ASA301") == []
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] is None, outcome


def test_a_backref_whose_options_are_no_literals_adds_nothing(tmp_path: Path) -> None:
    models = MODELS.replace('backref("driver", lazy="selectin")', 'backref("driver", lazy=LAZY)')
    models = models.replace("class Base(", 'LAZY = "select"\n\n\nclass Base(')
    handler = """\
async def handle(session: AsyncSession) -> int:
    car = (await session.scalars(select(Car).where(Car.id == 1))).one()
    return car.driver.id
"""
    root = write_project(
        tmp_path / "project", {"app/db_models.py": models, "app/db.py": DATABASE, "app/handlers.py": HEADER + handler}
    )
    assert findings_in(root, "app", "ASA301") == []
