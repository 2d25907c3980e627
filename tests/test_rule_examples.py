"""Every VALID and INVALID example in a rule definition is a test case."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import example_project, expected_lines, working_directory

from alchemy_lint.engine import check_paths
from alchemy_lint.rules import ALL_RULES, Example, Rule

CASES = [
    pytest.param(rule, example, kind, id=f"{rule.code}-{kind}-{number}")
    for rule in ALL_RULES
    for kind, examples in (("valid", rule.valid), ("invalid", rule.invalid))
    for number, example in enumerate(examples)
]


def test_every_rule_has_valid_and_invalid_examples() -> None:
    for rule in ALL_RULES:
        assert rule.valid, f"{rule.code} has no VALID example"
        assert rule.invalid, f"{rule.code} has no INVALID example"


@pytest.mark.parametrize(("rule", "example", "kind"), CASES)
def test_rule_example(rule: Rule, example: Example, kind: str, tmp_path: Path) -> None:
    # Every rule on, as a user runs them: where two rules report one construct, one finding stays.
    root = example_project(tmp_path / "project", example)
    with working_directory(root):
        found = check_paths([example.path], {"extend_select": (rule.code,)}).findings
    reported = [f.line for f in found if f.code == rule.code]
    expected = expected_lines(example.source, rule.code)
    if kind == "valid":
        assert reported == [], f"{rule.code} reported lines {reported} on a VALID example"
    else:
        assert expected, f"{rule.code} INVALID example marks no line with # {rule.code}"
        assert reported == expected
