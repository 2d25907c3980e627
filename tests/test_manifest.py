"""The manifest: a file whose status (size, times, inode) is as the last run recorded is not read
again, and whatever changed is still seen. Each test runs real checks on a project on disk."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import run_cli, run_flake8, working_directory, write_project

from alchemy_lint import manifest
from alchemy_lint.cache import CACHE_DIR_ENV, NO_CACHE_ENV, Cache, content_digest
from alchemy_lint.engine import CheckResult, RunOptions, check_paths
from alchemy_lint.manifest import Manifest, status_of
from alchemy_lint.sources import SourceChanged, SourceFile

DB = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, expire_on_commit=False)
"""

#: ASA401 in each: commit() inside a unit of work.
LEAKS = """\
from app.db import SessionLocal


async def save_{n}():
    async with SessionLocal.begin() as session:
        await session.commit()
"""

#: The same size as LEAKS: only the content tells them apart.
CLOSES = LEAKS.replace("commit()", "flush() ")

FILES = {"app/__init__.py": "", "app/db.py": DB, **{f"app/leak_{n}.py": LEAKS.format(n=n) for n in range(4)}}


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv(NO_CACHE_ENV, raising=False)
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "cache"))
    return write_project(tmp_path / "project", FILES)


@pytest.fixture
def trusting(monkeypatch: pytest.MonkeyPatch) -> None:
    """Files written a moment ago are trusted on the next run (they are not, by default)."""
    monkeypatch.setattr(manifest, "RACY_NS", -(10**12))


def check(root: Path, path: str = ".", *, cache: bool = True) -> CheckResult:
    with working_directory(root):
        return check_paths([path], None, RunOptions(cache=cache))


def codes(result: CheckResult) -> list[tuple[str, str]]:
    return [(finding.path, finding.code) for finding in result.findings]


def test_a_second_run_reads_no_file_that_did_not_change(project: Path, trusting: None) -> None:
    first = check(project)
    second = check(project)
    assert second.findings == first.findings == check(project, cache=False).findings
    assert len(codes(first)) == 4
    assert first.stats.files_unchanged == 0
    assert second.stats.files_unchanged == len(FILES)


def test_an_edit_of_the_same_size_with_the_old_mtime_is_still_seen(project: Path, trusting: None) -> None:
    check(project)
    edited = project / "app/leak_2.py"
    before = edited.stat()
    edited.write_text(CLOSES.format(n=2), encoding="utf-8")
    assert edited.stat().st_size == before.st_size
    os.utime(edited, ns=(before.st_atime_ns, before.st_mtime_ns))  # as `cp -p` or a tool may leave it

    result = check(project, "app/leak_2.py")

    assert codes(result) == []  # the status change time told
    assert result.stats.files_unchanged == len(FILES) - 1
    assert check(project).findings == check(project, cache=False).findings


def test_files_modified_just_before_a_run_are_read_again_on_the_next(project: Path) -> None:
    """Within a timestamp's tick, a second write of the same size would keep the status."""
    check(project)
    assert check(project).stats.files_unchanged == 0


def vouch_for_bytes_it_no_longer_has(project: Path) -> None:
    """What a run sees when a file changes between its status and its read: the manifest
    vouches for bytes the file no longer has, and their facts are not in the cache."""
    edited = project / "app/leak_1.py"
    edited.write_text(CLOSES.format(n=1) + "\n", encoding="utf-8")
    cache = Cache.for_project(project)
    for entry in (cache.root / "manifest").rglob("*.pickle"):
        entry.unlink()  # so that `finish` writes the whole manifest afresh
    stale = Manifest(cache, str(project.resolve()))
    for path in sorted(project.rglob("*.py")):
        relative = path.relative_to(project).as_posix()
        content = LEAKS.format(n=9) if path == edited else path.read_text(encoding="utf-8")
        stale.remember(relative, status_of(path.stat()), content_digest(content.encode()))
    stale.finish()


def test_a_file_that_changed_after_its_status_was_taken_makes_the_run_read_every_file(
    project: Path, trusting: None
) -> None:
    check(project)
    vouch_for_bytes_it_no_longer_has(project)

    result = check(project)

    assert result.stats.restarted == 1
    assert result.findings == check(project, cache=False).findings
    assert ("app/leak_1.py", "ASA401") not in codes(result)


def test_a_file_read_later_must_have_the_bytes_its_digest_was_made_of(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    path.write_bytes(b"x = 1\n")
    unread = SourceFile(path, "m.py", "m.py", "m", False, content_digest(b"x = 1\n"), None)
    assert unread.source == b"x = 1\n"
    assert unread.size == 6
    changed = SourceFile(path, "m.py", "m.py", "m", False, content_digest(b"x = 2\n"), None)
    with pytest.raises(SourceChanged):
        _ = changed.source
    path.unlink()
    gone = SourceFile(path, "m.py", "m.py", "m", False, content_digest(b"x = 1\n"), None)
    with pytest.raises(SourceChanged):
        _ = gone.source


def test_the_command_line_skips_unchanged_files_and_sees_an_edit(project: Path) -> None:
    """Through the installed command: the default racy margin, then an edit seen."""
    assert run_cli("check", ".", cwd=project).returncode == 1
    edited = project / "app/leak_0.py"
    edited.write_text(CLOSES.format(n=0), encoding="utf-8")
    after = run_cli("check", "--output-format", "concise", ".", cwd=project)
    assert "app/leak_0.py" not in after.stdout
    assert after.stdout.count("ASA401") == 3


def test_the_flake8_plugin_reads_every_file_again_when_one_changed_meanwhile(
    project: Path, trusting: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    check(project)
    vouch_for_bytes_it_no_longer_has(project)
    fresh = run_flake8("app", cwd=project)
    monkeypatch.setenv(NO_CACHE_ENV, "1")
    cold = run_flake8("app", cwd=project)
    assert (fresh.returncode, fresh.stdout, fresh.stderr) == (cold.returncode, cold.stdout, cold.stderr)
    assert fresh.stdout.count("ASA401") == 3


def test_a_manifest_of_another_shape_is_as_good_as_none(project: Path, trusting: None) -> None:
    first = check(project)
    cache = Cache.for_project(project)
    key = Manifest(cache, str(project.resolve()))._key
    cache.store("manifest", key, {"app/db.py": 7, "app/leak_0.py": ((1, 2), 3, 4), "app/leak_1.py": None})
    again = check(project)
    assert again.findings == first.findings
    assert again.stats.files_unchanged == 0
