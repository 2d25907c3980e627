"""Folder walks leave out what git and `.ignore` files ignore, as ruff's walk does; flake8 agrees."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from conftest import finding_lines, reported, run_cli, run_flake8, working_directory, write_project
from hypothesis import given, settings
from hypothesis import strategies as st
from pathspec import GitIgnoreSpec

from alchemy_lint import ignores
from alchemy_lint.engine import check_paths
from alchemy_lint.ignores import IgnoreFile, IgnoreFiles

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine)
"""
SECOND_FACTORY = """\
from sqlalchemy.ext.asyncio import async_sessionmaker

from app.db import engine

Other = async_sessionmaker(engine, expire_on_commit=False)
"""


@pytest.fixture(autouse=True)
def own_git_config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A home of its own, so that the machine's global git excludes play no part."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / ".config"))
    monkeypatch.setenv("GIT_CONFIG_NOSYSTEM", "1")
    return home


def git_repository(root: Path) -> Path:
    subprocess.run(["git", "init", "--quiet", str(root)], check=True, capture_output=True)
    return root


def checked(root: Path, *paths: str) -> list[str]:
    """The files with an ASA103 finding (every file here has the same factory)."""
    with working_directory(root):
        result = check_paths(list(paths) or ["."], {"select": ("ASA103",)})
    return sorted(finding.path for finding in result.findings)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    files = {
        "app/db.py": DB,
        "app/generated_db.py": DB,
        "app/keep_generated_db.py": DB,
        "build_out/db.py": DB,
        "sub/db.py": DB,
        "sub/local_db.py": DB,
    }
    root = git_repository(write_project(tmp_path / "repo", files))
    (root / ".gitignore").write_text("generated_*.py\n*_generated_*.py\n!keep_*.py\nbuild_out/\n", encoding="utf-8")
    (root / "sub" / ".gitignore").write_text("local_*.py\n", encoding="utf-8")
    return root


def test_gitignored_files_and_folders_are_left_out_of_the_walk(repo: Path) -> None:
    assert checked(repo) == ["app/db.py", "app/keep_generated_db.py", "sub/db.py"]


def test_a_gitignored_file_named_on_the_command_line_is_checked(repo: Path) -> None:
    assert checked(repo, "app/generated_db.py", "build_out/db.py") == ["app/generated_db.py", "build_out/db.py"]


def test_an_ignored_folder_named_on_the_command_line_is_walked(repo: Path) -> None:
    assert checked(repo, "build_out") == ["build_out/db.py"]


def test_the_gitignore_of_the_repository_root_holds_for_a_subfolder_walk(repo: Path) -> None:
    (repo / "app" / "pyproject.toml").write_text("", encoding="utf-8")  # a project of its own, in the same repo
    assert checked(repo / "app") == ["db.py", "keep_generated_db.py"]


def test_a_gitignored_file_is_not_part_of_the_project_index(tmp_path: Path) -> None:
    # A second factory in an ignored file would be ASA105 on it, and on nothing else.
    files = {"app/__init__.py": "", "app/db.py": DB, "app/generated_factory.py": SECOND_FACTORY}
    repo = git_repository(write_project(tmp_path / "repo", files))
    (repo / ".gitignore").write_text("generated_*.py\n", encoding="utf-8")
    with working_directory(repo):
        assert [f.path for f in check_paths(["."], {"select": ("ASA105",)}).findings] == []
        everything = check_paths(["."], {"select": ("ASA105",), "respect_gitignore": False}).findings
    assert [f.path for f in everything] == ["app/generated_factory.py"]


def test_git_info_exclude_and_the_global_excludes_file_are_honoured(repo: Path, own_git_config: Path) -> None:
    (repo / ".git" / "info").mkdir(exist_ok=True)
    (repo / ".git" / "info" / "exclude").write_text("sub/db.py\n", encoding="utf-8")
    global_ignore = own_git_config / ".config" / "git" / "ignore"
    global_ignore.parent.mkdir(parents=True)
    global_ignore.write_text("/app/db.py\n", encoding="utf-8")
    assert checked(repo) == ["app/keep_generated_db.py"]


def test_core_excludes_file_moves_the_global_excludes(repo: Path, own_git_config: Path) -> None:
    (own_git_config / "my-ignores").write_text("app/\n", encoding="utf-8")
    (own_git_config / ".gitconfig").write_text("[core]\n\texcludesFile = ~/my-ignores\n", encoding="utf-8")
    assert checked(repo) == ["sub/db.py"]


def test_outside_git_only_dot_ignore_files_count(tmp_path: Path) -> None:
    root = write_project(tmp_path / "plain", {"a/db.py": DB, "b/db.py": DB, "c/db.py": DB})
    (root / ".gitignore").write_text("a/\n", encoding="utf-8")
    (root / ".ignore").write_text("b/\n", encoding="utf-8")
    assert checked(root) == ["a/db.py", "c/db.py"]


