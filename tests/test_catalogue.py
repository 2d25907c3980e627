"""The catalogue (codes, names, fixes written out for runs that import no rule) says what the rules say."""

from __future__ import annotations

import pytest

from alchemy_lint.catalogue import FIXES, RULE_NAMES, check_selectors, is_fixable
from alchemy_lint.config import ConfigError, Settings
from alchemy_lint.findings import Finding
from alchemy_lint.rules import ALL_RULES


def test_the_catalogue_names_every_rule_in_code_order_as_the_rules_do() -> None:
    assert list(RULE_NAMES.items()) == [(rule.code, rule.name) for rule in ALL_RULES]


def test_the_catalogue_has_each_rules_fix_and_its_safety() -> None:
    assert {rule.code: rule.fix for rule in ALL_RULES if rule.fix is not None} == FIXES


@pytest.mark.parametrize("unsafe", [False, True])
def test_a_finding_is_fixable_as_its_rules_fix_allows(unsafe: bool) -> None:
    for rule in ALL_RULES:
        finding = Finding("app/x.py", 1, 0, rule.code, f"{rule.code} message")
        expected = rule.fix is not None and (rule.fix.value == "safe" or unsafe)
        assert is_fixable(finding, unsafe=unsafe) == expected, rule.code


def test_a_selector_matching_no_rule_is_refused_and_prefixes_of_codes_are_not() -> None:
    check_selectors(Settings(select=("ASA1", "ASA502", "ALL"), ignore=("ASA3",)))
    with pytest.raises(ConfigError, match=r"extend-select: 'ASA9' matches no rule"):
        check_selectors(Settings(extend_select=("ASA9",)))
