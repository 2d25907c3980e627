"""Golden autofix files: `golden/NAME.in` fixed by `check --fix` is `golden/NAME.out`, and stays so.

Each input is the database module `app/db.py` of a small project; fixing it twice changes nothing.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import working_directory, write_project

from alchemy_lint.cli import main

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(path.stem for path in GOLDEN.glob("*.in"))


def test_every_golden_input_has_an_expected_output() -> None:
    assert CASES
    assert {path.stem for path in GOLDEN.glob("*.out")} == set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_golden_fix(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = (GOLDEN / f"{case}.in").read_text(encoding="utf-8")
    expected = (GOLDEN / f"{case}.out").read_text(encoding="utf-8")
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/db.py": source})
    target = root / "app" / "db.py"
    with working_directory(root):
        main(["check", "--fix", "app/db.py"])
        assert target.read_text(encoding="utf-8") == expected
        ast.parse(expected)
        capsys.readouterr()
        assert main(["check", "--diff", "app/db.py"]) == 0
        assert capsys.readouterr().out == ""
        main(["check", "--fix", "app/db.py"])
    assert target.read_text(encoding="utf-8") == expected
