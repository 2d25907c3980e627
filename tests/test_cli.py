"""The `alchemy-lint` command as a user runs it: output formats, exit codes, selection, errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import FIXTURES, expected_markers, finding_lines, reported, run_cli, write_project

from alchemy_lint.findings import Finding
from alchemy_lint.rules import ALL_RULES, FileContext, Rule

SAMPLE = "fixtures/sample_app"
SAMPLE_CODES = sorted({code for _, _, code in expected_markers(FIXTURES / "sample_app")})


def codes(output: str) -> list[str]:
    return sorted({code for _, _, _, code in reported(output)})


def test_exit_code_is_1_with_findings_and_0_without() -> None:
    assert run_cli("check", SAMPLE).returncode == 1
    assert run_cli("check", "fixtures/clean_app").returncode == 0


def test_exit_code_is_2_for_a_missing_path_with_one_line_on_stderr() -> None:
    result = run_cli("check", "fixtures/no_such_app")
    assert result.returncode == 2
    assert result.stderr == "alchemy-lint: error: no such file or folder: fixtures/no_such_app\n"


def test_exit_code_is_2_for_an_unknown_option() -> None:
    result = run_cli("check", "--no-such-option", SAMPLE)
    assert result.returncode == 2
    assert "unrecognized arguments: --no-such-option" in result.stderr
    assert "Traceback" not in result.stderr


def test_text_columns_are_1_based_like_flake8() -> None:
    result = run_cli("check", "fixtures/sample_app/app/services/reports.py")
    # `ReportSession = sessionmaker(...)` starts at offset 16: flake8 prints column 17.
    assert result.stdout.splitlines()[0].startswith("fixtures/sample_app/app/services/reports.py:11:17: ASA104 ")


def test_json_format_holds_the_same_findings_as_text() -> None:
    text = run_cli("check", SAMPLE)
    result = run_cli("check", "--format", "json", SAMPLE)
    assert result.returncode == 1
    rows = json.loads(result.stdout)
    assert all({"path", "line", "column", "code", "message"} <= set(row) for row in rows)
    assert [(r["path"], r["line"], r["column"], r["code"]) for r in rows] == reported(text.stdout)
    assert all(row["message"].startswith(row["code"] + " ") for row in rows)


def test_json_format_of_a_clean_project_is_an_empty_list() -> None:
    result = run_cli("check", "--format", "json", "fixtures/clean_app")
    assert (result.returncode, json.loads(result.stdout)) == (0, [])


def test_statistics_count_each_code_after_the_findings() -> None:
    result = run_cli("check", "--statistics", SAMPLE)
    findings = reported("\n".join(line for line in result.stdout.splitlines() if line.startswith(SAMPLE)))
    tail = finding_lines(result.stdout)[len(findings) :]
    counted = {line.split()[1]: int(line.split()[0]) for line in tail[:-1]}
    assert counted == {code: sum(1 for f in findings if f[3] == code) for code in SAMPLE_CODES}
    assert tail[-1] == f"{len(findings)} findings"
    assert f"Found {len(findings)} errors." in result.stdout.splitlines()


def test_exit_zero_prints_findings_and_exits_0() -> None:
    result = run_cli("check", "--exit-zero", SAMPLE)
    assert result.returncode == 0
    assert codes(result.stdout) == SAMPLE_CODES


def test_select_keeps_only_the_selected_codes() -> None:
    assert codes(run_cli("check", "--select", "ASA101", SAMPLE).stdout) == ["ASA101"]
    assert codes(run_cli("check", "--select", "ASA1", SAMPLE).stdout) == [c for c in SAMPLE_CODES if c < "ASA2"]


def test_ignore_drops_codes_and_prefixes() -> None:
    kept = [code for code in SAMPLE_CODES if not code.startswith("ASA1")]
    assert kept and codes(run_cli("check", "--ignore", "ASA1", SAMPLE).stdout) == kept
    assert "ASA103" not in codes(run_cli("check", "--ignore", "ASA103,ASA501", SAMPLE).stdout)


def test_select_with_nothing_found_exits_0() -> None:
    result = run_cli("check", "--select", "ASA001", SAMPLE)
    assert (result.returncode, result.stdout) == (0, "All checks passed!\n")


def test_a_bad_code_on_the_command_line_is_a_usage_error() -> None:
    result = run_cli("check", "--select", "E501", SAMPLE)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1 and "--select" in result.stderr and "ASA101" in result.stderr


def test_pyproject_settings_apply(tmp_path: Path) -> None:
    source = (
        "from sqlalchemy.ext.asyncio import AsyncSession\n\n\ndef open_one(engine):\n    return AsyncSession(engine)\n"
    )
    root = write_project(
        tmp_path / "project",
        {"app/x.py": source, "scripts/y.py": source, "vendored/z.py": source},
        'ignore = ["ASA103"]\nexclude = ["vendored/"]\n[tool.alchemy-lint.per-file-ignores]\n"scripts/**" = ["ASA1"]\n',
    )
    result = run_cli("check", ".", cwd=root)
    assert [(path, code) for path, _, _, code in reported(result.stdout)] == [("app/x.py", "ASA101")]


# -- configuration errors -----------------------------------------------------

BAD_CONFIGS = [
    pytest.param('colour = "red"', "unknown key 'colour'", "allowed: select, extend-select", id="unknown-key"),
    pytest.param('select = "ASA101"', "select must be a list of rule codes", '["ASA101", "ASA3"]', id="select-type"),
    pytest.param('ignore = ["E501"]', "ignore: 'E501' is not a rule code", "allowed: ALL, ASA", id="ignore-code"),
    pytest.param("extend-select = [1]", "extend-select must be a list", "rule codes", id="extend-select"),
    pytest.param('per-file-ignores = ["x"]', "per-file-ignores must be a table", '"tests/**"', id="per-file-ignores"),
    pytest.param('exclude = "build"', "exclude must be a list of glob patterns", '"**/models.py"', id="exclude"),
    pytest.param('preview = "yes"', "preview must be true or false", "'yes'", id="preview"),
    pytest.param('models-modules = [""]', "models-modules must be a list of glob", "**/models.py", id="models-modules"),
    pytest.param("db-modules = {}", "db-modules must be a list of glob", "**/models.py", id="db-modules"),
    pytest.param(
        'session-helper = "get-session"', "session-helper must be a Python function name", "get-session", id="helper"
    ),
    pytest.param(
        'transaction-policy = "strict"',
        "transaction-policy must be one of 'auto', 'explicit', 'unit-of-work'",
        "'strict'",
        id="policy",
    ),
    pytest.param(
        'extra-session-types = ["app..Db"]', "extra-session-types must be a list of dotted names", "app.db", id="extra"
    ),
]


@pytest.mark.parametrize(("config", "names", "allowed"), BAD_CONFIGS)
def test_a_bad_setting_exits_2_with_one_line_naming_the_key(
    tmp_path: Path, config: str, names: str, allowed: str
) -> None:
    root = write_project(tmp_path / "project", {"app/x.py": "x = 1\n"}, config)
    result = run_cli("check", ".", cwd=root)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("alchemy-lint: error: pyproject.toml: ")
    assert names in result.stderr
    assert allowed in result.stderr


def test_a_pyproject_that_is_not_toml_exits_2_with_one_line(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/x.py": "x = 1\n"})
    (root / "pyproject.toml").write_text("[tool.alchemy-lint\nselect = [\n", encoding="utf-8")
    result = run_cli("check", ".", cwd=root)
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("alchemy-lint: error: pyproject.toml: cannot read TOML: ")
    assert "line 1" in result.stderr


def test_a_tool_section_that_is_not_a_table_exits_2(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/x.py": "x = 1\n"})
    (root / "pyproject.toml").write_text('[tool]\nalchemy-lint = "strict"\n', encoding="utf-8")
    result = run_cli("check", ".", cwd=root)
    assert (result.returncode, result.stderr) == (
        2,
        "alchemy-lint: error: pyproject.toml: [tool.alchemy-lint] must be a table\n",
    )


# -- rules and rule -------------------------------------------------------------


def test_rules_lists_every_rule_once() -> None:
    result = run_cli("rules")
    assert result.returncode == 0
    listed = [line.split()[0] for line in result.stdout.splitlines()]
    assert listed == [rule.code for rule in ALL_RULES]
    assert "ASA101  adhoc-session" in result.stdout


def test_rule_explains_one_rule_with_its_examples() -> None:
    result = run_cli("rule", "asa101")
    assert result.returncode == 0
    assert result.stdout.startswith("# ASA101 (adhoc-session)")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead", "## Fix safety"):
        assert section in result.stdout
    assert "AsyncSession(engine, expire_on_commit=False)  # ASA101" in result.stdout


def test_rule_with_an_unknown_code_exits_2() -> None:
    result = run_cli("rule", "ASA999")
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == "alchemy-lint: error: unknown rule 'ASA999'; `alchemy-lint rules` lists them\n"


def test_no_command_is_a_usage_error() -> None:
    result = run_cli()
    assert result.returncode == 2
    assert "usage: alchemy-lint" in result.stderr


def test_version_prints_the_package_version() -> None:
    from alchemy_lint import __version__

    result = run_cli("--version")
    assert (result.returncode, result.stdout) == (0, f"alchemy-lint {__version__}\n")


ADHOC_SESSION = """\
from sqlalchemy.ext.asyncio import AsyncSession, create_async_engine

