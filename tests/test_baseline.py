"""`alchemy-lint baseline`: markers on every reported line, after which `check` (and flake8) is clean."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import working_directory, write_project

from alchemy_lint.baseline import BaselineError, add_noqa, token_line_ranges
from alchemy_lint.cli import main

DB = """\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, info={"doc": \"\"\"
the one factory
\"\"\"})
Reports = async_sessionmaker(engine)  # reporting replica
Audit = async_sessionmaker(engine)  # noqa: E501
Legacy = async_sessionmaker(engine) if engine else \\
    None


async def handler() -> None:
    async with AsyncSession(engine) as session:
        await session.commit()
"""
BASELINED = """\
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
SessionLocal = async_sessionmaker(engine, info={"doc": \"\"\"
the one factory
\"\"\"})  # noqa: ASA103
Reports = async_sessionmaker(engine)  # reporting replica  # noqa: ASA103, ASA105
Audit = async_sessionmaker(engine)  # noqa: E501, ASA103, ASA105
Legacy = async_sessionmaker(engine) if engine else \\
    None  # noqa: ASA103, ASA105


async def handler() -> None:
    async with AsyncSession(engine) as session:  # noqa: ASA101, ASA103
        await session.commit()
"""


@pytest.fixture
def legacy(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project", {"app/__init__.py": "", "app/db.py": DB})


def test_baseline_marks_every_reported_line(legacy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with working_directory(legacy):
        assert main(["check", "."]) == 1
        assert main(["baseline", "."]) == 0
    assert (legacy / "app" / "db.py").read_text(encoding="utf-8") == BASELINED
    assert "Added noqa markers for 9 findings in 1 file." in capsys.readouterr().err


def test_after_baseline_check_reports_nothing(legacy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with working_directory(legacy):
        main(["baseline", "."])
        capsys.readouterr()
        assert main(["check", "."]) == 0
    assert capsys.readouterr().out == "All checks passed!\n"


def _flake8(root: Path) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-m", "flake8", "--select", "ASA", "app"]
    return subprocess.run(command, cwd=root, capture_output=True, text=True, check=False)


def test_after_baseline_flake8_reports_nothing(legacy: Path) -> None:
    # Eight: the ad-hoc session gets ASA101 alone (one construct, one finding); baseline marks
    # ASA103 there too, since silencing ASA101 lets ASA103 judge the sanctioned session.
    assert _flake8(legacy).stdout.count(" ASA") == 8
    with working_directory(legacy):
        main(["baseline", "."])
    done = _flake8(legacy)
    assert (done.returncode, done.stdout) == (0, "")


def test_baseline_twice_changes_nothing(legacy: Path) -> None:
    with working_directory(legacy):
        main(["baseline", "."])
        main(["baseline", "."])
    assert (legacy / "app" / "db.py").read_text(encoding="utf-8") == BASELINED


def test_new_violation_after_baseline_is_reported(legacy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with working_directory(legacy):
        main(["baseline", "."])
        target = legacy / "app" / "db.py"
        target.write_text(target.read_text(encoding="utf-8") + "Fresh = async_sessionmaker(engine)\n", encoding="utf-8")
        capsys.readouterr()
        assert main(["check", "."]) == 1
    assert capsys.readouterr().out.startswith("app/db.py:16:9: ASA103")


def test_baseline_keeps_crlf_and_bom(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/__init__.py": ""})
    target = root / "app" / "db.py"
    target.write_bytes(b"\xef\xbb\xbf" + DB.replace("\n", "\r\n").encode("utf-8"))
    with working_directory(root):
        main(["baseline", "."])
    assert target.read_bytes() == b"\xef\xbb\xbf" + BASELINED.replace("\n", "\r\n").encode("utf-8")


def test_baseline_leaves_a_file_that_does_not_parse(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "project", {"app/broken.py": "def broken(:\n    pass\n"})
    with working_directory(root):
        assert main(["baseline", "."]) == 1
    assert (root / "app" / "broken.py").read_text(encoding="utf-8") == "def broken(:\n    pass\n"
    assert "ASA001" in capsys.readouterr().out


def test_a_bare_noqa_is_left_as_it_is() -> None:
    assert add_noqa("x = f()  # noqa\n", {1: {"ASA101"}}) == "x = f()  # noqa\n"


def test_markers_never_go_inside_a_string() -> None:
    source = 'x = f("""a\nb""")\n'
    assert add_noqa(source, {1: {"ASA101"}, 2: {"ASA103"}}) == 'x = f("""a\nb""")  # noqa: ASA101, ASA103\n'


def test_add_noqa_refuses_text_that_does_not_parse() -> None:
    with pytest.raises(BaselineError):
        add_noqa("x = (\n", {1: {"ASA101"}})


def test_a_noqa_flake8_would_not_read_gets_a_real_one() -> None:
    assert add_noqa("x = f()  #noqa:E501\n", {1: {"ASA101"}}) == "x = f()  #noqa:E501  # noqa: ASA101\n"


def test_backslash_continuation_takes_the_marker_on_its_last_line() -> None:
    assert token_line_ranges("x = 1 + \\\n    2\ny = 3\n") == [(1, 2)]
    assert add_noqa("x = f() + \\\n    2\n", {1: {"ASA101"}}) == "x = f() + \\\n    2  # noqa: ASA101\n"


def test_a_file_ending_in_a_line_continuation_takes_markers_where_python_parses_it() -> None:
    # CPython 3.10 and 3.11 parse a continuation that ends the file (before `\r\n`); the
    # tokenize module does not, and the baseline left such a file unmarked while check judged it.
    text = "s = AsyncSession(engine)\n\\\r\n"
    if sys.version_info < (3, 12):
        assert add_noqa(text, {1: ["ASA101"]}) == "s = AsyncSession(engine)  # noqa: ASA101\n\\\r\n"
    else:
        with pytest.raises(BaselineError):
            add_noqa(text, {1: ["ASA101"]})


def test_form_feed_lines_do_not_shift_markers(tmp_path: Path) -> None:
    # Python counts only CR, LF and CRLF as line ends; str.splitlines also breaks at "\f".
    source = "from sqlalchemy.ext.asyncio import async_sessionmaker\n\f\nx = 1  # \f note\nS = async_sessionmaker()\n"
    root = write_project(tmp_path / "project", {"app/db.py": source})
    with working_directory(root):
        main(["baseline", "."])
        assert main(["check", "."]) == 0
    marked = source.replace("async_sessionmaker()\n", "async_sessionmaker()  # noqa: ASA103\n")
    assert (root / "app" / "db.py").read_text(encoding="utf-8") == marked
    assert _flake8(root).stdout == ""


def test_baseline_honours_select(legacy: Path) -> None:
    with working_directory(legacy):
        assert main(["baseline", "--select", "ASA101", "."]) == 0
        assert main(["check", "--select", "ASA101", "."]) == 0
        assert main(["check", "--select", "ASA103", "."]) == 1
    text = (legacy / "app" / "db.py").read_text(encoding="utf-8")
    assert text.count("# noqa: ASA101") == 1 and "ASA103" not in text


def test_baseline_of_a_clean_project_changes_nothing(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "project", {"app/maths.py": "def add(a: int, b: int) -> int:\n    return a + b\n"})
    with working_directory(root):
        assert main(["baseline", "."]) == 0
    assert "Added noqa markers for 0 findings in 0 files." in capsys.readouterr().err
