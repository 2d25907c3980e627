"""A generic data-access helper that takes the model class as a parameter and selects it:
`select(orm_class)` in `get_model(session, orm_class, ident)`.
What it returns is an object of the class its caller passes, loaded with the loaders the helper
adds (`.options(*(options or []))` of an `options` parameter: what the caller passes, none when
it passes nothing). A lazy relationship its caller reads is judged like one of `select(Orbit)`.

Each case is run against real SQLAlchemy with aiosqlite (the runtime harness) and checked by the
linter: a MissingGreenlet where ASA301 reports, a clean run where it stays silent.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in, write_project
from test_loading_runtime import _facts_project, run_example

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Pilot(Base):
    __tablename__ = "pilots"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str]
    ships: Mapped[list["Ship"]] = relationship(back_populates="pilot")


class Ship(Base):
    __tablename__ = "ships"
    id: Mapped[int] = mapped_column(primary_key=True)
    pilot_id: Mapped[int] = mapped_column(ForeignKey("pilots.id"))
    pilot: Mapped[Pilot] = relationship(back_populates="ships")
"""

CRUD = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


async def get_model(session: AsyncSession, orm_class, obj_id: int, options: list | None = None):
    result = await session.execute(
        select(orm_class).where(orm_class.id == obj_id).options(*(options or []))
    )
    return result.scalar_one()

"""


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("get_model(session, Ship, 1)", "MissingGreenlet"),
        ("get_model(session, models.Ship, 1)", "MissingGreenlet"),
        ("get_model(session, orm_class=Ship, obj_id=1)", "MissingGreenlet"),
        ("get_model(session, Ship, 1, options=[selectinload(Ship.pilot)])", None),
        ("get_model(session, Ship, 1, [selectinload(Ship.pilot)])", None),
    ],
)
def test_an_object_of_the_class_passed_is_judged(call: str, error: str | None, tmp_path: Path) -> None:
    handler = f"""\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app import models
from app.crud import get_model
from app.models import Ship


async def pilot_name(session: AsyncSession) -> str:
    ship = await {call}
    return ship.pilot.name
"""
    root = write_project(
        tmp_path / "project", {"app/models.py": MODELS, "app/crud.py": CRUD, "app/handlers.py": handler}
    )
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome
    expected = [11] if error == "MissingGreenlet" else []
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == expected


def test_the_message_names_the_helper_that_selects(tmp_path: Path) -> None:
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.crud import get_model
from app.models import Ship


async def pilot_name(session: AsyncSession) -> str:
    ship = await get_model(session, Ship, 1)
    return ship.pilot.name
"""
    root = write_project(
        tmp_path / "project", {"app/models.py": MODELS, "app/crud.py": CRUD, "app/handlers.py": handler}
    )
    (finding,) = findings_in(root, "app/handlers.py", "ASA301")
    assert "Ship.pilot" in finding.message
    assert "get_model()" in finding.message


@pytest.mark.parametrize(
    "helper",
    [
        # The parameter is bound again before the select: it no longer says what the caller passed.
        "async def get_model(session, orm_class, obj_id):\n"
        "    orm_class = pick(orm_class)\n"
        "    return (await session.execute(select(orm_class))).scalar_one()\n",
        # A class that is no model (a schema): nothing to judge.
        "async def get_model(session, orm_class, obj_id):\n"
        "    return (await session.execute(select(orm_class))).scalar_one()\n",
    ],
)
def test_unknown_or_no_model_stays_silent(helper: str, tmp_path: Path) -> None:
    crud = "from sqlalchemy import select\n\n\ndef pick(cls):\n    return cls\n\n\n" + helper
    handler = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.crud import get_model
from app.models import Ship


class Schema:
    pilot: str = ""


async def pilot_name(session: AsyncSession) -> str:
    ship = await get_model(session, Ship, 1)
    other = await get_model(session, Schema, 1)
    return ship.pilot.name + other.pilot
"""
    if "pick" in helper:
        expected: list[int] = []
    else:
        expected = [14]
    root = write_project(
        tmp_path / "project", {"app/models.py": MODELS, "app/crud.py": crud, "app/handlers.py": handler}
    )
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == expected


# -- new objects of the class passed ---------------------------------------------------------

GENERIC_CRUD = """\
from sqlalchemy.ext.asyncio import AsyncSession


