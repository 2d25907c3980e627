"""`raiseload(Model.rel)` and `raiseload("*")` forbid loading a relationship, whatever the mapper's
`lazy=` says (also an eager `lazy="selectin"`): reading it unloaded raises InvalidRequestError
(ASA301, with a message that names the option). A loader of its own beside `raiseload("*")`, or a
`refresh()` that names it, loads it; `noload` returns an empty collection. Executed against
SQLAlchemy with aiosqlite (`User.addresses` is declared `lazy="selectin"`, `Order.items` lazy)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import async_database, findings_in, working_directory, write_project
from test_loading_runtime import run_example

from alchemy_lint.fixes.pipeline import FixSession
from alchemy_lint.rules.loading_examples import MODELS

HANDLER = """\
from sqlalchemy import select
from sqlalchemy.orm import noload, raiseload, selectinload

from app.db import SessionLocal
from app.db_models import Order, User


async def handle() -> None:
    async with SessionLocal() as session:
{body}
"""

FORBIDDEN = {
    "own-option": (
        "        stmt = select(User).where(User.id == 1).options(raiseload(User.addresses))\n"
        "        user = (await session.scalars(stmt)).one()\n"
        "        print(len(user.addresses))\n"
    ),
    "wildcard": (
        "        user = (await session.scalars(select(User).where(User.id == 1).options(raiseload('*')))).one()\n"
        "        print(len(user.addresses))\n"
    ),
    "get": (
        "        user = await session.get(User, 1, options=[raiseload(User.addresses)])\n"
        "        assert user is not None\n"
        "        print(len(user.addresses))\n"
    ),
    "below-a-loader": (
        "        stmt = select(Order).where(Order.id == 1).options(selectinload(Order.items), raiseload('*'))\n"
        "        order = (await session.scalars(stmt)).one()\n"
        "        print([item.product.name for item in order.items])\n"
    ),
}

ALLOWED = {
    "own-loader-wins": (
        "        stmt = select(User).where(User.id == 1).options(raiseload('*'), selectinload(User.addresses))\n"
        "        user = (await session.scalars(stmt)).one()\n"
        "        print(len(user.addresses))\n"
    ),
    "refreshed": (
        "        user = (await session.scalars(select(User).where(User.id == 1).options(raiseload('*')))).one()\n"
        '        await session.refresh(user, ["addresses"])\n'
        "        print(len(user.addresses))\n"
    ),
    "sql-only-answered-by-the-identity-map": (
        "        user = await session.get(User, 1)\n"
        "        stmt = select(Order).where(Order.id == 1).options(raiseload(Order.user, sql_only=True))\n"
        "        order = (await session.scalars(stmt)).one()\n"
        "        print(order.user.name, user)\n"
    ),
    "noload": (
        "        stmt = select(User).where(User.id == 1).options(noload(User.addresses))\n"
        "        user = (await session.scalars(stmt)).one()\n"
        "        print(len(user.addresses))\n"
    ),
}


def _project(tmp_path: Path, body: str) -> Path:
    files = {
        "app/__init__.py": "",
        "app/db.py": async_database(),
        "app/db_models.py": MODELS,
        "app/handlers.py": HANDLER.format(body=body),
    }
    return write_project(tmp_path / "project", files)


@pytest.mark.parametrize("case", list(FORBIDDEN))
def test_a_relationship_a_raiseload_option_forbids_is_reported_where_it_is_read(tmp_path: Path, case: str) -> None:
    body = FORBIDDEN[case]
    line = 9 + body.count("\n")
    root = _project(tmp_path, body)
    found = findings_in(root, "app/handlers.py", "ASA301")
    assert [f.line for f in found] == [line], found
    assert "raiseload() option forbids loading it, so the read raises InvalidRequestError" in found[0].message
    assert "awaitable_attrs" not in found[0].message  # (it runs the same forbidden loader)
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("InvalidRequestError", line), outcome


@pytest.mark.parametrize("case", list(ALLOWED))
def test_a_relationship_loaded_despite_the_wildcard_reads_clean(tmp_path: Path, case: str) -> None:
    root = _project(tmp_path, ALLOWED[case])
    assert findings_in(root, "app/handlers.py", "ASA301") == []
    assert run_example(root, "app/handlers.py")["error"] is None


def test_awaitable_attrs_runs_the_loader_a_raiseload_forbids(tmp_path: Path) -> None:
    """Why the message offers no `awaitable_attrs` for such a read."""
    body = (
        "        user = (await session.scalars(select(User).where(User.id == 1).options(raiseload('*')))).one()\n"
        "        print(len(await user.awaitable_attrs.addresses))\n"
    )
    outcome = run_example(_project(tmp_path, body), "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("InvalidRequestError", 11), outcome


def test_the_unsafe_fix_leaves_a_forbidden_read_alone(tmp_path: Path) -> None:
    """`await user.awaitable_attrs.addresses` would raise the same InvalidRequestError."""
    root = _project(tmp_path, FORBIDDEN["wildcard"])
    before = (root / "app/handlers.py").read_text(encoding="utf-8")
    assert findings_in(root, "app/handlers.py", "ASA301")
    with working_directory(root):
        session = FixSession(["app/handlers.py"], {"select": ("ASA301",)})
        run = session.fix(session.check().findings, unsafe=True)
    assert run.changed == ()
    assert (root / "app/handlers.py").read_text(encoding="utf-8") == before
