"""flake8 and single-file CLI runs see the whole project: cross-file findings match a full check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import finding_lines, write_project

BIN = Path(sys.executable).parent

PROJECT = {
    "app/__init__.py": "",
    "app/db_methods.py": (
        "from contextlib import asynccontextmanager\n"
        "\n"
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "\n"
        'engine = create_async_engine("sqlite+aiosqlite://")\n'
        "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)\n"
        "\n"
        "\n"
        "@asynccontextmanager\n"
        "async def get_a_session():\n"
        "    async with SessionLocal() as session:\n"
        "        yield session\n"
    ),
    "app/services/users.py": (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "\n"
        "\n"
        "async def rename(session: AsyncSession, user, name: str) -> None:\n"
        "    user.name = name\n"
        "    await session.commit()\n"
        "\n"
        "\n"
        "async def archive(session: AsyncSession, user) -> None:\n"
        "    await session.delete(user)\n"
        "    await session.commit()\n"
        "\n"
        "\n"
        "async def activate(session: AsyncSession, user) -> None:\n"
        "    user.active = True\n"
        "    await session.commit()\n"
    ),
    "app/services/reports.py": (
        "from sqlalchemy.ext.asyncio import async_sessionmaker\n"
        "\n"
        "from app.db_methods import SessionLocal, engine\n"
        "\n"
        "ReportSession = async_sessionmaker(engine, expire_on_commit=False)\n"
        "\n"
        "\n"
        "async def close_month(month: int) -> None:\n"
        "    async with SessionLocal.begin() as session:\n"
        "        await session.execute(close_statement(month))\n"
    ),
}
TARGET = "app/services/reports.py"


def run(args: list[str], cwd: Path) -> list[str]:
    done = subprocess.run(args, cwd=cwd, capture_output=True, text=True, check=False)
    assert done.returncode in (0, 1), done.stderr
    return sorted(finding_lines(done.stdout))


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project", PROJECT)


def test_flake8_on_one_file_matches_the_full_check_for_that_file(project: Path) -> None:
    full = [line for line in run([str(BIN / "alchemy-lint"), "check", "."], project) if line.startswith(TARGET)]
    codes = sorted(line.split(": ", 1)[1].split(" ", 1)[0] for line in full)
    assert codes == ["ASA105", "ASA106", "ASA402"]  # all three need the other files to be found
    flake8 = run([sys.executable, "-m", "flake8", "--select", "ASA", TARGET], project)
    assert flake8 == full


def test_cli_on_one_file_reports_what_the_full_check_reports_for_it(project: Path) -> None:
    full = [line for line in run([str(BIN / "alchemy-lint"), "check", "."], project) if line.startswith(TARGET)]
    single = run([str(BIN / "alchemy-lint"), "check", TARGET], project)
    assert single == full


def test_changed_files_only_as_pre_commit_passes_them_keep_cross_file_findings(project: Path) -> None:
    changed = [TARGET, "app/services/users.py"]
    full = [line for line in run([str(BIN / "alchemy-lint"), "check", "."], project) if line.startswith(tuple(changed))]
    assert any(" ASA105 " in line for line in full)
    assert run([str(BIN / "alchemy-lint"), "check", *changed], project) == full
