"""`alchemy-lint check --runtime-report`: the sample app's own tests under the sanitizer, merged with the check."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import FIXTURES, REPO, expected_markers, finding_lines, reported, run_cli

from alchemy_lint.sanitizer.merge import RUNTIME_CODES

#: One worker runs them all, so that the sample app's tests (seconds, mostly waiting on their
#: races) run once for the module rather than once per worker.
pytestmark = pytest.mark.xdist_group("sanitizer-merge")

SAMPLE = FIXTURES / "sample_app"
#: Static findings no test of the sample app reaches: the gather in order_totals(), the reads after
#: the first failing one in order_summary(), and the except branch of cancel_order().
UNREACHED = {
    ("fixtures/sample_app/app/services/dashboard.py", 59, "ASA201"),
    ("fixtures/sample_app/app/services/order_views.py", 16, "ASA301"),
    ("fixtures/sample_app/app/services/order_views.py", 19, "ASA301"),
    ("fixtures/sample_app/app/services/order_views.py", 39, "ASA302"),
}
if sys.version_info < (3, 11):
    # The sample app's test of its asyncio.TaskGroup (3.11+) is skipped: its race is not run.
    UNREACHED = UNREACHED | {("fixtures/sample_app/app/services/dashboard.py", 65, "ASA201")}
#: The sample app's tests, as pytest counts them on this Python.
SAMPLE_TESTS_RUN = "20 passed" if sys.version_info >= (3, 11) else "19 passed, 1 skipped"
#: What the linter misses: Order.user read through operator.attrgetter in the accounting export.
MISSED = ("fixtures/sample_app/app/services/exports.py", 38, "ASA301")


@pytest.fixture(scope="module")
def runtime_report(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample app's tests run once, with the sanitizer on, as a team would run them."""
    report = tmp_path_factory.mktemp("sanitized") / "runtime.json"
    command = ["-m", "pytest", "-p", "no:cacheprovider", "--alchemy-sanitize", "-W", "ignore"]
    completed = subprocess.run(
        [sys.executable, *command, f"--alchemy-sanitize-report={report}", str(SAMPLE / "tests")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"},
    )
    # The app's tests pin its behaviour, bugs included: they pass; the sanitizer names the bugs.
    assert completed.returncode == 0, completed.stdout[-3000:]
    assert SAMPLE_TESTS_RUN in completed.stdout
    return report


def _split(output: str) -> tuple[list[str], str]:
    """The finding lines of a text report, and its runtime-report line."""
    counts = [line for line in output.splitlines() if line.startswith("runtime report: ")]
    assert len(counts) == 1, output
    return [line for line in finding_lines(output) if line not in counts], counts[0]


def test_runtime_report_confirms_marks_and_adds_what_the_check_missed(runtime_report: Path) -> None:
    result = run_cli("check", "fixtures/sample_app", "--runtime-report", str(runtime_report))
    assert result.returncode == 1, result.stderr
    lines, summary = _split(result.stdout)
    runtime_checked = {marker for marker in expected_markers(SAMPLE) if marker[2] in RUNTIME_CODES}
    confirmed = {
        (path, line, code)
        for (path, line, _, code), text in zip(reported("\n".join(lines)), lines, strict=True)
        if "[confirmed at run time by tests/" in text
    }
    assert confirmed == runtime_checked - UNREACHED
    runtime_only = [text for text in lines if "[runtime only: seen in tests/" in text]
    assert [tuple(text.split(":")[:2]) for text in runtime_only] == [(MISSED[0], str(MISSED[1]))]
    assert "ASA301 lazy load of Order.user in async code (no query was needed this time" in runtime_only[0]
    assert summary.startswith(
        f"runtime report: {len(confirmed)} confirmed, {len(UNREACHED)} static-only, 1 runtime-only "
        f"(rules checked at run time: {', '.join(RUNTIME_CODES)}); "
    )


def test_machine_formats_stay_parseable_with_a_runtime_report(runtime_report: Path) -> None:
    result = run_cli("check", "fixtures/sample_app", "--format", "json", "--runtime-report", str(runtime_report))
    rows = json.loads(result.stdout)
    assert [row["line"] for row in rows if row["path"].endswith("exports.py") and row["code"] == "ASA301"] == [38]
    assert "runtime report: " in result.stderr


def test_the_clean_app_stays_clean_against_the_sample_report(runtime_report: Path) -> None:
    result = run_cli("check", "fixtures/clean_app", "--runtime-report", str(runtime_report))
    assert result.returncode == 0, result.stdout
    lines, summary = _split(result.stdout)
    assert lines == []
    assert summary.startswith("runtime report: 0 confirmed, 0 static-only, 0 runtime-only")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (None, "no such runtime report"),
        ("{not json", "cannot read runtime report"),
        ('{"version": 99}', "is not a runtime report of this version"),
        ('{"version": 1, "root": ".", "findings": [{"code": "ASA201"}]}', "malformed runtime report"),
    ],
)
def test_a_bad_runtime_report_is_one_line_and_exit_2(content: str | None, reason: str, tmp_path: Path) -> None:
    report = tmp_path / "runtime.json"
    if content is not None:
        report.write_text(content, encoding="utf-8")
    result = run_cli("check", "fixtures/clean_app", "--runtime-report", str(report))
    assert result.returncode == 2
    assert result.stderr.startswith("alchemy-lint: error: ") and reason in result.stderr
    assert len(result.stderr.splitlines()) == 1, result.stderr


def test_runtime_findings_follow_the_rule_selection(runtime_report: Path) -> None:
    result = run_cli("check", "fixtures/sample_app", "--select", "ASA302", "--runtime-report", str(runtime_report))
    lines, summary = _split(result.stdout)
    assert {code for *_, code in reported("\n".join(lines))} == {"ASA302"}
    assert summary.startswith("runtime report: 1 confirmed, 1 static-only, 0 runtime-only")
