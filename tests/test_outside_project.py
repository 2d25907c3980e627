"""A file outside any project is checked alone: its folder is not walked and no cache is left beside it."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import reported, run_cli, run_flake8, working_directory

from alchemy_lint.engine import RunOptions, check_paths
from alchemy_lint.roots import is_project_root

FACTORY = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
{name} = async_sessionmaker(engine, expire_on_commit=False)
"""
#: A second factory on the first file's engine: the same database, so a second factory (ASA105).
SECOND_FACTORY = """\
from sqlalchemy.ext.asyncio import async_sessionmaker

from a_first import engine

Scratch = async_sessionmaker(engine, expire_on_commit=False)
"""


@pytest.fixture
def scratch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with no project marker at or above it, holding loose scripts, as a home folder may."""
    if any(is_project_root(folder) for folder in (tmp_path, *tmp_path.parents)):
        pytest.skip("the temporary folder is inside a project on this machine")
    monkeypatch.delenv("ALCHEMY_LINT_CACHE_DIR", raising=False)
    monkeypatch.delenv("ALCHEMY_LINT_NO_CACHE", raising=False)
    folder = tmp_path / "scratch"
    (folder / "old" / "deeper").mkdir(parents=True)
    # Sorted first, a factory that would make the scratch file's factory a second one (ASA105).
    (folder / "a_first.py").write_text(FACTORY.format(name="First"), encoding="utf-8")
    for number in range(20):
        (folder / "old" / "deeper" / f"f{number}.py").write_text("x = 1\n", encoding="utf-8")
    (folder / "scratch.py").write_text(SECOND_FACTORY, encoding="utf-8")
    return folder


def test_a_file_outside_any_project_is_checked_alone(scratch: Path) -> None:
    with working_directory(scratch):
        result = check_paths(["scratch.py"], {"select": ("ASA105",)}, RunOptions(cache=True))
    assert result.findings == ()  # the sibling's factory was not read
    assert result.stats.project_files == 1


def test_no_cache_folder_is_left_beside_it(scratch: Path) -> None:
    before = sorted(path.name for path in scratch.iterdir())
    done = run_cli("check", "scratch.py", cwd=scratch)
    assert (done.returncode, done.stderr) == (0, "")
    assert sorted(path.name for path in scratch.iterdir()) == before


def test_files_named_together_outside_a_project_see_each_other(scratch: Path) -> None:
    done = run_cli("check", "--select", "ASA105", "a_first.py", "scratch.py", cwd=scratch)
    assert [(found[0], found[3]) for found in reported(done.stdout)] == [("scratch.py", "ASA105")]


def test_a_folder_outside_any_project_is_walked_when_named(scratch: Path) -> None:
    with working_directory(scratch):
        result = check_paths(["."], {"select": ("ASA105",)}, RunOptions(cache=True))
    assert [finding.path for finding in result.findings] == ["scratch.py"]
    assert result.stats.project_files == 22
    assert not (scratch / ".alchemy_lint_cache").exists()


def test_flake8_checks_a_file_outside_any_project_alone(scratch: Path) -> None:
    done = run_flake8("scratch.py", cwd=scratch)
    assert (done.returncode, done.stdout, done.stderr) == (0, "", "")
    assert not (scratch / ".alchemy_lint_cache").exists()
