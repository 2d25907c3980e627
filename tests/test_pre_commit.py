"""The pre-commit hook, run for real with `pre-commit try-repo` from a git copy of this project."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
import yaml
from conftest import REPO, write_project

GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "alchemy-lint tests",
    "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "alchemy-lint tests",
    "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}

HANDLER = """\
from app.db import SessionLocal


async def archive(order_id: int) -> None:
    async with SessionLocal.begin() as session:
        await session.execute(archive_statement(order_id))
        await session.commit()
"""

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, env={**os.environ, **GIT_IDENTITY})


def committed_repo(folder: Path) -> Path:
    git("init", "--quiet", "--initial-branch=main", cwd=folder)
    git("add", "--all", cwd=folder)
    git("commit", "--quiet", "--message=initial", cwd=folder)
    return folder


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A git repository holding what pip needs to install this project, and the hooks."""
    copy = tmp_path_factory.mktemp("hook-repo")
    for name in ("pyproject.toml", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, copy / name)
    shutil.copytree(REPO / "src", copy / "src", ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    return committed_repo(copy)


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # Its own cache, so that the hook environment is built from the code under test;
    # shared by the tests of this module so that it is built once.
    yield tmp_path_factory.mktemp("pre-commit-home")


def try_repo(hook_repo: Path, home: Path, target: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "try-repo", str(hook_repo), "alchemy-lint", *args],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=900,
        env={**os.environ, **GIT_IDENTITY, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"},
    )


def test_hooks_file_defines_the_check_and_fix_hooks() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert sorted(hooks) == ["alchemy-lint", "alchemy-lint-fix"]
    assert hooks["alchemy-lint"]["entry"] == "alchemy-lint check"
    assert hooks["alchemy-lint-fix"]["entry"] == "alchemy-lint check --fix"
    for hook in hooks.values():
        assert (hook["language"], hook["types"]) == ("python", ["python"])


def test_hook_fails_on_a_violation_and_names_its_code(hook_repo: Path, pre_commit_home: Path, tmp_path: Path) -> None:
    target = committed_repo(write_project(tmp_path / "app", {"app/db.py": DB, "app/handlers.py": HANDLER}))
    result = try_repo(hook_repo, pre_commit_home, target, "--all-files")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "alchemy-lint" in result.stdout and "Failed" in result.stdout
    assert "app/handlers.py:7:15: ASA401 session.commit() inside `async with SessionLocal.begin()`" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_hook_on_one_changed_file_still_sees_the_factory_in_another(
    hook_repo: Path, pre_commit_home: Path, tmp_path: Path
) -> None:
    target = committed_repo(write_project(tmp_path / "app", {"app/db.py": DB, "app/handlers.py": HANDLER}))
    result = try_repo(hook_repo, pre_commit_home, target, "--files", "app/handlers.py")
    assert result.returncode == 1, result.stdout + result.stderr
    assert "app/handlers.py:7:15: ASA401" in result.stdout


def test_hook_passes_on_clean_code(hook_repo: Path, pre_commit_home: Path, tmp_path: Path) -> None:
    clean = HANDLER.replace("        await session.commit()\n", "")
    target = committed_repo(write_project(tmp_path / "app", {"app/db.py": DB, "app/handlers.py": clean}))
    result = try_repo(hook_repo, pre_commit_home, target, "--all-files")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout
