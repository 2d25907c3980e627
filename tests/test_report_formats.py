"""`--format sarif` and `--format github`: parsed back and checked field by field."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from conftest import working_directory, write_project

from alchemy_lint.cli import main
from alchemy_lint.findings import Finding
from alchemy_lint.report.github import render_github
from alchemy_lint.rules import ALL_RULES

FACTORY = """\
from sqlalchemy.ext.asyncio import async_sessionmaker, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
réglages = {"défaut": async_sessionmaker(engine)}
"""


@pytest.fixture
def app(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project", {"app/__init__.py": "", "app/db.py": FACTORY})


def _sarif(app: Path, capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    with working_directory(app):
        assert main(["check", "--format", "sarif", "."]) == 1
    log: dict[str, Any] = json.loads(capsys.readouterr().out)
    return log


def test_sarif_declares_version_and_every_rule(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    log = _sarif(app, capsys)
    assert log["version"] == "2.1.0"
    assert log["$schema"].endswith("sarif-2.1.0.json")
    (run,) = log["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "alchemy-lint"
    assert [rule["id"] for rule in driver["rules"]] == [rule.code for rule in ALL_RULES]
    for descriptor, rule in zip(driver["rules"], ALL_RULES, strict=True):
        assert descriptor["name"] == rule.name
        assert descriptor["shortDescription"]["text"] == rule.summary
        assert descriptor["helpUri"].startswith("https://")
        assert descriptor["helpUri"].endswith(f"docs/rules/{rule.code}.md")


def test_sarif_result_points_at_the_call_in_characters(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    (run,) = _sarif(app, capsys)["runs"]
    (result,) = run["results"]
    assert result["ruleId"] == "ASA103"
    assert run["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == "ASA103"
    assert result["level"] == "error"
    assert result["message"]["text"].startswith("ASA103 async_sessionmaker(...) without expire_on_commit=False")
    (location,) = result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "app/db.py"
    line = FACTORY.splitlines()[3]
    assert physical["region"] == {"startLine": 4, "startColumn": line.index("async_sessionmaker") + 1}
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_without_findings_has_an_empty_result_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "project", {"app/clean.py": "x = 1\n"})
    with working_directory(root):
        assert main(["check", "--format", "sarif", "."]) == 0
    assert json.loads(capsys.readouterr().out)["runs"][0]["results"] == []


def test_github_format_is_one_error_command_per_finding(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with working_directory(app):
        assert main(["check", "--format", "github", "."]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    column = FACTORY.splitlines()[3].index("async_sessionmaker") + 1
    assert line.startswith(f"::error file=app/db.py,line=4,col={column},title=ASA103::ASA103 async_sessionmaker(...)")


def test_github_format_escapes_what_the_runner_would_split_on() -> None:
    finding = Finding("app/a,b:c.py", 1, 0, "ASA101", "ASA101 100% wrong\nsecond line")
    assert render_github([finding]) == (
        "::error file=app/a%2Cb%3Ac.py,line=1,col=1,title=ASA101::ASA101 100%25 wrong%0Asecond line\n"
    )
