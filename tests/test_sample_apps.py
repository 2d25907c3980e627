"""The sample apps: the violating one reports exactly its `# expect:` lines, the clean one nothing."""

from __future__ import annotations

import re

from conftest import FIXTURES, expected_markers, reported, run_cli

from alchemy_lint.rules import ALL_RULES


def test_sample_app_reports_exactly_the_marked_lines() -> None:
    result = run_cli("check", "fixtures/sample_app")
    assert (result.returncode, result.stderr) == (1, "")
    # After the findings, ruff's summary: the count, then what --fix (and --unsafe-fixes) can do.
    summary = (
        r"Found \d+ errors\.\n"
        r"\[\*\] \d+ fixable with `--fix`( \(\d+ unsafe fix(es)? available with `--fix --unsafe-fixes`\))?\.\n"
    )
    found = {(path, line, code) for path, line, _, code in reported(result.stdout)}
    assert re.fullmatch(summary, "".join(result.stdout.splitlines(keepends=True)[len(found) :])), result.stdout
    expected = expected_markers(FIXTURES / "sample_app")
    assert sorted(expected - found) == [], "marked but not reported"
    assert sorted(found - expected) == [], "reported but not marked"


def test_sample_app_violates_every_rule_that_is_on_by_default() -> None:
    marked = {code for _, _, code in expected_markers(FIXTURES / "sample_app")}
    # ASA001 needs a file that does not parse; the app is meant to be real code.
    wanted = {rule.code for rule in ALL_RULES if rule.default_on and rule.code != "ASA001"}
    assert sorted(wanted - marked) == []


def test_clean_app_reports_nothing() -> None:
    result = run_cli("check", "fixtures/clean_app")
    assert (result.returncode, result.stdout, result.stderr) == (0, "All checks passed!\n", "")


def test_clean_app_has_no_expect_markers() -> None:
    assert expected_markers(FIXTURES / "clean_app") == set()


def test_checking_from_inside_the_app_reports_the_same_lines() -> None:
    outside = {
        (path.removeprefix("fixtures/sample_app/"), line, column, code)
        for path, line, column, code in reported(run_cli("check", "fixtures/sample_app").stdout)
    }
    inside = set(reported(run_cli("check", cwd=FIXTURES / "sample_app").stdout))
    assert inside == outside
