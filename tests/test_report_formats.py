"""`--output-format` json, sarif and github: parsed back and checked field by field."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import REPO, working_directory, write_project

from alchemy_lint.cli import main
from alchemy_lint.config import tomllib
from alchemy_lint.docs import rule_url
from alchemy_lint.findings import Finding
from alchemy_lint.metadata import FALLBACK_REPOSITORY_URL, repository_url
from alchemy_lint.report import render_json
from alchemy_lint.report.github import render_github
from alchemy_lint.report.sarif import sarif_log
from alchemy_lint.report.severity import severity
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
    assert result["level"] == "warning"
    assert result["message"]["text"].startswith("ASA103 async_sessionmaker(...) without expire_on_commit=False")
    (location,) = result["locations"]
    physical = location["physicalLocation"]
    assert physical["artifactLocation"]["uri"] == "app/db.py"
    line = FACTORY.splitlines()[3]
    start = line.index("async_sessionmaker")
    assert physical["region"] == {
        "startLine": 4,
        "startColumn": start + 1,
        "endLine": 4,
        "endColumn": line.index("}") + 1,  # the character after the call, counted in characters
    }
    assert run["columnKind"] == "unicodeCodePoints"


def test_sarif_without_findings_has_an_empty_result_list(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    root = write_project(tmp_path / "project", {"app/clean.py": "x = 1\n"})
    with working_directory(root):
        assert main(["check", "--format", "sarif", "."]) == 0
    assert json.loads(capsys.readouterr().out)["runs"][0]["results"] == []


def test_github_format_is_one_warning_command_per_finding(app: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with working_directory(app):
        assert main(["check", "--format", "github", "."]) == 1
    (line,) = capsys.readouterr().out.splitlines()
    source = FACTORY.splitlines()[3]
    column, end = source.index("async_sessionmaker") + 1, source.index("}") + 1
    assert line.startswith(
        f"::warning file=app/db.py,line=4,col={column},endLine=4,endColumn={end},title=ASA103::"
        "ASA103 async_sessionmaker(...)"
    )


def test_github_format_escapes_what_the_runner_would_split_on() -> None:
    finding = Finding("app/a,b:c.py", 1, 0, "ASA101", "ASA101 100% wrong\nsecond line")
    assert render_github([finding]) == (
        "::warning file=app/a%2Cb%3Ac.py,line=1,col=1,title=ASA101::ASA101 100%25 wrong%0Asecond line\n"
    )


# -- JSON, severity, paths, links ---------------------------------------------------

BROKEN = "def broken(:\n"


def test_json_rows_carry_the_end_the_fix_the_severity_and_the_rule_page(
    app: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with working_directory(app):
        assert main(["check", "--output-format", "json", "."]) == 1
    (row,) = json.loads(capsys.readouterr().out)
    line = FACTORY.splitlines()[3]
    start = len(line[: line.index("async_sessionmaker")].encode())  # flake8's column counts bytes
    end = len(line[: line.index("}")].encode())
    assert (row["line"], row["column"], row["end_line"], row["end_column"]) == (4, start + 1, 4, end + 1)
    assert row["fix"] == {"applicability": "safe"}
    assert row["severity"] == "warning"
    assert row["url"] == rule_url("ASA103") == f"{repository_url()}/blob/main/docs/rules/ASA103.md"


def test_a_rule_without_a_fix_has_none_and_an_unsafe_fix_says_so() -> None:
    rows = json.loads(render_json([Finding("a.py", 1, 0, "ASA101", "ASA101 x"), Finding("a.py", 2, 0, "ASA301", "x")]))
    assert [row["fix"] for row in rows] == [None, {"applicability": "unsafe"}]
    assert [(row["end_line"], row["end_column"]) for row in rows] == [(None, None)] * 2  # no such file to read


def test_severity_is_the_same_in_json_sarif_github_and_the_editor(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = write_project(tmp_path / "project", {"app/__init__.py": "", "app/db.py": FACTORY, "app/bad.py": BROKEN})
    levels: dict[str, dict[str, str]] = {}
    with working_directory(root):
        for output_format in ("json", "sarif", "github"):
            main(["check", "--output-format", output_format, "."])
            out = capsys.readouterr().out
            if output_format == "json":
                levels[output_format] = {row["code"]: row["severity"] for row in json.loads(out)}
            elif output_format == "sarif":
                results = json.loads(out)["runs"][0]["results"]
                levels[output_format] = {result["ruleId"]: result["level"] for result in results}
            else:
                levels[output_format] = {
                    line.split("title=")[1].split("::")[0]: line[2:].split(" ")[0] for line in out.splitlines()
                }
    expected = {"ASA001": "error", "ASA103": "warning"}
    assert levels == {"json": expected, "sarif": expected, "github": expected}
    # The editor's severities, for the same codes (`DiagnosticSeverity.Error` / `.Warning`).
    assert {code: severity(code) for code in expected} == expected


def test_github_and_sarif_paths_are_relative_to_the_repository_root(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    repository = tmp_path / "repository"
    root = write_project(repository / "services" / "api", {"app/__init__.py": "", "app/db.py": FACTORY})
    subprocess.run(["git", "init", "--quiet", str(repository)], check=True, capture_output=True)
    with working_directory(root / "app"):
        main(["check", "--output-format", "github", "db.py"])
        assert capsys.readouterr().out.startswith("::warning file=services/api/app/db.py,line=4,")
        main(["check", "--output-format", "sarif", "db.py"])
    (result,) = json.loads(capsys.readouterr().out)["runs"][0]["results"]
    location = result["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": "services/api/app/db.py", "uriBaseId": "%SRCROOT%"}


def test_every_link_derives_from_the_one_repository_url_in_pyproject() -> None:
    declared = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["urls"]
    assert declared == {"Repository": repository_url()}
    assert repository_url() == FALLBACK_REPOSITORY_URL
    log = sarif_log([])
    assert log["runs"][0]["tool"]["driver"]["informationUri"] == repository_url()
    assert all(rule["helpUri"].startswith(repository_url() + "/") for rule in log["runs"][0]["tool"]["driver"]["rules"])
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    hosted = set(re.findall(r"https://github\.com/[\w.-]+/[\w.-]+", readme))
    assert hosted == {repository_url()}
    assert "example.invalid" not in readme


def test_without_metadata_links_fall_back_to_the_same_url(tmp_path: Path) -> None:
    # A copy of the package run from a folder without its metadata, as a vendored copy is.
    copy = tmp_path / "vendored"
    shutil.copytree(REPO / "src" / "alchemy_lint", copy / "alchemy_lint", ignore=shutil.ignore_patterns("__pycache__"))
    program = "from alchemy_lint.docs import rule_url; print(rule_url('ASA101'))"
    done = subprocess.run(
        [sys.executable, "-I", "-c", f"import sys; sys.path.insert(0, {str(copy)!r}); {program}"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert done.stdout == f"{FALLBACK_REPOSITORY_URL}/blob/main/docs/rules/ASA101.md\n", done.stderr


def test_findings_at_one_place_are_ordered_by_message() -> None:
    from alchemy_lint.findings import Finding

    second = Finding("app.py", 3, 4, "ASA301", "lazy load of Order.lines")
    first = Finding("app.py", 3, 4, "ASA301", "lazy load of Order.customer")
    # Equal keys would leave their order to the set's, which changes with the strings' hashes.
    assert first.sort_key() < second.sort_key()
    assert sorted({second, first}, key=Finding.sort_key) == [first, second]
