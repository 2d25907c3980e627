"""Every INVALID example with `fixed=` is a fix test: the fixer turns it into exactly that, once."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest
from conftest import example_project, findings_in, working_directory

from alchemy_lint.fixes.pipeline import FixSession
from alchemy_lint.fixes.registry import FIXERS
from alchemy_lint.rules import ALL_RULES, Example, Rule

#: The `# ASA###` markers that annotate an example for the tests, not part of the user's code.
MARKERS = re.compile(r"[ \t]*#\s*ASA\d{3}(?:[ \t]*#\s*ASA\d{3})*[ \t]*$", re.MULTILINE)

CASES = [
    pytest.param(rule, example, id=f"{rule.code}-fixed-{number}")
    for rule in ALL_RULES
    for number, example in enumerate(rule.invalid)
    if example.fixed is not None
]


def without_markers(source: str) -> str:
    return MARKERS.sub("", source)


def test_every_fixable_rule_has_a_fixer_and_a_fixed_example() -> None:
    fixable = {rule.code for rule in ALL_RULES if rule.fix is not None}
    assert fixable == set(FIXERS)
    with_fixed = {rule.code for rule in ALL_RULES if any(example.fixed for example in rule.invalid)}
    assert fixable <= with_fixed


def test_only_fixable_rules_carry_fixed_examples() -> None:
    for rule in ALL_RULES:
        if rule.fix is None:
            assert all(example.fixed is None for example in rule.invalid), rule.code


@pytest.mark.parametrize(("rule", "example"), CASES)
def test_fix_turns_example_into_fixed(rule: Rule, example: Example, tmp_path: Path) -> None:
    assert example.fixed is not None
    unmarked = Example(without_markers(example.source), example.path, example.others, example.config)
    root = example_project(tmp_path / "project", unmarked)
    target = root / example.path
    before = findings_in(root, example.path, rule.code)
    assert before, f"{rule.code} reports nothing on its INVALID example"
    overrides: dict[str, tuple[str, ...] | None] = {"select": (rule.code,)}
    with working_directory(root):
        session = FixSession([example.path], overrides)
        run = session.fix(session.check().findings, unsafe=True)
    assert [file.error for file in run.files] == [None]
    fixed = target.read_text(encoding="utf-8")
    assert fixed == example.fixed
    ast.parse(fixed)
    fixed_lines = {finding.line for finding in before}
    assert not [f for f in findings_in(root, example.path, rule.code) if f.line in fixed_lines]
    with working_directory(root):
        session = FixSession([example.path], overrides)
        again = session.fix(session.check().findings, unsafe=True)
    assert again.changed == ()
    assert target.read_text(encoding="utf-8") == example.fixed
