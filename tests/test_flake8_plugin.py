"""flake8, run for real through the installed `ASA` entry point, agrees with `alchemy-lint check`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, expected_markers, finding_lines, reported, run_cli, run_flake8, write_project


def lines(output: str) -> list[str]:
    # flake8 prints "./x.py" for files found below ".", the CLI "x.py"; the CLI's summary
    # line ("Found 3 errors.") is not a finding.
    return sorted(line.removeprefix("./") for line in finding_lines(output))


def test_flake8_reports_the_same_lines_as_the_cli_on_the_sample_app() -> None:
    flake8 = run_flake8("fixtures/sample_app")
    cli = run_cli("check", "fixtures/sample_app")
    assert flake8.stderr == ""
    assert flake8.returncode == 1
    assert lines(flake8.stdout) == lines(cli.stdout)
    assert len(lines(cli.stdout)) == len(expected_markers(FIXTURES / "sample_app"))


def test_flake8_is_silent_on_the_clean_app() -> None:
    flake8 = run_flake8("fixtures/clean_app")
    assert (flake8.returncode, flake8.stdout, flake8.stderr) == (0, "", "")


SAMPLE_FILES = sorted(path.relative_to(REPO).as_posix() for path in (FIXTURES / "sample_app" / "app").rglob("*.py"))


@pytest.mark.parametrize("relative", SAMPLE_FILES)
def test_flake8_on_one_file_uses_the_whole_project(relative: str) -> None:
    # Cross-file facts (the engine defined in another module) come from the project index
    # in both tools, even when only one file is named.
    flake8 = run_flake8(relative)
    cli = run_cli("check", relative)
    assert flake8.stderr == ""
    assert lines(flake8.stdout) == lines(cli.stdout)
    marked = {(path, line, code) for path, line, code in expected_markers(FIXTURES / "sample_app") if path == relative}
    assert len(lines(cli.stdout)) == len(marked)


def test_flake8_and_cli_honour_the_same_noqa_comments(tmp_path: Path) -> None:
    source = """\
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")


async def probe() -> None:
    async with AsyncSession(engine) as a:  # noqa: ASA101
        await a.close()
    async with AsyncSession(engine) as b:  # noqa: ASA101, ASA103
        await b.close()
    async with AsyncSession(engine) as c:  # noqa
        await c.close()
    async with AsyncSession(engine) as d:  # noqa:ASA103
        await d.close()
    async with AsyncSession(engine) as e:
        await e.close()
"""
    root = write_project(tmp_path / "project", {"app/probe.py": source})
    cli = run_cli("check", ".", cwd=root)
    flake8 = run_flake8(".", cwd=root)
    assert [(line, code) for _, line, _, code in reported(cli.stdout)] == [
        (7, "ASA103"),  # a: only ASA101 silenced
        (13, "ASA101"),  # d: only ASA103 silenced
        (15, "ASA101"),  # e: one construct, one finding: the more specific rule wins
    ]
    assert lines(flake8.stdout) == lines(cli.stdout)


def test_flake8_with_a_bad_setting_reports_it_once_per_file_without_a_traceback(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/x.py": "x = 1\n"}, 'transaction-policy = "strict"')
    flake8 = run_flake8("app/x.py", cwd=root)
    cli = run_cli("check", "app/x.py", cwd=root)
    problem = cli.stderr.removeprefix("alchemy-lint: error: ").strip()
    assert cli.returncode == 2
    assert flake8.stdout == f"app/x.py:1:1: ASA000 configuration error: {problem}\n"
    assert "Traceback" not in flake8.stderr


def test_flake8_on_stdin_checks_the_buffer_not_the_file_on_disk(tmp_path: Path) -> None:
    project = write_project(
        tmp_path / "project",
        {
            "app/db.py": "from sqlalchemy.ext.asyncio import create_async_engine\n"
            'engine = create_async_engine("sqlite+aiosqlite://")\n',
            "app/handlers.py": "async def nothing_yet() -> None:\n    pass\n",
        },
    )
    buffer = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n"
        "from app.db import engine\n\n\n"
        "async def report() -> None:\n"
        "    async with AsyncSession(engine, expire_on_commit=False) as session:\n"
        "        await session.commit()\n"
    )
    command = [sys.executable, "-m", "flake8", "--select", "ASA", "--stdin-display-name", "app/handlers.py", "-"]
    result = subprocess.run(command, cwd=project, input=buffer, capture_output=True, text=True, check=False)
    assert [(line, code) for _, line, _, code in reported(result.stdout)] == [(6, "ASA101")], result.stdout
