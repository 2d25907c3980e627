"""A module bound by `import_module("pkg.mod")` with a constant name is that module: a call of
one of its functions is followed as through `import pkg.mod as crud`. Run against real
SQLAlchemy with aiosqlite."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import findings_in
from test_loading_runtime import _facts_project, run_example

CRUD = """\
from app.db_models import User


async def new_user(db) -> User:
    user = User(name="new")
    db.add(user)
    await db.commit()
    await db.refresh(user)
    return user
"""


def _handler(imports: str, bind: str, module_level: str = "") -> str:
    return f"""\
{imports}
from app.db import SessionLocal
from app.db_models import User
{module_level}

async def rename() -> str:
    async with SessionLocal() as session:
{bind}
        user: User = await crud.new_user(session)
        await session.rollback()
        return user.name
"""


@pytest.mark.parametrize(
    ("imports", "bind", "module_level"),
    [
        ("from importlib import import_module", "        crud = import_module('app.crud')", ""),
        ("import importlib", "        crud = importlib.import_module('app.crud')", ""),
        ("from importlib import import_module", "", "crud = import_module('app.crud')\n"),
    ],
)
def test_a_call_through_an_imported_module_is_followed(
    imports: str, bind: str, module_level: str, tmp_path: Path
) -> None:
    root = _facts_project(tmp_path / "project", _handler(imports, bind, module_level), expire_on_commit=True)
    (root / "app/crud.py").write_text(CRUD, encoding="utf-8")
    outcome = run_example(root, "app/handlers.py")
    assert outcome["error"] == "MissingGreenlet", outcome
    found = findings_in(root, "app/handlers.py", "ASA302")
    assert [f.line for f in found] == [outcome["line"]], found
    assert "after session.rollback()" in found[0].message


@pytest.mark.parametrize(
    ("call", "module"),
    [
        ("import_module('app.crud')", "app.crud"),
        ("import_module(name)", None),
        ("import_module('.crud', 'app')", None),
        ("import_module('')", None),
        ("load_module('app.crud')", None),
    ],
)
def test_only_a_constant_absolute_name_names_a_module(call: str, module: str | None) -> None:
    from alchemy_lint.resolve import NameTable, imported_module

    table = NameTable()
    table.bind("import_module", "importlib.import_module")
    expr = ast.parse(call, mode="eval").body
    assert imported_module(expr, table) == module
