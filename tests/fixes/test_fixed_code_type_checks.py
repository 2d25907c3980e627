"""The fixed forms of ASA104 type-check: the fix leaves no type error behind (mypy --strict,
against the installed SQLAlchemy and SQLModel)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from alchemy_lint.rules import RULES_BY_CODE

GOLDEN = Path(__file__).parent / "golden"


@pytest.mark.long
def test_fixed_legacy_factories_type_check(tmp_path: Path) -> None:
    fixed = [example.fixed for example in RULES_BY_CODE["ASA104"].invalid if example.fixed]
    fixed.append((GOLDEN / "asa104_annotated_target_is_retyped.out").read_text(encoding="utf-8"))
    fixed.append((GOLDEN / "asa104_and_asa103_on_one_call.out").read_text(encoding="utf-8"))
    for number, source in enumerate(fixed):
        (tmp_path / f"fixed_{number}.py").write_text(source, encoding="utf-8")
    command = [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / ".mypy_cache"), "."]
    done = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stdout
