"""A `setup.py` beside an `__init__.py` is a module of its package (`app/database/setup.py`,
which sets the database up), not the marker of another project: the engine walks into its
folder, and its callers elsewhere in the project are its callers. A folder with a `setup.py` and
no `__init__.py` is still a project of its own."""

from __future__ import annotations

from pathlib import Path

from conftest import findings_in, write_project

from alchemy_lint.roots import is_project_root

SETUP = """\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")


def session_factory() -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
"""

SETUP_USER = """\
from app.database.setup import session_factory


async def on_message() -> None:
    factory = session_factory()
    async with factory() as session:
        print(session)
"""


def test_a_setup_module_in_a_package_is_a_module_of_the_project(tmp_path: Path) -> None:
    # `app/database/setup.py` beside `app/database/__init__.py` sets the database up: a module of
    # the project, not the root of another one, so its callers in `app/` are its callers.
    files = {
        "app/__init__.py": "",
        "app/database/__init__.py": "",
        "app/database/setup.py": SETUP,
        "app/handlers.py": SETUP_USER,
    }
    root = write_project(tmp_path / "project", files)
    found = [(f.line, f.message) for f in findings_in(root, "app/database/setup.py", "ASA102")]
    assert [line for line, _ in found] == [7]
    assert "on_message() calls on every run" in found[0][1]


def test_a_folder_with_setup_py_and_no_package_is_another_project(tmp_path: Path) -> None:
    files = {"app/__init__.py": "", "app/handlers.py": SETUP_USER, "tools/setup.py": "", "tools/db.py": SETUP}
    root = write_project(tmp_path / "project", files)
    assert is_project_root(root / "tools") and not is_project_root(root / "app")
    (root / "app" / "setup.py").write_text("", encoding="utf-8")
    assert not is_project_root(root / "app")
