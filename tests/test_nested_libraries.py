"""A library in a nested project folder (its own pyproject.toml) that the project's application
imports (a uv workspace: `backend/package/corepkg` beside `backend/server`): its files are checked
as part of the project, so that the application's calls into it resolve."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, working_directory
from test_loading_runtime import HARNESS

import alchemy_lint.sources
from alchemy_lint import manifest
from alchemy_lint.engine import RunOptions, check_paths

MODELS = """\
from sqlalchemy import ForeignKey
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


class Base(DeclarativeBase):
    pass


class Message(Base):
    __tablename__ = "messages"
    id: Mapped[int] = mapped_column(primary_key=True)
    tool_calls: Mapped[list["ToolCall"]] = relationship()


class ToolCall(Base):
    __tablename__ = "tool_calls"
    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("messages.id"))
"""
REPOSITORY = """\
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from corepkg.models import Message


async def get_messages(db: AsyncSession) -> list[Message]:
    return list((await db.execute(select(Message))).scalars().all())
"""
ROUTES = """\
from sqlalchemy.ext.asyncio import AsyncSession

from corepkg.repo import get_messages


async def count_calls(db: AsyncSession) -> int:
    messages = await get_messages(db)
    return sum(len(message.tool_calls) for message in messages)  # ASA301
"""
LIBRARY_PYPROJECT = '[project]\nname = "corepkg"\nversion = "0"\n'


def _workspace(root: Path, library_config: str = "") -> Path:
    files = {
        "pyproject.toml": '[project]\nname = "app"\nversion = "0"\n',
        "package/pyproject.toml": LIBRARY_PYPROJECT + library_config,
        "package/corepkg/__init__.py": "",
        "package/corepkg/models.py": MODELS,
        "package/corepkg/repo.py": REPOSITORY,
        "server/__init__.py": "",
        "server/routes.py": ROUTES,
    }
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def test_a_read_of_what_a_nested_library_returns_is_judged_in_the_application(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "backend")
    found = findings_in(root, "server/routes.py", "ASA301")
    assert [finding.line for finding in found] == expected_lines(ROUTES, "ASA301")
    assert "get_messages()" in found[0].message


def test_the_library_is_checked_once_as_part_of_the_project(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "backend")
    (root / "package/corepkg/service.py").write_text(ROUTES, encoding="utf-8")
    with working_directory(tmp_path):
        result = check_paths(["backend"], {"select": ("ASA301",)})
    assert sorted(finding.path for finding in result.findings) == [
        "backend/package/corepkg/service.py",
        "backend/server/routes.py",
    ]


def test_a_nested_project_with_settings_of_its_own_stays_a_project_of_its_own(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "backend", '[tool.alchemy-lint]\nignore = ["ASA105"]\n')
    assert findings_in(root, "server/routes.py", "ASA301") == []


def test_a_nested_project_nothing_imports_stays_a_project_of_its_own(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "backend")
    (root / "server/routes.py").write_text("def nothing() -> None:\n    pass\n", encoding="utf-8")
    with working_directory(tmp_path):
        result = check_paths(["backend"], {"select": ("ASA301",)})
    assert result.findings == ()


def test_the_application_raises_missing_greenlet_where_it_is_reported(tmp_path: Path) -> None:
    root = _workspace(tmp_path / "backend")
    # The library is on `sys.path` beside the application, as its workspace installs it.
    env = {**os.environ, "PYTHONPATH": str(root / "package")}
    completed = subprocess.run(
        [sys.executable, str(HARNESS), str(root), "server.routes"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env=env,
    )
    assert completed.returncode == 0, completed.stderr
    outcome = json.loads(completed.stdout.strip().splitlines()[-1])
    assert outcome["error"] == "MissingGreenlet", outcome
    assert outcome["line"] in expected_lines(ROUTES, "ASA301")


def test_a_folder_with_no_project_marker_takes_no_library(tmp_path: Path) -> None:
    # A checkout root checked as it is (its scripts may import the backend they sit beside).
    root = _workspace(tmp_path / "backend")
    (root / "pyproject.toml").unlink()
    with working_directory(root):
        result = check_paths(["."], {"select": ("ASA301",)})
    assert result.findings == ()


def test_after_an_edit_only_the_changed_file_is_read_for_its_imports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Which nested projects are libraries is kept file by file: a one-file check after an edit
    # does not read the project's other files for their imports (nor at all: the manifest knows them).
    # Files modified just before a run are trusted as well (see test_manifest.py).
    monkeypatch.setattr(manifest, "RACY_NS", -(10**12))
    cached = RunOptions(cache=True, jobs=1)
    root = _workspace(tmp_path / "backend")
    for number in range(20):
        (root / f"server/module_{number}.py").write_text(f"VALUE = {number}\n", encoding="utf-8")
    edited = root / "server/routes.py"
    with working_directory(root):
        first = check_paths(["server/routes.py"], {"select": ("ASA301",)}, cached)
    edited.write_text(ROUTES + "\n# edited\n", encoding="utf-8")
    reads: list[Path] = []
    real = alchemy_lint.sources.read_bounded

    def counted(path: Path) -> bytes:
        reads.append(path)
        return real(path)

    monkeypatch.setattr(alchemy_lint.sources, "read_bounded", counted)
    with working_directory(root):
        second = check_paths(["server/routes.py"], {"select": ("ASA301",)}, cached)
    assert [f.line for f in first.findings] == [f.line for f in second.findings] == expected_lines(ROUTES, "ASA301")
    assert reads == [edited.resolve()]
