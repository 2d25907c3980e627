"""The sanitizer during one pytest run: installs the hooks, tells them which test runs, reports.

Registered by `plugin.pytest_configure` only when the sanitizer is on.
"""

from __future__ import annotations

import platform
from collections.abc import Generator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy

from alchemy_lint import __version__
from alchemy_lint.sanitizer.findings import report_json
from alchemy_lint.sanitizer.frames import ProjectCode
from alchemy_lint.sanitizer.instrument import Instrumentation
from alchemy_lint.sanitizer.log import FindingLog, render_finding

SECTION = "alchemy-lint sanitizer"


class Sanitizer:
    def __init__(self, config: pytest.Config, *, strict: bool, report: Path | None) -> None:
        self.strict = strict
        self.report = report
        self.root = Path(config.rootpath)
        self.log = FindingLog()
        self.instrumentation = Instrumentation(ProjectCode(self.root), self.log)
        self.instrumentation.install()
        self.tests = 0

    def pytest_unconfigure(self) -> None:
        self.instrumentation.uninstall()

    def pytest_report_header(self) -> str:
        mode = "strict (a finding fails its test)" if self.strict else "on"
        return f"alchemy-lint sanitizer: {mode}, SQLAlchemy {sqlalchemy.__version__}"

    # -- which test runs --------------------------------------------------------------------

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_protocol(self, item: pytest.Item) -> Generator[None, Any, None]:
        self.log.test = item.nodeid
        self.tests += 1
        try:
            yield
        finally:
            self.log.test = self.log.when = ""

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_setup(self) -> Generator[None, Any, None]:
        self.log.when = "setup"
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self) -> Generator[None, Any, None]:
        self.log.when = "call"
        yield

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_teardown(self, item: pytest.Item) -> Generator[None, Any, None]:
        self.log.when = "teardown"
        yield
        # The fixtures are torn down now: what the test opened should be closed.
        self.instrumentation.lifetimes.check_test_end(item.nodeid)

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> Generator[None, Any, None]:
        outcome = yield
        findings = self.log.of(item.nodeid, call.when)
        if not findings:
            return
        report: pytest.TestReport = outcome.get_result()
        text = "\n".join(render_finding(finding, self.log.counts[finding]) for finding in findings)
        if self.strict and report.passed:
            # The findings first: pytest's short summary (-ra) shows the first line.
            report.outcome = "failed"
            report.longrepr = f"{text}\n({SECTION}, strict: a finding fails the test that caused it)"
        else:
            report.sections.append((SECTION, text))

    # -- the end of the run -----------------------------------------------------------------

    def pytest_terminal_summary(self, terminalreporter: Any) -> None:
        counted = self.log.counts
        if not counted:
            terminalreporter.write_line(f"{SECTION}: no findings in {_tests(self.tests)}")
            return
        terminalreporter.section(SECTION)
        test = None
        for finding, count in counted.items():
            if finding.test != test:
                test = finding.test
                terminalreporter.write_line(f"{test or '(outside any test)'}{_phase(finding.when)}")
            terminalreporter.write_line("  " + render_finding(finding, count).replace("\n", "\n  "))
        codes: dict[str, int] = {}
        for finding in counted:
            codes[finding.code] = codes.get(finding.code, 0) + 1
        by_code = ", ".join(f"{code} x{number}" for code, number in sorted(codes.items()))
        tests = len({finding.test for finding in counted})
        terminalreporter.write_line(
            f"{SECTION}: {len(counted)} finding{'s' if len(counted) != 1 else ''} ({by_code}) "
            f"in {tests} of {_tests(self.tests)}"
        )
        if self.report is not None:
            terminalreporter.write_line(f"{SECTION}: report written to {self.report}")

    def pytest_sessionfinish(self) -> None:
        if self.report is None:
            return
        versions = {
            "alchemy_lint": __version__,
            "sqlalchemy": sqlalchemy.__version__,
            "python": platform.python_version(),
        }
        self.report.parent.mkdir(parents=True, exist_ok=True)
        self.report.write_text(report_json(self.root, self.log.counts, versions), encoding="utf-8")


def _phase(when: str) -> str:
    return f" ({when})" if when and when != "call" else ""


def _tests(count: int) -> str:
    return f"{count} test{'s' if count != 1 else ''}"
