"""Shared test helpers: build a small project on disk and check it for real."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from alchemy_lint.engine import check_paths
from alchemy_lint.findings import Finding
from alchemy_lint.rules import Example

MARKER = re.compile(r"#\s*(ASA\d{3})\b")


def write_project(root: Path, files: dict[str, str], config: str = "") -> Path:
    """A project folder with a pyproject.toml (so the root is found there) and the files."""
    root.mkdir(parents=True, exist_ok=True)
    (root / "pyproject.toml").write_text(f"[tool.alchemy-lint]\n{config}\n", encoding="utf-8")
    for relative, source in files.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(source, encoding="utf-8")
    return root


def async_database(expire_on_commit: bool | None = None) -> str:
    """`app/db.py` of a runtime example: an in-memory aiosqlite engine shared by every
    connection (the harness builds its tables on it) and the project's one session factory."""
    keyword = "" if expire_on_commit is None else f", expire_on_commit={expire_on_commit}"
    return (
        "from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine\n"
        "from sqlalchemy.pool import StaticPool\n"
        "\n"
        'engine = create_async_engine("sqlite+aiosqlite://", poolclass=StaticPool)\n'
        f"SessionLocal = async_sessionmaker(engine{keyword})\n"
    )


def calling_handler(module: str, call: str, returned: str = "result") -> str:
    """`app/handlers.py` of a runtime example: one session from the factory, handed to
    `module.call` (`service.rename(session, 1)`); `returned` is what the handler gives back."""
    return (
        "from app.db import SessionLocal\n"
        f"from app import {module}\n"
        "\n"
        "\n"
        "async def run() -> object:\n"
        "    async with SessionLocal() as session:\n"
        f"        result = await {module}.{call}\n"
        f"        return {returned}\n"
    )


def example_project(root: Path, example: Example) -> Path:
    files = dict(example.others)
    files[example.path] = example.source
    return write_project(root, files, example.config)


def expected_lines(source: str, code: str) -> list[int]:
    return [number for number, line in enumerate(source.splitlines(), 1) if code in MARKER.findall(line)]


def findings_in(root: Path, relative: str, code: str | None = None) -> list[Finding]:
    with working_directory(root):
        result = check_paths([relative], {"select": (code,)} if code else None)
    return [f for f in result.findings if code is None or f.code == code]


class working_directory:
    def __init__(self, path: Path) -> None:
        self.path = path
        self.previous = Path.cwd()

    def __enter__(self) -> Path:
        os.chdir(self.path)
        return self.path

    def __exit__(self, *exc: object) -> None:
        os.chdir(self.previous)


@pytest.fixture
def project(tmp_path: Path) -> Iterator[Path]:
    yield tmp_path / "project"


REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "fixtures"
EXPECT = re.compile(r"#\s*expect:\s*(ASA\d{3}(?:\s*,\s*ASA\d{3})*)")


def run_flake8(*args: str, cwd: Path = REPO, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """flake8 with only the ASA plugin's codes, ignoring the machine's flake8 configuration."""
    return subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "ASA", *args],
        cwd=cwd,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=600,
    )


def run_cli(*args: str, cwd: Path = REPO, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    """The installed `alchemy-lint` console script, as a user runs it."""
    script = Path(sys.executable).parent / "alchemy-lint"
    command = [str(script)] if script.is_file() else [sys.executable, "-m", "alchemy_lint"]
    return subprocess.run([*command, *args], cwd=cwd, input=stdin, capture_output=True, text=True, timeout=600)


#: The summary lines after the findings of a text report (ruff's wording).
SUMMARY = re.compile(r"Found \d+ errors?( \(\d+ fixed, \d+ remaining\))?\.|All checks passed!|\[\*\] |\d+ unsafe fix")


def reported(output: str) -> list[tuple[str, int, int, str]]:
    """(path, line, column, code) of every flake8-style line `path:line:col: CODE message`;
    the summary lines after them are skipped, any other line fails the test."""
    found = []
    for line in output.splitlines():
        if SUMMARY.match(line):
            continue
        path, number, column, rest = line.split(":", 3)
        found.append((path, int(number), int(column), rest.split()[0]))
    return found


def finding_lines(output: str) -> list[str]:
    """The lines of a text report without its summary lines."""
    return [line for line in output.splitlines() if line.strip() and not SUMMARY.match(line)]


def expected_markers(folder: Path, relative_to: Path = REPO) -> set[tuple[str, int, str]]:
    """(path, line, code) of every `# expect: ASA###[, ASA###]` comment below `folder`."""
    found = set()
    for path in sorted(folder.rglob("*.py")):
        shown = path.relative_to(relative_to).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = EXPECT.search(line)
            if match:
                found.update((shown, number, code.strip()) for code in match.group(1).split(","))
    return found


#: A small project shared by the cache and editor tests: the database module...
APP_DB_MODULE = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

#: ...and a handler that opens an ad-hoc session from its engine (ASA101).
ADHOC_HANDLER = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import engine


async def load_report() -> None:
    session = AsyncSession(engine, expire_on_commit=False)
    await session.close()
"""


#: What `pytest.mark.long` says, for `--markers`.
LONG = "long: a test of many seconds, started before the others (see pytest_collection_modifyitems)"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", LONG)


@pytest.hookimpl(wrapper=True)
def pytest_collection_modifyitems(items: list[pytest.Item]) -> Iterator[None]:
    """The long tests first, in their order, then the others in theirs: xdist hands the tests
    out in this order, so that no worker is left running a long one alone at the end while the
    others have nothing left to do (every worker sorts its collection the same way). Then the
    groups of `xdist_group`, which xdist writes into each item's id in a hook of its own."""
    items.sort(key=lambda item: item.get_closest_marker("long") is None)
    yield
    for item in items:
        _keep_xdist_group(item)


def _keep_xdist_group(item: pytest.Item) -> None:
    """pytest 9.2 keeps a test's id structured (`_id`): xdist's `--dist loadgroup` still writes the
    grouped id (`test@group`) to the field older pytest read (`_nodeid`), where it is lost, and
    every test of a group goes to any worker (pytest-xdist issue 1386). The grouped id is copied
    into the structured one, the way xdist's fix for newer pytest does."""
    grouped = item.__dict__.get("_nodeid")
    parse = getattr(type(getattr(item, "_id", None)), "parse", None)
    if isinstance(grouped, str) and parse is not None and grouped != item.nodeid:
        item._id = parse(grouped)  # type: ignore[attr-defined]
