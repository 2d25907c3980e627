"""Golden autofix files: `golden/NAME.in` fixed by `check --fix` is `golden/NAME.out`, and stays so.

Each input is the database module `app/db.py` of a small project; fixing it twice changes nothing.
A case named for a rule with an unsafe fix (`asa301_...`) runs with `--unsafe-fixes`, and without
it stays as it is.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import working_directory, write_project

from alchemy_lint.cli import main
from alchemy_lint.rules import RULES_BY_CODE, FixSafety

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(path.stem for path in GOLDEN.glob("*.in"))
UNSAFE_CASES = [case for case in CASES if RULES_BY_CODE[case[:6].upper()].fix is FixSafety.UNSAFE]


def fix_flags(case: str) -> list[str]:
    return ["--fix", "--unsafe-fixes"] if case in UNSAFE_CASES else ["--fix"]


def test_every_golden_input_has_an_expected_output() -> None:
    assert CASES
    assert {path.stem for path in GOLDEN.glob("*.out")} == set(CASES)


@pytest.mark.parametrize("case", CASES)
def test_golden_fix(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = (GOLDEN / f"{case}.in").read_text(encoding="utf-8")
    expected = (GOLDEN / f"{case}.out").read_text(encoding="utf-8")
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/db.py": source})
    target = root / "app" / "db.py"
    flags = fix_flags(case)
    with working_directory(root):
        main(["check", *flags, "app/db.py"])
        assert target.read_text(encoding="utf-8") == expected
        compile(expected, case, "exec")
        capsys.readouterr()
        assert main(["check", "--diff", *flags[1:], "app/db.py"]) == 0
        assert capsys.readouterr().out == ""
        main(["check", *flags, "app/db.py"])
    assert target.read_text(encoding="utf-8") == expected


@pytest.mark.parametrize("case", UNSAFE_CASES)
def test_unsafe_golden_fix_needs_unsafe_fixes(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    source = (GOLDEN / f"{case}.in").read_text(encoding="utf-8")
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/db.py": source})
    with working_directory(root):
        main(["check", "--fix", "app/db.py"])
    assert (root / "app" / "db.py").read_text(encoding="utf-8") == source
    capsys.readouterr()