engine = create_async_engine("sqlite+aiosqlite://")
AsyncSession(engine)
"""


def test_a_crashing_rule_exits_2_naming_the_rule_and_file_after_the_other_files_findings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    # No rule is known to crash; a deliberately broken one stands in for the next bug. It crashes
    # on one file; the other file's finding is still reported, and nothing is cached for the
    # crashed file (the next run meets the crash again rather than an empty answer).
    from dataclasses import replace

    from alchemy_lint import cli, rules
    from alchemy_lint.rules import RULES_BY_CODE

    real = RULES_BY_CODE["ASA101"]

    def crash_on_x(rule: Rule, context: FileContext) -> Iterator[Finding]:
        if context.path.endswith("x.py"):
            raise KeyError("boom")
        yield from real.check(rule, context)

    broken = replace(real, check=crash_on_x)
    monkeypatch.setattr(rules, "enabled_rules", lambda settings: (broken,))
    root = write_project(
        tmp_path / "project",
        {"app/x.py": "x = 1\n", "app/y.py": ADHOC_SESSION},
    )
    monkeypatch.chdir(root)
    for _ in range(2):
        assert cli.main(["check", "--output-format", "concise", "."]) == 2
        captured = capsys.readouterr()
        assert captured.out.startswith("app/y.py:4:1: ASA101 ")
        crash = "ASA101 crashed on app/x.py: KeyError: 'boom'"
        assert captured.err == f"alchemy-lint: internal error: {crash}; please report it with the file\n"
    # Alone, the crashed file reports no "All checks passed!".
    assert cli.main(["check", "app/x.py"]) == 2
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize("selection", [("--select", "ASA999"), ("--ignore", "ASA9"), ("--extend-select", "ASA7")])
def test_a_selector_that_matches_no_rule_is_a_usage_error(selection: tuple[str, str]) -> None:
    result = run_cli("check", *selection, SAMPLE)
    assert result.returncode == 2
    assert f"{selection[1]!r} matches no rule" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unknown_code_in_the_configuration_is_an_error(tmp_path: Path) -> None:
    root = write_project(tmp_path / "project", {"app/db.py": "x = 1\n"}, config='select = ["ASA10", "ASA555"]')
    result = run_cli("check", str(root))
    assert result.returncode == 2
    assert "select: 'ASA555' matches no rule" in result.stderr


def test_statistics_leave_machine_formats_parseable() -> None:
    result = run_cli("check", "--statistics", "--format", "json", SAMPLE)
    findings = json.loads(result.stdout)
    assert findings and f"{len(findings)} findings" in result.stderr
