"""How the engine cuts the files it checks into projects, each with its root and settings."""

from __future__ import annotations

from pathlib import Path

from conftest import finding_lines, reported, run_cli, run_flake8, write_project

ENGINE_IN_TABLES = """\
from sqlalchemy.ext.asyncio import create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
"""


def test_nested_project_is_checked_with_its_own_root_and_settings(tmp_path: Path) -> None:
    outer = write_project(tmp_path / "outer", {"tools/tables.py": ENGINE_IN_TABLES})
    write_project(
        outer / "services" / "billing", {"app/tables.py": ENGINE_IN_TABLES}, 'models-modules = ["**/tables.py"]'
    )

    from_outer = run_cli("check", ".", cwd=outer)
    from_inner = run_cli("check", ".", cwd=outer / "services" / "billing")

    # Only the nested project's settings make tables.py a models module.
    assert [(path, code) for path, _, _, code in reported(from_outer.stdout)] == [
        ("services/billing/app/tables.py", "ASA501")
    ]
    # The message names the path relative to the project that owns the file.
    assert "in models module app/tables.py:" in from_outer.stdout
    assert from_outer.stdout.replace("services/billing/", "") == from_inner.stdout


def test_python_warnings_about_the_checked_code_are_not_printed(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/w.py": 'x = 1 if 1else 0\ny = "\\d"\nz = 1 is 1\n'})
    result = run_cli("check", ".", cwd=root)
    assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed!\n", "")


def test_exclude_applies_to_named_files_in_the_cli_and_in_flake8(tmp_path: Path) -> None:
    # pre-commit names every changed file: `exclude` must hold for named files too.
    adhoc = "from sqlalchemy.ext.asyncio import AsyncSession\n\n\ndef f(e):\n    return AsyncSession(e)\n"
    root = write_project(
        tmp_path / "project",
        {"migrations/versions/0001.py": adhoc, "app/x.py": adhoc},
        'exclude = ["migrations/"]',
    )
    named = ["migrations/versions/0001.py", "app/x.py"]
    cli = run_cli("check", *named, cwd=root)
    assert {path for path, *_ in reported(cli.stdout)} == {"app/x.py"}
    assert run_cli("check", "migrations", cwd=root).stdout == "All checks passed!\n"
    flake8 = run_flake8(*named, cwd=root)
    assert sorted(flake8.stdout.splitlines()) == sorted(finding_lines(cli.stdout))
