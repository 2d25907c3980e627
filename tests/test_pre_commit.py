"""The pre-commit hooks, run for real by `pre-commit run` from the README's configurations, which
install alchemy-lint from a git copy of this project (for the repository's address)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

import pytest
import yaml
from conftest import REPO, write_project

from alchemy_lint import __version__
from alchemy_lint.metadata import repository_url

#: One worker runs them all, so that the hook environment of the module is built once.
pytestmark = pytest.mark.xdist_group("pre-commit")

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
    """A git repository holding what pip needs to install this project, and the hooks, tagged
    with the release the README names."""
    copy = tmp_path_factory.mktemp("hook-repo")
    for name in ("pyproject.toml", "setup.py", "README.md", ".pre-commit-hooks.yaml"):
        shutil.copy2(REPO / name, copy / name)
    for folder in ("src", "build_support"):  # (the second holds the build backend)
        shutil.copytree(REPO / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    committed_repo(copy)
    git("tag", f"v{__version__}", cwd=copy)
    return copy


@pytest.fixture(scope="module")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    # Its own cache, so that the hook environments are built from the code under test;
    # shared by the tests of this module so that each is built once.
    yield tmp_path_factory.mktemp("pre-commit-home")


def readme_configurations() -> list[str]:
    """The YAML blocks of the README's pre-commit section, in order."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## pre-commit\n") : readme.index("\n## ", readme.index("## pre-commit\n") + 1)]
    return re.findall(r"```yaml\n(.*?)```", section, flags=re.DOTALL)


def as_tested(configuration: str, hook_repo: Path) -> str:
    """The README's configuration, with this project's address pointing at the git copy."""
    address = repository_url()
    assert address in configuration or PATH_PLACEHOLDER in configuration
    return configuration.replace(address, hook_repo.as_uri()).replace(PATH_PLACEHOLDER, str(hook_repo))


PATH_PLACEHOLDER = "/home/you/src/alchemy-lint"


def local_hook_with_a_path() -> str:
    """The local hook with the README's second block (a checkout's path) as its dependency."""
    local, path_dependency, _ = readme_configurations()
    return local[: local.index("        additional_dependencies:")] + path_dependency


def published_hooks() -> str:
    return readme_configurations()[2]


def pre_commit_run(
    configuration: str, home: Path, target: Path, *args: str, hook_repo: Path
) -> subprocess.CompletedProcess[str]:
    config = target / ".pre-commit-config.yaml"
    config.write_text(as_tested(configuration, hook_repo), encoding="utf-8")
    git("add", config.name, cwd=target)
    return subprocess.run(
        [sys.executable, "-m", "pre_commit", "run", *args],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=900,
        env={**_pure_build(os.environ), **GIT_IDENTITY, "PRE_COMMIT_HOME": str(home), "PRE_COMMIT_COLOR": "never"},
    )


def _pure_build(environ: Mapping[str, str]) -> dict[str, str]:
    """The environment without the compiled build's switch: a hook's environment installs the
    pure-Python build in seconds (the compiled one is tested on the suite's own install)."""
    return {name: value for name, value in environ.items() if name != "ALCHEMY_LINT_COMPILE"}


def violating_repo(folder: Path) -> Path:
    return committed_repo(write_project(folder, {"app/db.py": DB, "app/handlers.py": HANDLER}))


def test_hooks_file_defines_the_check_and_fix_hooks() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())}
    assert sorted(hooks) == ["alchemy-lint", "alchemy-lint-fix"]
    assert hooks["alchemy-lint"]["entry"] == "alchemy-lint check"
    assert hooks["alchemy-lint-fix"]["entry"] == "alchemy-lint check --fix"
    for hook in hooks.values():
        assert (hook["language"], hook["types"]) == ("python", ["python"])


def test_readme_names_the_release_that_is_tagged() -> None:
    assert f"rev: v{__version__}\n" in published_hooks()


def test_published_hook_fails_on_a_violation_and_names_its_code(
    hook_repo: Path, pre_commit_home: Path, tmp_path: Path
) -> None:
    target = violating_repo(tmp_path / "app")
    result = pre_commit_run(published_hooks(), pre_commit_home, target, "--all-files", hook_repo=hook_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "alchemy-lint" in result.stdout and "Failed" in result.stdout
    assert "app/handlers.py:7:15: ASA401 session.commit() inside `async with SessionLocal.begin()`" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_hook_on_one_changed_file_still_sees_the_factory_in_another(
    hook_repo: Path, pre_commit_home: Path, tmp_path: Path
) -> None:
    target = violating_repo(tmp_path / "app")
    result = pre_commit_run(
        published_hooks(), pre_commit_home, target, "--files", "app/handlers.py", hook_repo=hook_repo
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "app/handlers.py:7:15: ASA401" in result.stdout


def test_hook_passes_on_clean_code(hook_repo: Path, pre_commit_home: Path, tmp_path: Path) -> None:
    clean = HANDLER.replace("        await session.commit()\n", "")
    target = committed_repo(write_project(tmp_path / "app", {"app/db.py": DB, "app/handlers.py": clean}))
    result = pre_commit_run(published_hooks(), pre_commit_home, target, "--all-files", hook_repo=hook_repo)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Passed" in result.stdout


@pytest.mark.parametrize(
    "configuration",
    [pytest.param(lambda: readme_configurations()[0], id="git-url"), pytest.param(local_hook_with_a_path, id="path")],
)
def test_readme_local_hook_installs_alchemy_lint_and_fails_on_a_violation(
    hook_repo: Path, pre_commit_home: Path, tmp_path: Path, configuration: Callable[[], str]
) -> None:
    target = violating_repo(tmp_path / "app")
    result = pre_commit_run(configuration(), pre_commit_home, target, "--all-files", hook_repo=hook_repo)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "app/handlers.py:7:15: ASA401" in result.stdout
    assert "Traceback" not in result.stdout + result.stderr
