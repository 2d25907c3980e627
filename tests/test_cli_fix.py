"""`alchemy-lint check --fix / --unsafe-fixes / --diff`: what is written, printed and returned."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import reported, working_directory, write_project

from alchemy_lint.catalogue import fix_allowed
from alchemy_lint.cli import main
from alchemy_lint.engine import check_paths
from alchemy_lint.fixes.pipeline import FixSession
from alchemy_lint.rules import FixSafety

FACTORY = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine)
"""
FIXED_FACTORY = FACTORY.replace("async_sessionmaker(engine)", "async_sessionmaker(engine, expire_on_commit=False)")
ADHOC = """\
from sqlalchemy.ext.asyncio import AsyncSession

from app.db import engine


async def report() -> None:
    async with AsyncSession(engine, expire_on_commit=False) as session:
        await session.commit()
"""
CLEAN = "def add(a: int, b: int) -> int:\n    return a + b\n"


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return write_project(
        tmp_path / "project",
        {"app/__init__.py": "", "app/db.py": FACTORY, "app/report.py": ADHOC, "app/maths.py": CLEAN},
    )


def test_fix_rewrites_and_reports_what_remains(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with working_directory(app):
        code = main(["check", "--fix", "."])
    out, err = capsys.readouterr()
    assert (app / "app" / "db.py").read_text(encoding="utf-8") == FIXED_FACTORY
    assert [code for _, _, _, code in reported(out)] == ["ASA101"]
    assert out.endswith("Found 2 errors (1 fixed, 1 remaining).\n")
    assert err == ""
    assert code == 1


def test_fix_exits_zero_when_everything_was_fixed(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with working_directory(app):
        assert main(["check", "--fix", "app/db.py"]) == 0
    assert capsys.readouterr().out == "Found 1 error (1 fixed, 0 remaining).\n"


def test_diff_prints_the_fix_and_changes_nothing(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with working_directory(app):
        code = main(["check", "--diff", "."])
    out, err = capsys.readouterr()
    assert code == 1
    assert (app / "app" / "db.py").read_text(encoding="utf-8") == FACTORY
    assert out.splitlines()[:2] == ["--- a/app/db.py", "+++ b/app/db.py"]
    assert "-SessionLocal = async_sessionmaker(engine)" in out.splitlines()
    assert "+SessionLocal = async_sessionmaker(engine, expire_on_commit=False)" in out.splitlines()
    assert "Would fix 1 error in 1 file." in err


def test_diff_exits_zero_when_there_is_nothing_to_fix(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with working_directory(app):
        assert main(["check", "--diff", "app/report.py"]) == 0
    assert capsys.readouterr().out == ""


def test_plain_check_hints_at_fix(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with working_directory(app):
        assert main(["check", "."]) == 1
    assert capsys.readouterr().out.endswith("Found 2 errors.\n[*] 1 fixable with `--fix`.\n")


def test_fix_respects_select(app: Path) -> None:
    with working_directory(app):
        main(["check", "--fix", "--select", "ASA101", "."])
    assert (app / "app" / "db.py").read_text(encoding="utf-8") == FACTORY


def test_fix_output_in_json_lists_only_what_remains(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with working_directory(app):
        main(["check", "--fix", "--format", "json", "."])
    assert [row["code"] for row in json.loads(capsys.readouterr().out)] == ["ASA101"]


def test_unsafe_fixes_run_only_when_asked() -> None:
    assert fix_allowed(FixSafety.SAFE, unsafe=False)
    assert not fix_allowed(FixSafety.UNSAFE, unsafe=False)
    assert fix_allowed(FixSafety.UNSAFE, unsafe=True)
    assert not fix_allowed(None, unsafe=True)


def test_only_files_with_fixable_findings_are_parsed_by_libcst(app: Path) -> None:
    with working_directory(app):
        session = FixSession(["."])
        findings = session.check().findings
        run = session.fix(findings, write=False)
    assert {f.path for f in findings} == {"app/db.py", "app/report.py"}
    assert [file.path for file in run.files] == ["app/db.py"]


def test_second_check_of_a_fix_session_sees_the_rewritten_files(tmp_path: Path) -> None:
    root = write_project(tmp_path / "outer", {"app/__init__.py": "", "app/db.py": FACTORY, "app/report.py": ADHOC})
    write_project(root / "nested", {"svc/db.py": FACTORY.replace("(engine)", "(engine, expire_on_commit=True)")})
    with working_directory(root):
        session = FixSession(["app", "nested"])
        before = session.check()
        assert session.fix(before.findings).changed
        assert session.check() == check_paths(["app", "nested"]) != before


def test_fix_in_a_nested_project_reads_its_own_project(tmp_path: Path) -> None:
    root = write_project(tmp_path / "outer", {"app/__init__.py": "", "app/db.py": FACTORY})
    write_project(root / "nested", {"svc/db.py": FACTORY})
    with working_directory(root):
        assert main(["check", "--fix", "."]) == 0
    assert (root / "nested" / "svc" / "db.py").read_text(encoding="utf-8") == FIXED_FACTORY


def _libcst_imported(root: Path, *args: str) -> bool:
    script = (
        f"import sys\nfrom alchemy_lint.cli import main\nmain({['check', *args]!r})\nprint('libcst' in sys.modules)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], cwd=root, capture_output=True, text=True, check=True)
    return done.stdout.strip().splitlines()[-1] == "True"


def test_libcst_is_imported_only_when_a_fix_is_asked_for_and_possible(app: Path) -> None:
    assert not _libcst_imported(app, ".")
    assert not _libcst_imported(app, "--format", "json", ".")
    assert not _libcst_imported(app, "--fix", "app/report.py", "app/maths.py")
    assert _libcst_imported(app, "--diff", "app/db.py")


def test_fix_keeps_bom_crlf_and_file_mode(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/__init__.py": ""})
    target = root / "app" / "db.py"
    target.write_bytes(b"\xef\xbb\xbf" + FACTORY.replace("\n", "\r\n").encode("utf-8"))
    target.chmod(0o640)
    with working_directory(root):
        main(["check", "--fix", "app/db.py"])
    assert target.read_bytes() == b"\xef\xbb\xbf" + FIXED_FACTORY.replace("\n", "\r\n").encode("utf-8")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert sorted(os.listdir(target.parent)) == ["__init__.py", "db.py"]


def test_fix_keeps_a_declared_legacy_encoding(tmp_path: Path) -> None:
    header = "# -*- coding: latin-1 -*-\n# Réglages de la base.\n"
    root = write_project(tmp_path / "project", {"app/__init__.py": ""})
    target = root / "app" / "db.py"
    target.write_bytes((header + FACTORY).encode("latin-1"))
    with working_directory(root):
        assert main(["check", "--fix", "app/db.py"]) == 0
    assert target.read_bytes() == (header + FIXED_FACTORY).encode("latin-1")


def test_fix_through_a_symlink_rewrites_the_target(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "real/db.py": FACTORY})
    link = root / "app" / "db.py"
    link.symlink_to(root / "real" / "db.py")
    with working_directory(root):
        main(["check", "--fix", "app/db.py"])
    assert link.is_symlink()
    assert (root / "real" / "db.py").read_text(encoding="utf-8") == FIXED_FACTORY
