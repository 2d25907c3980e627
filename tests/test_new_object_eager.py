"""A mapper's eager `lazy=` runs when a query loads the object: an object the code built, added
and flushed or committed loaded nothing, so reading a `lazy="selectin"` relationship it did not
set is a lazy load (ASA301), unless a whole `refresh()` ran the eager loaders on it. Run against
real SQLAlchemy with aiosqlite (`User.addresses` is declared `lazy="selectin"`)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import findings_in
from test_loading_runtime import _facts_project, run_example


def _handler(build: str, before_read: str) -> str:
    return f"""\
from app.db import SessionLocal
from app.db_models import Address, User


async def register() -> int:
    async with SessionLocal() as session:
        user = {build}
        session.add(user)
        await session.flush()
        session.add(Address(user_id=user.id, city="Lyon"))
        await session.flush()
{before_read}        return len(user.addresses)
"""


def test_a_selectin_collection_of_a_new_flushed_object_is_a_lazy_load(tmp_path: Path) -> None:
    root = _facts_project(tmp_path / "project", _handler('User(name="new")', ""), expire_on_commit=False)
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [f.line for f in found] == [outcome["line"]], found
    assert "User.addresses" in found[0].message


@pytest.mark.parametrize(
    ("build", "before_read"),
    [
        ('User(name="new")', "        await session.refresh(user)\n"),
        ('User(name="new")', '        await session.refresh(user, ["addresses"])\n'),
        ('User(name="new", addresses=[])', ""),
    ],
    ids=["whole-refresh", "named-refresh", "set-by-the-code"],
)
def test_a_refresh_or_a_collection_the_code_set_is_loaded(build: str, before_read: str, tmp_path: Path) -> None:
    root = _facts_project(tmp_path / "project", _handler(build, before_read), expire_on_commit=False)
    assert run_example(root, "app/handlers.py")["error"] is None
    assert findings_in(root, "app/handlers.py", "ASA301") == []


def test_a_loaded_object_keeps_its_selectin_collection(tmp_path: Path) -> None:
    handler = """\
from app.db import SessionLocal
from app.db_models import User


async def count() -> int:
    async with SessionLocal() as session:
        session.add(User(name="old"))
        await session.commit()
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        return len(user.addresses)
"""
    root = _facts_project(tmp_path / "project", handler, expire_on_commit=False)
    assert run_example(root, "app/handlers.py")["error"] is None
    assert findings_in(root, "app/handlers.py", "ASA301") == []


CRUD = """\
from app.db_models import User


async def new_user(db) -> User:
    user = User(name="new")
    db.add(user)
    await db.commit()
{refresh}    return user
"""

CALLER = """\
from app.crud import new_user
from app.db import SessionLocal


async def register() -> int:
    async with SessionLocal() as session:
        user = await new_user(session)
        return len(user.addresses)
"""


@pytest.mark.parametrize(("refresh", "raises"), [("", True), ("    await db.refresh(user)\n", False)])
def test_a_new_object_a_project_function_returns(refresh: str, raises: bool, tmp_path: Path) -> None:
    root = _facts_project(tmp_path / "project", CALLER, expire_on_commit=False)
    (root / "app/crud.py").write_text(CRUD.format(refresh=refresh), encoding="utf-8")
    outcome = run_example(root, "app/handlers.py")
    found = findings_in(root, "app/handlers.py", "ASA301")
    if raises:
        assert outcome["error"] == "MissingGreenlet", outcome
        assert [f.line for f in found] == [outcome["line"]], found
    else:
        assert outcome["error"] is None, outcome
        assert found == []