def test_the_walk_reads_the_ignore_files_its_listings_show_and_tries_no_other(
    repo: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (repo / "sub" / ".ignore").write_text("db.py\n", encoding="utf-8")
    tried: list[str] = []
    read = ignores._read_ignore_file

    def recording(path: Path, base: str | Path) -> IgnoreFile | None:
        tried.append(path.relative_to(repo).as_posix() if path.is_relative_to(repo) else path.name)
        return read(path, base)

    monkeypatch.setattr(ignores, "_read_ignore_file", recording)
    assert checked(repo) == ["app/db.py", "app/keep_generated_db.py"]
    # The repository's own excludes and the global file, then what the folders hold.
    assert sorted(tried) == [".git/info/exclude", ".gitignore", "ignore", "sub/.gitignore", "sub/.ignore"]


def test_dot_ignore_wins_over_gitignore(repo: Path) -> None:
    (repo / ".ignore").write_text("!generated_*.py\n", encoding="utf-8")
    assert "app/generated_db.py" in checked(repo)


def test_respect_gitignore_can_be_turned_off(repo: Path) -> None:
    everything = [
        "app/db.py",
        "app/generated_db.py",
        "app/keep_generated_db.py",
        "build_out/db.py",
        "sub/db.py",
        "sub/local_db.py",
    ]
    with working_directory(repo):
        flag = check_paths(["."], {"select": ("ASA103",), "respect_gitignore": False})
    assert sorted(f.path for f in flag.findings) == everything
    (repo / "pyproject.toml").write_text("[tool.alchemy-lint]\nrespect-gitignore = false\n", encoding="utf-8")
    assert checked(repo) == everything
    result = run_cli("check", "--select", "ASA103", "--respect-gitignore", ".", cwd=repo)
    assert sorted({found[0] for found in reported(result.stdout)}) == [
        "app/db.py",
        "app/keep_generated_db.py",
        "sub/db.py",
    ]


def test_flake8_leaves_out_what_the_cli_leaves_out(repo: Path) -> None:
    flake8 = run_flake8(".", cwd=repo)
    cli = run_cli("check", ".", cwd=repo)
    assert flake8.stderr == ""
    flake8_lines = sorted(line.removeprefix("./") for line in flake8.stdout.splitlines())
    assert flake8_lines == sorted(finding_lines(cli.stdout))
    assert {line.split(":")[0] for line in flake8_lines} == {"app/db.py", "app/keep_generated_db.py", "sub/db.py"}


def test_ignore_files_decide_by_git_precedence(tmp_path: Path) -> None:
    root = git_repository(tmp_path / "repo")
    (root / "deep" / "er").mkdir(parents=True)
    (root / ".gitignore").write_text("*.gen.py\n/top_only.py\n", encoding="utf-8")
    (root / "deep" / ".gitignore").write_text("!keep.gen.py\n", encoding="utf-8")
    ignores = IgnoreFiles(root)
    assert ignores.is_ignored(root / "deep" / "er" / "x.gen.py", is_dir=False)
    assert not ignores.is_ignored(root / "deep" / "keep.gen.py", is_dir=False)
    assert ignores.is_ignored(root / "top_only.py", is_dir=False)
    assert not ignores.is_ignored(root / "deep" / "top_only.py", is_dir=False)


SEGMENTS = st.sampled_from(["a", "b", "ab", "*", "**", "?", "[ab]", "*.py", "x.py", ".py", "b*", "[!a]b"])
PATTERNS = st.builds(
    lambda bang, lead, parts, trail: bang + lead + "/".join(parts) + trail,
    st.sampled_from(["", "!"]),
    st.sampled_from(["", "/"]),
    st.lists(SEGMENTS, min_size=1, max_size=3),
    st.sampled_from(["", "/"]),
)
PATHS = st.lists(st.sampled_from(["a", "b", "ab", "x.py", "a.py", "b.pyc", "aab"]), min_size=1, max_size=4)


@settings(max_examples=300, deadline=None)
# Past 8 patterns a file is indexed by the patterns' text: both sides of that line are drawn.
@given(patterns=st.lists(PATTERNS, min_size=1, max_size=16), parts=PATHS, is_dir=st.booleans())
def test_the_text_index_answers_as_pathspec_does(patterns: list[str], parts: list[str], is_dir: bool) -> None:
    spec = GitIgnoreSpec.from_lines(patterns)
    path = "/".join(parts)
    expected = spec.check_file(path + "/" if is_dir else path).include
    assert IgnoreFile("/base/", spec).decides("/base/" + path, is_dir=is_dir) == expected


def test_a_pattern_python_warns_about_is_read_quietly(tmp_path: Path) -> None:
    # A Next.js catch-all route in a monorepo's ignore file: `re` calls `[[` "a possible nested set".
    root = write_project(tmp_path / "project", {"app/db.py": DB, "web/pages/db.py": DB})
    (root / ".ignore").write_text("web/pages/[[...path]].tsx\nweb/pages/\n", encoding="utf-8")
    result = run_cli("check", "--select", "ASA103", ".", cwd=root)
    assert "Warning" not in result.stderr, result.stderr
    assert [path for path, *_ in reported(result.stdout)] == ["app/db.py"]