async def create_model(session: AsyncSession, orm_class, data: dict):
    obj = orm_class(**data)
    session.add(obj)
    await session.commit()
    await session.refresh(obj)
    return obj


async def create_models(session: AsyncSession, orm_class, rows: list[dict]):
    objs = [orm_class(**row) for row in rows]
    session.add_all(objs)
    await session.commit()
    return objs
"""


def _created(read: str, *, then: str = "") -> str:
    return f"""\
from app.crud import create_model, create_models
from app.db import SessionLocal
from app.db_models import Order, OrderItem


async def create() -> object:
    async with SessionLocal() as session:
        order = await create_model(session, Order, {{"user_id": 1, "status": "new"}})
        {then or "pass"}
        return {read}
"""


def test_a_relationship_of_a_new_object_of_the_class_passed_is_never_loaded(tmp_path: Path) -> None:
    root = _facts_project(tmp_path / "project", _created("len(order.items)"), expire_on_commit=False)
    (root / "app/crud.py").write_text(GENERIC_CRUD, encoding="utf-8")
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [f.line for f in found] == [outcome["line"]] == [10]
    assert "Order.items" in found[0].message
    assert "created by create_model()" in found[0].message


def test_its_columns_are_loaded_by_the_helpers_refresh(tmp_path: Path) -> None:
    root = _facts_project(tmp_path / "project", _created("order.status"), expire_on_commit=True)
    (root / "app/crud.py").write_text(GENERIC_CRUD, encoding="utf-8")
    assert run_example(root, "app/handlers.py")["error"] is None
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert findings_in(root, "app/handlers.py", "ASA302") == []


@pytest.mark.parametrize("expire_on_commit", [True, False])
def test_a_commit_in_a_helper_given_another_class_expires_it(expire_on_commit: bool, tmp_path: Path) -> None:
    """The call hands the helper a model class beside the session: the session is what it
    commits (the class is no session), so the object the caller holds is expired."""
    handler = _created(
        "order.id",
        then='await create_models(session, OrderItem, [{"order_id": 1, "product_id": 1, "quantity": 2}])',
    )
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=expire_on_commit)
    (root / "app/crud.py").write_text(GENERIC_CRUD, encoding="utf-8")
    outcome = run_example(root, "app/handlers.py")
    found = findings_in(root, "app/handlers.py", "ASA302")
    if expire_on_commit:
        assert outcome["error"] == "MissingGreenlet", outcome
        assert [f.line for f in found] == [outcome["line"]] == [10]
        assert "create_models(), which calls session.commit()" in found[0].message
    else:
        assert outcome["error"] is None, outcome
        assert found == []


FORWARDING_CRUD = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession


async def get_model_where(session: AsyncSession, orm_class, *where, options: list | None = None):
    result = await session.execute(select(orm_class).where(*where).options(*(options or [])))
    return result.scalar_one()


async def get_model(session: AsyncSession, orm_class, obj_id: int):
    return await get_model_where(session, orm_class, orm_class.id == obj_id)


async def create_model(session: AsyncSession, orm_class, data: dict):
    obj = orm_class(**data)
    session.add(obj)
    await session.commit()
    return obj


async def create_default(session: AsyncSession, orm_class):
    return await create_model(session, orm_class, {"name": "new"})
"""


@pytest.mark.parametrize(
    ("call", "error"),
    [
        ("get_model(session, Ship, 1)", "MissingGreenlet"),
        ("get_model_where(session, Ship, Ship.id == 1, options=[selectinload(Ship.pilot)])", None),
        ("create_default(session, Pilot)", "MissingGreenlet"),
    ],
)
def test_a_class_handed_on_to_another_helper_is_followed(call: str, error: str | None, tmp_path: Path) -> None:
    read = "len(found.ships)" if "Pilot" in call else "found.pilot.name"
    handler = f"""\
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from app.crud import create_default, get_model, get_model_where
from app.models import Pilot, Ship


async def pilot_name(session: AsyncSession) -> object:
    found = await {call}
    return {read}
"""
    root = write_project(
        tmp_path / "project", {"app/models.py": MODELS, "app/crud.py": FORWARDING_CRUD, "app/handlers.py": handler}
    )
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == error, outcome
    expected = [10] if error == "MissingGreenlet" else []
    assert [f.line for f in findings_in(root, "app/handlers.py", "ASA301")] == expected
