"""The docs stay in step with the rules: generated pages, the README table, the changelog."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import REPO

from alchemy_lint.config import ALLOWED_KEYS, settings_from_mapping, tomllib
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


def readme_blocks(section: str, language: str) -> list[str]:
    """The code blocks of one README section in one language."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    start = readme.index(f"## {section}\n")
    end = readme.find("\n## ", start + 1)
    return re.findall(rf"```{language}\n(.*?)```", readme[start : end if end > 0 else None], flags=re.DOTALL)


def readme_commands() -> list[str]:
    """Every alchemy-lint and flake8 command the README shows outside the quick start."""
    commands = []
    for section, language in [
        ("The command line", "sh"),
        ("flake8", "sh"),
        ("Autofix", "console"),
    ]:
        for block in readme_blocks(section, language):
            commands.extend(line.split("  #")[0].strip() for line in block.splitlines() if line.strip())
    for block in readme_blocks("Output formats", "yaml"):
        commands.extend(line.split("- run: ", 1)[1] for line in block.splitlines() if "- run: " in line)
    return commands


@pytest.mark.long
def test_readme_commands_work_as_written_in_a_checkout(tmp_path: Path) -> None:
    # A copy of what a checkout holds, so that the commands' files (-o, --fix) land there.
    checkout = tmp_path / "checkout"
    for name in ("fixtures", "src"):
        shutil.copytree(REPO / name, checkout / name, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    shutil.copy2(REPO / "pyproject.toml", checkout / "pyproject.toml")
    commands = readme_commands()
    assert len(commands) >= 12
    scripts = Path(sys.executable).parent
    for command in commands:
        done = subprocess.run(
            ["bash", "-c", f"set -o pipefail; {command}"],
            cwd=checkout,
            capture_output=True,
            text=True,
            timeout=600,
            env={**os.environ, "PATH": f"{scripts}{os.pathsep}{os.environ['PATH']}"},
        )
        assert done.returncode in (0, 1), f"{command}: {done.stderr}"
        assert "Traceback" not in done.stderr and "error:" not in done.stderr, f"{command}: {done.stderr}"
    assert json.loads((checkout / "findings.json").read_text(encoding="utf-8"))
    assert json.loads((checkout / "alchemy-lint.sarif").read_text(encoding="utf-8"))["version"] == "2.1.0"


def test_readme_configuration_example_is_a_valid_configuration() -> None:
    (block,) = readme_blocks("Configuration", "toml")
    table = tomllib.loads(block)["tool"]["alchemy-lint"]
    settings = settings_from_mapping(table, "README")
    assert settings.exclude == ("migrations/", "scripts/legacy_*.py", "generated/")
    assert set(table) == set(ALLOWED_KEYS)  # every key is shown


def test_readme_warning_example_is_what_the_cli_prints(tmp_path: Path) -> None:
    from conftest import run_cli, write_project

    shown = readme_block("is a warning on stderr", "text")
    root = write_project(tmp_path / "project", {"app.py": "x = 1\n"})
    (root / "pyproject.toml").write_text("[tool.alchemy_lint]\n", encoding="utf-8")
    assert run_cli("check", ".", cwd=root).stderr.splitlines() == shown


def test_readme_editor_install_names_an_extra_of_the_package() -> None:
    (block,) = readme_blocks("Editor (LSP)", "console")
    assert block == "pip install '.[lsp]'\n"
    extras = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["optional-dependencies"]
    assert {"pygls>=2.0", "lsprotocol>=2024.0.0"} <= set(extras["lsp"])
