"""A project function named like a statement constructor (`update`, `delete`, `insert`,
`select`) and called by its bare name is the project's function, not SQLAlchemy's: its call
runs it (its commits expire the caller's objects, its refreshes load them again). Linted, then
run against real SQLAlchemy with aiosqlite."""

from __future__ import annotations

from pathlib import Path

from conftest import expected_lines, findings_in, write_project
from test_loading_runtime import run_example

from alchemy_lint.rules.loading_examples import MODELS

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine
from sqlalchemy.pool import StaticPool

engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)
SessionLocal = async_sessionmaker(engine)
"""

CRUD = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db_models import Product, User


async def update(session: AsyncSession, user: User, name: str) -> User:
    user.name = name
    await session.commit()
    await session.refresh(user)
    return user


async def delete(session: AsyncSession, product: Product) -> None:
    await session.delete(product)
    await session.commit()
"""

REFRESHED = """\
from app.crud import update
from app.db import SessionLocal
from app.db_models import User


async def main() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        await session.rollback()
        await update(session, user, "renamed")
        return user.name
"""

COMMITTED = """\
from app.crud import delete
from app.db import SessionLocal
from app.db_models import Product, User


async def main() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        product = await session.get(Product, 2)
        await delete(session, product)
        return user.name  # ASA302
"""

LIBRARY = """\
from sqlalchemy import update

from app.db import SessionLocal
from app.db_models import User


async def main() -> str:
    async with SessionLocal() as session:
        user = await session.get(User, 1)
        await session.execute(update(User).where(User.id == 2).values(name="other"))
        await session.commit()
        return user.name  # ASA302
"""


def _project(root: Path, handler: str) -> Path:
    return write_project(
        root, {"app/db.py": DB, "app/db_models.py": MODELS, "app/crud.py": CRUD, "app/handlers.py": handler}
    )


def test_a_project_update_that_refreshes_the_object_leaves_it_fresh(tmp_path: Path) -> None:
    root = _project(tmp_path / "refreshed", REFRESHED)
    assert findings_in(root, "app/handlers.py", "ASA302") == []
    assert run_example(root, "app/handlers.py") == {"error": None, "line": None, "message": None}


def test_a_project_delete_that_commits_expires_the_callers_objects(tmp_path: Path) -> None:
    root = _project(tmp_path / "committed", COMMITTED)
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    assert lines == expected_lines(COMMITTED, "ASA302")
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0])


def test_sqlalchemy_update_by_its_bare_name_is_still_a_statement(tmp_path: Path) -> None:
    root = _project(tmp_path / "library", LIBRARY)
    lines = [finding.line for finding in findings_in(root, "app/handlers.py", "ASA302")]
    assert lines == expected_lines(LIBRARY, "ASA302")
    outcome = run_example(root, "app/handlers.py")
    assert (outcome["error"], outcome["line"]) == ("MissingGreenlet", lines[0])
