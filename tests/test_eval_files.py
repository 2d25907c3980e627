"""Eval files in flake8-bugbear style: every offending line names its codes in a comment.

Each file under tests/eval/ is checked as `app/<name>` of a project of its own; the
reported (line, code) pairs must equal the marked ones, in the CLI and in flake8 alike.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import findings_in, reported, write_project

EVAL = Path(__file__).parent / "eval"
CODES = re.compile(r"#\s*(ASA\d{3}(?:\s*,\s*ASA\d{3})*)\s*$")


def marked(source: str) -> list[tuple[int, str]]:
    found = []
    for number, line in enumerate(source.splitlines(), 1):
        match = CODES.search(line)
        if match:
            found.extend((number, code.strip()) for code in match.group(1).split(","))
    return sorted(found)


EVAL_FILES = sorted(path.name for path in EVAL.glob("*.py"))


def eval_project(tmp_path: Path, name: str) -> tuple[Path, str]:
    source = (EVAL / name).read_text(encoding="utf-8")
    return write_project(tmp_path / "project", {f"app/{name}": source}), source


@pytest.mark.parametrize("name", EVAL_FILES)
def test_eval_file_reports_exactly_its_marked_lines(tmp_path: Path, name: str) -> None:
    root, source = eval_project(tmp_path, name)
    expected = marked(source)
    assert expected, f"{name} marks no line"
    found = sorted((f.line, f.code) for f in findings_in(root, f"app/{name}"))
    assert found == expected


@pytest.mark.parametrize("name", EVAL_FILES)
def test_flake8_reports_the_same_on_the_eval_file(tmp_path: Path, name: str) -> None:
    root, source = eval_project(tmp_path, name)
    flake8 = subprocess.run(
        [sys.executable, "-m", "flake8", "--isolated", "--select", "ASA", f"app/{name}"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert flake8.stderr == ""
    assert sorted((line, code) for _, line, _, code in reported(flake8.stdout)) == marked(source)


def test_every_rule_on_by_default_appears_in_an_eval_file() -> None:
    from alchemy_lint.rules import ALL_RULES

    codes = {code for name in EVAL_FILES for _, code in marked((EVAL / name).read_text(encoding="utf-8"))}
    wanted = {rule.code for rule in ALL_RULES if rule.default_on and rule.code != "ASA001"}
    assert sorted(wanted - codes) == []
