"""Bad input never crashes a run: it gives ASA001 for the file, and the other files are checked."""

from __future__ import annotations

import ast
import os
import shutil
import sysconfig
import warnings
from pathlib import Path

import pytest
from conftest import reported, run_cli, write_project

from alchemy_lint.engine import is_skipped_dir

VIOLATION = """\
from sqlalchemy.ext.asyncio import AsyncSession


def open_one(engine):
    return AsyncSession(engine, expire_on_commit=False)
"""


def odd_files() -> dict[str, bytes]:
    deep = 10_000
    return {
        "syntax_error.py": b"def broken(:\n    pass\n",
        "latin1_without_cookie.py": b"name = '\xe9t\xe9'\n",
        "latin1_with_cookie.py": b"# -*- coding: latin-1 -*-\n# caf\xe9\n" + VIOLATION.encode(),
        "nul_byte.py": b"x = 1\x00\n",
        "empty.py": b"",
        "bom.py": b"\xef\xbb\xbf" + VIOLATION.encode(),
        "crlf.py": VIOLATION.replace("\n", "\r\n").encode() + b"x = AsyncSession(e)  # noqa: ASA101\r\n",
        "deep_parentheses.py": b"x = " + b"(" * deep + b"1" + b")" * deep + b"\n",
        "deep_lists.py": b"x = " + b"[" * deep + b"]" * deep + b"\n",
        "deep_sum.py": b"x = " + b" + ".join([b"1"] * deep) + b"\n",
        "deep_attributes.py": b"x = a" + b".b" * deep + b"\n",
        "deep_unary.py": b"x = " + b"-" * deep + b"1\n",
        "deep_blocks.py": b"".join(b"    " * i + b"if x:\n" for i in range(deep)) + b"    " * deep + b"pass\n",
        "good.py": VIOLATION.encode(),
    }


def test_odd_files_give_asa001_and_the_run_goes_on(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {})
    for name, content in odd_files().items():
        (root / name).write_bytes(content)
    (root / "dangling.py").symlink_to(root / "no-such-target.py")

    result = run_cli("check", "--select", "ASA001,ASA101", ".", cwd=root)

    assert "Traceback" not in result.stderr
    assert result.stderr == ""
    assert result.returncode == 1
    found = sorted((path, line, code) for path, line, _, code in reported(result.stdout))
    unparseable = [
        "dangling.py",
        "deep_blocks.py",
        "deep_lists.py",
        "deep_parentheses.py",
        "deep_unary.py",
        "latin1_without_cookie.py",
        "nul_byte.py",
        "syntax_error.py",
    ]
    # Python 3.10's parser builds these two; from 3.11 on it stops at its recursion limit.
    unparseable += [name for name in ("deep_attributes.py", "deep_sum.py") if not _python_parses(odd_files()[name])]
    unparseable.sort()
    assert [path for path, _, code in found if code == "ASA001"] == unparseable
    # The files that parse are checked, with their own line numbers (BOM, cookie, CRLF).
    assert [(path, line) for path, line, code in found if code == "ASA101"] == [
        ("bom.py", 5),
        ("crlf.py", 5),
        ("good.py", 5),
        ("latin1_with_cookie.py", 7),
    ]


def _python_parses(source: bytes) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return True


def test_asa001_names_the_line_and_the_reason(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/x.py": "import os\n\ndef broken(:\n    pass\n"})
    result = run_cli("check", ".", cwd=root)
    assert result.stdout == "app/x.py:3:12: ASA001 cannot parse: invalid syntax (SyntaxError)\nFound 1 error.\n"


@pytest.mark.long
def test_every_file_of_the_standard_library_is_checked_without_a_crash(tmp_path: Path) -> None:
    # A copy with a pyproject.toml, so that the project root is the library itself and not
    # whatever repository happens to hold this Python installation.
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    copy = tmp_path / "stdlib"

    def not_source(folder: str, names: list[str]) -> list[str]:
        here = Path(folder)
        return [n for n in names if ((here / n).is_file() and not n.endswith(".py")) or is_skipped_dir(here / n)]

    shutil.copytree(stdlib, copy, ignore=not_source, symlinks=True)
    (copy / "pyproject.toml").write_text("", encoding="utf-8")

    result = run_cli("check", ".", cwd=copy)

    assert "Traceback" not in result.stderr
    assert result.stderr == ""
    assert result.returncode in (0, 1)
    findings = reported(result.stdout)
    cannot_parse = {path for path, _, _, code in findings if code == "ASA001"}
    assert cannot_parse == set(files_python_cannot_parse(copy))
    assert {code for *_, code in findings} <= {"ASA001"}


def files_python_cannot_parse(root: Path) -> list[str]:
    failing = []
    for folder, subfolders, files in os.walk(root):
        subfolders[:] = [name for name in subfolders if not is_skipped_dir(Path(folder, name))]
        for name in files:
            path = Path(folder, name)
            if name.endswith(".py") and not _python_parses(path.read_bytes()):
                failing.append(path.relative_to(root).as_posix())
    assert len(failing) < 100  # the library's test data; most of the library parses
    return failing


def test_a_module_global_rebound_from_itself_is_evaluated_without_a_crash(tmp_path: Path) -> None:
    # `label = label.strip()` at module level: what the name is depends on what the name is.
    root = write_project(
        tmp_path / "project",
        {
            "worker.py": "import asyncio\n\n\nasync def tick():\n    await asyncio.sleep(0)\n",
            "labels.py": (
                "from sqlalchemy.ext.asyncio import AsyncSession\n\n"
                "for label in ['a ', ' b']:\n"
                "    label = label.strip()\n"
                "    label = label.replace(' ', '')\n"
            ),
        },
    )

    result = run_cli("check", "--no-cache", ".", cwd=root)

    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "All checks passed!\n"
