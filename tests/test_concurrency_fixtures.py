"""The sample apps: the dashboard service shares sessions across tasks; the clean one does not.

Until the apps' database module exists, the dashboard is checked beside a minimal stand-in.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, write_project

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
DASHBOARD = "app/services/dashboard.py"
STAND_IN = {
    "app/__init__.py": "",
    "app/services/__init__.py": "",
    "app/db_models.py": "class User: ...\nclass Order: ...\nclass OrderItem: ...\nclass Product: ...\n",
    "app/db_methods.py": """\
from contextlib import asynccontextmanager

from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)


@asynccontextmanager
async def get_a_session():
    async with SessionLocal() as session:
        yield session
""",
}


def _app(name: str, tmp_path: Path) -> Path:
    root = FIXTURES / name
    if (root / "app" / "db_methods.py").is_file():
        return root
    copy = write_project(tmp_path / name, STAND_IN)
    shutil.copy(root / DASHBOARD, copy / DASHBOARD)
    return copy


@pytest.mark.parametrize("code", ["ASA201", "ASA202"])
def test_sample_app_dashboard_reports_every_marked_line(code: str, tmp_path: Path) -> None:
    root = _app("sample_app", tmp_path)
    expected = expected_lines((root / DASHBOARD).read_text(encoding="utf-8"), code)
    assert expected
    assert [finding.line for finding in findings_in(root, DASHBOARD, code)] == expected


@pytest.mark.parametrize("code", ["ASA201", "ASA202"])
def test_clean_app_has_no_shared_or_module_level_sessions(code: str, tmp_path: Path) -> None:
    root = _app("clean_app", tmp_path)
    assert findings_in(root, ".", code) == []
