"""A project that imports a sibling project: another member of the uv workspace above it
(`packages/app` importing `corepkg` from `packages/core`), or a folder its pyproject.toml names
as a path dependency (uv's `[tool.uv.sources]`, Poetry's `path =`). The sibling's files are read
for the project's index, so that its calls into the sibling resolve, but they are not checked as
part of it: checked from the workspace's top, each member is a project of its own."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import expected_lines, findings_in, working_directory
from test_loading_runtime import HARNESS
from test_nested_libraries import MODELS, REPOSITORY, ROUTES

from alchemy_lint.engine import check_paths

WORKSPACE = '[project]\nname = "ws"\nversion = "0"\n\n[tool.uv.workspace]\nmembers = ["packages/*"]\n'
CORE = '[project]\nname = "corepkg"\nversion = "0"\n'
APP = '[project]\nname = "app"\nversion = "0"\ndependencies = ["corepkg"]\n'


def _write(root: Path, files: dict[str, str]) -> Path:
    for relative, text in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


def _members(root: Path, workspace: str = WORKSPACE, app: str = APP, core: str = "packages/core") -> Path:
    """A workspace: the application in `packages/app/src/server`, the library it imports in
    `<core>/src/corepkg`, whose own `service.py` breaks ASA301 too."""
    return _write(
        root,
        {
            "pyproject.toml": workspace,
            "packages/app/pyproject.toml": app,
            "packages/app/src/server/__init__.py": "",
            "packages/app/src/server/routes.py": ROUTES,
            f"{core}/pyproject.toml": CORE,
            f"{core}/src/corepkg/__init__.py": "",
            f"{core}/src/corepkg/models.py": MODELS,
            f"{core}/src/corepkg/repo.py": REPOSITORY,
            f"{core}/src/corepkg/service.py": ROUTES,
        },
    )


def _checked(folder: Path, target: str) -> list[tuple[str, int]]:
    with working_directory(folder):
        result = check_paths([target], {"select": ("ASA301",)})
    return sorted((finding.path, finding.line) for finding in result.findings)


def test_a_read_of_what_a_workspace_sibling_returns_is_judged(tmp_path: Path) -> None:
    root = _members(tmp_path / "ws")
    found = findings_in(root / "packages/app", "src/server/routes.py", "ASA301")
    assert [finding.line for finding in found] == expected_lines(ROUTES, "ASA301")
    assert "get_messages()" in found[0].message


def test_the_sibling_is_read_but_not_checked_with_the_project(tmp_path: Path) -> None:
    root = _members(tmp_path / "ws")
    lines = expected_lines(ROUTES, "ASA301")
    assert _checked(root / "packages/app", ".") == [("src/server/routes.py", line) for line in lines]


def test_checked_from_the_workspace_top_each_member_reports_its_own_files_once(tmp_path: Path) -> None:
    root = _members(tmp_path / "ws")
    lines = expected_lines(ROUTES, "ASA301")
    assert _checked(root, ".") == sorted(
        [("packages/app/src/server/routes.py", line) for line in lines]
        + [("packages/core/src/corepkg/service.py", line) for line in lines]
    )


def test_one_file_of_a_member_is_judged_with_its_siblings(tmp_path: Path) -> None:
    root = _members(tmp_path / "ws")
    lines = expected_lines(ROUTES, "ASA301")
    assert _checked(root, "packages/app/src/server/routes.py") == [
        ("packages/app/src/server/routes.py", line) for line in lines
    ]


@pytest.mark.parametrize(
    "app",
    [
        APP + '\n[tool.uv.sources]\ncorepkg = { path = "../../libs/core", editable = true }\n',
        APP + '\n[tool.poetry.dependencies]\ncorepkg = { path = "../../libs/core", develop = true }\n',
        APP + '\n[tool.poetry.group.dev.dependencies]\ncorepkg = { path = "../../libs/core" }\n',
    ],
    ids=["uv-source", "poetry", "poetry-group"],
)
def test_a_path_dependency_is_read_like_a_member(app: str, tmp_path: Path) -> None:
    # No workspace: the library sits where the application's pyproject.toml says.
    root = _members(tmp_path / "repo", workspace='[project]\nname = "repo"\nversion = "0"\n', app=app, core="libs/core")
    found = findings_in(root / "packages/app", "src/server/routes.py", "ASA301")
    assert [finding.line for finding in found] == expected_lines(ROUTES, "ASA301")


@pytest.mark.parametrize(
    "workspace",
    [
        '[project]\nname = "ws"\nversion = "0"\n',
        WORKSPACE.replace('"packages/*"', '"packages/app"'),
        WORKSPACE + 'exclude = ["packages/core"]\n',
    ],
    ids=["no-workspace", "not-a-member", "excluded"],
)
def test_a_sibling_neither_member_nor_dependency_is_not_read(workspace: str, tmp_path: Path) -> None:
    root = _members(tmp_path / "ws", workspace=workspace)
    assert findings_in(root / "packages/app", "src/server/routes.py", "ASA301") == []


def test_a_workspace_that_does_not_list_the_project_gives_it_no_sibling(tmp_path: Path) -> None:
    root = _members(tmp_path / "ws", workspace=WORKSPACE.replace('"packages/*"', '"packages/core"'))
    assert findings_in(root / "packages/app", "src/server/routes.py", "ASA301") == []


def test_the_application_raises_missing_greenlet_where_it_is_reported(tmp_path: Path) -> None:
    root = _members(tmp_path / "ws")
    # The workspace installs every member into one environment: both are importable (the
    # harness creates the tables of the models found below the root it is given).
    members = [str(root / "packages/app/src"), str(root / "packages/core/src")]
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(members)}
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
