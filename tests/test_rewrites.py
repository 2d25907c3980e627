"""Files that `--fix` and `baseline` rewrite keep their line endings, owner, mode and hard links."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import run_cli, write_project

FACTORY = "from sqlalchemy.ext.asyncio import async_sessionmaker{end}SessionLocal = async_sessionmaker(engine){end}"
FIXED = "SessionLocal = async_sessionmaker(engine, expire_on_commit=False)"


@pytest.mark.parametrize(
    ("name", "source"),
    [
        ("cr_only.py", FACTORY.format(end="\r")),
        ("mixed.py", FACTORY.format(end="\r\n") + "# last line\r"),
    ],
)
def test_fix_keeps_a_last_lone_carriage_return(tmp_path: Path, name: str, source: str) -> None:
    root = write_project(tmp_path / "project", {})
    (root / name).write_bytes(source.encode())

    result = run_cli("check", "--fix", "--no-cache", ".", cwd=root)

    assert result.returncode == 0, result.stdout + result.stderr
    expected = source.replace("SessionLocal = async_sessionmaker(engine)", FIXED)
    assert (root / name).read_bytes() == expected.encode()


def test_fix_rewrites_a_hard_linked_file_in_place(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"db.py": FACTORY.format(end="\n")})
    other_name = tmp_path / "other_name.py"
    os.link(root / "db.py", other_name)

    assert run_cli("check", "--fix", "--no-cache", ".", cwd=root).returncode == 0

    assert FIXED in other_name.read_text(encoding="utf-8")
    assert (root / "db.py").stat().st_ino == other_name.stat().st_ino


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="only root can give a file away")
@pytest.mark.parametrize("command", [("check", "--fix", "--no-cache"), ("baseline",)])
def test_a_rewrite_run_as_root_keeps_the_owner_and_mode(tmp_path: Path, command: tuple[str, ...]) -> None:
    root = write_project(tmp_path / "project", {"db.py": FACTORY.format(end="\n")})
    target = root / "db.py"
    os.chown(target, 65534, 65534)
    target.chmod(0o640)

    result = run_cli(*command, ".", cwd=root)

    assert result.returncode == 0, result.stdout + result.stderr
    assert "SessionLocal = async_sessionmaker(engine" in target.read_text(encoding="utf-8")
    assert target.read_text(encoding="utf-8") != FACTORY.format(end="\n")
    status = target.stat()
    assert (status.st_uid, status.st_gid, status.st_mode & 0o7777) == (65534, 65534, 0o640)
