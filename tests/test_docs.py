"""The docs stay in step with the rules: generated pages, the README table, the changelog."""

from __future__ import annotations

import re

import pytest
from conftest import REPO

from alchemy_lint.docs import render_all, with_rule_table
from alchemy_lint.rules import ALL_RULES, Rule

DOCS = REPO / "docs" / "rules"
CODES = [pytest.param(rule, id=rule.code) for rule in ALL_RULES]


def test_docs_rules_is_what_the_generator_writes() -> None:
    # Regenerate with: python -m alchemy_lint.docs docs/rules
    expected = render_all()
    on_disk = {path.name: path.read_text(encoding="utf-8") for path in DOCS.glob("*.md")}
    assert sorted(on_disk) == sorted(expected), "docs/rules has missing or extra pages"
    stale = [name for name, content in expected.items() if on_disk[name] != content]
    assert stale == [], f"stale pages, run `python -m alchemy_lint.docs docs/rules`: {stale}"


@pytest.mark.parametrize("rule", CODES)
def test_rule_has_examples_and_a_page_with_every_section(rule: Rule) -> None:
    assert rule.valid and rule.invalid
    page = (DOCS / f"{rule.code}.md").read_text(encoding="utf-8")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert section in page
    assert f"# {rule.code}" in page  # the INVALID example marks its line


@pytest.mark.parametrize("rule", CODES)
def test_rule_code_is_in_the_changelog(rule: Rule) -> None:
    assert re.search(rf"\b{rule.code}\b", (REPO / "CHANGELOG.md").read_text(encoding="utf-8"))


@pytest.mark.parametrize("rule", CODES)
def test_rule_is_in_the_readme_table_with_a_link_to_its_page(rule: Rule) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"| [{rule.code}](docs/rules/{rule.code}.md) | {rule.name} |" in readme


def readme_block(after: str, language: str) -> list[str]:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"```{language}\n", readme.index(after)) + len(language) + 4
    return readme[start : readme.index("```", start)].splitlines()


def test_readme_quick_start_is_two_commands_and_ci_runs_the_second() -> None:
    commands = readme_block("## Quick start", "sh")
    assert commands == [
        "pip install . && alchemy-lint check fixtures/sample_app",
        "pip install '.[test]' && python -m pytest",
    ]
    assert commands[1] in (REPO / ".ci" / "run").read_text(encoding="utf-8")


def test_readme_shows_real_output_of_the_first_command() -> None:
    from conftest import run_cli

    shown = readme_block("The first prints", "text")
    assert shown
    actual = run_cli("check", "fixtures/sample_app").stdout.splitlines()
    assert [line for line in shown if line not in actual] == []


def test_readme_rule_table_is_the_generated_one() -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert with_rule_table(readme) == readme, "run `python -m alchemy_lint.docs docs/rules`"
